// The SQLite writer thread. It owns the connection that writes: each message from the service's
// thread is a group of writes, run in one transaction (group-commit.ts) and answered only once that
// transaction is committed. The fsync of each commit thus waits here, not on the thread that serves
// HTTP, which meanwhile gathers the next group.
import { parentPort, workerData } from 'node:worker_threads';
import { type Outcome, groupCommitter } from './group-commit.ts';
import { openConnection } from './sqlite-connection.ts';
import { type WriteName, sqliteWrites } from './sqlite-writes.ts';

export type WriterRequest = { readonly units: ReadonlyArray<readonly [WriteName, readonly unknown[]]> } | { readonly close: true };
export type WriterReply = { readonly outcomes: ReadonlyArray<Outcome> } | { readonly closed: true };

/** An error as it crosses threads: what storage callers look at (the SQLite code) survives. */
export const portableError = (e: unknown) =>
  e instanceof Error ? { name: e.name, message: e.message, code: (e as { code?: unknown }).code } : { name: 'Error', message: String(e) };

if (parentPort) {
  const port = parentPort;
  const db = openConnection((workerData as { file: string }).file);
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
