// Several instances on one PostgreSQL database (issue 4): two real `serve` processes, started at once
// on a fresh database (so that their migrations race), take concurrent creates, PATCHes with and
// without If-Match, and deletes, alternately; afterwards every acknowledged write is there, no update
// is lost, and both answer the same list. Needs TEST_DATABASE_URL (a role that may create databases).
import assert from 'node:assert/strict';
import { createDatabase } from '../helpers/backend.ts';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { type Reply, ServerProcess, makeDataDir, removeDataDir, runCli } from '../helpers/processes.ts';

const POSITIONS = '/beta/me/profile/positions';
const ADMIN_URL = process.env.TEST_DATABASE_URL;
const skip = !ADMIN_URL && 'TEST_DATABASE_URL not set: PostgreSQL test skipped';

type Json = Record<string, any>;


/** Every item, following @odata.nextLink to the end. */
async function listAll(server: ServerProcess, token: string, query: string): Promise<Json[]> {
  const items: Json[] = [];
  let next: string | undefined = `${POSITIONS}${query}`;
  for (let pages = 0; next !== undefined; pages++) {
    assert.ok(pages < 200, 'paging does not end');
    const r: Reply = await server.request('GET', next, { token });
    assert.equal(r.status, 200, r.text);
    items.push(...(r.json.value as Json[]));
    next = r.json['@odata.nextLink'];
  }
  return items;
}

/** The value at a dotted path ("detail.role"). */
const valueAt = (item: Json, path: string): unknown => path.split('.').reduce<any>((o, k) => o?.[k], item);

/** `{ detail: { role: v } }` from "detail.role" and v. */
const bodySetting = (path: string, value: unknown): Json =>
  path
    .split('.')
    .reverse()
    .reduce<any>((inner, k) => ({ [k]: inner }), value);

interface Patch {
  item: number;
  via: number;
  path: string;
  value: unknown;
  ifMatch: string | undefined;
  status: number;
  text: string;
}

