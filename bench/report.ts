// The summary (medians over rounds), the markdown table, and the JSON file of everything measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type RunResult, round } from './measure.ts';
import type { Op } from './workloads.ts';

export type ServerName = 'ceiling' | 'graph-profile';

export interface RunRecord extends RunResult {
  op: Op;
  server: ServerName;
  round: number;
  /** 1: ran first in its pair, 2: second. */
  position: 1 | 2;
  mode: 'duration' | 'amount';
}

export interface ServerSummary {
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  /** Highest over the rounds. */
  peakRssMb: number;
  non2xx: number;
  errors: number;
  rounds: number;
}

export interface OpSummary {
  op: Op;
  ceiling: ServerSummary;
  graphProfile: ServerSummary;
  /** Median graph-profile req/s over median ceiling req/s. */
  ratio: number;
  /** The same ratio in each round (the pair of runs measured back to back). */
  roundRatios: number[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function summarise(runs: readonly RunRecord[]): ServerSummary {
  return {
    reqPerSec: round(median(runs.map((r) => r.reqPerSec)), 1),
    p50: round(median(runs.map((r) => r.p50)), 2),
    p99: round(median(runs.map((r) => r.p99)), 2),
    cpuUsPerReq: round(median(runs.map((r) => r.cpuUsPerReq)), 1),
    peakRssMb: round(Math.max(0, ...runs.map((r) => r.peakRssMb)), 1),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    rounds: runs.length,
  };
}

export function summary(ops: readonly Op[], runs: readonly RunRecord[]): OpSummary[] {
  return ops.map((op) => {
    const ceiling = summarise(runs.filter((r) => r.op === op && r.server === 'ceiling'));
    const graphProfile = summarise(runs.filter((r) => r.op === op && r.server === 'graph-profile'));
    const rounds = [...new Set(runs.filter((r) => r.op === op).map((r) => r.round))].sort((a, b) => a - b);
    const roundRatios = rounds.map((n) => {
      const c = runs.find((r) => r.op === op && r.round === n && r.server === 'ceiling');
      const g = runs.find((r) => r.op === op && r.round === n && r.server === 'graph-profile');
      return c && g && c.reqPerSec > 0 ? round(g.reqPerSec / c.reqPerSec, 3) : 0;
    });
    return { op, ceiling, graphProfile, ratio: ceiling.reqPerSec > 0 ? round(graphProfile.reqPerSec / ceiling.reqPerSec, 3) : 0, roundRatios };
  });
}

const OP_LABEL: Record<Op, string> = {
  create: 'create (POST)',
  get: 'get (GET item)',
  list: 'list of 10 (GET)',
  patch: 'PATCH',
  delete: 'DELETE',
  mixed: 'mixed (70% reads)',
};

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

export function table(rows: readonly OpSummary[]): string {
  const head = [
    'operation',
    'ceiling req/s',
    'graph-profile req/s',
    'ratio',
    'ceiling p50/p99 ms',
    'graph-profile p50/p99 ms',
    'graph-profile peak RSS MB',
    'cpu µs/req (ceiling, graph-profile)',
    'non-2xx+errors (ceiling, graph-profile)',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const c = r.ceiling;
    const g = r.graphProfile;
    lines.push(
      `| ${[
        OP_LABEL[r.op],
        fmt(c.reqPerSec),
        fmt(g.reqPerSec),
        r.ratio.toFixed(3),
        `${ms(c.p50)} / ${ms(c.p99)}`,
        `${ms(g.p50)} / ${ms(g.p99)}`,
        fmt(g.peakRssMb),
        `${fmt(c.cpuUsPerReq)}, ${fmt(g.cpuUsPerReq)}`,
        `${c.non2xx + c.errors}, ${g.non2xx + g.errors}`,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

export function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

export interface FillSlice extends RunResult {
  itemsBefore: number;
  itemsAfter: number;
}

export function fillTable(slices: readonly FillSlice[]): string {
  const lines = ['| items before → after | create req/s | p50 / p99 ms | cpu µs/req | peak RSS MB | non-2xx+errors |', '|---|---:|---:|---:|---:|---:|'];
  for (const s of slices) {
    lines.push(`| ${s.itemsBefore} → ${s.itemsAfter} | ${fmt(s.reqPerSec)} | ${ms(s.p50)} / ${ms(s.p99)} | ${fmt(s.cpuUsPerReq)} | ${fmt(s.peakRssMb)} | ${s.non2xx + s.errors} |`);
  }
  return lines.join('\n');
}
