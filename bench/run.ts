// npm run bench [-- options]: graph-profile against a bare node:http ceiling doing only the JSON work,
// both started here, driven in turn (A/B then B/A) with real tokens and many callers. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { type RunResult, round } from './measure.ts';
import { FILL_SLICE, MAX_POSITIONS_PER_USER, USAGE, UsageError, parseOptions } from './options.ts';
import { type FillSlice, type RunRecord, fillTable, summary, table, writeJson } from './report.ts';
import { type Check, compare, fill, log, needs } from './scenarios.ts';
import { type Server, graphProfileVariant, killChildrenNow, startCeiling, startGraphProfile } from './servers.ts';
import { mintCallers, seed } from './setup.ts';

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const load = loadavg()[0]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'graph-profile-bench-'));
  process.on('exit', () => {
    killChildrenNow();
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      process.exit(130); // the exit handler kills them
    });
  }

  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
  const backend = databaseUrl ? 'postgres' : 'sqlite';
  const gpEnv: Record<string, string> = {
    DATA_DIR: dataDir,
    THROTTLE_LIMIT: '10000000', // throttling on, never tripping
    MAX_POSITIONS_PER_USER: String(MAX_POSITIONS_PER_USER),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  // The configuration the server itself will read (the same environment), for minting and seeding.
  const config = loadConfig({ ...process.env, ...gpEnv });

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const variant = graphProfileVariant();
  const header = [
    `date: ${started.toISOString()}`,
    `machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average at start ${load.toFixed(2)}${load > cpus().length / 2 ? ' (busy: expect noisy numbers)' : ''}`,
    `node: ${process.version}`,
    `graph-profile: ${backend}; LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info (default)'}; runs the ${variant}`,
    `duration: ${opts.duration} s per run, rounds: ${opts.rounds}, connections: ${opts.connections}, callers: ${opts.callers}, warm-up: ${opts.warmup} s`,
  ];
  header.forEach((l) => log(l));

  const need = needs(opts.ops, opts.warmup);
  const t = performance.now();
  const groups = await mintCallers(config, [
    ...(need.readers ? [{ name: '', count: opts.callers }] : []),
    ...(need.writers ? [{ name: 'writer', count: opts.callers }] : []),
    ...(need.mixers ? [{ name: 'mixed', count: opts.callers }] : []),
    ...(opts.fill ? [{ name: 'fill', count: 1 }] : []),
  ]);
  const tokens = [...groups.values()].reduce((a, g) => a + g.length, 0);
  log(`tokens: ${tokens} users and tokens minted in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  let seedSeconds = 0;
  if (opts.seed > 0) {
    log(`seeding ${opts.seed} items over ${Math.ceil(opts.seed / 10)} users (bench/seed.ts) ...`);
    seedSeconds = await seed(config, opts.seed, log);
    log(`seeded: ${opts.seed.toLocaleString('en-US')} items in ${seedSeconds.toFixed(1)} s`);
  }

  const children: Server[] = [];
  try {
    // The ceiling only when there is something to compare (the fill scenario is graph-profile alone).
    const ceiling = opts.ops.length ? await startCeiling() : undefined;
    if (ceiling) children.push(ceiling);
    const gp = await startGraphProfile(gpEnv);
    children.push(gp);
    const startup = `graph-profile start-up: ${gp.startupMs.toFixed(0)} ms (spawn to "serving" line and /healthz 200)${opts.seed ? ` with ${opts.seed.toLocaleString('en-US')} seeded items` : ''}`;
    log(startup);

    const failures: string[] = [];
    const warnings: string[] = [];
    const check: Check = (what: string, r: RunResult) => {
      if (!r.non2xx && !r.errors) return;
      const line = `${what}: ${r.non2xx} non-2xx, ${r.errors} errors, status codes ${JSON.stringify(r.statusCodes)}`;
      // A smoke run proves that the benchmark runs: a database slow for a moment (503, as SPEC §6 has it) is not its failure.
      const onlyUnavailable = !r.errors && r.non2xx === (r.statusCodes['503'] ?? 0);
      (opts.smoke && onlyUnavailable ? warnings : failures).push(line);
    };
    const callers = (name: string) => groups.get(name) ?? [];
    const { runs, preparedItems } = ceiling
      ? await compare({ ceiling, 'graph-profile': gp }, { readers: callers(''), writers: callers('writer'), mixers: callers('mixed') }, opts, check)
      : { runs: [] as RunRecord[], preparedItems: 0 };
    const slices: FillSlice[] | undefined = opts.fill ? await fill(gp, callers('fill')[0]!, opts.connections, check) : undefined;

    const rows = summary(opts.ops, runs);
    log('');
    header.forEach((l) => log(l));
    log(startup);
    if (opts.seed) log(`items in the database: ${opts.seed.toLocaleString('en-US')} seeded (in ${seedSeconds.toFixed(1)} s) + ${preparedItems} prepared by the bench`);
    if (rows.length) {
      log(`medians of ${opts.rounds} round(s); ratio = graph-profile req/s / ceiling req/s of the same run; latencies of 2xx answers\n`);
      log(table(rows));
    }
    if (slices) log(`\nfill: one profile from 0 to ${MAX_POSITIONS_PER_USER} items, ${FILL_SLICE} creates per slice, ${opts.connections} connections\n\n${fillTable(slices)}`);
    writeJson(opts.out, {
      date: started.toISOString(),
      machine: { cpu, cores: cpus().length, totalMemoryGiB: round(totalmem() / 2 ** 30, 1), platform: process.platform, loadAverageAtStart: round(load, 2) },
      node: process.version,
      backend,
      graphProfileVariant: variant,
      logLevel: process.env.LOG_LEVEL ?? 'info',
      options: opts,
      startup: { graphProfileMs: round(gp.startupMs, 1), ceilingMs: ceiling ? round(ceiling.startupMs, 1) : null },
      seed: opts.seed ? { items: opts.seed, users: Math.ceil(opts.seed / 10), seconds: round(seedSeconds, 2) } : null,
      preparedItems,
      summary: rows,
      runs,
      fill: slices ?? null,
      failures,
      warnings,
    });
    log(`\nresults: ${opts.out}`);
    if (warnings.length) console.error(`\nanswered 503 (the database was slow for a moment) during measured runs:\n  ${warnings.join('\n  ')}`);
    if (failures.length) {
      console.error(`\nFAILED: answers that were not 2xx, or connection errors, during measured runs:\n  ${failures.join('\n  ')}`);
      console.error(`graph-profile's log: ${gp.logProblems?.()}`);
      return 1;
    }
    return 0;
  } catch (e) {
    const gp = children.find((c) => c.name === 'graph-profile');
    if (gp?.logProblems) console.error(`graph-profile's log: ${gp.logProblems()}`);
    throw e;
  } finally {
    await Promise.allSettled(children.map((s) => s.stop()));
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) console.error(`bench: ${e.message}\n\n${USAGE}`);
    else console.error(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(e instanceof UsageError ? 2 : 1); // the exit handler kills the servers
  },
);
