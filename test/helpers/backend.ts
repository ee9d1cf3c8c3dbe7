// The storage backend the API and contract suites run against: SQLite by default; PostgreSQL when
// TEST_BACKEND=postgres and TEST_DATABASE_URL names a database (`npm test` does both when it can).
// Each data directory gets its own PostgreSQL schema, so suites share one database and a restarted
// server finds its data.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Storage } from '../../src/storage/port.ts';
import { openPostgresStorage } from '../../src/storage/postgres.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';

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
