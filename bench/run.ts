// npm run bench [-- options]: graph-profile against a bare node:http ceiling doing only the JSON work,
// both started here, driven in turn (A/B then B/A) with real tokens and many callers. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { type LoadOptions, type RunResult, round, runLoad } from './measure.ts';
import { type Caller, createPool, emptyProfile, ensureExactly, restore } from './prep.ts';
import { type OpSummary, type RunRecord, type ServerName, summary, table, writeJson } from './report.ts';
import { type Server, killChildrenNow, startCeiling, startGraphProfile } from './servers.ts';
import { mintCallers, seed } from './setup.ts';
import * as w from './workloads.ts';
import { OPS, type Op, type Workload } from './workloads.ts';

const MAX_POSITIONS_PER_USER = 10_000;
const ITEMS_PER_CALLER = 10;
const FILL_SLICE = 1000;

const USAGE = `usage: npm run bench -- [options]
  --duration SECONDS   per measured run (default 5)
  --rounds N           rounds; even rounds run ceiling then graph-profile, odd ones the reverse (default 3)
  --connections N      concurrent connections (default 32)
  --callers N          distinct users per workload, tokens rotating across requests (default 200)
  --ops LIST           comma list of ${OPS.join(',')} (default all; "none" with --fill)
  --warmup SECONDS     mixed load on each server before round 1, not measured (default 1)
  --smoke              duration 1, rounds 1, connections 4, callers 4, warmup 0: proves it works
  --out FILE           JSON results (default bench/results/latest.json)
  --seed N             load N items over N/10 users (bench/seed.ts) before graph-profile starts
  --fill               also: fill one profile from empty to ${MAX_POSITIONS_PER_USER} in slices of ${FILL_SLICE} creates
  --keep-data          keep the temporary DATA_DIR
DATABASE_URL set: graph-profile runs on that PostgreSQL database instead of SQLite.`;

interface Options {
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
}

function parseOptions(argv: string[]): Options {
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
  };
}

class UsageError extends Error {}

