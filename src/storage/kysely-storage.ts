// The storage port over Kysely: one implementation of the queries for every SQL backend, so the
// backends differ only in how their connection is opened (sqlite.ts, and later postgres).
import { type Kysely, type Selectable } from 'kysely';
import type { PositionRecord, SigningKey, Storage, UserRecord } from './port.ts';
import type { Database, PositionsTable, UsersTable } from './schema.ts';

export interface KeyStore {
  loadOrCreate(create: () => Promise<SigningKey>): Promise<SigningKey>;
}

export interface KyselyStorageOptions {
  db: Kysely<Database>;
  keys: KeyStore;
  /** Closes what the opener opened, after Kysely has been destroyed. */
  onClose?: () => Promise<void> | void;
}

const toUser = (r: Selectable<UsersTable>): UserRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  userPrincipalName: r.upn,
  displayName: r.display_name,
  mail: r.mail,
  createdDateTime: r.created_at,
});

const toPosition = (r: Selectable<PositionsTable>): PositionRecord => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  id: r.id,
  version: Number(r.version),
  audience: Number(r.audience),
  createdDateTime: r.created_at,
  body: JSON.parse(r.body) as Record<string, unknown>,
});

export function createKyselyStorage({ db, keys, onClose }: KyselyStorageOptions): Storage {
  return {
    async getUserById(tenantId, id) {
      const row = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async getUserByUpn(tenantId, upn) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('upn_key', '=', upn.toLowerCase())
        .executeTakeFirst();
      return row && toUser(row);
    },

    async saveUser(user) {
      const upnKey = user.userPrincipalName?.toLowerCase() ?? null;
      await db.transaction().execute(async (tx) => {
        if (upnKey !== null) {
          await tx
            .updateTable('users')
            .set({ upn: null, upn_key: null })
            .where('tenant_id', '=', user.tenantId)
            .where('upn_key', '=', upnKey)
            .where('id', '!=', user.id)
            .execute();
        }
        const values = {
          upn: user.userPrincipalName,
          upn_key: upnKey,
          display_name: user.displayName,
          mail: user.mail,
        };
        await tx
          .insertInto('users')
          .values({ tenant_id: user.tenantId, id: user.id, created_at: user.createdDateTime, ...values })
          .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(values))
          .execute();
      });
    },

    async addUserIfAbsent(user) {
      await db
        .insertInto('users')
        .values({
          tenant_id: user.tenantId,
          id: user.id,
          upn: user.userPrincipalName,
          upn_key: user.userPrincipalName.toLowerCase(),
          display_name: user.displayName,
          mail: user.mail,
          created_at: user.createdDateTime,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', user.tenantId)
        .where('upn_key', '=', user.userPrincipalName.toLowerCase())
        .executeTakeFirstOrThrow();
      return toUser(row);
    },

    async listPositions(tenantId, userId) {
      const rows = await db
        .selectFrom('positions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toPosition);
    },

    async getPosition(tenantId, userId, id) {
      const row = await db
        .selectFrom('positions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toPosition(row);
    },

    async insertPosition(p) {
      await db
        .insertInto('positions')
        .values({
          tenant_id: p.tenantId,
          user_id: p.userId,
          id: p.id,
          version: p.version,
          audience: p.audience,
          created_at: p.createdDateTime,
          body: JSON.stringify(p.body),
        })
        .execute();
    },

    async replacePosition(p, expectedVersion) {
      const result = await db
        .updateTable('positions')
        .set({ version: p.version, audience: p.audience, body: JSON.stringify(p.body) })
        .where('tenant_id', '=', p.tenantId)
        .where('user_id', '=', p.userId)
        .where('id', '=', p.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deletePosition(tenantId, userId, id, expectedVersion) {
      let q = db.deleteFrom('positions').where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('id', '=', id);
      if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
      const result = await q.executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    loadOrCreateSigningKey: (create) => keys.loadOrCreate(create),

    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },

    async close() {
      await db.destroy();
      await onClose?.();
    },
  };
}
