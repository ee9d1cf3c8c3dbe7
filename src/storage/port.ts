// The storage port: the few things the service asks of a database. Rules (ids, versions, merging,
// visibility, the response shape) live above it, in profile/ and auth/, so that every backend
// behaves alike. Each write is one transaction, durable when its promise resolves. Items of every
// facet collection are kept alike, keyed by their id and scoped by (tenant, user, facet).
import type { JWK } from 'jose';

export interface UserRecord {
  tenantId: string;
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  mail: string | null;
  createdDateTime: string;
}

export interface ItemRecord {
  tenantId: string;
  userId: string;
  /** The collection the item belongs to: its navigation name ('positions', 'skills', ...). */
  facet: string;
  id: string;
  /** Incremented by every write; the basis of ETags and of conditional updates. */
  version: number;
  /** allowedAudiences as flags, so that visibility can be decided without reading the item. */
  audience: number;
  createdDateTime: string;
  /**
   * The entity as JSON text, kept in the form responses carry it, so that reads can serve it without
   * parsing. Opaque to storage.
   */
  json: string;
  /** Which version of the response shape `json` has (opaque to storage); readers re-shape older rows. */
  shape: string;
}

/** The local token issuer's private signing key, as a JWK with `kid` and `alg`. */
export type SigningKey = JWK & { kid: string; alg: string };

/** A page of one collection of a profile in the default order (createdDateTime, then id). */
export interface PageRequest {
  /** Only items whose audience shares a bit with this mask (what another user may see); undefined: all. */
  readonly audienceMask?: number | undefined;
  /** Only items after this (createdDateTime, id) key. */
  readonly after?: readonly [createdDateTime: string, id: string] | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface Storage {
  getUserById(tenantId: string, id: string): Promise<UserRecord | undefined>;
  /** Case-insensitive. */
  getUserByUpn(tenantId: string, upn: string): Promise<UserRecord | undefined>;
  /** Inserts or replaces by (tenantId, id), in one transaction releasing the UPN from any other user of the tenant. */
  saveUser(user: UserRecord): Promise<void>;
  /**
   * Inserts the user unless the tenant already has one with that UPN, atomically, and returns the user
   * that holds the UPN afterwards: so that concurrent first uses of a UPN agree on one id.
   */
  addUserIfAbsent(user: UserRecord & { userPrincipalName: string }): Promise<UserRecord>;

  /**
   * The items of one collection of a profile, oldest first (createdDateTime, then id); of every
   * collection when `facet` is undefined, ordered by facet first.
   */
  listItems(tenantId: string, userId: string, facet?: string): Promise<ItemRecord[]>;
  /** One page of a collection, cut in the database: its cost does not grow with the profile. */
  pageItems(tenantId: string, userId: string, facet: string, page: PageRequest): Promise<ItemRecord[]>;
  /** How many items of the collection match `audienceMask` (all when undefined). */
  countItems(tenantId: string, userId: string, facet: string, audienceMask?: number): Promise<number>;
  getItem(tenantId: string, userId: string, facet: string, id: string): Promise<ItemRecord | undefined>;
  /**
   * Inserts the item unless its collection already holds `cap` items: false then, and nothing is
   * written. The count is kept beside the data, so the check costs the same at any size, and it is
   * exact under concurrency.
   */
  insertItem(item: ItemRecord, cap: number): Promise<boolean>;
  /** Replaces the stored row only if its version is still `expectedVersion`; false otherwise. */
  replaceItem(item: ItemRecord, expectedVersion: number): Promise<boolean>;
  /** Deletes (only at `expectedVersion`, when given); false when nothing matched. */
  deleteItem(tenantId: string, userId: string, facet: string, id: string, expectedVersion?: number): Promise<boolean>;
  /** Deletes every item of every collection of the profile, and their counts, in one transaction. */
  deleteProfile(tenantId: string, userId: string): Promise<void>;
  /** Every user of every tenant (the CLI's `users list`), by tenant, then UPN. */
  listUsers(): Promise<UserRecord[]>;
  /** Removes the user and every item of their profile, in one transaction; false when there was no such user. */
  removeUser(tenantId: string, id: string): Promise<boolean>;
  /** Removes every user and every item (the CLI's `reset`), in one transaction; the signing key stays. */
  removeAll(): Promise<void>;
  /** Bulk load (seeding, import): users added unless their id exists, items inserted without a cap; one transaction. */
  importBatch(batch: { users: readonly UserRecord[]; items: readonly ItemRecord[] }): Promise<void>;

  /** The stored signing key, or the one `create` makes when there is none yet (the first writer wins). */
  loadOrCreateSigningKey(create: () => Promise<SigningKey>): Promise<SigningKey>;

  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
