// Soak: sustained mixed traffic over every facet and the profile root, against the real server in a
// child process, sampled as it goes: throughput, resident memory, open file descriptors, event-loop
// delay (from its own /metrics) and, on PostgreSQL, the service's database sessions. A report is
// printed at the end. Under `npm test` it lasts seconds; `npm run soak` runs minutes
// (RELIABILITY_SCALE=soak; SOAK_SECONDS overrides).
//
// What is asserted is what must hold on any machine: every request answered with a success (each
// client works on its own user, so nothing it does may fail), no file descriptor or connection leak,
// memory bounded. Throughput and delay depend on the machine: they are reported, never judged here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { facetFixtures } from '../fixtures/facets.ts';
import { type ServerData, backendSkip, freshServerData } from '../helpers/backend.ts';
import { openFds, rssMb } from '../helpers/load.ts';
import { ServerProcess } from '../helpers/processes.ts';
import { isSoak, reliabilityScale } from './scale.ts';

const PROFILE = '/beta/me/profile';
const SECONDS = Number(process.env.SOAK_SECONDS) || reliabilityScale({ test: 20, soak: 300 });
const SAMPLES = reliabilityScale({ test: 10, soak: 30 });
const CLIENTS = 16;
/** Items a client keeps in one collection at most: it deletes the oldest past this. */
const KEEP = 8;
/** prom-client samples the event loop every 10 ms (its default); its figures include that period. */
const EVENT_LOOP_PERIOD_S = 0.01;
/** Bounds that only a leak passes: growth from the first sample (after warm-up) to the last. */
const MAX_RSS_GROWTH_MB = 100;
const MAX_FD_GROWTH = 16;

interface Sample {
  readonly atS: number;
  readonly requests: number;
  readonly perSecond: number;
  readonly rssMb: number;
  readonly fds: number;
  /** Event-loop delay beyond the sampling period since the previous sample, in ms: p99 and max. */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  /** PostgreSQL sessions of the service (undefined on SQLite). */
  readonly sessions: number | undefined;
}

interface Tally {
  requests: number;
  byStatus: Map<number, number>;
  /** The first few answers that were not a success, for the failure message. */
  problems: string[];
}

