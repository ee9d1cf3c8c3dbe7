// The storage port's contract, run against the backend of this test run (scripts/run-tests.js runs it
// on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL): every backend must behave alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ItemRecord, Storage, UserRecord } from '../../src/storage/port.ts';
import { dropTestSchema, openTestStorage, testBackend } from '../helpers/backend.ts';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';

let dataDir: string;
let storage: Storage;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'graph-profile-contract-'));
  storage = await openTestStorage(dataDir);
});
after(async () => {
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
  await dropTestSchema(dataDir);
});

const user = (over: Partial<UserRecord> = {}): UserRecord => ({
  tenantId: T1,
  id: randomUUID(),
  userPrincipalName: `${randomUUID()}@contoso.com`,
  displayName: 'Someone',
  mail: null,
  createdDateTime: '2026-01-01T00:00:00.0000000Z',
  ...over,
});

const position = (owner: UserRecord, over: Partial<ItemRecord> = {}): ItemRecord => ({
  tenantId: owner.tenantId,
  userId: owner.id,
  facet: 'positions',
  id: randomUUID(),
  version: 1,
  audience: 8,
  createdDateTime: '2026-01-01T00:00:00.0000000Z',
  json: JSON.stringify({ detail: { jobTitle: 'x' }, categories: ['a', 'é ✓'] }),
  shape: 'mark',
  ...over,
});

const CAP = 1000;

