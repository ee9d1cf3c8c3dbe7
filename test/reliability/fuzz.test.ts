// Hostile input against the real server (a child process), every facet and the profile root, with
// fast-check: mutated bodies (wrong types, huge strings, deep nesting, unicode edge cases,
// __proto__/constructor keys, duplicate keys, numbers out of range, broken JSON), random OData
// options, random paths, methods, headers and content encodings.
//
// Invariants, after every request: no 5xx; every error in Graph's shape; the process is up. At the
// end: the stored data equals the reference model built from the answers to accepted writes (every
// collection listed and every item read), and memory stayed bounded. On SQLite always; on
// PostgreSQL when TEST_DATABASE_URL is set. `npm run soak` runs it with more cases (RELIABILITY_SCALE).
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { facetFixtures, type FacetFixture } from '../fixtures/facets.ts';
import { Acknowledged } from '../helpers/acknowledged.ts';
import { type ServerData, backendSkip, freshServerData } from '../helpers/backend.ts';
import { graphErrorShapeProblems } from '../helpers/graph-error.ts';
import type { Reply } from '../helpers/http.ts';
import { peakRssWhile, rssMb } from '../helpers/load.ts';
import { ServerProcess } from '../helpers/processes.ts';
import { reliabilityScale } from './scale.ts';

const PROFILE = '/beta/me/profile';
const COLLECTIONS = facetFixtures.map((f) => `${PROFILE}/${f.collection}`);
/** Cases per backend: a few minutes in all for `npm test`; more in `npm run soak`. */
const CASES = reliabilityScale({ test: 1500, soak: 20_000 });
/** A bound on memory growth over the whole run (the service idles at ~100 MB), never reached unless something leaks. */
const MAX_GROWTH_MB = 150;

type Json = Record<string, any>;

/** One request as the fuzzer sends it: the path raw, the body as bytes. */
interface Case {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** For writes: how the model learns of an accepted one. */
  readonly write?: { readonly modelPath: string };
  /** A string the server must store and serve exactly when it accepts the body. */
  readonly roundTrip?: { readonly path: readonly string[]; readonly value: string };
  /** A valid create body: every value in it must be in the created entity. */
  readonly created?: Json;
}

/** What the server holds: lets a case name "an existing item" by index, resolved when it runs. */
interface World {
  readonly acks: Acknowledged;
  readonly token: string;
  readonly otherToken: string;
}

// ---- bodies -------------------------------------------------------------------------------------

/** Paths of every member of a JSON value, objects and leaves alike. */
function memberPaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...memberPaths(v, [...prefix, k])]);
}

function setAt(body: Json, path: readonly string[], value: unknown): Json {
  const copy: Json = structuredClone(body);
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] = node[k] && typeof node[k] === 'object' && !Array.isArray(node[k]) ? node[k] : {};
  node[path[path.length - 1]!] = value;
  return copy;
}

const PLACEHOLDER = '\u0000raw\u0000';
/** JSON text of `body` with the member at `path` written as the raw text given (a number JSON.stringify cannot write). */
function withRawValue(body: Json, path: readonly string[], raw: string): string {
  return JSON.stringify(setAt(body, path, PLACEHOLDER)).replace(JSON.stringify(PLACEHOLDER), raw);
}

const NUMBERS_OUT_OF_RANGE = ['1e400', '-1e400', '1e-400', '-0', '9007199254740993', '2147483648', '-2147483649', '123456789012345678901234567890', '0.1e1', '1E2'];
const UNICODE_EDGES = ['\ud800', 'a\udfffb', '\u0000', 'x\u0000y', '\u202eevil', '\ufeffbom', '𝒳𝒴', '👩‍👩‍👧‍👦', 'e\u0301', '\u200b', 'Ω≈ç√∫', '\uffff', '\\', '"quoted"', "it's", '<script>alert(1)</script>'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];

