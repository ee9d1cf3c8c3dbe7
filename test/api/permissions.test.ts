// The permission and visibility rules of SPEC §4 as one table: caller × target × operation → status.
// Each row runs over real HTTP on fresh items; a refused write must leave the data unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PERSONAL_ACCOUNTS_TENANT_ID } from '../../src/auth/constants.ts';
import { TestServer } from '../helpers/server.ts';

const TENANT_2 = '2b7d9e41-5c3a-4f6e-8a1b-9c0d1e2f3a4b';
const OPS = ['list', 'get', 'create', 'update', 'delete'] as const;
type Op = (typeof OPS)[number];

interface CallerSpec {
  upn?: string;
  tenant?: string;
  scopes?: string[];
  admin?: boolean;
  app?: { roles: string[] };
}

const callers: Record<string, CallerSpec> = {
  'User.Read': { scopes: ['User.Read'] },
  'User.ReadWrite': { scopes: ['User.ReadWrite'] },
  'no User scope': { scopes: ['openid', 'profile', 'Mail.Read'] },
  'User.ReadBasic.All': { scopes: ['User.ReadBasic.All'] },
  'User.Read.All': { scopes: ['User.Read.All'] },
  'User.ReadWrite.All, no admin role': { scopes: ['User.ReadWrite.All'] },
  'User.ReadWrite.All + User Administrator': { scopes: ['User.ReadWrite.All'], admin: true },
  'personal account, User.ReadWrite': { upn: 'pat@outlook.com', tenant: PERSONAL_ACCOUNTS_TENANT_ID, scopes: ['User.ReadWrite', 'User.ReadWrite.All'] },
  'tenant 2 admin, User.ReadWrite.All': { upn: 'eve@fabrikam.com', tenant: TENANT_2, scopes: ['User.ReadWrite.All'], admin: true },
  'application, User.ReadWrite.All (disabled)': { app: { roles: ['User.ReadWrite.All'] } },
};

/**
 * Targets: `me`; the caller's own profile by id and by UPN; a colleague in the same tenant (an item
 * visible to the organization, and one limited to `me`); a user of another tenant; a user who does not exist.
 * Statuses per target in OPS order: list get create update delete.
 */
const table: Record<string, Record<string, string>> = {
  'User.Read': {
    me: '200 200 403 403 403',
    'self by id': '200 200 403 403 403',
    'self by UPN': '200 200 403 403 403',
    colleague: '403 403 403 403 403',
    "colleague's hidden item": '403 403 403 403 403',
    'other tenant': '403 403 403 403 403',
    unknown: '403 403 403 403 403',
  },
  'User.ReadWrite': {
    me: '200 200 201 200 204',
    'self by id': '200 200 201 200 204',
    'self by UPN': '200 200 201 200 204',
    colleague: '403 403 403 403 403',
    "colleague's hidden item": '403 403 403 403 403',
    'other tenant': '403 403 403 403 403',
    unknown: '403 403 403 403 403',
  },
  'no User scope': {
    me: '403 403 403 403 403',
    colleague: '403 403 403 403 403',
    unknown: '403 403 403 403 403',
  },
  'User.ReadBasic.All': {
    me: '200 200 403 403 403',
    colleague: '200 200 403 403 403',
    "colleague's hidden item": '200 404 403 403 403',
    'other tenant': '404 404 403 403 403',
    unknown: '404 404 403 403 403',
  },
  'User.Read.All': {
    me: '200 200 403 403 403',
    colleague: '200 200 403 403 403',
    "colleague's hidden item": '200 404 403 403 403',
    'other tenant': '404 404 403 403 403',
  },
  'User.ReadWrite.All, no admin role': {
    me: '200 200 201 200 204',
    colleague: '200 200 403 403 403',
    "colleague's hidden item": '200 404 403 403 403',
    'other tenant': '404 404 403 403 403',
    unknown: '404 404 403 403 403',
  },
  'User.ReadWrite.All + User Administrator': {
    me: '200 200 201 200 204',
    'self by UPN': '200 200 201 200 204',
    colleague: '200 200 201 200 204',
    "colleague's hidden item": '200 404 201 404 404',
    'other tenant': '404 404 404 404 404',
    unknown: '404 404 404 404 404',
  },
  'personal account, User.ReadWrite': {
    me: '200 200 201 200 204',
    'self by id': '200 200 201 200 204',
    colleague: '403 403 403 403 403',
  },
  'tenant 2 admin, User.ReadWrite.All': {
    me: '200 200 201 200 204',
    // The dev tenant's users do not exist for a caller of tenant 2.
    'other tenant': '404 404 404 404 404',
  },
  'application, User.ReadWrite.All (disabled)': {
    me: '400 400 400 400 400',
    colleague: '403 403 403 403 403',
    unknown: '403 403 403 403 403',
  },
};

