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
import { type PositionsTable as PositionRow, type UsersTable as UserRow, toPosition, toUser } from './schema.ts';
import type { WriterClient } from './sqlite-writer-client.ts';
import { POSITION_COLUMNS } from './sqlite-writes.ts';

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
  const allPositions = q<PositionRow>(`SELECT ${POSITION_COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id`);
  const onePosition = q<PositionRow>(`SELECT ${POSITION_COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ? AND id = ?`);
  // Pages: four variants (visible to others or all; after a key or from the start), each prepared once.
  const pageStatements = new Map<string, BetterSqlite3.Statement<unknown[], PositionRow>>();
  const pageStatement = (masked: boolean, after: boolean) => {
    const key = `${masked}${after}`;
    let s = pageStatements.get(key);
    if (!s) {
      s = q<PositionRow>(
        `SELECT ${POSITION_COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ?` +
          (masked ? ' AND (audience & ?) <> 0' : '') +
          (after ? ' AND (created_at > ? OR (created_at = ? AND id > ?))' : '') +
          ' ORDER BY created_at, id LIMIT ? OFFSET ?',
      );
      pageStatements.set(key, s);
    }
    return s;
  };
  const countAll = q<{ n: number }>('SELECT count(*) AS n FROM positions WHERE tenant_id = ? AND user_id = ?');
  const countMasked = q<{ n: number }>('SELECT count(*) AS n FROM positions WHERE tenant_id = ? AND user_id = ? AND (audience & ?) <> 0');

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

    async addUserIfAbsent(user) {
      await writer.write('addUserIfAbsent', user);
      return toUser(read(() => userByUpn.get(user.tenantId, user.userPrincipalName.toLowerCase()))!);
    },

    async listPositions(tenantId, userId) {
      return read(() => allPositions.all(tenantId, userId)).map(toPosition);
    },

    async pagePositions(tenantId, userId, page: PageRequest) {
      const params: unknown[] = [tenantId, userId];
      if (page.audienceMask !== undefined) params.push(page.audienceMask);
      if (page.after) params.push(page.after[0], page.after[0], page.after[1]);
      params.push(page.limit, page.offset);
      return read(() => pageStatement(page.audienceMask !== undefined, page.after !== undefined).all(...params)).map(toPosition);
    },

    async countPositions(tenantId, userId, audienceMask) {
      const row = read(() => (audienceMask === undefined ? countAll.get(tenantId, userId) : countMasked.get(tenantId, userId, audienceMask)));
      return row!.n;
    },

    async getPosition(tenantId, userId, id) {
      const row = read(() => onePosition.get(tenantId, userId, id));
      return row && toPosition(row);
    },

    insertPosition: (p, cap) => writer.write('insertPosition', p, cap),
    replacePosition: (p, expectedVersion) => writer.write('replacePosition', p, expectedVersion),
    deletePosition: (tenantId, userId, id, expectedVersion) => writer.write('deletePosition', tenantId, userId, id, expectedVersion),
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
