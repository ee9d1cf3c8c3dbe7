// The storage port: the few things the service asks of a database. Rules (ids, versions, merging,
// visibility) live above it, in positions/ and auth/, so that every backend behaves alike.
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
  /** allowedAudiences as flags, so that visibility can be decided without reading the body. */
  audience: number;
  createdDateTime: string;
  /** The sparse entity, server-owned properties included. */
  body: Record<string, unknown>;
}

/** The local token issuer's private signing key, as a JWK with `kid` and `alg`. */
export type SigningKey = JWK & { kid: string; alg: string };

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

  /** A user's positions, oldest first (createdDateTime, then id). */
  listPositions(tenantId: string, userId: string): Promise<PositionRecord[]>;
  getPosition(tenantId: string, userId: string, id: string): Promise<PositionRecord | undefined>;
  insertPosition(position: PositionRecord): Promise<void>;
  /** Replaces the stored row only if its version is still `expectedVersion`; false otherwise. */
  replacePosition(position: PositionRecord, expectedVersion: number): Promise<boolean>;
  /** Deletes (only at `expectedVersion`, when given); false when nothing matched. */
  deletePosition(tenantId: string, userId: string, id: string, expectedVersion?: number): Promise<boolean>;

  /** The stored signing key, or the one `create` makes when there is none yet (the first writer wins). */
  loadOrCreateSigningKey(create: () => Promise<SigningKey>): Promise<SigningKey>;

  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
