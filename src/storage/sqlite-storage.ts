// The storage port on SQLite, with better-sqlite3's prepared statements (prepared once, reused) and
// group commit (group-commit.ts): reads run at once; writes join the next shared transaction and
// resolve only when it is durable. The statements are the same as the PostgreSQL backend's
// (kysely-storage.ts); the contract suite (test/contract) holds both to one behaviour.
import type BetterSqlite3 from 'better-sqlite3';
import { groupCommit } from './group-commit.ts';
import type { KeyStore } from './kysely-storage.ts';
import type { PageRequest, PositionRecord, Storage, UserRecord } from './port.ts';

const POSITIONS = 'positions';

interface UserRow {
  tenant_id: string;
  id: string;
  upn: string | null;
  display_name: string | null;
  mail: string | null;
  created_at: string;
}

interface PositionRow {
  tenant_id: string;
  user_id: string;
  id: string;
  version: number;
  audience: number;
  created_at: string;
  body: string;
  shape: string;
}

const toUser = (r: UserRow): UserRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  userPrincipalName: r.upn,
  displayName: r.display_name,
  mail: r.mail,
  createdDateTime: r.created_at,
});

const toPosition = (r: PositionRow): PositionRecord => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  id: r.id,
  version: r.version,
  audience: r.audience,
  createdDateTime: r.created_at,
  json: r.body,
  shape: r.shape,
});

const positionParams = (p: PositionRecord) => [p.tenantId, p.userId, p.id, p.version, p.audience, p.createdDateTime, p.json, p.shape];

export function createSqliteStorage(db: BetterSqlite3.Database, opts: { keys: KeyStore; onClose?: () => void }): Storage {
  const writes = groupCommit(db);
  const q = <Row = unknown>(source: string) => db.prepare<unknown[], Row>(source);
  const COLUMNS = 'tenant_id, user_id, id, version, audience, created_at, body, shape';

  const userById = q<UserRow>('SELECT * FROM users WHERE tenant_id = ? AND id = ?');
  const userByUpn = q<UserRow>('SELECT * FROM users WHERE tenant_id = ? AND upn_key = ?');
  const releaseUpn = q('UPDATE users SET upn = NULL, upn_key = NULL WHERE tenant_id = ? AND upn_key = ? AND id <> ?');
  const upsertUser = q(
    `INSERT INTO users (tenant_id, id, upn, upn_key, display_name, mail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, id) DO UPDATE SET upn = excluded.upn, upn_key = excluded.upn_key, display_name = excluded.display_name, mail = excluded.mail`,
  );
  const insertUserIfAbsent = q(
    'INSERT INTO users (tenant_id, id, upn, upn_key, display_name, mail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );

  const allPositions = q<PositionRow>(`SELECT ${COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id`);
  const onePosition = q<PositionRow>(`SELECT ${COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ? AND id = ?`);
  const insertRow = q(`INSERT INTO positions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const replaceRow = q(
    'UPDATE positions SET version = ?, audience = ?, body = ?, shape = ? WHERE tenant_id = ? AND user_id = ? AND id = ? AND version = ?',
  );
  const deleteRow = q('DELETE FROM positions WHERE tenant_id = ? AND user_id = ? AND id = ?');
  const deleteRowAt = q('DELETE FROM positions WHERE tenant_id = ? AND user_id = ? AND id = ? AND version = ?');
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

  // Pages: four variants (visible to others or all; after a key or from the start), each prepared once.
  const pageStatements = new Map<string, BetterSqlite3.Statement<unknown[], PositionRow>>();
  const pageStatement = (masked: boolean, after: boolean) => {
    const key = `${masked}${after}`;
    let s = pageStatements.get(key);
    if (!s) {
      s = q<PositionRow>(
        `SELECT ${COLUMNS} FROM positions WHERE tenant_id = ? AND user_id = ?` +
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

  const userParams = (u: UserRecord) => [u.tenantId, u.id, u.userPrincipalName, u.userPrincipalName?.toLowerCase() ?? null, u.displayName, u.mail, u.createdDateTime];

  return {
    async getUserById(tenantId, id) {
      const row = userById.get(tenantId, id);
      return row && toUser(row);
    },

    async getUserByUpn(tenantId, upn) {
      const row = userByUpn.get(tenantId, upn.toLowerCase());
      return row && toUser(row);
    },

    saveUser: (user) =>
      writes.run(() => {
        if (user.userPrincipalName !== null) releaseUpn.run(user.tenantId, user.userPrincipalName.toLowerCase(), user.id);
        upsertUser.run(...userParams(user));
      }),

    async addUserIfAbsent(user) {
      await writes.run(() => insertUserIfAbsent.run(...userParams(user)));
      return toUser(userByUpn.get(user.tenantId, user.userPrincipalName.toLowerCase())!);
    },

    async listPositions(tenantId, userId) {
      return allPositions.all(tenantId, userId).map(toPosition);
    },

    async pagePositions(tenantId, userId, page: PageRequest) {
      const params: unknown[] = [tenantId, userId];
      if (page.audienceMask !== undefined) params.push(page.audienceMask);
      if (page.after) params.push(page.after[0], page.after[0], page.after[1]);
      params.push(page.limit, page.offset);
      return pageStatement(page.audienceMask !== undefined, page.after !== undefined).all(...params).map(toPosition);
    },

    async countPositions(tenantId, userId, audienceMask) {
      const row = audienceMask === undefined ? countAll.get(tenantId, userId) : countMasked.get(tenantId, userId, audienceMask);
      return row!.n;
    },

    async getPosition(tenantId, userId, id) {
      const row = onePosition.get(tenantId, userId, id);
      return row && toPosition(row);
    },

    insertPosition: (p, cap) =>
      writes.run(() => {
        if (takeRoom.run(p.tenantId, p.userId, POSITIONS, cap).changes === 0) return false;
        insertRow.run(...positionParams(p));
        return true;
      }),

    replacePosition: (p, expectedVersion) =>
      writes.run(() => replaceRow.run(p.version, p.audience, p.json, p.shape, p.tenantId, p.userId, p.id, expectedVersion).changes === 1),

    deletePosition: (tenantId, userId, id, expectedVersion) =>
      writes.run(() => {
        const result = expectedVersion === undefined ? deleteRow.run(tenantId, userId, id) : deleteRowAt.run(tenantId, userId, id, expectedVersion);
        if (result.changes === 0) return false;
        giveRoom.run(tenantId, userId, POSITIONS);
        return true;
      }),

    importBatch: ({ users, positions }) =>
      writes.run(() => {
        for (const u of users) insertUserIfAbsent.run(...userParams(u));
        const added = new Map<string, [string, string, number]>();
        for (const p of positions) {
          insertRow.run(...positionParams(p));
          const key = `${p.tenantId}/${p.userId}`;
          const entry = added.get(key) ?? [p.tenantId, p.userId, 0];
          entry[2]++;
          added.set(key, entry);
        }
        for (const [tenantId, userId, n] of added.values()) addCount.run(tenantId, userId, POSITIONS, n);
      }),

    loadOrCreateSigningKey: (create) => opts.keys.loadOrCreate(create),

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async close() {
      // Writes already queued are committed first: a promise given out is kept.
      await writes.run(() => undefined);
      db.close();
      opts.onClose?.();
    },
  };
}
