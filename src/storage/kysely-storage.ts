// The storage port over Kysely, for PostgreSQL (postgres.ts opens it). SQLite has its own
// implementation of the same statements (sqlite-storage.ts), with prepared statements and group
// commit; the contract suite (test/contract) holds both to one behaviour.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { ItemRecord, SigningKey, Storage, UserRecord } from './port.ts';
import { insertBatcher } from './pg-insert-batch.ts';
import { type Database, countsByCollection, toItem, toUser } from './schema.ts';

export interface KeyStore {
  loadOrCreate(create: () => Promise<SigningKey>): Promise<SigningKey>;
}

export interface KyselyStorageOptions {
  db: Kysely<Database>;
  keys: KeyStore;
  /** Closes what the opener opened, after Kysely has been destroyed. */
  onClose?: () => Promise<void> | void;
}

const itemRow = (p: ItemRecord) => ({
  tenant_id: p.tenantId,
  user_id: p.userId,
  facet: p.facet,
  id: p.id,
  version: p.version,
  audience: p.audience,
  created_at: p.createdDateTime,
  body: p.json,
  shape: p.shape,
});

/** Rows per INSERT statement in a bulk load (PostgreSQL takes at most 65,535 parameters). */
const BULK_ROWS = 1000;

/** PostgreSQL's unique_violation: two first requests of one new user racing on the UPN index. */
const isUniqueViolation = (e: unknown) => (e as { code?: unknown })?.code === '23505';