/** One client: its own user, round robin over every facet, a mix of creates, reads, PATCHes, deletes and profile reads. */
async function client(server: ServerProcess, token: string, until: () => boolean, tally: Tally): Promise<void> {
  const mine = new Map<string, string[]>(facetFixtures.map((f) => [f.collection, []]));
  const send = async (method: string, path: string, body?: unknown) => {
    const r = await server.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
    tally.requests++;
    tally.byStatus.set(r.status, (tally.byStatus.get(r.status) ?? 0) + 1);
    if ((r.status < 200 || r.status >= 300) && tally.problems.length < 5) tally.problems.push(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  };
  for (let i = 0; !until(); i++) {
    const f = facetFixtures[i % facetFixtures.length]!;
    const path = `${PROFILE}/${f.collection}`;
    const ids = mine.get(f.collection)!;
    const roll = (i * 7919) % 100;
    if (ids.length === 0 || roll < 25) {
      const r = await send('POST', path, f.create);
      if (r.status === 201) ids.push(r.json.id);
      if (ids.length > KEEP) await send('DELETE', `${path}/${ids.shift()}`);
    } else if (roll < 50) await send('GET', `${path}/${ids[i % ids.length]}`);
    else if (roll < 70) await send('GET', `${path}?$top=5&$orderby=createdDateTime desc`);
    else if (roll < 85) await send('PATCH', `${path}/${ids[i % ids.length]}`, f.patch);
    else if (roll < 92) await send('DELETE', `${path}/${ids.pop()}`);
    else await send('GET', `${PROFILE}?$select=skills,positions,languages`);
  }
}

/** The event-loop figures of the server's /metrics (prom-client resets them at each scrape). */
async function eventLoop(server: ServerProcess): Promise<{ p99Ms: number; maxMs: number }> {
  const text = (await server.request('GET', '/metrics')).text;
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const beyond = (s: number) => Math.max(0, (s - EVENT_LOOP_PERIOD_S) * 1000);
  return { p99Ms: beyond(read('nodejs_eventloop_lag_p99_seconds')), maxMs: beyond(read('nodejs_eventloop_lag_max_seconds')) };
}

function report(backend: string, samples: readonly Sample[], tally: Tally, seconds: number): string[] {
  const fmt = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (xs: readonly Sample[]) => xs.reduce((a, s) => a + s.perSecond, 0) / xs.length;
  const fives = [...tally.byStatus].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
  return [
    `soak on ${backend}: ${tally.requests} requests in ${seconds} s by ${CLIENTS} clients over ${facetFixtures.length} collections and the profile root; 5xx: ${fives}; answers by status ${JSON.stringify(Object.fromEntries(tally.byStatus))}`,
    `throughput ${fmt(mean(samples.slice(0, quarter)))} req/s in the first quarter, ${fmt(mean(samples.slice(-quarter)))} req/s in the last`,
    `RSS ${fmt(first.rssMb)} MB at the first sample, ${fmt(last.rssMb)} MB at the last; open fds ${first.fds} -> ${last.fds}; event-loop delay p99 ${fmt(first.loopP99Ms, 1)} ms -> ${fmt(last.loopP99Ms, 1)} ms${first.sessions !== undefined ? `; database sessions ${first.sessions} -> ${last.sessions}` : ''}`,
    '| at s | requests | req/s | RSS MB | fds | loop p99 ms | loop max ms | db sessions |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...samples.map((s) => `| ${fmt(s.atS)} | ${s.requests} | ${fmt(s.perSecond)} | ${fmt(s.rssMb)} | ${s.fds} | ${fmt(s.loopP99Ms, 1)} | ${fmt(s.loopMaxMs, 1)} | ${fmt(s.sessions)} |`),
  ];
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`soak (${backend})`, { skip: backendSkip(backend) }, () => {
    let data: ServerData | undefined;
    let server: ServerProcess;
    let tokens: string[];

    before(async () => {
      if (backendSkip(backend)) return;
      data = await freshServerData(backend, 'graph-profile-soak-');
      server = await ServerProcess.start({ dataDir: data.dataDir, env: data.env({ THROTTLE_LIMIT: '0' }) });
      tokens = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => server.signIn(`soak${i}@contoso.com`)));
    });
    after(async () => {
      await server?.dispose();
      await data?.dispose();
    });

    test(`${SECONDS} s of mixed traffic: every request a success, no fd or connection leak, memory bounded; report`, { timeout: (SECONDS + 120) * 1000 }, async (t) => {
      const pid = server.child.pid!;
      const sessions = async (): Promise<number | undefined> => {
        if (!data?.databaseUrl) return undefined;
        const c = new pg.Client({ connectionString: data.databaseUrl });
        await c.connect();
        try {
          const r = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
          return r.rows[0].n as number;
        } finally {
          await c.end();
        }
      };
      const tally: Tally = { requests: 0, byStatus: new Map(), problems: [] };
      const start = Date.now();
      const end = start + SECONDS * 1000;
      const clients = Promise.all(tokens.map((token) => client(server, token, () => Date.now() >= end, tally)));

      const samples: Sample[] = [];
      // The first sample comes after one interval of warm-up: JIT, caches and pools fill first.
      const interval = (SECONDS * 1000) / (SAMPLES + 1);
      let previous = { at: start, requests: 0 };
      await eventLoop(server);
      for (let k = 1; k <= SAMPLES; k++) {
        await sleep(start + k * interval - Date.now());
        const now = Date.now();
        const loop = await eventLoop(server);
        samples.push({
          atS: (now - start) / 1000,
          requests: tally.requests,
          perSecond: ((tally.requests - previous.requests) * 1000) / (now - previous.at),
          rssMb: rssMb(pid),
          fds: openFds(pid),
          loopP99Ms: loop.p99Ms,
          loopMaxMs: loop.maxMs,
          sessions: await sessions(),
        });
        previous = { at: now, requests: tally.requests };
      }
      await clients;
      const lines = report(backend, samples.slice(1), tally, SECONDS);
      for (const line of lines) t.diagnostic(line);
      if (isSoak()) console.log(`\n${lines.join('\n')}\n`);

      assert.deepEqual(tally.problems, [], 'every request of the soak succeeded');
      assert.ok(server.running, `the process lives on; stderr:\n${server.stderr}`);
      const [first, last] = [samples[1]!, samples[samples.length - 1]!];
      assert.ok(last.rssMb - first.rssMb < MAX_RSS_GROWTH_MB, `RSS grew from ${first.rssMb.toFixed(0)} MB to ${last.rssMb.toFixed(0)} MB`);
      assert.ok(last.fds - first.fds <= MAX_FD_GROWTH, `open file descriptors grew from ${first.fds} to ${last.fds}`);
      if (first.sessions !== undefined) {
        assert.ok(Math.max(...samples.map((s) => s.sessions!)) <= 10, 'database sessions stay within the pool (DATABASE_POOL_SIZE 10)');
      }
    });
  });
}
