// What is measured: the ceiling/graph-profile comparison of each operation over rounds (A/B, then B/A),
// and the fill scenario (one profile from empty to the cap, graph-profile only).
import { type LoadOptions, type RunResult, runLoad } from './measure.ts';
import { FILL_SLICE, ITEMS_PER_CALLER, MAX_POSITIONS_PER_USER } from './options.ts';
import { type Caller, createPool, emptyProfile, ensureExactly, restore } from './prep.ts';
import type { FillSlice, RunRecord, ServerName } from './report.ts';
import type { Server } from './servers.ts';
import * as w from './workloads.ts';
import type { Op, Workload } from './workloads.ts';

export const log = (line: string) => console.log(line);

export const fmtRun = (r: RunResult) =>
  `${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
  `${r.requests} req in ${r.elapsedS.toFixed(1)} s  rss ${r.peakRssMb.toFixed(0)} MB  cpu ${r.cpuUsPerReq.toFixed(0)} µs/req` +
  (r.non2xx || r.errors ? `  !! non-2xx ${r.non2xx} errors ${r.errors} ${JSON.stringify(r.statusCodes)}` : '');

/** Records a run that had answers other than 2xx, or connection errors: the bench then exits 1. */
export type Check = (what: string, r: RunResult) => void;

export interface CompareSettings {
  ops: readonly Op[];
  rounds: number;
  duration: number;
  connections: number;
  warmup: number;
}

/** Callers per role: readers (get, list, patch), writers (create, delete), mixers (mixed). */
export interface CallerGroups {
  readers: readonly Caller[];
  writers: readonly Caller[];
  mixers: readonly Caller[];
}

export const needs = (ops: readonly Op[], warmup: number) => ({
  readers: ops.some((op) => op === 'get' || op === 'list' || op === 'patch'),
  writers: ops.some((op) => op === 'create' || op === 'delete'),
  mixers: ops.includes('mixed') || (ops.length > 0 && warmup > 0),
});

export async function compare(
  servers: Record<ServerName, Server>,
  callers: CallerGroups,
  s: CompareSettings,
  check: Check,
): Promise<{ runs: RunRecord[]; preparedItems: number }> {
  const gp = servers['graph-profile'];
  // Preparation (not measured): exactly ITEMS_PER_CALLER items in each reader's and mixer's profile.
  let t = performance.now();
  const readerIds = callers.readers.length ? await ensureExactly(gp.url, callers.readers, ITEMS_PER_CALLER) : [];
  const mixerIds = callers.mixers.length ? await ensureExactly(gp.url, callers.mixers, ITEMS_PER_CALLER) : [];
  const preparedItems = (readerIds.length + mixerIds.length) * ITEMS_PER_CALLER;
  const prepSeconds = (performance.now() - t) / 1000;
  if (preparedItems) log(`prepared: ${preparedItems} items (${ITEMS_PER_CALLER} per caller) in ${prepSeconds.toFixed(1)} s`);
  // graph-profile writes per second, to size the pool a DELETE run consumes; refined by every write run.
  let writeRate = preparedItems ? preparedItems / prepSeconds : 500;

  const readers = w.callerHeaders(callers.readers);
  const writers = w.callerHeaders(callers.writers);
  const mixers = w.callerHeaders(callers.mixers);
  const workload = (op: Op, pool: { caller: number; id: string }[]): Workload => {
    switch (op) {
      case 'create':
        return w.createWorkload(writers);
      case 'get':
        return w.getWorkload(readers, readerIds);
      case 'list':
        return w.listWorkload(readers);
      case 'patch':
        return w.patchWorkload(readers, readerIds);
      case 'delete':
        return w.deleteWorkload(writers, pool);
      case 'mixed':
        return w.mixedWorkload(mixers, mixerIds);
    }
  };

  if (s.warmup > 0) {
    for (const server of [servers.ceiling, gp]) await runLoad(server, workload('mixed', []), { connections: s.connections, duration: s.warmup });
    await restore(gp.url, callers.mixers, mixerIds);
    log(`warm-up: ${s.warmup} s of mixed load on each server`);
  }

  const runs: RunRecord[] = [];
  for (let round = 0; round < s.rounds; round++) {
    const order: ServerName[] = round % 2 === 0 ? ['ceiling', 'graph-profile'] : ['graph-profile', 'ceiling'];
    log(`\nround ${round + 1}/${s.rounds}: ${order.join(' then ')}`);
    for (const op of s.ops) {
      let pool: { caller: number; id: string }[] = [];
      let amount: number | undefined;
      if (op === 'delete') {
        // One existing item per DELETE: graph-profile runs exactly as many requests as the pool holds
        // (about one duration's worth); the ceiling runs for the duration over the same paths.
        amount = Math.max(s.connections * 2, Math.min(500_000, Math.ceil(writeRate * s.duration)));
        t = performance.now();
        pool = await createPool(gp.url, callers.writers, amount);
        log(`  delete: pool of ${amount} items created in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
      for (const [i, name] of order.entries()) {
        const load: LoadOptions = { connections: s.connections, duration: s.duration, ...(name === 'graph-profile' && amount ? { amount } : {}) };
        const result = await runLoad(servers[name], workload(op, pool), load);
        runs.push({ op, server: name, round, position: (i + 1) as 1 | 2, mode: load.amount ? 'amount' : 'duration', ...result });
        log(`  ${op.padEnd(7)} ${name.padEnd(14)} ${fmtRun(result)}`);
        check(`round ${round + 1} ${op} ${name}`, result);
        if (name === 'graph-profile' && (op === 'create' || op === 'delete')) writeRate = result.reqPerSec;
      }
      if (op === 'mixed') {
        const removed = await restore(gp.url, callers.mixers, mixerIds);
        log(`  mixed: profiles restored to ${ITEMS_PER_CALLER} items (${removed} created by the run deleted)`);
      }
    }
  }
  return { runs, preparedItems };
}

/** Creates into one caller's profile from empty up to MAX_POSITIONS_PER_USER, FILL_SLICE at a time. */
export async function fill(gp: Server, caller: Caller, connections: number, check: Check): Promise<FillSlice[]> {
  const leftover = await emptyProfile(gp.url, caller);
  log(`\nfill: ${caller.upn}${leftover ? ` (emptied of ${leftover} leftover items first)` : ''}, ${FILL_SLICE} creates per slice`);
  const slices: FillSlice[] = [];
  const next = w.createWorkload(w.callerHeaders([caller]));
  for (let before = 0; before < MAX_POSITIONS_PER_USER; before += FILL_SLICE) {
    const amount = Math.min(FILL_SLICE, MAX_POSITIONS_PER_USER - before);
    const r = await runLoad(gp, next, { connections, duration: 0, amount });
    slices.push({ itemsBefore: before, itemsAfter: before + amount, ...r });
    log(`  ${String(before).padStart(5)} → ${String(before + amount).padStart(5)} ${fmtRun(r)}`);
    check(`fill ${before} → ${before + amount}`, r);
  }
  return slices;
}
