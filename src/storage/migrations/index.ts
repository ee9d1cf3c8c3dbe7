// Versioned schema migrations, applied in name order at start-up by Kysely's Migrator. Never edit one
// that has shipped; add the next.
import { type Kysely, type Migration, type MigrationProvider, Migrator, SqliteAdapter, sql } from 'kysely';

const m0001_initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('upn', 'text')
      .addColumn('upn_key', 'text')
      .addColumn('display_name', 'text')
      .addColumn('mail', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema.createIndex('users_upn_key').unique().on('users').columns(['tenant_id', 'upn_key']).execute();
    await db.schema
      .createTable('positions')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('audience', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('positions_pk', ['tenant_id', 'user_id', 'id'])
      .execute();
    await db.schema
      .createIndex('positions_by_created')
      .on('positions')
      .columns(['tenant_id', 'user_id', 'created_at', 'id'])
      .execute();
  },
};

// With PostgreSQL the local issuer's key lives in the database, so that every instance signs and
// verifies with the same key (SPEC §4). SQLite keeps it as a file in DATA_DIR; the table stays empty.
const m0002_signing_keys: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('signing_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

// The per-profile cap is checked against a count kept beside the data (one small row per profile and
// collection), not by counting the profile's rows. `shape` marks which response shape a row's JSON
// has: rows written before it ('') are re-shaped when read. And the key of positions becomes the item
// id alone: new ids are time-ordered, so each insert appends to that index instead of dirtying a
// page in the middle of its profile's range; with the (tenant, user, created) index that lists a
// profile, a row costs one scattered page write instead of two. Ids were always unique GUIDs.
const m0003_counts_shapes_and_keys: Migration = {
  async up(db: Kysely<any>) {
    const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    await db.schema
      .createTable('profile_counts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('facet', 'text', (c) => c.notNull())
      .addColumn('items', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_counts_pk', ['tenant_id', 'user_id', 'facet'])
      .$call((b) => (sqlite ? b.modifyEnd(sql`without rowid`) : b))
      .execute();
    await sql`insert into profile_counts (tenant_id, user_id, facet, items)
      select tenant_id, user_id, 'positions', count(*) from positions group by tenant_id, user_id`.execute(db);
    await db.schema
      .createTable('positions_by_id')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('audience', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('shape', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('positions_id_pk', ['id'])
      .execute();
    await sql`insert into positions_by_id (tenant_id, user_id, id, version, audience, created_at, body, shape)
      select tenant_id, user_id, id, version, audience, created_at, body, '' from positions order by created_at, id`.execute(db);
    await db.schema.dropTable('positions').execute();
    await db.schema.alterTable('positions_by_id').renameTo('positions').execute();
    await db.schema.createIndex('positions_by_created').on('positions').columns(['tenant_id', 'user_id', 'created_at', 'id']).execute();
  },
};

// The whole profile (docs/decisions/one-items-table.md): the items of all 19 collections share one
// table, with the collection in a `facet` column. Existing rows are positions. Renaming and adding a
// column with a default rewrite nothing, on either database; only the listing index is rebuilt, now
// led by the facet within a profile.
const m0004_profile_items: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('positions').renameTo('profile_items').execute();
    await db.schema
      .alterTable('profile_items')
      .addColumn('facet', 'text', (c) => c.notNull().defaultTo('positions'))
      .execute();
    await db.schema.dropIndex('positions_by_created').execute();
    await db.schema
      .createIndex('profile_items_by_created')
      .on('profile_items')
      .columns(['tenant_id', 'user_id', 'facet', 'created_at', 'id'])
      .execute();
  },
};

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001_initial,
  '0002_signing_keys': m0002_signing_keys,
  '0003_counts_shapes_and_keys': m0003_counts_shapes_and_keys,
  '0004_profile_items': m0004_profile_items,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Applies pending migrations (Kysely's Migrator: in one transaction, under the dialect's lock). */
export async function migrateToLatest(db: Kysely<any>, opts: { migrationTableSchema?: string } = {}): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider, ...opts }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String((error as Error).message ?? error)}`);
  }
}
