// Chooses the storage backend from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite.
import type { Config } from '../config.ts';
import type { Storage } from './port.ts';
import { openPostgresStorage } from './postgres.ts';
import { openSqliteStorage } from './sqlite.ts';

export function openStorage(config: Config, opts: { onPoolError?: (e: Error) => void } = {}): Promise<Storage> {
  if (!config.database) return openSqliteStorage(config.dataDir, { timeoutMs: config.storageTimeoutMs });
  return openPostgresStorage({ ...config.database, ...opts });
}
