// The SQLite writer thread. It owns the connection that writes: each message from the service's
// thread is a group of writes, run in one transaction (group-commit.ts) and answered only once that
// transaction is committed. The fsync of each commit thus waits here, not on the thread that serves
// HTTP, which meanwhile gathers the next group.
//
// The same module, started with the role 'checkpointer', is a second thread that copies the
// write-ahead log into the database file (a PASSIVE checkpoint, which never blocks writers) every
// CHECKPOINT_EVERY_MS. Left to the writer, checkpoints would run inside COMMITs and hold every write
// of the next group meanwhile: they were most of the writes' p99.
import { parentPort, workerData } from 'node:worker_threads';
import { type Outcome, groupCommitter } from './group-commit.ts';
import { openConnection } from './sqlite-connection.ts';
import { type WriteName, sqliteWrites } from './sqlite-writes.ts';

export type WriterRequest = { readonly units: ReadonlyArray<readonly [WriteName, readonly unknown[]]> } | { readonly close: true };
export type WriterReply = { readonly outcomes: ReadonlyArray<Outcome> } | { readonly closed: true };

/** An error as it crosses threads: what storage callers look at (the SQLite code) survives. */
export const portableError = (e: unknown) =>
  e instanceof Error ? { name: e.name, message: e.message, code: (e as { code?: unknown }).code } : { name: 'Error', message: String(e) };

export type WorkerRole = 'writer' | 'checkpointer';

const CHECKPOINT_EVERY_MS = 250;
/**
 * The writer checkpoints by itself only past this many pages of log (400 MB at 4 KiB), should the
 * checkpointer thread not keep up: the log stays bounded whatever happens.
 */
const WRITER_CHECKPOINT_PAGES = 100_000;

function checkpointer(port: NonNullable<typeof parentPort>, file: string, busyTimeoutMs: number): void {
  const db = openConnection(file, busyTimeoutMs);
  // Checkpoints copy pages from the log to the file; they need no cache of their own.
  db.pragma('cache_size = -256');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => {
    try {
      checkpoint.run();
    } catch {
      // Busy or interrupted: the next one copies what this one did not.
    }
  }, CHECKPOINT_EVERY_MS);
  port.on('message', (message: WriterRequest) => {
    if (!('close' in message)) return;
    clearInterval(timer);
    db.close();
    port.postMessage({ closed: true } satisfies WriterReply);
    port.close();
  });
}

const { file, role, busyTimeoutMs } = (workerData ?? {}) as { file: string; role: WorkerRole; busyTimeoutMs: number };
if (parentPort && role === 'checkpointer') {
  checkpointer(parentPort, file, busyTimeoutMs);
} else if (parentPort) {
  const port = parentPort;
  const db = openConnection(file, busyTimeoutMs);
  db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  const writes = sqliteWrites(db);
  const commitGroup = groupCommitter(db);
  port.on('message', (message: WriterRequest) => {
    if ('close' in message) {
      db.close();
      port.postMessage({ closed: true } satisfies WriterReply);
      port.close();
      return;
    }
    const outcomes = commitGroup(message.units.map(([name, args]) => () => (writes[name] as (...a: readonly unknown[]) => unknown)(...args)));
    port.postMessage({ outcomes: outcomes.map((o) => (o.ok ? o : { ok: false, error: portableError(o.error) })) } satisfies WriterReply);
  });
}
