// "Nothing acknowledged is lost" (SPEC §6): a 201/200/204 means the change survives a crash of the
// process. The real server runs as a child process; it is killed with SIGKILL while writes are in
// flight, restarted on the same data (DATA_DIR, or the same PostgreSQL database), and every
// acknowledged write is looked for. On SQLite always; on PostgreSQL when TEST_DATABASE_URL is set.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { listAll } from '../helpers/http.ts';
import { type ServerData, backendSkip, freshServerData } from '../helpers/backend.ts';
import { type Reply, ServerProcess, mintToken } from '../helpers/processes.ts';
import { reliabilityScale } from './scale.ts';

const POSITIONS = '/beta/me/profile/positions';
const CREATES_PER_ROUND = 200;
const BATCH = 20;
const PATCHES_PER_BATCH = 3;
const DELETES_PER_BATCH = 2;
/** Kills per backend: more under `npm run soak`. */
const CRASH_ROUNDS = reliabilityScale({ test: 3, soak: 10 });

type Json = Record<string, any>;

/** What became of one request: an HTTP answer, or no answer at all (the connection died). */
type Outcome = { answered: true; status: number; json: any } | { answered: false; error: string };

const acknowledged = (o: Outcome | undefined) => o?.answered === true && o.status >= 200 && o.status < 300;
const noAnswer = (o: Outcome | undefined) => o?.answered === false;

interface Item {
  marker: string;
  sent: Json;
  create?: Outcome;
  /** The id from the 201 body. */
  id?: string;
  patch?: { body: Json; outcome?: Outcome };
  del?: { outcome?: Outcome };
}

function createBody(marker: string, i: number): Json {
  return {
    detail: {
      jobTitle: `Engineer ${i}`,
      description: marker,
      employeeId: `E-${i}`,
      layer: i % 5,
      startMonthYear: `20${String(10 + (i % 10))}-0${1 + (i % 9)}-01`,
      company: { displayName: `Company ${i % 7}`, department: `Department ${i}`, address: { city: `City ${i}`, type: 'business' } },
    },
    isCurrent: i % 2 === 0,
    categories: [`category-${i}`, 'crash-test'],
    allowedAudiences: 'organization',
  };
}

function patchBody(i: number): Json {
  return { detail: { jobTitle: `Patched ${i}`, company: { department: `Patched department ${i}` } }, isCurrent: i % 2 !== 0, categories: ['patched'] };
}

/** OData PATCH as the spec describes it: nested objects merge, everything else replaces. */
function merged(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? merged(base[k], v) : v;
  }
  return out;
}

/** True when every member of `expected` is in `actual` with an equal value (nested objects likewise). */
function matches(actual: unknown, expected: unknown): boolean {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => matches((actual as Json)[k], v));
  }
  return isDeepStrictEqual(actual, expected);
}

async function send(server: ServerProcess, method: string, path: string, token: string, body?: Json): Promise<Outcome> {
  let reply: Reply;
  try {
    reply = await server.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  } catch (e) {
    return { answered: false, error: String((e as Error).cause ?? e) };
  }
  return { answered: true, status: reply.status, json: reply.json };
}

/** Every item of the caller's collection. */
const listPositions = (server: ServerProcess, token: string): Promise<Json[]> => listAll((path) => server.request('GET', path, { token }), POSITIONS);

/**
 * One round: writes in batches of concurrent requests (creates, and PATCHes and DELETEs of items
 * created in earlier batches), with SIGKILL sent when a randomly chosen number of writes has been
 * acknowledged, so that the kill lands while a batch is in flight.
 */
