// The service's side of the SQLite writer thread (sqlite-writer.ts). Writes asked for while a group
// is being committed wait and go together as the next group, so the group size follows the load:
// one write alone when the service is idle, hundreds under load, one commit (one fsync) for each.
// Every promise settles when the writer thread has answered for its group, that is after its COMMIT.
import { Worker } from 'node:worker_threads';
import type { WorkerRole, WriterReply, WriterRequest } from './sqlite-writer.ts';
import type { SqliteWrites, WriteName } from './sqlite-writes.ts';
import { StorageUnavailableError } from './faults.ts';

interface Pending {
  readonly unit: readonly [WriteName, readonly unknown[]];
  /** performance.now() when it was asked for. */
  readonly since: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/** Writes per group at most: bounds one message and one transaction. */
const MAX_GROUP = 512;
/**
 * Writes waiting for their group at most. While the writer is held up (another process holds the
 * file's lock, the disk stalls), writes past this are refused at once (503) rather than kept in
 * memory; those waiting longer than the timeout are refused too, never run.
 */
const MAX_WAITING = 10_000;

type Write<K extends WriteName> = (...args: Parameters<SqliteWrites[K]>) => Promise<ReturnType<SqliteWrites[K]>>;

export interface WriterClient {
  write<K extends WriteName>(name: K, ...args: Parameters<SqliteWrites[K]>): ReturnType<Write<K>>;
  /** Called when a group has been committed, before any of its writers hears of it. */
  onCommit(listener: () => void): void;
  close(): Promise<void>;
}

function rebuildError(e: { name: string; message: string; code?: unknown }): Error {
  const error = new Error(e.message);
  error.name = e.name;
  if (e.code !== undefined) Object.assign(error, { code: e.code });
  return error;
}

/** A thread running sqlite-writer.ts in one of its roles, once it is up. */
async function startThread(file: string, role: WorkerRole, busyTimeoutMs: number): Promise<Worker> {
  // In a bundle the writer is its own file beside it (scripts/build.js). From the sources it is
  // TypeScript, which a worker's first module cannot be, even with tsx in execArgv: a few lines of
  // JavaScript register tsx in the thread, then import it.
  // Their JavaScript allocates little: a small young generation keeps each thread's memory small.
  const options = { workerData: { file, role, busyTimeoutMs }, resourceLimits: { maxYoungGenerationSizeMb: 4 } };
  const worker = import.meta.url.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./sqlite-writer.ts', import.meta.url).href)}); });`,
        { ...options, eval: true },
      )
    : new Worker(new URL('./sqlite-writer.mjs', import.meta.url), options);
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });
  return worker;
}

/** Asks a thread to close its connection, and waits until it has. */
async function closeThread(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    worker.on('message', (reply: WriterReply) => 'closed' in reply && resolve());
    worker.postMessage({ close: true } satisfies WriterRequest);
  });
  await worker.terminate();
}

export async function startWriter(file: string, timeoutMs: number): Promise<WriterClient> {
  const [worker, checkpoints] = await Promise.all([startThread(file, 'writer', timeoutMs), startThread(file, 'checkpointer', timeoutMs)]);
  // A checkpointer that fails only lets the log grow to the writer's own limit; nothing waits on it.
  checkpoints.on('error', () => {});

  let queue: Pending[] = [];
  let inFlight: Pending[] | undefined;
  let broken: Error | undefined;
  let scheduled = false;
  let closing = false;
  let committed = () => {};

  const send = () => {
    scheduled = false;
    if (inFlight || queue.length === 0) return;
    inFlight = queue.splice(0, MAX_GROUP);
    worker.postMessage({ units: inFlight.map((p) => p.unit) } satisfies WriterRequest);
  };

  worker.on('message', (reply: WriterReply) => {
    if ('closed' in reply) return;
    const group = inFlight ?? [];
    inFlight = undefined;
    committed();
    reply.outcomes.forEach((o, i) => (o.ok ? group[i]!.resolve(o.value) : group[i]!.reject(rebuildError(o.error as Parameters<typeof rebuildError>[0]))));
    send();
  });

  // The writer thread died (it should not): what it held is not known to be durable, so it fails.
  const fail = (e: unknown) => {
    broken = new StorageUnavailableError(e);
    for (const p of [...(inFlight ?? []), ...queue]) p.reject(broken);
    inFlight = undefined;
    queue = [];
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!broken && !closing) fail(new Error(`the SQLite writer thread exited (${code})`));
  });

  // Writes that waited too long for their group fail unrun (the queue is oldest first).
  const tooSlow = new StorageUnavailableError(undefined, `the database did not take the write within ${timeoutMs} ms`);
  const expire = () => {
    const limit = performance.now() - timeoutMs;
    let n = 0;
    while (n < queue.length && queue[n]!.since < limit) n++;
    if (n > 0) for (const p of queue.splice(0, n)) p.reject(tooSlow);
  };
  const expiry = setInterval(expire, Math.max(50, Math.min(1000, timeoutMs / 4)));
  expiry.unref();

  return {
    write(name, ...args) {
      if (broken) return Promise.reject(broken) as never;
      if (queue.length >= MAX_WAITING) return Promise.reject(new StorageUnavailableError(undefined, 'too many writes are waiting for the database')) as never;
      return new Promise((resolve, reject) => {
        queue.push({ unit: [name, args], since: performance.now(), resolve: resolve as (v: unknown) => void, reject });
        // Writes of this turn of the event loop go together.
        if (!inFlight && !scheduled) {
          scheduled = true;
          setImmediate(send);
        }
      }) as never;
    },

    onCommit(listener) {
      committed = listener;
    },

    async close() {
      // Writes already asked for are committed first: a promise given out is kept.
      while ((inFlight || queue.length > 0) && !broken) await new Promise((r) => setImmediate(r));
      closing = true;
      clearInterval(expiry);
      await closeThread(checkpoints);
      if (broken) await worker.terminate();
      else await closeThread(worker);
    },
  };
}
