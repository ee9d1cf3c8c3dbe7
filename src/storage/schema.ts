// Row types of the tables, as Kysely sees them, and the records of the storage port they hold. One
// schema for every backend.
import type { ItemRecord, UserRecord } from './port.ts';

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

export interface ProfileItemsTable {
  tenant_id: string;
  user_id: string;
  /** ItemRecord.facet: the collection's navigation name. */
  facet: string;
  id: string;
  version: number;
  audience: number;
  created_at: string;
  /** JSON text of the entity (ItemRecord.json). */
  body: string;
  /** ItemRecord.shape; '' for rows written before it existed. */
  shape: string;
}

export interface ProfileCountsTable {
  tenant_id: string;
  user_id: string;
  /** The collection counted (ItemRecord.facet). */
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
  profile_items: ProfileItemsTable;
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
export const toItem = (r: ProfileItemsTable): ItemRecord => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  facet: r.facet,
  id: r.id,
  version: Number(r.version),
  audience: Number(r.audience),
  createdDateTime: r.created_at,
  json: r.body,
  shape: r.shape,
});

/** How many of `items` each collection of each profile receives (a bulk load adds them to its count at once). */
export function countsByCollection(items: readonly ItemRecord[]): ProfileCountsTable[] {
  const counts = new Map<string, ProfileCountsTable>();
  for (const p of items) {
    const key = `${p.tenantId}/${p.userId}/${p.facet}`;
    const entry = counts.get(key) ?? { tenant_id: p.tenantId, user_id: p.userId, facet: p.facet, items: 0 };
    entry.items++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
