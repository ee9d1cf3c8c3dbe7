// Load from tests: several clients each sending one request after another for a while, and what is
// sampled of a server process meanwhile (from /proc: resident memory, open file descriptors).
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Reply } from './http.ts';

/** Resident set size of a process, in MB (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Open file descriptors of a process (sockets, files, pipes), or NaN where /proc cannot say. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** The peak of a process's RSS while `work` runs, sampled every 50 ms. */
export async function peakRssWhile<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(pid);
  let done = false;
  const sampling = (async () => {
    while (!done) {
      peakMb = Math.max(peakMb, rssMb(pid));
      await sleep(50);
    }
  })();
  try {
    return { result: await work, peakMb };
  } finally {
    done = true;
    await sampling;
  }
}

export interface LoadResult {
  /** Every answer, in the order they came. */
  readonly replies: Reply[];
  /** Requests that got no answer at all (a connection error), with why. */
  readonly failures: string[];
}

/**
 * `clients` loops, each sending `next(client, i)` and waiting for the answer before its next, until
 * `durationMs` has passed; a request already sent is always waited for.
 */
export async function closedLoop(clients: number, durationMs: number, next: (client: number, i: number) => Promise<Reply>): Promise<LoadResult> {
  const replies: Reply[] = [];
  const failures: string[] = [];
  const end = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; Date.now() < end; i++) {
        try {
          replies.push(await next(client, i));
        } catch (e) {
          failures.push(String((e as Error).cause ?? e));
        }
      }
    }),
  );
  return { replies, failures };
}

/** How many answers had each status, as { '201': 10, '503': 4 }. */
export function statusCounts(replies: readonly Reply[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