async function saveUserIn(tx: Transaction<Database>, user: UserRecord): Promise<void> {
  const upnKey = user.userPrincipalName?.toLowerCase() ?? null;
  if (upnKey !== null) {
    await tx
      .updateTable('users')
      .set({ upn: null, upn_key: null })
      .where('tenant_id', '=', user.tenantId)
      .where('upn_key', '=', upnKey)
      .where('id', '!=', user.id)
      .execute();
  }
  const values = { upn: user.userPrincipalName, upn_key: upnKey, display_name: user.displayName, mail: user.mail };
  await tx
    .insertInto('users')
    .values({ tenant_id: user.tenantId, id: user.id, created_at: user.createdDateTime, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(values))
    .execute();
}

/** One item, its room taken in the same statement: one round trip. */
async function insertOne(db: Kysely<Database>, p: ItemRecord, cap: number): Promise<boolean> {
  // The count is taken (unless the collection is full) and the row inserted only if it was; the
  // upsert locks the count row, so creates into one collection take turns.
  const result = await sql`
    WITH room AS (
      INSERT INTO profile_counts (tenant_id, user_id, facet, items) VALUES (${p.tenantId}, ${p.userId}, ${p.facet}, 1)
      ON CONFLICT (tenant_id, user_id, facet) DO UPDATE SET items = profile_counts.items + 1 WHERE profile_counts.items < ${cap}
      RETURNING 1
    )
    INSERT INTO profile_items (tenant_id, user_id, facet, id, version, audience, created_at, body, shape)
    SELECT ${p.tenantId}, ${p.userId}, ${p.facet}, ${p.id}, ${p.version}::integer, ${p.audience}::integer, ${p.createdDateTime}, ${p.json}, ${p.shape} FROM room`.execute(db);
  return Number(result.numAffectedRows) === 1;
}

export function createKyselyStorage({ db, keys, onClose }: KyselyStorageOptions): Storage {
  // Creates of one event-loop turn share a statement (pg-insert-batch.ts).
  const insertItem = insertBatcher(db, (p, cap) => insertOne(db, p, cap));
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
      // Two transactions saving one new user at once may both miss the row and both insert it; the
      // loser fails on a unique index (the UPN's, which ON CONFLICT does not cover) and tries again,
      // then finding the row.
      for (let attempt = 1; ; attempt++) {
        try {
          await db.transaction().execute((tx) => saveUserIn(tx, user));
          return;
        } catch (e) {
          if (!isUniqueViolation(e) || attempt === 3) throw e;
        }
      }
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

    async listUsers() {
      // Users without a UPN first, on both databases (they order nulls differently).
      const rows = await db.selectFrom('users').selectAll().orderBy('tenant_id').orderBy(sql`coalesce(upn_key, '')`).orderBy('id').execute();
      return rows.map(toUser);
    },

    async removeUser(tenantId, id) {
      // One statement, so one transaction: the items, their counts and the user go together.
      const { rows } = await sql<{ n: string }>`
        WITH items AS (DELETE FROM profile_items WHERE tenant_id = ${tenantId} AND user_id = ${id}),
        counts AS (DELETE FROM profile_counts WHERE tenant_id = ${tenantId} AND user_id = ${id}),
        gone AS (DELETE FROM users WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING 1)
        SELECT count(*) AS n FROM gone`.execute(db);
      return Number(rows[0]?.n) === 1;
    },

    removeAll: () =>
      db.transaction().execute(async (tx) => {
        for (const table of ['profile_items', 'profile_counts', 'users'] as const) await tx.deleteFrom(table).execute();
      }),

    async listItems(tenantId, userId, facet) {
      let query = db.selectFrom('profile_items').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId);
      query = facet === undefined ? query.orderBy('facet') : query.where('facet', '=', facet);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(toItem);
    },

    async getItem(tenantId, userId, facet, id) {
      const row = await db
        .selectFrom('profile_items')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('facet', '=', facet)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toItem(row);
    },

    async pageItems(tenantId, userId, facet, page) {
      let query = db
        .selectFrom('profile_items')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('facet', '=', facet);
      if (page.audienceMask !== undefined) query = query.where(sql<number>`audience & ${page.audienceMask}`, '<>', 0);
      const after = page.after;
      if (after) {
        query = query.where((eb) => eb.or([eb('created_at', '>', after[0]), eb.and([eb('created_at', '=', after[0]), eb('id', '>', after[1])])]));
      }
      const rows = await query.orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute();
      return rows.map(toItem);
    },

    async countItems(tenantId, userId, facet, audienceMask) {
      let query = db
        .selectFrom('profile_items')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('facet', '=', facet);
      if (audienceMask !== undefined) query = query.where(sql<number>`audience & ${audienceMask}`, '<>', 0);
      return Number((await query.executeTakeFirstOrThrow()).n);
    },

    insertItem,

    async replaceItem(p, expectedVersion) {
      const result = await db
        .updateTable('profile_items')
        .set({ version: p.version, audience: p.audience, body: p.json, shape: p.shape })
        .where('tenant_id', '=', p.tenantId)
        .where('user_id', '=', p.userId)
        .where('facet', '=', p.facet)
        .where('id', '=', p.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteItem(tenantId, userId, facet, id, expectedVersion) {
      // One statement: the row goes, and the count with it only if it did.
      const version = expectedVersion === undefined ? sql`` : sql` AND version = ${expectedVersion}`;
      const { rows } = await sql<{ n: string }>`
        WITH gone AS (
          DELETE FROM profile_items WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND facet = ${facet} AND id = ${id}${version} RETURNING 1
        ),
        counted AS (
          UPDATE profile_counts SET items = items - 1
          WHERE tenant_id = ${tenantId} AND user_id = ${userId} AND facet = ${facet} AND EXISTS (SELECT 1 FROM gone)
          RETURNING 1
        )
        SELECT count(*) AS n FROM gone`.execute(db);
      return Number(rows[0]?.n) === 1;
    },

    async deleteProfile(tenantId, userId) {
      // One statement, so one transaction: the items and their counts go together.
      await sql`
        WITH gone AS (DELETE FROM profile_items WHERE tenant_id = ${tenantId} AND user_id = ${userId} RETURNING 1)
        DELETE FROM profile_counts WHERE tenant_id = ${tenantId} AND user_id = ${userId}`.execute(db);
    },

    importBatch: ({ users, items }) =>
      db.transaction().execute(async (tx) => {
        for (let i = 0; i < users.length; i += BULK_ROWS) {
          const values = users.slice(i, i + BULK_ROWS).map((u) => ({
            tenant_id: u.tenantId,
            id: u.id,
            upn: u.userPrincipalName,
            upn_key: u.userPrincipalName?.toLowerCase() ?? null,
            display_name: u.displayName,
            mail: u.mail,
            created_at: u.createdDateTime,
          }));
          await tx.insertInto('users').values(values).onConflict((oc) => oc.doNothing()).execute();
        }
        for (let i = 0; i < items.length; i += BULK_ROWS) {
          await tx.insertInto('profile_items').values(items.slice(i, i + BULK_ROWS).map(itemRow)).execute();
        }
        const counts = countsByCollection(items);
        for (let i = 0; i < counts.length; i += BULK_ROWS) {
          await tx
            .insertInto('profile_counts')
            .values(counts.slice(i, i + BULK_ROWS))
            .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'facet']).doUpdateSet({ items: sql`profile_counts.items + excluded.items` }))
            .execute();
        }
      }),

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
