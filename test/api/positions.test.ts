// The workPosition API over real HTTP on a real SQLite file: CRUD through /me and /users/{id|upn},
// response headers, routing, restart on the same data directory, just-in-time users.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEV_TENANT_ID, PERSONAL_ACCOUNTS_TENANT_ID } from '../../src/auth/constants.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

let server: TestServer;
let adele: UserToken;

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'AdeleV@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

const create = (body: unknown, token = adele.token, segment = 'me') =>
  server.request('POST', `/beta/${segment}/profile/positions`, { token, body });

describe('create, read, update, delete', () => {
  test('a position goes through its whole life', async () => {
    const created = await create({ detail: { jobTitle: 'Engineer', company: { displayName: 'Contoso' } }, categories: ['a'] });
    assert.equal(created.status, 201);
    const id = created.json.id;
    assert.match(id, GUID);

    const got = await server.request('GET', `/beta/me/profile/positions/${id}`, { token: adele.token });
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, created.json);

    const patched = await server.request('PATCH', `/beta/me/profile/positions/${id}`, {
      token: adele.token,
      body: { detail: { company: { department: 'R&D' } }, categories: ['b', 'c'] },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.detail.jobTitle, 'Engineer');
    assert.deepEqual(patched.json.detail.company.displayName, 'Contoso');
    assert.equal(patched.json.detail.company.department, 'R&D');
    assert.deepEqual(patched.json.categories, ['b', 'c']);

    const cleared = await server.request('PATCH', `/beta/me/profile/positions/${id}`, { token: adele.token, body: { detail: { company: null }, categories: null } });
    assert.equal(cleared.json.detail.company, null);
    assert.equal(cleared.json.detail.jobTitle, 'Engineer');
    assert.equal(cleared.json.categories, null);

    const deleted = await server.request('DELETE', `/beta/me/profile/positions/${id}`, { token: adele.token });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    const gone = await server.request('GET', `/beta/me/profile/positions/${id}`, { token: adele.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'itemNotFound');
    assert.equal((await server.request('DELETE', `/beta/me/profile/positions/${id}`, { token: adele.token })).status, 404);
    assert.equal((await server.request('PATCH', `/beta/me/profile/positions/${id}`, { token: adele.token, body: {} })).status, 404);
  });

  test('the list is oldest first and carries the canonical user in @odata.context', async () => {
    const fresh = await server.token({ upn: `list-${randomUUID()}@contoso.com`, scopes: ['User.ReadWrite'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ detail: { jobTitle: `job ${i}` } }, fresh.token)).json.id);
    const list = await server.request('GET', '/beta/me/profile/positions', { token: fresh.token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.value.map((p: any) => p.id), ids);
    assert.equal(list.json['@odata.context'], `${server.url}/beta/$metadata#users('${fresh.user.id}')/profile/positions`);
    assert.ok(!('@odata.context' in list.json.value[0]));
  });

  test('/users/{id}, /users/{upn} with @ or %40 in any case, and /me address the same profile', async () => {
    const item = (await create({ detail: { jobTitle: 'Same place' } })).json;
    const paths = [
      `/beta/users/${adele.user.id}/profile/positions/${item.id}`,
      `/beta/users/${adele.user.id.toUpperCase()}/profile/positions/${item.id.toUpperCase()}`,
      `/beta/users/AdeleV@contoso.com/profile/positions/${item.id}`,
      `/beta/users/adelev%40CONTOSO.com/profile/positions/${item.id}`,
      `/BETA/Me/Profile/Positions/${item.id}`,
      `/beta/me/profile/positions/${item.id}/`,
    ];
    for (const path of paths) {
      const res = await server.request('GET', path, { token: adele.token });
      assert.equal(res.status, 200, path);
      assert.equal(res.json.id, item.id);
      assert.equal(res.json['@odata.context'], `${server.url}/beta/$metadata#users('${adele.user.id}')/profile/positions/$entity`);
    }
    const viaUpn = await create({ detail: { jobTitle: 'via upn' } }, adele.token, 'users/adelev%40contoso.com');
    assert.equal(viaUpn.status, 201);
    assert.equal(viaUpn.headers.get('location'), `${server.url}/beta/users/${adele.user.id}/profile/positions/${viaUpn.json.id}`);
  });

  test('the Location of a created item can be followed', async () => {
    const res = await create({ isCurrent: false });
    const followed = await server.request('GET', new URL(res.headers.get('location')!).pathname, { token: adele.token });
    assert.equal(followed.status, 200);
    assert.equal(followed.json.id, res.json.id);
  });

  test('server-owned properties sent by a client are ignored', async () => {
    const res = await create({
      id: 'client-chosen',
      createdDateTime: '2000-01-01T00:00:00Z',
      createdBy: { user: { id: 'someone-else', displayName: 'Mallory' } },
      lastModifiedBy: null,
      detail: { jobTitle: 'Honest' },
    });
    assert.equal(res.status, 201);
    assert.notEqual(res.json.id, 'client-chosen');
    assert.notEqual(res.json.createdDateTime, '2000-01-01T00:00:00Z');
    assert.equal(res.json.createdBy.user.id, adele.user.id);
    const patched = await server.request('PATCH', `/beta/me/profile/positions/${res.json.id}`, {
      token: adele.token,
      body: { ...res.json, id: 'x', createdDateTime: '2000-01-01T00:00:00Z', isCurrent: true },
    });
    assert.equal(patched.status, 200, 'a GET body sent back as a PATCH is accepted');
    assert.equal(patched.json.id, res.json.id);
    assert.equal(patched.json.createdDateTime, res.json.createdDateTime);
  });

  test('source is settable on create only; repeating the stored value in a PATCH is fine', async () => {
    const res = await create({ source: { type: ['LinkedIn'] } });
    assert.deepEqual(res.json.source, { type: ['LinkedIn'] });
    const same = await server.request('PATCH', `/beta/me/profile/positions/${res.json.id}`, { token: adele.token, body: { source: { type: ['LinkedIn'] }, isCurrent: true } });
    assert.equal(same.status, 200);
    const changed = await server.request('PATCH', `/beta/me/profile/positions/${res.json.id}`, { token: adele.token, body: { source: { type: ['User'] } } });
    assert.equal(changed.status, 400);
    assert.deepEqual(changed.json.error.details.map((d: any) => [d.target, d.code]), [['source', 'NotSettable']]);
  });

  test('an item whose source is an empty object can be sent back as a PATCH', async () => {
    for (const source of [{}, { type: null }, { type: [] }]) {
      const item = (await create({ source })).json;
      const back = await server.request('PATCH', `/beta/me/profile/positions/${item.id}`, { token: adele.token, body: { ...item, isCurrent: true } });
      assert.equal(back.status, 200, `${JSON.stringify(source)}: ${back.text}`);
    }
  });

  test('allowedAudiences: default organization, flags written canonically, accepted as name, list or array', async () => {
    assert.equal((await create({})).json.allowedAudiences, 'organization');
    assert.equal((await create({ allowedAudiences: 'federatedOrganizations, Organization' })).json.allowedAudiences, 'organization,federatedOrganizations');
    assert.equal((await create({ allowedAudiences: ['everyone', 'family'] })).json.allowedAudiences, 'family,everyone');
    assert.equal((await create({ allowedAudiences: 'me' })).json.allowedAudiences, 'me');
    const item = (await create({ allowedAudiences: 'everyone' })).json;
    const reset = await server.request('PATCH', `/beta/me/profile/positions/${item.id}`, { token: adele.token, body: { allowedAudiences: null } });
    assert.equal(reset.json.allowedAudiences, 'organization', 'null resets to the default');
  });

  test('a personal account gets allowedAudiences me by default', async () => {
    const pat = await server.token({ upn: 'pat@outlook.com', tenant: PERSONAL_ACCOUNTS_TENANT_ID, scopes: ['User.ReadWrite'] });
    const res = await create({ detail: { jobTitle: 'Freelancer' } }, pat.token);
    assert.equal(res.status, 201);
    assert.equal(res.json.allowedAudiences, 'me');
  });

  test('timestamps: UTC with seven fractional digits; lastModifiedDateTime advances on PATCH, createdDateTime does not', async () => {
    const item = (await create({})).json;
    assert.match(item.createdDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    const patched = (await server.request('PATCH', `/beta/me/profile/positions/${item.id}`, { token: adele.token, body: { isCurrent: true } })).json;
    assert.ok(patched.lastModifiedDateTime > item.lastModifiedDateTime);
    assert.equal(patched.createdDateTime, item.createdDateTime);
  });

  test('lastModifiedBy names whoever changed the item', async () => {
    const item = (await create({})).json;
    const admin = await server.token({ upn: 'admin@contoso.com', name: 'Ada Admin', scopes: ['User.ReadWrite.All'], admin: true });
    const res = await server.request('PATCH', `/beta/users/${adele.user.id}/profile/positions/${item.id}`, { token: admin.token, body: { isCurrent: true } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.lastModifiedBy.user, { displayName: 'Ada Admin', id: admin.user.id });
    assert.deepEqual(res.json.createdBy.user, { displayName: 'Adele Vance', id: adele.user.id });
  });
});

describe('concurrency', () => {
  test('concurrent PATCHes of different members of one item all survive', async () => {
    const item = (await create({ detail: { jobTitle: 'Base' } })).json;
    const members = ['role', 'level', 'description', 'summary', 'employeeId', 'employeeType', 'secondaryJobTitle', 'secondaryRole'];
    const results = await Promise.all(
      members.map((m) => server.request('PATCH', `/beta/me/profile/positions/${item.id}`, { token: adele.token, body: { detail: { [m]: `set ${m}` } } })),
    );
    assert.deepEqual(results.map((r) => r.status), members.map(() => 200));
    const final = (await server.request('GET', `/beta/me/profile/positions/${item.id}`, { token: adele.token })).json;
    for (const m of members) assert.equal(final.detail[m], `set ${m}`, `the PATCH of ${m} was lost`);
    assert.equal(final.detail.jobTitle, 'Base');
  });
});

describe('a write that lands between a PATCH\'s read and its commit', () => {
  test('is not lost: the PATCH is merged again onto the newer version', async () => {
    let interfere = true;
    const racy = await TestServer.start({
      wrapStorage: (s) => ({
        ...s,
        async replaceItem(p, expectedVersion) {
          if (interfere) {
            // Another writer commits first: it sets detail.role on the version this PATCH read.
            interfere = false;
            const current = (await s.getItem(p.tenantId, p.userId, 'positions', p.id))!;
            const body = JSON.parse(current.json);
            const json = JSON.stringify({ ...body, detail: { ...body.detail, role: 'set by the other writer' } });
            assert.ok(await s.replaceItem({ ...current, version: current.version + 1, json }, current.version));
          }
          return s.replaceItem(p, expectedVersion);
        },
      }),
    });
    try {
      const user = await racy.token({ upn: 'race@contoso.com', scopes: ['User.ReadWrite'] });
      const item = (await racy.request('POST', '/beta/me/profile/positions', { token: user.token, body: { detail: { jobTitle: 'Base' } } })).json;
      const res = await racy.request('PATCH', `/beta/me/profile/positions/${item.id}`, { token: user.token, body: { detail: { level: 'L5' } } });
      assert.equal(res.status, 200);
      assert.equal(interfere, false, 'the competing write happened');
      assert.equal(res.json.detail.level, 'L5');
      assert.equal(res.json.detail.role, 'set by the other writer', 'the competing write was lost');
      const stored = (await racy.request('GET', `/beta/me/profile/positions/${item.id}`, { token: user.token })).json;
      assert.deepEqual(stored.detail, res.json.detail);
    } finally {
      await racy.dispose();
    }
  });
});

describe('an item hidden between a DELETE\'s check and its commit', () => {
  test('is not deleted by someone who can no longer see it', async () => {
    let interfere = true;
    const racy = await TestServer.start({
      wrapStorage: (s) => ({
        ...s,
        async deleteItem(tenantId, userId, facet, id, expectedVersion) {
          if (interfere) {
            // The owner narrows the audience to `me` just before the admin's delete commits.
            interfere = false;
            const current = (await s.getItem(tenantId, userId, 'positions', id))!;
            const json = JSON.stringify({ ...JSON.parse(current.json), allowedAudiences: 'me' });
            assert.ok(await s.replaceItem({ ...current, version: current.version + 1, audience: 0, json }, current.version));
          }
          return s.deleteItem(tenantId, userId, facet, id, expectedVersion);
        },
      }),
    });
    try {
      const owner = await racy.token({ upn: 'owner@contoso.com', scopes: ['User.ReadWrite'] });
      const admin = await racy.token({ upn: 'admin@contoso.com', scopes: ['User.ReadWrite.All'], admin: true });
      const item = (await racy.request('POST', '/beta/me/profile/positions', { token: owner.token, body: {} })).json;
      const res = await racy.request('DELETE', `/beta/users/${owner.user.id}/profile/positions/${item.id}`, { token: admin.token });
      assert.equal(interfere, false, 'the competing write happened');
      assert.equal(res.status, 404);
      const kept = await racy.request('GET', `/beta/me/profile/positions/${item.id}`, { token: owner.token });
      assert.equal(kept.status, 200, 'the hidden item was deleted');
      assert.equal(kept.json.allowedAudiences, 'me');
    } finally {
      await racy.dispose();
    }
  });
});

describe('response headers', () => {
  test('request-id, client-request-id echo, OData-Version, Date and the OData JSON content type', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions', { token: adele.token, headers: { 'client-request-id': 'my-correlation-id-1' } });
    assert.match(res.headers.get('request-id')!, GUID);
    assert.equal(res.headers.get('client-request-id'), 'my-correlation-id-1');
    assert.equal(res.headers.get('odata-version'), '4.0');
    assert.ok(res.headers.get('date'));
    assert.equal(res.headers.get('content-type'), ODATA_JSON);
    const other = await server.request('GET', '/beta/me/profile/positions', { token: adele.token });
    assert.equal(other.headers.get('client-request-id'), other.headers.get('request-id'), 'without one, the request-id stands in');
    assert.notEqual(other.headers.get('request-id'), res.headers.get('request-id'));
  });

  test('security headers suited to an API; the reference page may load only its own assets', async () => {
    for (const res of [
      await server.request('GET', '/beta/me/profile/positions', { token: adele.token }),
      await server.request('GET', '/beta/me/profile/positions/nope', { token: adele.token }),
      await server.request('GET', '/nowhere'),
    ]) {
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const docs = await server.request('GET', '/docs');
    assert.match(docs.headers.get('content-security-policy')!, /script-src 'self';/);
    assert.doesNotMatch(docs.headers.get('content-security-policy')!, /https?:|\*/);
  });

  test('errors carry the same ids in innerError, camel-cased', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions/nope', { token: adele.token, headers: { 'client-request-id': 'abc' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), ODATA_JSON);
    const inner = res.json.error.innerError;
    assert.deepEqual(Object.keys(inner), ['date', 'request-id', 'client-request-id']);
    assert.equal(inner['request-id'], res.headers.get('request-id'));
    assert.equal(inner['client-request-id'], 'abc');
    assert.match(inner.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });
});

describe('routing', () => {
  test('/v1.0 answers 404 saying the profile API is beta only', async () => {
    const res = await server.request('GET', '/v1.0/me/profile/positions', { token: adele.token });
    assert.equal(res.status, 404);
    assert.match(res.json.error.message, /beta endpoint only.*\/beta\/me\/profile\/positions/);
  });

  test('unknown paths are Graph-shaped 404s', async () => {
    for (const path of ['/beta/me/profile/hobbies', '/nothing', '/beta/me/profile/positions/x/y']) {
      const res = await server.request('GET', path, { token: adele.token });
      assert.equal(res.status, 404, path);
      assert.equal(res.json.error.code, 'ResourceNotFound');
    }
  });

  test('unsupported methods are 405 with Allow', async () => {
    const put = await server.request('PUT', '/beta/me/profile/positions', { token: adele.token, body: {} });
    assert.equal(put.status, 405);
    assert.equal(put.json.error.code, 'MethodNotAllowed');
    assert.equal(put.headers.get('allow'), 'GET, POST, HEAD');
    const item = await server.request('POST', `/beta/users/${adele.user.id}/profile/positions/00000000-0000-4000-8000-000000000000`, { token: adele.token, body: {} });
    assert.equal(item.status, 405);
    assert.equal(item.headers.get('allow'), 'GET, PATCH, DELETE, HEAD');
    const ref = await server.request('GET', '/beta/me/profile/positions/$ref', { token: adele.token });
    assert.equal(ref.status, 405);
  });

  test('/users/me is not an alias of /me: "me" is looked up as a user', async () => {
    const reader = await server.token({ upn: 'reader@contoso.com', scopes: ['User.ReadBasic.All'] });
    for (const segment of ['me', 'ME']) {
      const res = await server.request('GET', `/beta/users/${segment}/profile/positions`, { token: reader.token });
      assert.equal(res.status, 404, segment);
      assert.equal(res.json.error.code, 'Request_ResourceNotFound');
    }
    const selfOnly = await server.request('GET', '/beta/users/me/profile/positions', { token: adele.token });
    assert.equal(selfOnly.status, 403, 'a caller who may read only their own profile cannot look up others');
  });

  test('an unknown user is 404 Request_ResourceNotFound', async () => {
    const reader = await server.token({ upn: 'reader@contoso.com', scopes: ['User.ReadBasic.All'] });
    for (const ref of ['ghost@contoso.com', randomUUID(), 'not-a-user']) {
      const res = await server.request('GET', `/beta/users/${ref}/profile/positions`, { token: reader.token });
      assert.equal(res.status, 404, ref);
      assert.equal(res.json.error.code, 'Request_ResourceNotFound');
    }
  });

  test('the OpenID discovery document and JWKS verify the tokens this service mints', async () => {
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const doc = await server.request('GET', `/${DEV_TENANT_ID}/v2.0/.well-known/openid-configuration`);
    assert.equal(doc.status, 200);
    assert.equal(doc.json.issuer, `https://graph-profile.local/${DEV_TENANT_ID}/v2.0`);
    assert.equal(doc.json.jwks_uri, `${server.url}/discovery/v2.0/keys`);
    const { payload } = await jwtVerify(adele.token, createRemoteJWKSet(new URL(doc.json.jwks_uri)), {
      issuer: doc.json.issuer,
      audience: 'https://graph.microsoft.com',
    });
    assert.equal(payload.oid, adele.user.id);
    const common = await server.request('GET', '/.well-known/openid-configuration');
    assert.equal(common.json.issuer, 'https://graph-profile.local/{tenantid}/v2.0');
    const keys = await server.request('GET', '/discovery/v2.0/keys');
    assert.ok(keys.json.keys.every((k: any) => k.d === undefined), 'the JWKS publishes no private key');
  });

  test('health and readiness need no token', async () => {
    assert.equal((await server.request('GET', '/healthz')).status, 200);
    const ready = await server.request('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.database, 'reachable');
  });
});

describe('users', () => {
  test('a delegated token for a user not yet stored creates the user on first use', async () => {
    const oid = randomUUID();
    const token = await server.sign({
      aud: 'https://graph.microsoft.com',
      tid: DEV_TENANT_ID,
      oid,
      idtyp: 'user',
      upn: 'newcomer@contoso.com',
      name: 'New Comer',
      scp: 'User.ReadWrite',
    });
    const res = await create({ detail: { jobTitle: 'First day' } }, token);
    assert.equal(res.status, 201);
    assert.deepEqual(res.json.createdBy.user, { displayName: 'New Comer', id: oid });
    const reader = await server.token({ upn: 'reader@contoso.com', scopes: ['User.ReadBasic.All'] });
    const viaUpn = await server.request('GET', '/beta/users/NEWCOMER@contoso.com/profile/positions', { token: reader.token });
    assert.equal(viaUpn.status, 200);
    assert.equal(viaUpn.json.value[0].id, res.json.id);
  });
});

describe('one UPN, one user', () => {
  test('adding a user whose UPN is taken (in any case) returns the holder and inserts nothing', async () => {
    const first = await server.storage.addUserIfAbsent({
      tenantId: DEV_TENANT_ID, id: randomUUID(), userPrincipalName: 'Unique@contoso.com', displayName: 'First', mail: null, createdDateTime: '2026-01-01T00:00:00.0000000Z',
    });
    const second = await server.storage.addUserIfAbsent({
      tenantId: DEV_TENANT_ID, id: randomUUID(), userPrincipalName: 'UNIQUE@contoso.com', displayName: 'Second', mail: null, createdDateTime: '2026-01-01T00:00:00.0000000Z',
    });
    assert.deepEqual(second, first);
    assert.equal((await server.storage.getUserById(DEV_TENANT_ID, first.id))?.displayName, 'First');
    const otherTenant = await server.storage.addUserIfAbsent({
      tenantId: '2b7d9e41-5c3a-4f6e-8a1b-9c0d1e2f3a4b', id: randomUUID(), userPrincipalName: 'unique@contoso.com', displayName: 'Elsewhere', mail: null, createdDateTime: '2026-01-01T00:00:00.0000000Z',
    });
    assert.notEqual(otherTenant.id, first.id, 'UPNs are unique per tenant only');
  });
});

describe('restart', () => {
  test('a server restarted on the same DATA_DIR has every item, and old tokens still work', async () => {
    const first = await TestServer.start();
    const user = await first.token({ upn: 'restart@contoso.com', scopes: ['User.ReadWrite'] });
    const made: any[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await first.request('POST', '/beta/me/profile/positions', { token: user.token, body: { detail: { jobTitle: `job ${i}`, layer: i }, categories: [`c${i}`] } });
      made.push(r.json);
    }
    await first.request('PATCH', `/beta/me/profile/positions/${made[3].id}`, { token: user.token, body: { isCurrent: true } });
    await first.request('DELETE', `/beta/me/profile/positions/${made[4].id}`, { token: user.token });
    const beforeList = (await first.request('GET', '/beta/me/profile/positions?$top=999', { token: user.token })).json;
    await first.stop();

    const second = await TestServer.start({ dataDir: first.dataDir });
    try {
      const afterList = (await second.request('GET', '/beta/me/profile/positions?$top=999', { token: user.token })).json;
      const strip = (l: any) => ({ ...l, '@odata.context': undefined });
      assert.deepEqual(strip(afterList), strip(beforeList));
      assert.equal(afterList.value.length, 19);
      assert.equal(afterList.value.find((p: any) => p.id === made[3].id).isCurrent, true);
    } finally {
      await second.dispose();
    }
  });
});
