// Opens the embedded SQLite database in DATA_DIR. WAL with synchronous=FULL: a commit returns only
// after the write-ahead log is on disk, so an acknowledged write survives a crash of the process and
// of the machine.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { fileKeyStore } from './key-file.ts';
import { createKyselyStorage } from './kysely-storage.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Storage } from './port.ts';
import type { Database } from './schema.ts';

export const SQLITE_FILE = 'graph-profile.db';
export const SIGNING_KEY_FILE = 'signing-key.json';

export async function openSqliteStorage(dataDir: string): Promise<Storage> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new BetterSqlite3(join(dataDir, SQLITE_FILE));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return createKyselyStorage({ db, keys: fileKeyStore(join(dataDir, SIGNING_KEY_FILE)) });
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String((error as Error).message ?? error)}`);
  }
}
