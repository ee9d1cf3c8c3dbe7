// The storage backend the API and contract suites run against: SQLite by default; PostgreSQL when
// TEST_BACKEND=postgres and TEST_DATABASE_URL names a database (`npm test` does both when it can).
// Each data directory gets its own PostgreSQL schema, so suites share one database and a restarted
// server finds its data.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Storage } from '../../src/storage/port.ts';
import { openPostgresStorage } from '../../src/storage/postgres.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { makeDataDir, removeDataDir } from './processes.ts';

export type Backend = 'sqlite' | 'postgres';

export const testBackend = (): Backend => (process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite');

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_BACKEND=postgres needs TEST_DATABASE_URL');
  return url;
}

export const schemaFor = (dataDir: string) => `gp_test_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;

export function openTestStorage(dataDir: string, backend: Backend = testBackend()): Promise<Storage> {
  if (backend === 'sqlite') return openSqliteStorage(dataDir);
  return openPostgresStorage({ url: testDatabaseUrl(), poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema: schemaFor(dataDir) });
}

export async function dropTestSchema(dataDir: string, backend: Backend = testBackend()): Promise<void> {
  if (backend !== 'postgres') return;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schemaFor(dataDir)} cascade`);
  } finally {
    await client.end();
  }
}

/** A database of its own, created on the server TEST_DATABASE_URL names (for tests that run the real `serve`). */
export async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gp_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** Data for a real `serve` of tests that run on each backend: a new DATA_DIR, and on PostgreSQL a new database. */
export interface ServerData {
  readonly dataDir: string;
  /** The database's URL on PostgreSQL; undefined on SQLite. */
  readonly databaseUrl: string | undefined;
  /** The server's environment for this data (DATABASE_URL on PostgreSQL), with `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  dispose(): Promise<void>;
}

/** Why a test of this backend cannot run here (PostgreSQL without TEST_DATABASE_URL), or false. */
export const backendSkip = (backend: Backend): string | false =>
  backend === 'postgres' && !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL not set: PostgreSQL skipped' : false;

export async function freshServerData(backend: Backend, prefix: string): Promise<ServerData> {
  const dataDir = makeDataDir(prefix);
  const database = backend === 'postgres' ? await createDatabase(testDatabaseUrl()) : undefined;
  return {
    dataDir,
    databaseUrl: database?.url,
    env: (extra = {}) => ({ ...(database ? { DATABASE_URL: database.url } : {}), ...extra }),
    dispose: async () => {
      removeDataDir(dataDir);
      await database?.drop();
    },
  };
}
