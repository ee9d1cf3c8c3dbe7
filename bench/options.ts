// Command-line options of `npm run bench` (node:util parseArgs).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OPS, type Op } from './workloads.ts';

/** Passed to graph-profile: the largest profile the fill scenario builds. */
export const MAX_POSITIONS_PER_USER = 10_000;
/** Items in each reading caller's profile: a list is a full first page of 10. */
export const ITEMS_PER_CALLER = 10;
/** Creates per slice of the fill scenario. */
export const FILL_SLICE = 1000;

export const USAGE = `usage: npm run bench -- [options]
  --duration SECONDS   per measured run (default 5)
  --rounds N           rounds; even rounds run ceiling then graph-profile, odd ones the reverse (default 3)
  --connections N      concurrent connections (default 32)
  --callers N          distinct users per workload, tokens rotating across requests (default 200)
  --ops LIST           comma list of ${OPS.join(',')} (default all; "none" with --fill)
  --warmup SECONDS     mixed load on each server before round 1, not measured (default 1)
  --smoke              duration 1, rounds 1, connections 4, callers 4, warmup 0: proves it works
                       (answers 503 with Retry-After are reported, not failures)
  --out FILE           JSON results (default bench/results/latest.json)
  --seed N             load N items over N/10 users (bench/seed.ts) before graph-profile starts
  --fill               also: fill one profile from empty to ${MAX_POSITIONS_PER_USER} in slices of ${FILL_SLICE} creates
  --keep-data          keep the temporary DATA_DIR
DATABASE_URL set: graph-profile runs on that PostgreSQL database instead of SQLite.`;

export interface Options {
  duration: number;
  rounds: number;
  connections: number;
  callers: number;
  ops: Op[];
  warmup: number;
  out: string;
  seed: number;
  fill: boolean;
  keepData: boolean;
  /** --smoke: proves that it runs; a 503 (a database slow for a moment on a busy machine) is reported, not a failure. */
  smoke: boolean;
}

export function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        rounds: { type: 'string' },
        connections: { type: 'string' },
        callers: { type: 'string' },
        ops: { type: 'string' },
        warmup: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        out: { type: 'string' },
        seed: { type: 'string' },
        fill: { type: 'boolean', default: false },
        'keep-data': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const num = (name: string, raw: string | undefined, def: number, min: number): number => {
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} ${raw}: expected a number >= ${min}`);
    return n;
  };
  const int = (name: string, raw: string | undefined, def: number, min: number) => {
    const n = num(name, raw, def, min);
    if (!Number.isInteger(n)) throw new UsageError(`--${name} ${raw}: expected a whole number`);
    return n;
  };
  const ops = values.ops === undefined ? [...OPS] : values.ops === 'none' ? [] : values.ops.split(',').map((s) => s.trim());
  for (const op of ops) if (!OPS.includes(op as Op)) throw new UsageError(`--ops: unknown operation '${op}' (known: ${OPS.join(', ')})`);
  const fill = values.fill ?? false;
  if (ops.length === 0 && !fill) throw new UsageError('--ops none measures nothing without --fill');
  return {
    duration: num('duration', values.duration, smoke ? 1 : 5, 0.5),
    rounds: int('rounds', values.rounds, smoke ? 1 : 3, 1),
    connections: int('connections', values.connections, smoke ? 4 : 32, 1),
    callers: int('callers', values.callers, smoke ? 4 : 200, 1),
    ops: ops as Op[],
    warmup: num('warmup', values.warmup, smoke ? 0 : 1, 0),
    out: resolve(values.out ?? join('bench', 'results', 'latest.json')),
    seed: int('seed', values.seed, 0, 0),
    fill,
    keepData: values['keep-data'] ?? false,
    smoke,
  };
}

export class UsageError extends Error {}
