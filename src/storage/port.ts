// The storage port: the few things the service asks of a database. Rules (ids, versions, merging,
// visibility, the response shape) live above it, in positions/ and auth/, so that every backend
// behaves alike. Each write is one transaction, durable when its promise resolves.
import type { JWK } from 'jose';

export interface UserRecord {
  tenantId: string;
  id: string;
  userPrincipalName: string | null;
  displayName: string | null;
  mail: string | null;
  createdDateTime: string;
}

export interface PositionRecord {
  tenantId: string;
  userId: string;
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

/** A page of a user's positions in the default order (createdDateTime, then id). */
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

  /** All of a user's positions, oldest first (createdDateTime, then id). */
  listPositions(tenantId: string, userId: string): Promise<PositionRecord[]>;
  /** One page of them, cut in the database: its cost does not grow with the profile. */
  pagePositions(tenantId: string, userId: string, page: PageRequest): Promise<PositionRecord[]>;
  /** How many positions match `audienceMask` (all when undefined). */
  countPositions(tenantId: string, userId: string, audienceMask?: number): Promise<number>;
  getPosition(tenantId: string, userId: string, id: string): Promise<PositionRecord | undefined>;
  /**
   * Inserts the position unless the profile already holds `cap` of them: false then, and nothing is
   * written. The count is kept beside the data, so the check costs the same at any size, and it is
   * exact under concurrency.
   */
  insertPosition(position: PositionRecord, cap: number): Promise<boolean>;
  /** Replaces the stored row only if its version is still `expectedVersion`; false otherwise. */
  replacePosition(position: PositionRecord, expectedVersion: number): Promise<boolean>;
  /** Deletes (only at `expectedVersion`, when given); false when nothing matched. */
  deletePosition(tenantId: string, userId: string, id: string, expectedVersion?: number): Promise<boolean>;
  /** Bulk load (seeding, import): users added unless their id exists, positions inserted without a cap; one transaction. */
  importBatch(batch: { users: readonly UserRecord[]; positions: readonly PositionRecord[] }): Promise<void>;

  /** The stored signing key, or the one `create` makes when there is none yet (the first writer wins). */
  loadOrCreateSigningKey(create: () => Promise<SigningKey>): Promise<SigningKey>;

  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