async function writeUntilKilled(server: ServerProcess, token: string, round: number, items: Item[], diagnostic: (msg: string) => void) {
  // From the third batch on (so that every round has acknowledged PATCHes and DELETEs) to well
  // before the last.
  const killAfter = 2 * BATCH + 5 + Math.floor(Math.random() * (CREATES_PER_ROUND - 3 * BATCH - 5));
  diagnostic(`round ${round}: SIGKILL after ${killAfter} acknowledged writes`);
  let acks = 0;
  let killed = false;
  const note = (o: Outcome) => {
    if (acknowledged(o) && ++acks === killAfter) {
      killed = true;
      server.signal('SIGKILL');
    }
  };

  const mine: Item[] = [];
  let created = 0;
  while (created < CREATES_PER_ROUND && !killed) {
    const batch: Array<Promise<void>> = [];
    const targets = mine.filter((it) => it.id !== undefined && acknowledged(it.create) && !it.patch && !it.del);
    for (const it of targets.slice(0, PATCHES_PER_BATCH)) {
      const i = Number(it.marker.split('-').pop());
      it.patch = { body: patchBody(i) };
      batch.push(send(server, 'PATCH', `${POSITIONS}/${it.id}`, token, it.patch.body).then((o) => void note((it.patch!.outcome = o))));
    }
    for (const it of targets.slice(PATCHES_PER_BATCH, PATCHES_PER_BATCH + DELETES_PER_BATCH)) {
      it.del = {};
      batch.push(send(server, 'DELETE', `${POSITIONS}/${it.id}`, token).then((o) => void note((it.del!.outcome = o))));
    }
    while (batch.length < BATCH && created < CREATES_PER_ROUND) {
      const i = created++;
      const marker = `crash-r${round}-${i}`;
      const it: Item = { marker, sent: createBody(marker, i) };
      mine.push(it);
      items.push(it);
      batch.push(
        send(server, 'POST', POSITIONS, token, it.sent).then((o) => {
          it.create = o;
          if (o.answered && acknowledged(o)) it.id = o.json?.id;
          note(o);
        }),
      );
    }
    await Promise.all(batch);
  }
  const exit = await server.exited;
  assert.equal(exit.signal, 'SIGKILL', `the server was to be killed during the writes, but it ended with ${JSON.stringify(exit)}`);
  diagnostic(`round ${round}: ${acks} writes acknowledged, ${mine.filter((it) => noAnswer(it.create)).length} creates unanswered`);
}

type State = 'absent' | 'created' | 'patched';

/** The states an item may be in, given what the server acknowledged. */
function allowedStates(it: Item): Set<State> {
  let states = new Set<State>(acknowledged(it.create) ? ['created'] : ['absent', 'created']);
  if (it.patch) {
    if (acknowledged(it.patch.outcome)) states = new Set(['patched']);
    else if (noAnswer(it.patch.outcome)) states.add('patched');
  }
  if (it.del) {
    if (acknowledged(it.del.outcome)) states = new Set(['absent']);
    else if (noAnswer(it.del.outcome)) states.add('absent');
  }
  return states;
}

function observedState(it: Item, found: Json | undefined): State | 'different' {
  if (found === undefined) return 'absent';
  if (matches(found, it.sent)) return 'created';
  if (it.patch && matches(found, merged(it.sent, it.patch.body))) return 'patched';
  return 'different';
}

