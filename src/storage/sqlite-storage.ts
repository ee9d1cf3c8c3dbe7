// The storage port on SQLite. Reads run at once, on this thread, with statements prepared once;
// writes go to the writer thread (sqlite-writer-client.ts), which commits them in groups and answers
// only when they are durable. The statements are those of the PostgreSQL backend (kysely-storage.ts);
// the contract suite (test/contract) holds both to one behaviour.
//
// The reads of one turn of the event loop share one read transaction: each read on its own would
// take and release SQLite's WAL read lock, and check the file, with system calls costing more than
// the read. The snapshot ends with the turn, and whenever the writer commits, so a request reads its
// own writes (and other processes' writes show from the next turn).
import type BetterSqlite3 from 'better-sqlite3';
import type { KeyStore } from './kysely-storage.ts';
import type { PageRequest, Storage } from './port.ts';
import { type ProfileItemsTable as ItemRow, type UsersTable as UserRow, toItem, toUser } from './schema.ts';
import type { WriterClient } from './sqlite-writer-client.ts';
import { ITEM_COLUMNS } from './sqlite-writes.ts';

export function createSqliteStorage(db: BetterSqlite3.Database, writer: WriterClient, opts: { keys: KeyStore }): Storage {
  const q = <Row = unknown>(source: string) => db.prepare<unknown[], Row>(source);

  const beginSnapshot = db.prepare('BEGIN');
  const endSnapshotStatement = db.prepare('COMMIT');
  const endSnapshot = () => {
    if (db.inTransaction) endSnapshotStatement.run();
  };
  /** Runs a read inside this turn's snapshot, beginning it if need be. */
  const read = <T>(run: () => T): T => {
    if (!db.inTransaction) {
      beginSnapshot.run();
      setImmediate(endSnapshot);
    }
    return run();
  };
  writer.onCommit(endSnapshot);

  const userById = q<UserRow>('SELECT * FROM users WHERE tenant_id = ? AND id = ?');
  const userByUpn = q<UserRow>('SELECT * FROM users WHERE tenant_id = ? AND upn_key = ?');
  const allUsers = q<UserRow>("SELECT * FROM users ORDER BY tenant_id, coalesce(upn_key, ''), id");
  const wholeProfile = q<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM profile_items WHERE tenant_id = ? AND user_id = ? ORDER BY facet, created_at, id`);
  const allItems = q<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ? ORDER BY created_at, id`);
  const oneItem = q<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ? AND id = ?`);
  // Pages: four variants (visible to others or all; after a key or from the start), each prepared once.
  const pageStatements = new Map<string, BetterSqlite3.Statement<unknown[], ItemRow>>();
  const pageStatement = (masked: boolean, after: boolean) => {
    const key = `${masked}${after}`;
    let s = pageStatements.get(key);
    if (!s) {
      s = q<ItemRow>(
        `SELECT ${ITEM_COLUMNS} FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ?` +
          (masked ? ' AND (audience & ?) <> 0' : '') +
          (after ? ' AND (created_at > ? OR (created_at = ? AND id > ?))' : '') +
          ' ORDER BY created_at, id LIMIT ? OFFSET ?',
      );
      pageStatements.set(key, s);
    }
    return s;
  };
  const countAll = q<{ n: number }>('SELECT count(*) AS n FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ?');
  const countMasked = q<{ n: number }>(
    'SELECT count(*) AS n FROM profile_items WHERE tenant_id = ? AND user_id = ? AND facet = ? AND (audience & ?) <> 0',
  );

  return {
    async getUserById(tenantId, id) {
      const row = read(() => userById.get(tenantId, id));
      return row && toUser(row);
    },

    async getUserByUpn(tenantId, upn) {
      const row = read(() => userByUpn.get(tenantId, upn.toLowerCase()));
      return row && toUser(row);
    },

    saveUser: (user) => writer.write('saveUser', user),

    async listUsers() {
      return read(() => allUsers.all()).map(toUser);
    },

    removeUser: (tenantId, id) => writer.write('removeUser', tenantId, id),
    removeAll: () => writer.write('removeAll'),

    async addUserIfAbsent(user) {
      await writer.write('addUserIfAbsent', user);
      return toUser(read(() => userByUpn.get(user.tenantId, user.userPrincipalName.toLowerCase()))!);
    },

    async listItems(tenantId, userId, facet) {
      return read(() => (facet === undefined ? wholeProfile.all(tenantId, userId) : allItems.all(tenantId, userId, facet))).map(toItem);
    },

    async pageItems(tenantId, userId, facet, page: PageRequest) {
      const params: unknown[] = [tenantId, userId, facet];
      if (page.audienceMask !== undefined) params.push(page.audienceMask);
      if (page.after) params.push(page.after[0], page.after[0], page.after[1]);
      params.push(page.limit, page.offset);
      return read(() => pageStatement(page.audienceMask !== undefined, page.after !== undefined).all(...params)).map(toItem);
    },

    async countItems(tenantId, userId, facet, audienceMask) {
      const row = read(() =>
        audienceMask === undefined ? countAll.get(tenantId, userId, facet) : countMasked.get(tenantId, userId, facet, audienceMask),
      );
      return row!.n;
    },

    async getItem(tenantId, userId, facet, id) {
      const row = read(() => oneItem.get(tenantId, userId, facet, id));
      return row && toItem(row);
    },

    insertItem: (p, cap) => writer.write('insertItem', p, cap),
    replaceItem: (p, expectedVersion) => writer.write('replaceItem', p, expectedVersion),
    deleteItem: (tenantId, userId, facet, id, expectedVersion) => writer.write('deleteItem', tenantId, userId, facet, id, expectedVersion),
    deleteProfile: (tenantId, userId) => writer.write('deleteProfile', tenantId, userId),
    importBatch: (batch) => writer.write('importBatch', batch),

    loadOrCreateSigningKey: (create) => opts.keys.loadOrCreate(create),

    async ping() {
      read(() => db.prepare('SELECT 1').get());
    },

    async close() {
      await writer.close();
      endSnapshot();
      db.close();
    },
  };
}
