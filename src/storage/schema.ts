// Row types of the tables, as Kysely sees them, and the records of the storage port they hold. One
// schema for every backend.
import type { PositionRecord, UserRecord } from './port.ts';

export interface UsersTable {
  tenant_id: string;
  id: string;
  upn: string | null;
  /** Lower-cased UPN: the unique, case-insensitive lookup key. */
  upn_key: string | null;
  display_name: string | null;
  mail: string | null;
  created_at: string;
}

export interface PositionsTable {
  tenant_id: string;
  user_id: string;
  id: string;
  version: number;
  audience: number;
  created_at: string;
  /** JSON text of the entity (PositionRecord.json). */
  body: string;
  /** PositionRecord.shape; '' for rows written before it existed. */
  shape: string;
}

export interface ProfileCountsTable {
  tenant_id: string;
  user_id: string;
  /** The collection counted ('positions'). */
  facet: string;
  items: number;
}

export interface SigningKeysTable {
  id: string;
  /** The private JWK, as JSON text. */
  jwk: string;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  positions: PositionsTable;
  signing_keys: SigningKeysTable;
  profile_counts: ProfileCountsTable;
}

export const toUser = (r: UsersTable): UserRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  userPrincipalName: r.upn,
  displayName: r.display_name,
  mail: r.mail,
  createdDateTime: r.created_at,
});

/** Numbers made sure of: a driver may give integers as strings. */
export const toPosition = (r: PositionsTable): PositionRecord => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  id: r.id,
  version: Number(r.version),
  audience: Number(r.audience),
  createdDateTime: r.created_at,
  json: r.body,
  shape: r.shape,
});

/** The collection positions are counted under in profile_counts. */
export const POSITIONS_FACET = 'positions';

/** How many of `positions` each profile receives (a bulk load adds them to its count at once). */
export function countsByProfile(positions: readonly PositionRecord[]): ProfileCountsTable[] {
  const counts = new Map<string, ProfileCountsTable>();
  for (const p of positions) {
    const key = `${p.tenantId}/${p.userId}`;
    const entry = counts.get(key) ?? { tenant_id: p.tenantId, user_id: p.userId, facet: POSITIONS_FACET, items: 0 };
    entry.items++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