describe(`storage contract (${testBackend()})`, () => {
  test('users: found by id and by UPN in any case, only in their tenant', async () => {
    const u = user({ userPrincipalName: 'Mixed.Case@Contoso.com' });
    await storage.saveUser(u);
    assert.deepEqual(await storage.getUserById(T1, u.id), u);
    assert.deepEqual(await storage.getUserByUpn(T1, 'mixed.case@CONTOSO.COM'), u);
    assert.equal(await storage.getUserById(T2, u.id), undefined);
    assert.equal(await storage.getUserByUpn(T2, 'mixed.case@contoso.com'), undefined);
  });

  test('saveUser replaces by id and takes the UPN from any other user of the tenant', async () => {
    const a = user({ userPrincipalName: 'shared@contoso.com' });
    const b = user({ userPrincipalName: 'other@contoso.com' });
    const c = user({ tenantId: T2, userPrincipalName: 'shared@contoso.com' });
    await storage.saveUser(a);
    await storage.saveUser(b);
    await storage.saveUser(c);
    await storage.saveUser({ ...b, userPrincipalName: 'SHARED@contoso.com', displayName: 'Renamed' });
    assert.equal((await storage.getUserByUpn(T1, 'shared@contoso.com'))?.id, b.id);
    assert.equal((await storage.getUserById(T1, a.id))?.userPrincipalName, null);
    assert.equal((await storage.getUserById(T1, b.id))?.displayName, 'Renamed');
    assert.equal((await storage.getUserByUpn(T2, 'shared@contoso.com'))?.id, c.id, 'another tenant keeps its own');
  });

  test('addUserIfAbsent: the holder of a UPN wins, concurrent callers agree', async () => {
    const upn = `${randomUUID()}@contoso.com`;
    const results = await Promise.all(Array.from({ length: 8 }, () => storage.addUserIfAbsent({ ...user(), userPrincipalName: upn })));
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    assert.deepEqual(await storage.getUserByUpn(T1, upn.toUpperCase()), results[0]);
  });

  test('items: insert, get, list oldest first (ties by id), scoped to tenant and user', async () => {
    const owner = user();
    await storage.saveUser(owner);
    const ps = [
      position(owner, { createdDateTime: '2026-01-02T00:00:00.0000000Z', id: 'b0000000-0000-4000-8000-000000000000' }),
      position(owner, { createdDateTime: '2026-01-01T00:00:00.0000000Z' }),
      position(owner, { createdDateTime: '2026-01-02T00:00:00.0000000Z', id: 'a0000000-0000-4000-8000-000000000000' }),
    ];
    for (const p of ps) assert.equal(await storage.insertItem(p, CAP), true);
    assert.deepEqual((await storage.listItems(T1, owner.id, 'positions')).map((p) => p.id), [ps[1]!.id, ps[2]!.id, ps[0]!.id]);
    assert.deepEqual(await storage.getItem(T1, owner.id, 'positions', ps[0]!.id), ps[0]);
    assert.equal(await storage.getItem(T2, owner.id, 'positions', ps[0]!.id), undefined);
    assert.equal(await storage.getItem(T1, randomUUID(), 'positions', ps[0]!.id), undefined);
    assert.deepEqual(await storage.listItems(T2, owner.id, 'positions'), []);
  });

  test('replaceItem is conditional on the version, in the database', async () => {
    const owner = user();
    const p = position(owner);
    await storage.insertItem(p, CAP);
    assert.equal(await storage.replaceItem({ ...p, version: 3, json: '{"isCurrent":true}' }, 2), false);
    assert.deepEqual(await storage.getItem(T1, owner.id, 'positions', p.id), p, 'a refused replace changes nothing');
    assert.equal(await storage.replaceItem({ ...p, version: 2, audience: 0, json: '{"isCurrent":true}', shape: 'next' }, 1), true);
    const stored = await storage.getItem(T1, owner.id, 'positions', p.id);
    assert.deepEqual([stored?.version, stored?.audience, stored?.json, stored?.shape], [2, 0, '{"isCurrent":true}', 'next']);
    const racers = await Promise.all([1, 2, 3, 4].map((n) => storage.replaceItem({ ...p, version: 3, json: `{"n":${n}}` }, 2)));
    assert.equal(racers.filter(Boolean).length, 1, 'of replaces at one version, exactly one wins');
  });

  test('deleteItem: at a version or unconditionally; false when nothing matched', async () => {
    const owner = user();
    const p = position(owner, { version: 4 });
    await storage.insertItem(p, CAP);
    assert.equal(await storage.deleteItem(T1, owner.id, 'positions', p.id, 3), false);
    assert.ok(await storage.getItem(T1, owner.id, 'positions', p.id));
    assert.equal(await storage.deleteItem(T2, owner.id, 'positions', p.id), false, 'not from another tenant');
    assert.equal(await storage.deleteItem(T1, owner.id, 'positions', p.id, 4), true);
    assert.equal(await storage.deleteItem(T1, owner.id, 'positions', p.id), false);
  });

  test('the per-profile cap is exact under concurrency, counts per user, and a delete frees room', async () => {
    const owner = user();
    const other = user();
    const results = await Promise.all(Array.from({ length: 12 }, () => storage.insertItem(position(owner), 5)));
    assert.equal(results.filter(Boolean).length, 5, 'of twelve concurrent inserts under a cap of five, five land');
    assert.equal((await storage.listItems(T1, owner.id, 'positions')).length, 5);
    assert.equal(await storage.insertItem(position(other), 5), true, 'another profile has its own count');
    const [first] = await storage.listItems(T1, owner.id, 'positions');
    assert.equal(await storage.deleteItem(T1, owner.id, 'positions', first!.id, 99), false);
    assert.equal(await storage.insertItem(position(owner), 5), false, 'a refused delete frees nothing');
    assert.equal(await storage.deleteItem(T1, owner.id, 'positions', first!.id), true);
    assert.equal(await storage.insertItem(position(owner), 5), true);
    assert.equal(await storage.insertItem(position(owner), 5), false);
  });

  test('concurrent inserts into many collections: each collection has its own exact cap, whatever lands together', async () => {
    const [a, b] = [user(), user()];
    for (let i = 0; i < 2; i++) assert.equal(await storage.insertItem(position(a), 3), true);
    const asked = [
      ...Array.from({ length: 3 }, () => storage.insertItem(position(a), 3)),
      ...Array.from({ length: 4 }, () => storage.insertItem(position(b), 3)),
      ...Array.from({ length: 2 }, () => storage.insertItem(position(b, { facet: 'skills' }), 3)),
      ...Array.from({ length: 2 }, () => storage.insertItem(position(a, { facet: 'skills' }), 1)),
    ];
    const results = await Promise.all(asked);
    const landed = (from: number, to: number) => results.slice(from, to).filter(Boolean).length;
    assert.deepEqual([landed(0, 3), landed(3, 7), landed(7, 9), landed(9, 11)], [1, 3, 2, 1]);
    for (const [owner, facet, n] of [[a, 'positions', 3], [b, 'positions', 3], [b, 'skills', 2], [a, 'skills', 1]] as const) {
      assert.equal((await storage.listItems(T1, owner.id, facet)).length, n, `${facet} of one profile`);
      assert.equal(await storage.countItems(T1, owner.id, facet), n);
    }
    assert.deepEqual((await storage.listItems(T1, a.id)).map((i) => i.facet), ['positions', 'positions', 'positions', 'skills'], 'the whole profile, by facet');
    await storage.deleteProfile(T1, a.id);
    assert.deepEqual(await storage.listItems(T1, a.id), []);
    assert.equal(await storage.insertItem(position(a), 3), true, 'the counts went with the items');
    assert.equal((await storage.listItems(T1, b.id)).length, 5, 'another profile is untouched');
  });

  test('users: listed by tenant then UPN; removed with their whole profile; everything removed at once', async () => {
    const tenant = randomUUID();
    const [b, a] = [user({ tenantId: tenant, userPrincipalName: 'b@contoso.com' }), user({ tenantId: tenant, userPrincipalName: 'a@contoso.com' })];
    for (const u of [b, a]) await storage.saveUser(u);
    assert.deepEqual((await storage.listUsers()).filter((u) => u.tenantId === tenant).map((u) => u.userPrincipalName), ['a@contoso.com', 'b@contoso.com']);
    await storage.insertItem(position(a), CAP);
    await storage.insertItem(position(a, { facet: 'skills' }), CAP);
    await storage.insertItem(position(b), CAP);
    assert.equal(await storage.removeUser(tenant, a.id), true);
    assert.equal(await storage.removeUser(tenant, a.id), false, 'no such user any more');
    assert.equal(await storage.getUserById(tenant, a.id), undefined);
    assert.deepEqual(await storage.listItems(tenant, a.id), [], 'the profile went with the user');
    assert.equal((await storage.listItems(tenant, b.id)).length, 1, 'another user keeps theirs');
    await storage.saveUser(a);
    assert.equal(await storage.insertItem(position(a), 1), true, 'the counts went too');
  });

  test('pages in the default order: after a key, offset and limit, and only what a mask lets through', async () => {
    const owner = user();
    const at = (i: number) => `2026-02-01T00:00:00.${String(i).padStart(7, '0')}Z`;
    const ps = Array.from({ length: 7 }, (_, i) => position(owner, { createdDateTime: at(6 - i), audience: i % 2 === 0 ? 8 : 0 }));
    for (const p of ps) await storage.insertItem(p, CAP);
    const oldestFirst = [...ps].reverse().map((p) => p.id);
    const ids = (rows: ItemRecord[]) => rows.map((r) => r.id);
    assert.deepEqual(ids(await storage.pageItems(T1, owner.id, 'positions', { offset: 0, limit: 3 })), oldestFirst.slice(0, 3));
    assert.deepEqual(ids(await storage.pageItems(T1, owner.id, 'positions', { offset: 2, limit: 3 })), oldestFirst.slice(2, 5));
    const third = ps[4]!;
    assert.deepEqual(ids(await storage.pageItems(T1, owner.id, 'positions', { after: [third.createdDateTime, third.id], offset: 0, limit: 10 })), oldestFirst.slice(3));
    const visible = ids(await storage.pageItems(T1, owner.id, 'positions', { audienceMask: 8 | 16 | 32, offset: 0, limit: 10 }));
    assert.deepEqual(visible, oldestFirst.filter((id) => ps.find((p) => p.id === id)!.audience === 8));
    assert.equal(await storage.countItems(T1, owner.id, 'positions'), 7);
    assert.equal(await storage.countItems(T1, owner.id, 'positions', 8 | 16 | 32), 4);
    assert.deepEqual(await storage.pageItems(T2, owner.id, 'positions', { offset: 0, limit: 10 }), [], 'not from another tenant');
  });

  test('a write that fails fails alone: writes committed with it are kept', async () => {
    const owner = user();
    const taken = position(owner);
    await storage.insertItem(taken, CAP);
    const good = position(owner);
    const [duplicate, fine] = await Promise.allSettled([storage.insertItem({ ...taken }, CAP), storage.insertItem(good, CAP)]);
    assert.equal(duplicate.status, 'rejected', 'a duplicate id is refused');
    assert.deepEqual(fine, { status: 'fulfilled', value: true });
    assert.deepEqual(await storage.getItem(T1, owner.id, 'positions', good.id), good);
    assert.equal((await storage.listItems(T1, owner.id, 'positions')).length, 2, 'the refused write left nothing, not even its count');
    assert.equal(await storage.countItems(T1, owner.id, 'positions'), 2);
  });

  test('importBatch loads users and positions, and the cap counts what it loaded', async () => {
    const owners = [user(), user()];
    const items = owners.flatMap((o) => [position(o), position(o), position(o)]);
    await storage.importBatch({ users: owners, items });
    assert.deepEqual(await storage.getUserById(T1, owners[1]!.id), owners[1]);
    assert.equal((await storage.listItems(T1, owners[0]!.id, 'positions')).length, 3);
    assert.equal(await storage.insertItem(position(owners[0]!), 3), false, 'three loaded fill a cap of three');
    assert.equal(await storage.insertItem(position(owners[0]!), 4), true);
  });

  test('concurrent first saves of one new user all succeed (no unique-index race)', async () => {
    for (let round = 0; round < 5; round++) {
      const u = user();
      await Promise.all(Array.from({ length: 8 }, () => storage.saveUser(u)));
      assert.deepEqual(await storage.getUserById(T1, u.id), u);
    }
  });

  test('the signing key: the first writer wins, later callers read it', async () => {
    let made = 0;
    const create = async () => ({ kty: 'EC', kid: `k${++made}`, alg: 'ES256', crv: 'P-256', x: 'x', y: 'y', d: 'd' });
    const keys = await Promise.all([storage.loadOrCreateSigningKey(create), storage.loadOrCreateSigningKey(create)]);
    assert.equal(keys[0].kid, keys[1].kid);
    const again = await storage.loadOrCreateSigningKey(async () => assert.fail('a stored key is not made again'));
    assert.equal(again.kid, keys[0].kid);
  });

  test('reopening runs no migration twice and keeps the data', async () => {
    const owner = user();
    await storage.saveUser(owner);
    const second = await openTestStorage(dataDir);
    try {
      assert.deepEqual(await second.getUserById(T1, owner.id), owner);
      await second.ping();
    } finally {
      await second.close();
    }
  });

  // Last: it empties what the tests before it stored.
  test('removeAll empties users, items and counts, and keeps the signing key', async () => {
    const owner = user();
    await storage.saveUser(owner);
    await storage.insertItem(position(owner), 1);
    const key = await storage.loadOrCreateSigningKey(async () => ({ kty: 'EC', kid: 'k', alg: 'ES256' }));
    await storage.removeAll();
    assert.deepEqual(await storage.listUsers(), []);
    assert.deepEqual(await storage.listItems(T1, owner.id), []);
    assert.equal(await storage.insertItem(position(owner), 1), true, 'no count is left behind');
    assert.deepEqual(await storage.loadOrCreateSigningKey(async () => ({ kty: 'EC', kid: 'other', alg: 'ES256' })), key);
  });
});
