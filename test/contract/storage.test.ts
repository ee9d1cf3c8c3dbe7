// The storage port's contract, run against the backend of this test run (scripts/run-tests.js runs it
// on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL): every backend must behave alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PositionRecord, Storage, UserRecord } from '../../src/storage/port.ts';
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

const position = (owner: UserRecord, over: Partial<PositionRecord> = {}): PositionRecord => ({
  tenantId: owner.tenantId,
  userId: owner.id,
  id: randomUUID(),
  version: 1,
  audience: 8,
  createdDateTime: '2026-01-01T00:00:00.0000000Z',
  body: { detail: { jobTitle: 'x' }, categories: ['a', 'é ✓'] },
  ...over,
});

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

  test('positions: insert, get, list oldest first (ties by id), scoped to tenant and user', async () => {
    const owner = user();
    await storage.saveUser(owner);
    const ps = [
      position(owner, { createdDateTime: '2026-01-02T00:00:00.0000000Z', id: 'b0000000-0000-4000-8000-000000000000' }),
      position(owner, { createdDateTime: '2026-01-01T00:00:00.0000000Z' }),
      position(owner, { createdDateTime: '2026-01-02T00:00:00.0000000Z', id: 'a0000000-0000-4000-8000-000000000000' }),
    ];
    for (const p of ps) await storage.insertPosition(p);
    assert.deepEqual((await storage.listPositions(T1, owner.id)).map((p) => p.id), [ps[1]!.id, ps[2]!.id, ps[0]!.id]);
    assert.deepEqual(await storage.getPosition(T1, owner.id, ps[0]!.id), ps[0]);
    assert.equal(await storage.getPosition(T2, owner.id, ps[0]!.id), undefined);
    assert.equal(await storage.getPosition(T1, randomUUID(), ps[0]!.id), undefined);
    assert.deepEqual(await storage.listPositions(T2, owner.id), []);
  });

  test('replacePosition is conditional on the version, in the database', async () => {
    const owner = user();
    const p = position(owner);
    await storage.insertPosition(p);
    assert.equal(await storage.replacePosition({ ...p, version: 3, body: { isCurrent: true } }, 2), false);
    assert.deepEqual(await storage.getPosition(T1, owner.id, p.id), p, 'a refused replace changes nothing');
    assert.equal(await storage.replacePosition({ ...p, version: 2, audience: 0, body: { isCurrent: true } }, 1), true);
    const stored = await storage.getPosition(T1, owner.id, p.id);
    assert.deepEqual([stored?.version, stored?.audience, stored?.body], [2, 0, { isCurrent: true }]);
    const racers = await Promise.all([1, 2, 3, 4].map((n) => storage.replacePosition({ ...p, version: 3, body: { n } }, 2)));
    assert.equal(racers.filter(Boolean).length, 1, 'of replaces at one version, exactly one wins');
  });

  test('deletePosition: at a version or unconditionally; false when nothing matched', async () => {
    const owner = user();
    const p = position(owner, { version: 4 });
    await storage.insertPosition(p);
    assert.equal(await storage.deletePosition(T1, owner.id, p.id, 3), false);
    assert.ok(await storage.getPosition(T1, owner.id, p.id));
    assert.equal(await storage.deletePosition(T2, owner.id, p.id), false, 'not from another tenant');
    assert.equal(await storage.deletePosition(T1, owner.id, p.id, 4), true);
    assert.equal(await storage.deletePosition(T1, owner.id, p.id), false);
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
});
