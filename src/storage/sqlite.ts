// Opens the embedded SQLite database in DATA_DIR. WAL with synchronous=FULL: a commit returns only
// after the write-ahead log is on disk, so an acknowledged write survives a crash of the process and
// of the machine.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, sql } from 'kysely';
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
  const db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect({ database: sqlite }) });
  try {
    await migrate(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return createKyselyStorage({ db, keys: fileKeyStore(join(dataDir, SIGNING_KEY_FILE)) });
}

/** SQLite runs DDL inside transactions; Kysely's adapter does not claim it, so migrations would not be atomic. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Applies pending migrations in one transaction that starts with a write, which takes SQLite's write
 * lock: a second process starting on the same new DATA_DIR (the server and a CLI command, say) waits,
 * then finds the migrations applied. A crash mid-migration leaves the schema as it was.
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  await sql`create table if not exists graph_profile_migration_guard (id integer)`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`delete from graph_profile_migration_guard`.execute(trx);
    const { error, results } = await new Migrator({ db: trx, provider: migrationProvider }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`database migration ${failed ?? ''} failed: ${String((error as Error).message ?? error)}`);
    }
  });
}