describe('two instances on one PostgreSQL database', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const dataDirs: string[] = [];
  const servers: ServerProcess[] = [];

  before(async () => {
    if (!ADMIN_URL) return;
    database = await createDatabase(ADMIN_URL);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
    for (const d of dataDirs) removeDataDir(d);
    await database?.drop();
  });

  test('concurrent writes through both lose nothing acknowledged, and both answer the same list', { skip, timeout: 120_000 }, async (t) => {
    const DATABASE_URL = database!.url;
    const dir = (prefix: string) => {
      const d = makeDataDir(prefix);
      dataDirs.push(d);
      return d;
    };

    // Both at once on an empty database: the migrations (and the signing key) race; both must come up.
    // Each kept as it comes up, so that one is stopped after the test even if the other fails to start.
    const started = await Promise.all(
      [0, 1].map((i) =>
        ServerProcess.start({ dataDir: dir(`graph-profile-pg-${i}-`), env: { DATABASE_URL, DATABASE_POOL_SIZE: '4' } }).then((s) => {
          servers.push(s);
          return s;
        }),
      ),
    );
    const [a, b] = started as [ServerProcess, ServerProcess];
    const via = (i: number) => (i % 2 === 0 ? a : b);

    // One token, minted by the CLI with a data directory of its own: the key is in the database.
    const minted = await runCli(['token', '--upn', 'shared@contoso.com', '--name', 'Shared User', '--scopes', 'User.ReadWrite'], {
      dataDir: dir('graph-profile-pg-cli-'),
      env: { DATABASE_URL },
    });
    assert.equal(minted.code, 0, minted.stderr);
    const token = minted.stdout.trim();
    for (const s of [a, b]) {
      const r = await s.request('GET', POSITIONS, { token });
      assert.equal(r.status, 200, `a token minted once works on every instance: ${r.text}`);
    }
    const [keysA, keysB] = await Promise.all([a, b].map((s) => s.request('GET', '/discovery/v2.0/keys')));
    assert.deepEqual(keysA!.json, keysB!.json, 'both instances publish the same signing key');

    // Phase 1: creates, alternating between the instances, all at once.
    const create = async (i: number, tag: string) => {
      const r = await via(i).request('POST', POSITIONS, { token, body: { detail: { jobTitle: `${tag} ${i}`, description: `${tag}-${i}` } } });
      assert.equal(r.status, 201, r.text);
      return { id: r.json.id as string, etag: r.headers.get('etag')! };
    };
    const items = await Promise.all(Array.from({ length: 60 }, (_, i) => create(i, 'first')));
    assert.equal(new Set(items.map((it) => it.id)).size, 60, 'every create has an id of its own');

    // Phase 2, all concurrently: on items 0-29 four PATCHes each (two without If-Match from either
    // instance, two with the ETag read just before through the other one, retried on 412); items
    // 30-39 deleted while a PATCH runs; items 40-49 deleted with If-Match; 20 more creates.
    const patches: Patch[] = [];
    const patch = async (item: number, through: number, path: string, value: unknown, ifMatch?: string) => {
      const r = await via(through).request('PATCH', `${POSITIONS}/${items[item]!.id}`, {
        token,
        body: bodySetting(path, value),
        ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
      });
      patches.push({ item, via: through, path, value, ifMatch, status: r.status, text: r.text });
      return r.status;
    };
    const patchIfMatch = async (item: number, reader: number, path: string, value: unknown) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const read = await via(reader).request('GET', `${POSITIONS}/${items[item]!.id}`, { token });
        assert.equal(read.status, 200, read.text);
        if ((await patch(item, reader + 1, path, value, read.headers.get('etag')!)) !== 412) return;
      }
    };
    const deletes: Array<{ item: number; status: number; text: string }> = [];
    const remove = async (item: number, ifMatch?: string) => {
      const r = await via(item).request('DELETE', `${POSITIONS}/${items[item]!.id}`, {
        token,
        ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
      });
      deletes.push({ item, status: r.status, text: r.text });
    };
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      work.push(patch(i, i, 'detail.role', `role-${i}`));
      work.push(patch(i, i + 1, 'detail.level', `level-${i}`));
      work.push(patchIfMatch(i, i, 'categories', [`category-${i}`]));
      work.push(patchIfMatch(i, i + 1, 'detail.secondaryJobTitle', `secondary-${i}`));
    }
    for (let i = 30; i < 40; i++) work.push(remove(i), patch(i, i + 1, 'detail.role', `doomed-${i}`));
    for (let i = 40; i < 50; i++) work.push(remove(i, items[i]!.etag));
    const later = Array.from({ length: 20 }, (_, i) => create(i, 'later'));
    work.push(...later);
    await Promise.all(work);
    const laterItems = await Promise.all(later);

    const unexpected = [
      ...patches.filter((p) => (p.item < 30 ? (p.ifMatch ? ![200, 412].includes(p.status) : p.status !== 200) : ![200, 404].includes(p.status))),
      ...deletes.filter((d) => d.status !== 204),
    ];
    assert.deepEqual(unexpected, [], 'PATCHes without If-Match are re-merged (200), with If-Match 200 or 412; DELETEs 204');
    const ifMatchAcked = patches.filter((p) => p.ifMatch && p.status === 200);
    const refused = patches.filter((p) => p.status === 412).length;
    t.diagnostic(`phase 2: ${patches.length} PATCHes, ${ifMatchAcked.length} with If-Match acknowledged, ${refused} answered 412`);
    assert.ok(ifMatchAcked.length > 0, 'some If-Match PATCHes were acknowledged');

    // Phase 3: on items 50-59, one ETag, two If-Match PATCHes at once through both instances: one wins.
    for (let i = 50; i < 60; i++) {
      const read = await a.request('GET', `${POSITIONS}/${items[i]!.id}`, { token });
      const etag = read.headers.get('etag')!;
      const statuses = await Promise.all([
        patch(i, 0, 'detail.summary', `summary-${i}`, etag),
        patch(i, 1, 'detail.employeeType', `type-${i}`, etag),
      ]);
      assert.deepEqual(
        [...statuses].sort(),
        [200, 412],
        `item ${i}: two PATCHes with the same If-Match, exactly one is acknowledged (got ${statuses.join(', ')})`,
      );
    }

    // Both instances answer the same list, in one page and in pages of the default size.
    const [listA, listB] = await Promise.all([listAll(a, token, '?$top=999'), listAll(b, token, '?$top=999')]);
    const summary = (list: Json[]) => list.map((p) => ({ id: p.id, etag: p['@odata.etag'] }));
    assert.deepEqual(summary(listB!), summary(listA!), 'both instances list the same items with the same ETags');
    const [pagedA, pagedB] = await Promise.all([listAll(a, token, ''), listAll(b, token, '')]);
    assert.deepEqual(summary(pagedA!), summary(listA!), 'instance A: paging yields the same items');
    assert.deepEqual(summary(pagedB!), summary(listA!), 'instance B: paging yields the same items');

    // Every acknowledged create is there unless acknowledged deleted; every acknowledged delete is gone.
    const deleted = new Set(deletes.map((d) => items[d.item]!.id));
    const expected = [...items, ...laterItems].map((it) => it.id).filter((id) => !deleted.has(id));
    assert.equal(listA!.length, new Set(listA!.map((p) => p.id)).size, 'no item is listed twice');
    assert.deepEqual(new Set(listA!.map((p) => p.id)), new Set(expected), 'exactly the acknowledged creates, less the acknowledged deletes');
    for (const id of deleted) {
      const r = await b.request('GET', `${POSITIONS}/${id}`, { token });
      assert.equal(r.status, 404, `a deleted item stays deleted: ${r.text}`);
    }

    // No acknowledged PATCH is lost: each set a member no other PATCH set, so each value is there.
    const byId = new Map(listA!.map((p) => [p.id as string, p]));
    const lost = patches
      .filter((p) => p.status === 200 && !deleted.has(items[p.item]!.id))
      .filter((p) => !isDeepStrictEqual(valueAt(byId.get(items[p.item]!.id)!, p.path), p.value))
      .map((p) => `item ${p.item}: ${p.path} = ${JSON.stringify(p.value)} acknowledged (${p.ifMatch ? 'If-Match' : 'no If-Match'}) but stored ` +
        JSON.stringify(valueAt(byId.get(items[p.item]!.id)!, p.path)));
    assert.deepEqual(lost, [], `${lost.length} acknowledged PATCHes were lost`);
    for (let i = 0; i < 30; i++) {
      const stored = byId.get(items[i]!.id)!;
      assert.equal(stored.detail.role, `role-${i}`, `item ${i}: PATCHes to different members all survive`);
      assert.equal(stored.detail.level, `level-${i}`, `item ${i}: PATCHes to different members all survive`);
      assert.equal(stored.detail.jobTitle, `first ${i}`, `item ${i}: members no PATCH named are unchanged`);
    }
    // A PATCH that lost its If-Match race left no trace.
    for (const p of patches.filter((x) => x.status === 412)) {
      if (p.item >= 50) assert.equal(valueAt(byId.get(items[p.item]!.id)!, p.path) ?? null, null, `item ${p.item}: a 412 PATCH changed ${p.path}`);
    }
  });
});