const log = (line: string) => console.log(line);
const fmtRun = (r: RunResult) =>
  `${r.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
  `${r.requests} req in ${r.elapsedS.toFixed(1)} s  rss ${r.peakRssMb.toFixed(0)} MB  cpu ${r.cpuUsPerReq.toFixed(0)} µs/req` +
  (r.non2xx || r.errors ? `  !! non-2xx ${r.non2xx} errors ${r.errors} ${JSON.stringify(r.statusCodes)}` : '');

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'graph-profile-bench-'));
  process.on('exit', () => {
    killChildrenNow();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  });
  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
  const backend = databaseUrl ? 'postgres' : 'sqlite';
  const gpEnv: Record<string, string> = {
    DATA_DIR: dataDir,
    THROTTLE_LIMIT: '10000000',
    MAX_POSITIONS_PER_USER: String(MAX_POSITIONS_PER_USER),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  // The configuration the server itself will read (same environment), for minting and seeding.
  const config = loadConfig({ ...process.env, ...gpEnv });

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    `date: ${started.toISOString()}`,
    `machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node: ${process.version}; load average at start: ${loadavg()[0]!.toFixed(2)}${loadavg()[0]! > cpus().length / 2 ? ' (busy machine: expect noisy numbers)' : ''}`,
    `backend: ${backend}${databaseUrl ? '' : ` (DATA_DIR ${dataDir})`}; LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info (default)'}`,
    `duration: ${opts.duration} s per run, rounds: ${opts.rounds}, connections: ${opts.connections}, callers: ${opts.callers}, warm-up: ${opts.warmup} s`,
  ];
  header.forEach((l) => log(l));

  const needReaders = opts.ops.some((op) => op === 'get' || op === 'list' || op === 'patch');
  const needWriters = opts.ops.some((op) => op === 'create' || op === 'delete');
  const needMixers = opts.ops.includes('mixed') || (opts.ops.length > 0 && opts.warmup > 0);
  let t = performance.now();
  const groups = await mintCallers(config, [
    ...(needReaders ? [{ name: '', count: opts.callers }] : []),
    ...(needWriters ? [{ name: 'writer', count: opts.callers }] : []),
    ...(needMixers ? [{ name: 'mixed', count: opts.callers }] : []),
    ...(opts.fill ? [{ name: 'fill', count: 1 }] : []),
  ]);
  const tokens = [...groups.values()].reduce((a, g) => a + g.length, 0);
  log(`tokens: ${tokens} users and tokens minted in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  let seedSeconds: number | undefined;
  if (opts.seed > 0) {
    log(`seeding ${opts.seed} items over ${Math.ceil(opts.seed / 10)} users (bench/seed.ts) ...`);
    seedSeconds = await seed(config, opts.seed, log);
    log(`seeded: ${opts.seed.toLocaleString('en-US')} items in ${seedSeconds.toFixed(1)} s`);
  }

  const servers: Server[] = [];
  const stopServers = async () => {
    await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      killChildrenNow();
      process.exit(130);
    });
  }
  try {
    const ceiling = await startCeiling();
    servers.push(ceiling);
    const gp = await startGraphProfile(gpEnv);
    servers.push(gp);
    log(`graph-profile: ready in ${gp.startupMs.toFixed(0)} ms (spawn to "serving" and /healthz 200)${opts.seed ? ` with ${opts.seed} seeded items` : ''}; ceiling ready in ${ceiling.startupMs.toFixed(0)} ms`);
    const byName: Record<ServerName, Server> = { ceiling, 'graph-profile': gp };

    const callers = (name: string): Caller[] => groups.get(name) ?? [];
    const headers = (name: string) => w.callerHeaders(callers(name));
    const failures: string[] = [];
    const check = (what: string, r: RunResult) => {
      if (r.non2xx || r.errors) failures.push(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors, status codes ${JSON.stringify(r.statusCodes)}`);
    };

    // Preparation (not measured): exactly ITEMS_PER_CALLER items in each reader's and mixer's profile.
    t = performance.now();
    const readerIds = needReaders ? await ensureExactly(gp.url, callers(''), ITEMS_PER_CALLER) : [];
    const mixerIds = needMixers ? await ensureExactly(gp.url, callers('mixed'), ITEMS_PER_CALLER) : [];
    const prepared = (readerIds.length + mixerIds.length) * ITEMS_PER_CALLER;
    const prepSeconds = (performance.now() - t) / 1000;
    if (prepared) log(`prepared: ${prepared} items (${ITEMS_PER_CALLER} per caller) in ${prepSeconds.toFixed(1)} s`);
    // Deletes per second, to size the pool of items a DELETE run consumes; refined by every write run.
    let writeRate = prepared ? prepared / prepSeconds : 500;

    const workload = (op: Op, pool: { caller: number; id: string }[]): Workload => {
      switch (op) {
        case 'create':
          return w.createWorkload(headers('writer'));
        case 'get':
          return w.getWorkload(headers(''), readerIds);
        case 'list':
          return w.listWorkload(headers(''));
        case 'patch':
          return w.patchWorkload(headers(''), readerIds);
        case 'delete':
          return w.deleteWorkload(headers('writer'), pool);
        case 'mixed':
          return w.mixedWorkload(headers('mixed'), mixerIds);
      }
    };

    if (opts.warmup > 0 && opts.ops.length > 0) {
      for (const s of [ceiling, gp]) await runLoad(s, w.mixedWorkload(headers('mixed'), mixerIds), { connections: opts.connections, duration: opts.warmup });
      await restore(gp.url, callers('mixed'), mixerIds);
      log(`warm-up: ${opts.warmup} s of mixed load on each server`);
    }

    const runs: RunRecord[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order: ServerName[] = round % 2 === 0 ? ['ceiling', 'graph-profile'] : ['graph-profile', 'ceiling'];
      log(`\nround ${round + 1}/${opts.rounds}: ${order.join(' then ')}`);
      for (const op of opts.ops) {
        let pool: { caller: number; id: string }[] = [];
        let amount: number | undefined;
        if (op === 'delete') {
          // One existing item per DELETE: graph-profile runs exactly as many requests as the pool holds.
          amount = Math.max(opts.connections * 2, Math.min(500_000, Math.ceil(writeRate * opts.duration)));
          const t0 = performance.now();
          pool = await createPool(gp.url, callers('writer'), amount);
          log(`  delete: pool of ${amount} items created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
        for (const [i, name] of order.entries()) {
          const load: LoadOptions = { connections: opts.connections, duration: opts.duration, ...(name === 'graph-profile' && amount ? { amount } : {}) };
          const result = await runLoad(byName[name], workload(op, pool), load);
          runs.push({ op, server: name, round, position: (i + 1) as 1 | 2, mode: load.amount ? 'amount' : 'duration', ...result });
          log(`  ${op.padEnd(7)} ${name.padEnd(14)} ${fmtRun(result)}`);
          check(`round ${round + 1} ${op} ${name}`, result);
          if (name === 'graph-profile' && (op === 'create' || op === 'delete')) writeRate = result.reqPerSec;
        }
        if (op === 'mixed') {
          const removed = await restore(gp.url, callers('mixed'), mixerIds);
          log(`  mixed: restored the mixed callers' profiles to ${ITEMS_PER_CALLER} items (${removed} created items deleted)`);
        }
      }
    }

    const fill = opts.fill ? await fillScenario(gp, callers('fill')[0]!, opts.connections, check) : undefined;

    const rows: OpSummary[] = summary(opts.ops, runs);
    log('');
    header.forEach((l) => log(l));
    log(`graph-profile start-up: ${gp.startupMs.toFixed(0)} ms${opts.seed ? `; items in the database: ${opts.seed.toLocaleString('en-US')} seeded (in ${seedSeconds!.toFixed(1)} s) + ${prepared} bench items` : ''}`);
    if (rows.length) {
      log(`medians of ${opts.rounds} round(s); ratio = graph-profile req/s / ceiling req/s; latencies of 2xx answers\n`);
      log(table(rows));
    }
    if (fill) log(`\nfill: one profile from 0 to ${MAX_POSITIONS_PER_USER} items, ${FILL_SLICE} creates per slice\n\n${fillTable(fill)}`);
    writeJson(opts.out, {
      date: started.toISOString(),
      machine: { cpu, cores: cpus().length, totalMemoryGiB: round(totalmem() / 2 ** 30, 1), platform: process.platform },
      node: process.version,
      loadAverageAtStart: round(loadavg()[0]!, 2),
      backend,
      logLevel: process.env.LOG_LEVEL ?? 'info',
      options: opts,
      startup: { graphProfileMs: round(gp.startupMs, 1), ceilingMs: round(ceiling.startupMs, 1) },
      seed: opts.seed ? { items: opts.seed, users: Math.ceil(opts.seed / 10), seconds: round(seedSeconds!, 2) } : null,
      preparedItems: prepared,
      summary: rows,
      runs,
      fill: fill ?? null,
      failures,
    });
    log(`\nresults: ${opts.out}`);
    await stopServers();
    if (failures.length) {
      console.error(`\nFAILED: answers that were not 2xx, or connection errors, during measured runs:\n  ${failures.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await stopServers();
  }
}

interface FillSlice extends RunResult {
  slice: number;
  itemsBefore: number;
  itemsAfter: number;
}

async function fillScenario(gp: Server, caller: Caller, connections: number, check: (what: string, r: RunResult) => void): Promise<FillSlice[]> {
  const leftover = await emptyProfile(gp.url, caller);
  log(`\nfill: ${caller.upn}${leftover ? ` (emptied ${leftover} leftover items first)` : ''}`);
  const slices: FillSlice[] = [];
  const next = w.createWorkload(w.callerHeaders([caller]));
  for (let s = 0; s * FILL_SLICE < MAX_POSITIONS_PER_USER; s++) {
    const amount = Math.min(FILL_SLICE, MAX_POSITIONS_PER_USER - s * FILL_SLICE);
    const r = await runLoad(gp, next, { connections, duration: 0, amount });
    slices.push({ slice: s + 1, itemsBefore: s * FILL_SLICE, itemsAfter: s * FILL_SLICE + amount, ...r });
    log(`  ${String(s * FILL_SLICE).padStart(5)} → ${String(s * FILL_SLICE + amount).padStart(5)} ${fmtRun(r)}`);
    check(`fill slice ${s + 1}`, r);
  }
  return slices;
}

function fillTable(slices: readonly FillSlice[]): string {
  const lines = ['| items before → after | create req/s | p50 / p99 ms | cpu µs/req | peak RSS MB | non-2xx+errors |', '|---|---:|---:|---:|---:|---:|'];
  for (const s of slices) {
    lines.push(`| ${s.itemsBefore} → ${s.itemsAfter} | ${s.reqPerSec.toFixed(0)} | ${s.p50.toFixed(1)} / ${s.p99.toFixed(1)} | ${s.cpuUsPerReq.toFixed(0)} | ${s.peakRssMb.toFixed(0)} | ${s.non2xx + s.errors} |`);
  }
  return lines.join('\n');
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) console.error(`bench: ${e.message}\n\n${USAGE}`);
    else console.error(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    killChildrenNow();
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