async function verify(server: ServerProcess, token: string, items: Item[]): Promise<void> {
  const listed = await listPositions(server, token);
  const byMarker = new Map<string, Json>();
  for (const p of listed) {
    const marker = p.detail?.description;
    assert.ok(
      items.some((it) => it.marker === marker),
      `an item nobody created is listed: ${JSON.stringify(p)}`,
    );
    assert.ok(!byMarker.has(marker), `one create is stored twice: ${marker}`);
    byMarker.set(marker, p);
  }

  const problems: string[] = [];
  for (const it of items) {
    const found = byMarker.get(it.marker);
    const state = observedState(it, found);
    const allowed = allowedStates(it);
    if (!allowed.has(state as State)) {
      problems.push(
        `${it.marker}: found ${state}, expected ${[...allowed].join(' or ')} ` +
          `(create ${JSON.stringify(it.create)}, patch ${JSON.stringify(it.patch?.outcome)}, delete ${JSON.stringify(it.del?.outcome)})` +
          (state === 'different' ? `\n  stored: ${JSON.stringify(found)}` : ''),
      );
      continue;
    }
    if (it.id !== undefined && found !== undefined && found.id !== it.id) problems.push(`${it.marker}: listed with id ${found.id}, created as ${it.id}`);
  }
  assert.deepEqual(problems, [], `${problems.length} writes were lost or changed:\n${problems.join('\n')}`);

  // Item by item as well: acknowledged creates are there by id (and as patched when the PATCH was
  // acknowledged), acknowledged deletes are gone.
  const missing: string[] = [];
  const checks = items
    .filter((it) => it.id !== undefined)
    .map(async (it) => {
      const r = await server.request('GET', `${POSITIONS}/${it.id}`, { token });
      if (it.del && acknowledged(it.del.outcome)) {
        if (r.status !== 404) missing.push(`${it.marker}: deleted (204) but GET answers ${r.status}`);
      } else if (!it.del || !noAnswer(it.del.outcome)) {
        if (r.status !== 200) missing.push(`${it.marker}: created (201) but GET answers ${r.status}: ${r.text}`);
        else {
          const want = it.patch && acknowledged(it.patch.outcome) ? merged(it.sent, it.patch.body) : undefined;
          if (want && !matches(r.json, want)) missing.push(`${it.marker}: PATCH acknowledged but not visible: ${r.text}`);
          if (!want && !matches(r.json, it.sent) && !(it.patch && matches(r.json, merged(it.sent, it.patch.body)))) {
            missing.push(`${it.marker}: stored fields differ from those sent: ${r.text}`);
          }
        }
      }
    });
  for (let i = 0; i < checks.length; i += BATCH) await Promise.all(checks.slice(i, i + BATCH));
  assert.deepEqual(missing, [], missing.join('\n'));
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`durability of acknowledged writes (${backend})`, { skip: backendSkip(backend) }, () => {
    let data: ServerData | undefined;
    let token: string;
    const servers: ServerProcess[] = [];
    /** Several hundred acknowledged creates by one user over the rounds: the per-profile cap is lifted. */
    const SETTINGS = { MAX_POSITIONS_PER_USER: '5000' };
    const start = async () => {
      const s = await ServerProcess.start({ dataDir: data!.dataDir, env: data!.env(SETTINGS) });
      servers.push(s);
      return s;
    };

    before(async () => {
      if (backendSkip(backend)) return;
      data = await freshServerData(backend, 'graph-profile-crash-');
      token = await mintToken(data.dataDir, ['--upn', 'durable@contoso.com', '--name', 'Durable User'], data.env());
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.dispose()));
      await data?.dispose();
    });

    // The timeouts guard against a hang (a test that never ends), not against slowness.
    test('kill -9 during concurrent writes loses nothing that was acknowledged', { timeout: 300_000 }, async (t) => {
      const items: Item[] = [];
      for (let round = 1; round <= CRASH_ROUNDS; round++) {
        const server = await start();
        t.after(() => server.dispose());
        await writeUntilKilled(server, token, round, items, (m) => t.diagnostic(m));
      }
      assert.ok(items.some((it) => acknowledged(it.create)), 'some writes were acknowledged before the kill');
      assert.ok(items.some((it) => it.patch && acknowledged(it.patch.outcome)), 'some PATCHes were acknowledged before a kill');
      assert.ok(items.some((it) => it.del && acknowledged(it.del.outcome)), 'some DELETEs were acknowledged before a kill');

      // Every HTTP answer before the kill was a success: a crash test of failing writes proves nothing.
      const refused = items
        .flatMap((it) => [it.create, it.patch?.outcome, it.del?.outcome])
        .filter((o): o is Outcome => o?.answered === true && !acknowledged(o));
      assert.deepEqual(refused, [], 'writes answered with an error');

      const restarted = await start();
      t.after(() => restarted.dispose());
      await verify(restarted, token, items);
      const acked = items.flatMap((it) => [it.create, it.patch?.outcome, it.del?.outcome]).filter(acknowledged).length;
      t.diagnostic(`${CRASH_ROUNDS} kills survived; ${acked} acknowledged writes (creates, PATCHes, DELETEs) found as acknowledged after restart`);

      // The store still takes writes after the crashes.
      const later = await restarted.request('POST', POSITIONS, { token, body: { detail: { jobTitle: 'After the crash' } } });
      assert.equal(later.status, 201, later.text);
      const again = await restarted.request('GET', `${POSITIONS}/${later.json.id}`, { token });
      assert.equal(again.status, 200, again.text);
    });

    test('a graceful stop (SIGTERM) and restart keeps every item, unchanged and in the same order', { timeout: 300_000 }, async (t) => {
      const fresh = await freshServerData(backend, 'graph-profile-restart-');
      t.after(() => fresh.dispose());
      const tok = await mintToken(fresh.dataDir, ['--upn', 'steady@contoso.com'], fresh.env());
      const server = await ServerProcess.start({ dataDir: fresh.dataDir, env: fresh.env(SETTINGS) });
      t.after(() => server.dispose());

      const createdIds: string[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await server.request('POST', POSITIONS, { token: tok, body: createBody(`steady-${i}`, i) });
        assert.equal(r.status, 201, r.text);
        createdIds.push(r.json.id);
      }
      const patched = createdIds.filter((_, i) => i % 5 === 1);
      const deleted = createdIds.filter((_, i) => i % 5 === 3);
      for (const id of patched) {
        const r = await server.request('PATCH', `${POSITIONS}/${id}`, { token: tok, body: patchBody(createdIds.indexOf(id)) });
        assert.equal(r.status, 200, r.text);
      }
      for (const id of deleted) {
        const r = await server.request('DELETE', `${POSITIONS}/${id}`, { token: tok });
        assert.equal(r.status, 204, r.text);
      }
      const remaining = createdIds.filter((id) => !deleted.includes(id));
      const listedBefore = await listPositions(server, tok);
      assert.deepEqual(
        listedBefore.map((p) => p.id),
        remaining,
        'listed oldest first',
      );
      const entitiesBefore = new Map<string, Json>();
      for (const id of remaining) {
        const r = await server.request('GET', `${POSITIONS}/${id}`, { token: tok });
        assert.equal(r.status, 200, r.text);
        const { '@odata.context': _context, ...entity } = r.json;
        entitiesBefore.set(id, { entity, etag: r.headers.get('etag') });
      }

      const exit = await server.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, `a graceful stop exits with 0; stderr:\n${server.stderr}`);

      const restarted = await ServerProcess.start({ dataDir: fresh.dataDir, env: fresh.env(SETTINGS) });
      t.after(() => restarted.dispose());
      const afterRestart = await listPositions(restarted, tok);
      assert.deepEqual(afterRestart, listedBefore, 'the same items, unchanged, in the same order');
      for (const id of remaining) {
        const r = await restarted.request('GET', `${POSITIONS}/${id}`, { token: tok });
        assert.equal(r.status, 200, r.text);
        const { '@odata.context': _context, ...entity } = r.json;
        assert.deepEqual({ entity, etag: r.headers.get('etag') }, entitiesBefore.get(id));
      }
      for (const id of patched) {
        const r = await restarted.request('GET', `${POSITIONS}/${id}`, { token: tok });
        assert.equal(r.json.detail.jobTitle, `Patched ${createdIds.indexOf(id)}`);
      }
      for (const id of deleted) {
        const r = await restarted.request('GET', `${POSITIONS}/${id}`, { token: tok });
        assert.equal(r.status, 404, r.text);
      }
    });
  });
}
