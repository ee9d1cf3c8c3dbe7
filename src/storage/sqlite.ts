// Opens the embedded SQLite database in DATA_DIR: migrations first (through Kysely), then a reading
// connection on this thread and the writer thread (sqlite-writer.ts) with the writing one.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { fileKeyStore } from './key-file.ts';
import { migrateToLatest } from './migrations/index.ts';
import { openConnection } from './sqlite-connection.ts';
import { createSqliteStorage } from './sqlite-storage.ts';
import { startWriter } from './sqlite-writer-client.ts';
import type { Storage } from './port.ts';
import type { Database } from './schema.ts';

export const SQLITE_FILE = 'graph-profile.db';
export const SIGNING_KEY_FILE = 'signing-key.json';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface SqliteOptions {
  /** How long a write may wait for its turn and for the file's lock before it fails (503). */
  readonly timeoutMs?: number;
}

export async function openSqliteStorage(dataDir: string, opts: SqliteOptions = {}): Promise<Storage> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE);
  // Migrations go through Kysely on a connection of their own (destroying Kysely closes it).
  const migrating = new Kysely<Database>({ dialect: new GraphProfileSqliteDialect({ database: openConnection(file, timeoutMs) }) });
  try {
    // One transaction (transactional DDL, below), begun IMMEDIATE: all migrations or, after a crash, none.
    await migrateToLatest(migrating);
  } finally {
    await migrating.destroy();
  }
  const writer = await startWriter(file, timeoutMs);
  return createSqliteStorage(openConnection(file, timeoutMs), writer, { keys: fileKeyStore(join(dataDir, SIGNING_KEY_FILE)) });
}

/** SQLite runs DDL inside transactions; Kysely's adapter does not claim it, so migrations would not be atomic. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Transactions begin IMMEDIATE: they take SQLite's write lock at the start instead of upgrading a
 * read lock later, which SQLite may refuse at once (SQLITE_BUSY) when another process writes. Above
 * all, the migrator's transaction holds the lock before it reads which migrations are applied, so a
 * second process starting on the same new DATA_DIR (the server and a CLI command, say) waits, then
 * finds them applied.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class GraphProfileSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver() {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
}
