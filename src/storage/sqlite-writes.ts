// Every write SQLite storage makes, as synchronous functions over prepared statements. They run in
// the writer thread (sqlite-writer.ts), inside group commits; their names and arguments are what the
// service's thread sends it.
import type BetterSqlite3 from 'better-sqlite3';
import type { ItemRecord, UserRecord } from './port.ts';
import { countsByCollection } from './schema.ts';

/** The columns of profile_items, in the order itemParams gives their values. */
export const ITEM_COLUMNS = 'tenant_id, user_id, facet, id, version, audience, created_at, body, shape';

export const itemParams = (p: ItemRecord) => [p.tenantId, p.userId, p.facet, p.id, p.version, p.audience, p.createdDateTime, p.json, p.shape];
export const userParams = (u: UserRecord) => [
  u.tenantId,
  u.id,
  u.userPrincipalName,
  u.userPrincipalName?.toLowerCase() ?? null,
  u.displayName,
  u.mail,
  u.createdDateTime,
];

export function sqliteWrites(db: BetterSqlite3.Database) {
  const q = (source: string) => db.prepare(source);
  const releaseUpn = q('UPDATE users SET upn = NULL, upn_key = NULL WHERE tenant_id = ? AND upn_key = ? AND id <> ?');
  const upsertUser = q(
    `INSERT INTO users (tenant_id, id, upn, upn_key, display_name, mail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, id) DO UPDATE SET upn = excluded.upn, upn_key = excluded.upn_key, display_name = excluded.display_name, mail = excluded.mail`,
  );
  const insertUserIfAbsent = q(
    'INSERT INTO users (tenant_id, id, upn, upn_key, display_name, mail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const insertRow = q(`INSERT INTO profile_items (${ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const replaceRow = q(
    'UPDATE profile_items SET version = ?, audience = ?, body = ?, shape = ? WHERE tenant_id = ? AND user_id = ? AND facet = ? AND id = ? AND version = ?',
  );
  const deleteRow = q('DELETE FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ? AND id = ?');
  const deleteRowAt = q('DELETE FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ? AND id = ? AND version = ?');
  const deleteRows = q('DELETE FROM profile_items WHERE tenant_id = ? AND user_id = ?');
  const deleteCounts = q('DELETE FROM profile_counts WHERE tenant_id = ? AND user_id = ?');
  const deleteUser = q('DELETE FROM users WHERE tenant_id = ? AND id = ?');
  const deleteEverything = ['DELETE FROM profile_items', 'DELETE FROM profile_counts', 'DELETE FROM users'].map(q);
  // Counted, capped: the upsert changes no row when the profile is full.
  const takeRoom = q(
    `INSERT INTO profile_counts (tenant_id, user_id, facet, items) VALUES (?, ?, ?, 1)
     ON CONFLICT (tenant_id, user_id, facet) DO UPDATE SET items = items + 1 WHERE items < ?`,
  );
  const addCount = q(
    `INSERT INTO profile_counts (tenant_id, user_id, facet, items) VALUES (?, ?, ?, ?)
     ON CONFLICT (tenant_id, user_id, facet) DO UPDATE SET items = items + excluded.items`,
  );
  const giveRoom = q('UPDATE profile_counts SET items = items - 1 WHERE tenant_id = ? AND user_id = ? AND facet = ?');

  return {
    saveUser(user: UserRecord): void {
      if (user.userPrincipalName !== null) releaseUpn.run(user.tenantId, user.userPrincipalName.toLowerCase(), user.id);
      upsertUser.run(...userParams(user));
    },

    addUserIfAbsent(user: UserRecord): void {
      insertUserIfAbsent.run(...userParams(user));
    },

    insertItem(p: ItemRecord, cap: number): boolean {
      if (takeRoom.run(p.tenantId, p.userId, p.facet, cap).changes === 0) return false;
      insertRow.run(...itemParams(p));
      return true;
    },

    replaceItem(p: ItemRecord, expectedVersion: number): boolean {
      return replaceRow.run(p.version, p.audience, p.json, p.shape, p.tenantId, p.userId, p.facet, p.id, expectedVersion).changes === 1;
    },

    deleteItem(tenantId: string, userId: string, facet: string, id: string, expectedVersion?: number): boolean {
      const result =
        expectedVersion === undefined ? deleteRow.run(tenantId, userId, facet, id) : deleteRowAt.run(tenantId, userId, facet, id, expectedVersion);
      if (result.changes === 0) return false;
      giveRoom.run(tenantId, userId, facet);
      return true;
    },

    deleteProfile(tenantId: string, userId: string): void {
      deleteRows.run(tenantId, userId);
      deleteCounts.run(tenantId, userId);
    },

    removeUser(tenantId: string, id: string): boolean {
      deleteRows.run(tenantId, id);
      deleteCounts.run(tenantId, id);
      return deleteUser.run(tenantId, id).changes === 1;
    },

    removeAll(): void {
      for (const statement of deleteEverything) statement.run();
    },

    importBatch({ users, items }: { users: readonly UserRecord[]; items: readonly ItemRecord[] }): void {
      for (const u of users) insertUserIfAbsent.run(...userParams(u));
      for (const p of items) insertRow.run(...itemParams(p));
      for (const c of countsByCollection(items)) addCount.run(c.tenant_id, c.user_id, c.facet, c.items);
    },
  };
}

export type SqliteWrites = ReturnType<typeof sqliteWrites>;
export type WriteName = keyof SqliteWrites;
