// Broken object level authorisation: a user tries every operation on another user's items (same
// tenant, no admin role) and on another tenant's users, by id and by UPN, with guessed ids and with
// real ids learnt elsewhere. Each gets the status SPEC §4 prescribes and nothing changes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { TestServer, type UserToken } from '../helpers/server.ts';

const TENANT_2 = '3c5e7a9b-1d2f-4a6b-8c0d-2e4f6a8b0c1d';
let server: TestServer;
let mallory: UserToken; // tenant 1, reads others (User.ReadBasic.All), writes only her own
let bob: UserToken; // tenant 1
let trent: UserToken; // tenant 2
const items: Record<string, string> = {};

before(async () => {
  server = await TestServer.start();
  mallory = await server.token({ upn: 'mallory@contoso.com', scopes: ['User.ReadWrite', 'User.ReadBasic.All'] });
  bob = await server.token({ upn: 'bob@contoso.com', scopes: ['User.ReadWrite'] });
  trent = await server.token({ upn: 'trent@fabrikam.com', tenant: TENANT_2, scopes: ['User.ReadWrite'] });
  for (const [owner, name, audience] of [[bob, 'bobPublic', 'organization'], [bob, 'bobPrivate', 'me'], [trent, 'trentPublic', 'everyone']] as const) {
    items[name] = (await server.request('POST', '/beta/me/profile/positions', { token: owner.token, body: { allowedAudiences: audience } })).json.id;
  }
});
after(() => server.dispose());

async function snapshot(): Promise<string> {
  const views = await Promise.all([bob, trent].map((u) => server.request('GET', '/beta/me/profile/positions', { token: u.token })));
  return views.map((v) => v.text.replace(/"@odata.context":"[^"]*"/, '')).join('\n');
}

async function attempt(path: string, id: string | undefined) {
  const item = id ? `${path}/${id}` : path;
  return {
    list: (await server.request('GET', path, { token: mallory.token })).status,
    get: id ? (await server.request('GET', item, { token: mallory.token })).status : undefined,
    create: (await server.request('POST', path, { token: mallory.token, body: { detail: { jobTitle: 'planted' } } })).status,
    update: id ? (await server.request('PATCH', item, { token: mallory.token, body: { isCurrent: true } })).status : undefined,
    delete: id ? (await server.request('DELETE', item, { token: mallory.token })).status : undefined,
  };
}

test('another user of the tenant: reads what the organization may see, writes nothing', async () => {
  const before = await snapshot();
  for (const ref of [bob.user.id, 'bob@contoso.com', 'BOB%40contoso.com']) {
    const path = `/beta/users/${ref}/profile/positions`;
    assert.deepEqual(await attempt(path, items.bobPublic), { list: 200, get: 200, create: 403, update: 403, delete: 403 }, ref);
    assert.deepEqual(await attempt(path, items.bobPrivate), { list: 200, get: 404, create: 403, update: 403, delete: 403 }, `${ref}, hidden item`);
    assert.deepEqual(await attempt(path, randomUUID()), { list: 200, get: 404, create: 403, update: 403, delete: 403 }, `${ref}, guessed id`);
  }
  assert.equal(await snapshot(), before);
});

test('real item ids of others, reused under /me or another user, find nothing', async () => {
  const before = await snapshot();
  for (const id of [items.bobPublic, items.bobPrivate, items.trentPublic]) {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await server.request(method, `/beta/me/profile/positions/${id}`, { token: mallory.token, ...(method === 'PATCH' ? { body: { isCurrent: true } } : {}) });
      assert.equal(res.status, 404, `${method} /me/…/${id}`);
      assert.equal(res.json.error.code, 'itemNotFound');
    }
  }
  // Bob's id under Mallory's own user id, and Trent's item under Bob.
  assert.equal((await server.request('GET', `/beta/users/${mallory.user.id}/profile/positions/${items.bobPublic}`, { token: mallory.token })).status, 404);
  assert.equal((await server.request('GET', `/beta/users/${bob.user.id}/profile/positions/${items.trentPublic}`, { token: mallory.token })).status, 404);
  assert.equal(await snapshot(), before);
});

test("another tenant's users do not exist for the caller, by id or by UPN", async () => {
  const before = await snapshot();
  for (const ref of [trent.user.id, 'trent@fabrikam.com']) {
    const path = `/beta/users/${ref}/profile/positions`;
    const res = await server.request('GET', path, { token: mallory.token });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'Request_ResourceNotFound');
    assert.deepEqual(await attempt(path, items.trentPublic), { list: 404, get: 404, create: 403, update: 403, delete: 403 }, ref);
    assert.equal((await server.request('GET', `/beta/users/${ref}`, { token: mallory.token })).status, 404);
  }
  assert.equal(await snapshot(), before);
});
