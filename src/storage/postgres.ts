// Opens PostgreSQL storage (DATABASE_URL). Several instances may share one database: migrations run
// under Kysely's PostgreSQL advisory lock, the signing key is in the database, and every version check
// is a conditional UPDATE in the database (kysely-storage.ts).
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { tableKeyStore } from './key-table.ts';
import { createKyselyStorage } from './kysely-storage.ts';
import { migrateToLatest } from './migrations/index.ts';
import type { Storage } from './port.ts';
import type { Database } from './schema.ts';

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  /** How long a request waits for a connection; short, so that an outage answers 503 rather than hangs. */
  readonly connectTimeoutMs: number;
  /** A schema to work in (created if absent): lets tests share one database. */
  readonly schema?: string;
  readonly onPoolError?: (e: Error) => void;
}

export async function openPostgresStorage(opts: PostgresOptions): Promise<Storage> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    statement_timeout: opts.statementTimeoutMs,
    // The server enforces statement_timeout only while it can be reached; a partitioned network
    // drops packets silently, so the client gives up on its own, and keep-alive notices dead peers.
    query_timeout: opts.statementTimeoutMs + opts.connectTimeoutMs,
    keepAlive: true,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // A client losing its connection (a database restart) must not crash the process: the pool
  // listens on idle clients, but a client checked out between two statements (Kysely holds one from
  // acquiring it to issuing its query, and through a transaction) emits 'error' with no listener of
  // the pool's, which Node would throw. Its statement fails on its own and answers 503; the pool
  // reports idle clients' errors, so this listener has nothing to add.
  pool.on('error', (e) => opts.onPoolError?.(e));
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (opts.schema) await db.schema.createSchema(opts.schema).ifNotExists().execute();
    // Named explicitly: without it, Kysely takes a migration table in any schema for its own.
    await migrateRacingOtherSchemas(() => migrateToLatest(db, opts.schema ? { migrationTableSchema: opts.schema } : {}), opts.schema);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return createKyselyStorage({ db, keys: tableKeyStore(db) });
}

/**
 * Kysely's Migrator looks its tables up with a query over every schema of the database, which fails
 * with "schema ... does not exist" when another schema is dropped while it runs (another application,
 * or another test run, sharing the database). Migrating is idempotent, under a lock: a failure naming
 * another schema is tried again.
 */
export async function migrateRacingOtherSchemas(migrate: () => Promise<void>, ownSchema: string | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate();
    } catch (e) {
      const other = /schema "([^"]+)" does not exist/.exec((e as Error).message)?.[1];
      if (other === undefined || other === ownSchema || attempt === 3) throw e;
    }
  }
}