/** With ALLOW_APPLICATION_PERMISSIONS=true. */
const appTable: Record<string, Record<string, string>> = {
  'User.Read.All': {
    me: '400 400 400 400 400',
    colleague: '200 200 403 403 403',
    "colleague's hidden item": '200 404 403 403 403',
    'other tenant': '404 404 403 403 403',
  },
  'User.ReadWrite.All': {
    colleague: '200 200 201 200 204',
    "colleague's hidden item": '200 404 201 404 404',
    'other tenant': '404 404 404 404 404',
    unknown: '404 404 404 404 404',
  },
  'Mail.Read': { colleague: '403 403 403 403 403' },
};

interface World {
  server: TestServer;
  colleagueUpn: string;
  colleagueToken: string;
  colleagueId: string;
  strangerId: string;
}

async function makeWorld(server: TestServer): Promise<World> {
  const colleague = await server.token({ upn: 'Megan.Bowen@contoso.com', name: 'Megan Bowen', scopes: ['User.ReadWrite'] });
  const stranger = await server.token({ upn: 'stranger@fabrikam.com', tenant: TENANT_2 });
  return { server, colleagueUpn: colleague.user.userPrincipalName!, colleagueToken: colleague.token, colleagueId: colleague.user.id, strangerId: stranger.user.id };
}

async function callerToken(server: TestServer, spec: CallerSpec, appId: string): Promise<{ token: string; ownerToken?: string; id?: string; upn?: string }> {
  if (spec.app) return { token: await server.appToken({ appId, roles: spec.app.roles }) };
  const base = { upn: spec.upn ?? 'adele.vance@contoso.com', ...(spec.tenant ? { tenant: spec.tenant } : {}) };
  const caller = await server.token({ ...base, scopes: spec.scopes ?? [], admin: spec.admin ?? false });
  const owner = await server.token({ ...base, scopes: ['User.ReadWrite'] });
  return { token: caller.token, ownerToken: owner.token, id: caller.user.id, upn: caller.user.userPrincipalName! };
}

async function runRow(world: World, callerName: string, spec: CallerSpec, targetName: string, expected: string, appId: string) {
  const { server } = world;
  const caller = await callerToken(server, spec, appId);
  let segment: string;
  let ownerToken = caller.ownerToken ?? world.colleagueToken;
  let audience = 'organization';
  switch (targetName) {
    case 'me':
      segment = 'me';
      break;
    case 'self by id':
      segment = `users/${caller.id}`;
      break;
    case 'self by UPN':
      segment = `users/${encodeURIComponent(caller.upn!.toUpperCase())}`;
      break;
    case 'colleague':
      if (spec.tenant === PERSONAL_ACCOUNTS_TENANT_ID) {
        // A personal account's "colleague" is another personal account.
        ownerToken = (await server.token({ upn: 'sam@hotmail.com', tenant: PERSONAL_ACCOUNTS_TENANT_ID, scopes: ['User.ReadWrite'] })).token;
        segment = 'users/sam%40hotmail.com';
      } else {
        ownerToken = world.colleagueToken;
        segment = `users/${world.colleagueId}`;
      }
      break;
    case "colleague's hidden item":
      segment = `users/${world.colleagueUpn}`;
      ownerToken = world.colleagueToken;
      audience = 'me';
      break;
    case 'other tenant':
      // From the dev tenant, a tenant-2 user; from tenant 2, a dev-tenant user; by id.
      segment = spec.tenant === TENANT_2 ? `users/${world.colleagueId}` : `users/${world.strangerId}`;
      ownerToken = spec.tenant === TENANT_2 ? world.colleagueToken : (await server.token({ upn: 'stranger@fabrikam.com', tenant: TENANT_2, scopes: ['User.ReadWrite'] })).token;
      break;
    case 'unknown':
      segment = 'users/nobody@contoso.com';
      break;
    default:
      throw new Error(targetName);
  }

  // The items acted on, made by their owner; and the owner's view before and after, to prove refusals change nothing.
  const ownerSegment = 'me';
  const mk = await server.request('POST', `/beta/${ownerSegment}/profile/positions`, {
    token: ownerToken,
    body: { allowedAudiences: audience, detail: { jobTitle: `${callerName} → ${targetName}` } },
  });
  assert.equal(mk.status, 201, mk.text);
  const itemId = targetName === 'unknown' ? '00000000-0000-4000-8000-000000000000' : mk.json.id;
  const ownerView = async () => (await server.request('GET', `/beta/${ownerSegment}/profile/positions`, { token: ownerToken })).json.value;

  const statuses = expected.split(' ').map(Number);
  for (const [i, op] of OPS.entries()) {
    const beforeView = await ownerView();
    const base = `/beta/${segment}/profile/positions`;
    const res = await call(server, caller.token, op, base, itemId);
    assert.equal(res.status, statuses[i], `${callerName} / ${targetName} / ${op}: got ${res.status} ${res.text}`);
    if (res.status >= 400) {
      assert.ok(res.json?.error?.code, 'error in Graph shape');
      if (op !== 'list' && op !== 'get') assert.deepEqual(await ownerView(), beforeView, `${op} refused but data changed`);
    }
    if (op === 'list' && res.status === 200 && targetName === "colleague's hidden item") {
      assert.ok(!res.json.value.some((p: any) => p.id === itemId), 'hidden item listed to another user');
    }
    if (op === 'delete' && res.status === 204) {
      assert.equal((await server.request('GET', `/beta/${ownerSegment}/profile/positions/${itemId}`, { token: ownerToken })).status, 404);
    }
  }
}