/** A body mutated from a valid one, as the text sent, with a name for the report. */
const mutatedBody = (valid: Json): fc.Arbitrary<{ kind: string; text: string; roundTrip?: Case['roundTrip'] }> => {
  const paths = memberPaths(valid);
  const stringPaths = paths.filter((p) => typeof p.reduce<any>((n, k) => n?.[k], valid) === 'string');
  const anyPath = fc.constantFrom(...paths);
  return fc.oneof(
    // Valid bodies often enough that the profile fills up and PATCHes and DELETEs find items.
    { arbitrary: fc.constant({ kind: 'valid', text: JSON.stringify(valid) }), weight: 6 },
    fc.tuple(anyPath, fc.jsonValue({ maxDepth: 3 })).map(([p, v]) => ({ kind: `wrong type at ${p.join('.')}`, text: JSON.stringify(setAt(valid, p, v)) })),
    fc.tuple(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ kind: `unknown property ${JSON.stringify(k)}`, text: JSON.stringify({ ...valid, [k]: v }) })),
    fc.tuple(stringPaths.length ? fc.constantFrom(...stringPaths) : anyPath, fc.constantFrom(10_001, 200_000, 1_100_000)).map(([p, n]) => ({
      kind: `huge string (${n}) at ${p.join('.')}`,
      text: JSON.stringify(setAt(valid, p, 'x'.repeat(n))),
    })),
    fc.tuple(anyPath, fc.integer({ min: 20, max: 20_000 })).map(([p, d]) => ({
      kind: `nesting ${d} deep at ${p.join('.')}`,
      text: withRawValue(valid, p, `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
    })),
    fc.tuple(anyPath, fc.integer({ min: 20, max: 20_000 })).map(([p, d]) => ({
      kind: `arrays ${d} deep at ${p.join('.')}`,
      text: withRawValue(valid, p, `${'['.repeat(d)}${']'.repeat(d)}`),
    })),
    fc.tuple(stringPaths.length ? fc.constantFrom(...stringPaths) : anyPath, fc.oneof(fc.constantFrom(...UNICODE_EDGES), fc.string({ unit: 'binary', maxLength: 40 }))).map(([p, s]) => ({
      kind: `unicode ${JSON.stringify(s)} at ${p.join('.')}`,
      text: JSON.stringify(setAt(valid, p, s)),
      roundTrip: { path: p, value: s },
    })),
    fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.option(anyPath, { nil: undefined }), fc.jsonValue({ maxDepth: 2 })).map(([k, p, v]) => {
      // A member named __proto__ must be written as text: an object literal would set the prototype.
      const member = `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`;
      const text = p ? withRawValue(valid, p, `{${member}}`) : `{${member},${JSON.stringify(valid).slice(1)}`;
      return { kind: `key ${k} ${p ? `in ${p.join('.')}` : 'at the top'}`, text };
    }),
    fc.tuple(anyPath, fc.jsonValue({ maxDepth: 1 })).map(([p, v]) => {
      const top = p[0]!;
      return { kind: `duplicate key ${top}`, text: `{${JSON.stringify(top)}:${JSON.stringify(v) ?? 'null'},${JSON.stringify(valid).slice(1)}` };
    }),
    fc.tuple(anyPath, fc.constantFrom(...NUMBERS_OUT_OF_RANGE)).map(([p, n]) => ({ kind: `number ${n} at ${p.join('.')}`, text: withRawValue(valid, p, n) })),
    fc.tuple(fc.nat(), fc.constantFrom('truncate', 'trailing comma', 'bom', 'NaN', 'single quotes', 'comment', 'two documents')).map(([n, how]) => {
      const text = JSON.stringify(valid);
      const broken = {
        truncate: text.slice(0, n % text.length),
        'trailing comma': `${text.slice(0, -1)},}`,
        bom: `\ufeff${text}`,
        NaN: withRawValue(valid, paths[n % paths.length]!, 'NaN'),
        'single quotes': text.replaceAll('"', "'"),
        comment: `/* c */${text}`,
        'two documents': `${text}${text}`,
      }[how];
      return { kind: `broken JSON (${how})`, text: broken };
    }),
    fc.jsonValue({ maxDepth: 2 }).filter((v) => !v || typeof v !== 'object' || Array.isArray(v)).map((v) => ({ kind: 'not an object', text: JSON.stringify(v) ?? 'null' })),
  );
};

// ---- requests -----------------------------------------------------------------------------------

const fixture = fc.constantFrom(...facetFixtures);
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** Resolves "the n-th existing item" (of any collection) when the case runs; a made-up id when there is none. */
const existing = (world: World, n: number, collection?: string): string => {
  const keys = [...world.acks.items.keys()].filter((k) => !collection || k.startsWith(`${collection}/`));
  return keys.length ? keys[n % keys.length]! : `${collection ?? `${PROFILE}/skills`}/01a228d1-0000-7000-8000-000000000000`;
};

const createCase = (world: World) =>
  fc.tuple(fixture, fc.nat()).chain(([f]) =>
    mutatedBody(f.create as Json).map(
      (b): Case => ({
        what: `create ${f.collection}: ${b.kind}`,
        method: 'POST',
        path: `${PROFILE}/${f.collection}`,
        headers: json(world.token),
        body: Buffer.from(b.text),
        write: { modelPath: `${PROFILE}/${f.collection}` },
        ...(b.roundTrip ? { roundTrip: b.roundTrip } : {}),
        ...(b.kind === 'valid' ? { created: f.create as Json } : {}),
      }),
    ),
  );

const patchCase = (world: World) =>
  fc.tuple(fixture, fc.nat(), fc.boolean()).chain(([f, n, sameFacet]) =>
    mutatedBody(f.patch as Json).map((b): Case => {
      const path = existing(world, n, sameFacet ? `${PROFILE}/${f.collection}` : undefined);
      return {
        what: `PATCH ${path.split('/')[4]}: ${b.kind}`,
        method: 'PATCH',
        path,
        headers: json(world.token),
        body: Buffer.from(b.text),
        write: { modelPath: path },
        ...(b.roundTrip ? { roundTrip: b.roundTrip } : {}),
      };
    }),
  );

const deleteCase = (world: World) =>
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 299 })).map(([n, k]): Case => {
    // Once in a while the whole profile, so that the model's emptying is exercised too.
    const path = k === 0 ? PROFILE : existing(world, n);
    return { what: `DELETE ${path}`, method: 'DELETE', path, headers: { authorization: `Bearer ${world.token}` }, write: { modelPath: path } };
  });

const ODATA_NAMES = ['$select', '$filter', '$orderby', '$top', '$skip', '$count', '$expand', '$search', '$format', '$skiptoken', '$levels', '$apply', '$compute', '$foo', 'select', '$SELECT', '$top '];
const ODATA_VALUES = [
  ...facetFixtures.slice(0, 6).map((f) => f.collection),
  'id',
  'displayName',
  'detail/jobTitle',
  'createdDateTime desc',
  "displayName eq 'x'",
  "startswith(displayName,'a')",
  'allowedAudiences eq 2',
  'createdDateTime gt 2020-01-01T00:00:00Z',
  'not (isCurrent eq true)',
  'categories/any(c: c eq \'x\')',
  'skills($select=displayName;$top=1)',
  'positions($filter=isCurrent eq true)',
  '-1',
  '0',
  '999999999999',
  '1.5',
  'true',
  "'",
  '(',
  '%ZZ',
  '%00',
  '%',
  '',
  'x'.repeat(5000),
];
const odataQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom(...ODATA_NAMES),
      fc.oneof(fc.constantFrom(...ODATA_VALUES), fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent)),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k).replaceAll('%24', '$')}=${v}`).join('&')}` : ''));

const readCase = (world: World) =>
  fc.tuple(fc.constantFrom('collection', 'item', 'root', 'other user root', 'other user collection', 'count'), fixture, fc.nat(), odataQuery).map(
    ([target, f, n, query]): Case => {
      const path = {
        collection: `${PROFILE}/${f.collection}`,
        item: existing(world, n),
        root: PROFILE,
        'other user root': '/beta/users/fuzz@contoso.com/profile',
        'other user collection': `/beta/users/fuzz@contoso.com/profile/${f.collection}`,
        count: `${PROFILE}/${f.collection}/$count`,
      }[target];
      const token = target.startsWith('other') ? world.otherToken : world.token;
      return { what: `GET ${target}${query}`, method: 'GET', path: `${path}${query}`, headers: { authorization: `Bearer ${token}` } };
    },
  );

const SEGMENTS = ['beta', 'v1.0', 'me', 'users', 'profile', ...facetFixtures.map((f) => f.collection), '$metadata', '$count', '$ref', '$value', 'null', "'x'", '..', '%2e%2e', '%2F', '.', 'SKILLS', "fuzz@contoso.com", '01a228d1-0000-7000-8000-000000000000', 'x'.repeat(3000)];
const randomPathCase = (world: World) =>
  fc
    .tuple(
      fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'PUT', 'PROPFIND', 'TRACE', 'POST', 'PATCH'),
      fc.array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 12 }).map(encodeURIComponent)), { minLength: 0, maxLength: 7 }),
      fc.boolean(),
    )
    .map(([method, segments, slash]): Case => ({
      what: `${method} random path`,
      method,
      path: `/${segments.join('/')}${slash ? '/' : ''}`,
      headers: json(world.token),
      ...(method === 'POST' || method === 'PATCH' || method === 'PUT' ? { body: Buffer.from('{"displayName":"random path"}') } : {}),
    }));

/** 50 MB of spaces, gzipped to ~50 KB: made once. */
let bomb: Buffer | undefined;
const gzipBomb = () => (bomb ??= gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)));

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;odata.metadata=minimal', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''];
const headerCase = (world: World) =>
  fc
    .tuple(
      fixture,
      fc.constantFrom(...CONTENT_TYPES),
      fc.constantFrom('none', 'gzip', 'deflate', 'gzip header, plain body', 'br', 'gzip, deflate', 'x-unknown', 'gzip bomb'),
      fc.constantFrom('valid', 'missing', 'Bearer', 'Bearer garbage', 'Basic dXNlcjpwYXNz', 'flipped signature', 'huge', 'two spaces'),
      fc.option(fc.constantFrom('"1"', 'W/"1"', '*', '1', '"', 'W/', ''), { nil: undefined }),
    )
    .map(([f, type, encoding, auth, ifMatch]): Case => {
      const text = Buffer.from(JSON.stringify(f.create));
      const body =
        encoding === 'gzip' ? gzipSync(text)
        : encoding === 'deflate' ? deflateSync(text)
        : encoding === 'gzip bomb' ? gzipBomb()
        : text;
      const authorization = {
        valid: `Bearer ${world.token}`,
        missing: undefined,
        Bearer: 'Bearer',
        'Bearer garbage': 'Bearer garbage.garbage.garbage',
        'Basic dXNlcjpwYXNz': 'Basic dXNlcjpwYXNz',
        'flipped signature': `Bearer ${world.token.slice(0, -3)}${world.token.endsWith('A') ? 'B' : 'A'}${world.token.slice(-2)}`,
        huge: `Bearer ${'x'.repeat(40_000)}`,
        'two spaces': `Bearer  ${world.token}`,
      }[auth];
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      if (type) headers['content-type'] = type;
      if (encoding !== 'none') headers['content-encoding'] = encoding === 'gzip header, plain body' || encoding === 'gzip bomb' ? 'gzip' : encoding;
      if (ifMatch !== undefined) headers['if-match'] = ifMatch;
      return {
        what: `create ${f.collection} with content-type ${JSON.stringify(type)}, encoding ${encoding}, auth ${auth}, If-Match ${ifMatch}`,
        method: 'POST',
        path: `${PROFILE}/${f.collection}`,
        headers,
        body,
        write: { modelPath: `${PROFILE}/${f.collection}` },
      };
    });

const anyCase = (world: World): fc.Arbitrary<Case> =>
  fc.oneof(
    { arbitrary: createCase(world), weight: 4 },
    { arbitrary: patchCase(world), weight: 3 },
    { arbitrary: deleteCase(world), weight: 1 },
    { arbitrary: readCase(world), weight: 3 },
    { arbitrary: randomPathCase(world), weight: 2 },
    { arbitrary: headerCase(world), weight: 2 },
  );

// ---- sending and checking -----------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request exactly as the case has it (node:http: the path and headers are sent as they are). */
function send(base: URL, c: Case): Promise<Reply | { refusedByClient: string }> {
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = httpRequest({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers: c.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode!, headers, text, json: parsed });
        });
      });
    } catch (e) {
      // Node's client will not send some paths or headers at all (a space, a control character).
      return resolve({ refusedByClient: (e as Error).message });
    }
    req.on('error', reject);
    req.end(c.body);
  });
}

/** True when `actual` has every value of `expected` (members the service adds, as nulls, aside). */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => contains(actual[i], e));
  if (expected && typeof expected === 'object') {
    return !!actual && typeof actual === 'object' && Object.entries(expected).every(([k, v]) => contains((actual as Json)[k], v));
  }
  return Object.is(actual, expected);
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<any>((n, k) => (n && typeof n === 'object' ? n[k] : undefined), value);
}

/** Checks one answer against the invariants and teaches the model what an accepted write did. */
function check(c: Case, r: Reply, world: World, tally: Map<number, number>): void {
  tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
  assert.ok(r.status < 500, `${c.what}: ${c.method} ${c.path.slice(0, 200)} answered ${r.status}: ${r.text.slice(0, 500)}`);
  if (r.status >= 400 && c.method !== 'HEAD') assert.deepEqual(graphErrorShapeProblems(r), [], `${c.what}: Graph's error shape (${r.status} ${r.text.slice(0, 300)})`);
  if (r.status >= 300 || !['POST', 'PATCH', 'DELETE', 'PUT'].includes(c.method)) return;
  assert.ok(c.write, `${c.what}: ${c.method} ${c.path.slice(0, 200)} was accepted (${r.status}), but it is not a write the model knows: ${r.text.slice(0, 300)}`);
  world.acks.note(c.method, c.write.modelPath, r);
  if (c.roundTrip) {
    assert.equal(valueAt(r.json, c.roundTrip.path), c.roundTrip.value, `${c.what}: an accepted string is served exactly as sent`);
  }
  if (c.created) assert.ok(contains(r.json, c.created), `${c.what}: every value sent is in the created entity: ${r.text.slice(0, 600)}`);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`fuzzing the whole profile (${backend})`, { skip: backendSkip(backend) }, () => {
    let data: ServerData | undefined;
    let server: ServerProcess;
    let world: World;

    before(async () => {
      if (backendSkip(backend)) return;
      data = await freshServerData(backend, 'graph-profile-fuzz-');
      server = await ServerProcess.start({ dataDir: data.dataDir, env: data.env({ THROTTLE_LIMIT: '0' }) });
      const [token, otherToken] = await Promise.all([server.signIn('fuzzer@contoso.com'), server.signIn('fuzz@contoso.com')]);
      world = { acks: new Acknowledged(), token, otherToken };
      // The other user exists (reads of their profile are of a real user) and has an item to see or not.
      const seen = await server.request('POST', `${PROFILE}/skills`, { token: otherToken, body: { displayName: 'Visible', allowedAudiences: 'organization' } });
      assert.equal(seen.status, 201, seen.text);
    });
    after(async () => {
      await server?.dispose();
      await data?.dispose();
    });

    test(`${CASES} random requests: no 5xx, errors in Graph's shape, the process up, memory bounded, the data equal to the model`, { timeout: 1_800_000 }, async (t) => {
      const base = new URL(server.url);
      const pid = server.child.pid!;
      const rssStart = rssMb(pid);
      const tally = new Map<number, number>();
      let sent = 0;
      let refusedByClient = 0;
      const { result: outcome, peakMb: rssPeak } = await peakRssWhile(pid, fc.check(
        fc.asyncProperty(anyCase(world), async (c) => {
          const r = await send(base, c).catch((e: Error) => {
            throw new Error(`${c.what}: ${c.method} ${c.path.slice(0, 200)}: no answer (${e.message}); process running: ${server.running}; stderr:\n${server.stderr}`);
          });
          sent++;
          if ('refusedByClient' in r) {
            refusedByClient++;
            return;
          }
          check(c, r, world, tally);
          assert.ok(server.running, `${c.what}: the process ended; stderr:\n${server.stderr}`);
        }),
        // No shrinking: the server's state has moved on. The failing case's own message says what it was.
        { numRuns: CASES, endOnFailure: true },
      ));
      if (outcome.failed) {
        const error = outcome.errorInstance instanceof Error ? outcome.errorInstance.message : String(outcome.errorInstance);
        assert.fail(`case ${outcome.numRuns} of ${CASES} failed (fast-check seed ${outcome.seed}): ${error}`);
      }
      await world.acks.verify(server, world.token, COLLECTIONS);
      const statuses = Object.fromEntries([...tally].sort(([a], [b]) => a - b));
      t.diagnostic(
        `${sent} cases sent (${refusedByClient} refused by the HTTP client itself), answers by status ${JSON.stringify(statuses)}; ` +
          `${world.acks.items.size} items in the model, all found as acknowledged; RSS ${rssStart.toFixed(0)} MB at the start, peak ${rssPeak.toFixed(0)} MB`,
      );
      assert.ok(rssPeak - rssStart < MAX_GROWTH_MB, `memory grew by ${(rssPeak - rssStart).toFixed(0)} MB over the run`);
    });
  });
}