function call(server: TestServer, token: string, op: Op, base: string, id: string) {
  switch (op) {
    case 'list':
      return server.request('GET', base, { token });
    case 'get':
      return server.request('GET', `${base}/${id}`, { token });
    case 'create':
      return server.request('POST', base, { token, body: { detail: { jobTitle: 'Created by the table' } } });
    case 'update':
      return server.request('PATCH', `${base}/${id}`, { token, body: { isCurrent: true } });
    case 'delete':
      return server.request('DELETE', `${base}/${id}`, { token });
  }
}

describe('permission table (application permissions off, the default)', () => {
  let world: World;
  before(async () => {
    world = await makeWorld(await TestServer.start());
  });
  after(() => world.server.dispose());

  for (const [callerName, targets] of Object.entries(table)) {
    for (const [targetName, expected] of Object.entries(targets)) {
      test(`${callerName} × ${targetName} → ${expected}`, () => runRow(world, callerName, callers[callerName]!, targetName, expected, 'b1a2c3d4-0000-4000-8000-00000000000a'));
    }
  }
});

describe('permission table (ALLOW_APPLICATION_PERMISSIONS=true)', () => {
  let world: World;
  before(async () => {
    world = await makeWorld(await TestServer.start({ config: { allowApplicationPermissions: true } }));
  });
  after(() => world.server.dispose());

  for (const [role, targets] of Object.entries(appTable)) {
    for (const [targetName, expected] of Object.entries(targets)) {
      test(`application ${role} × ${targetName} → ${expected}`, () =>
        runRow(world, `app ${role}`, { app: { roles: [role] } }, targetName, expected, 'c1a2c3d4-0000-4000-8000-00000000000b'));
    }
  }
});

describe('visibility by allowedAudiences', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  test('others see organization, federatedOrganizations and everyone items; the owner sees all', async () => {
    const owner = await server.token({ upn: 'owner@contoso.com', scopes: ['User.ReadWrite'] });
    const reader = await server.token({ upn: 'reader@contoso.com', scopes: ['User.ReadBasic.All'] });
    const audiences = ['me', 'family', 'contacts', 'groupMembers', 'organization', 'federatedOrganizations', 'everyone', 'family,organization', 'me,contacts'];
    for (const a of audiences) {
      const r = await server.request('POST', '/beta/me/profile/positions', { token: owner.token, body: { allowedAudiences: a, detail: { jobTitle: a } } });
      assert.equal(r.status, 201, r.text);
    }
    const own = await server.request('GET', '/beta/me/profile/positions', { token: owner.token });
    assert.equal(own.json.value.length, audiences.length);
    const seen = await server.request('GET', `/beta/users/${owner.user.id}/profile/positions`, { token: reader.token });
    assert.deepEqual(
      seen.json.value.map((p: any) => p.detail.jobTitle),
      ['organization', 'federatedOrganizations', 'everyone', 'family,organization'],
    );
    // A hidden item answers 404, exactly like one that does not exist.
    const hidden = own.json.value.find((p: any) => p.allowedAudiences === 'me');
    const res = await server.request('GET', `/beta/users/${owner.user.id}/profile/positions/${hidden.id}`, { token: reader.token });
    assert.equal(res.status, 404);
    const missing = await server.request('GET', `/beta/users/${owner.user.id}/profile/positions/0f0f0f0f-0000-4000-8000-000000000000`, { token: reader.token });
    assert.equal(res.json.error.code, missing.json.error.code);
  });

  test('403 names the permission that would allow the call', async () => {
    const reader = await server.token({ upn: 'reader2@contoso.com', scopes: ['User.Read'] });
    const res = await server.request('POST', '/beta/me/profile/positions', { token: reader.token, body: {} });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'Authorization_RequestDenied');
    assert.match(res.json.error.message, /User\.ReadWrite, User\.ReadWrite\.All/);
    const admin = await server.token({ upn: 'notadmin@contoso.com', scopes: ['User.ReadWrite.All'] });
    const other = await server.request('POST', `/beta/users/${reader.user.id}/profile/positions`, { token: admin.token, body: {} });
    assert.equal(other.status, 403);
    assert.match(other.json.error.message, /User Administrator/);
  });
});
