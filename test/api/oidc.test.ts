// AUTH_MODE=oidc end to end (SPEC §4, issue 5): the service verifies tokens of an OpenID Connect issuer
// the test starts on 127.0.0.1 (discovery document and JWKS over real HTTP). A valid token reaches its
// own profile (the user is created just in time); every forged or wrong token is a 401 that touches
// nothing; keys rotate without a restart; a flood of unknown kids cannot hammer the issuer; an issuer
// that is down makes requests 503, and the service recovers by itself when it returns.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, exportSPKI } from 'jose';
import type { OidcTimings } from '../../src/auth/oidc.ts';
import type { OidcConfig } from '../../src/config.ts';
import { type IssuerKey, TestOidcIssuer, newKey } from '../helpers/oidc-issuer.ts';
import { makeDataDir, removeDataDir, runCli } from '../helpers/processes.ts';
import { everyOperation } from '../helpers/attacks.ts';
import { type Reply, TestServer } from '../helpers/server.ts';

const AUDIENCE = 'api://graph-profile';
const TENANT_A = '3f5a1c2e-8d4b-4a6f-9e1d-2c3b4a5d6e7f';
const TENANT_B = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const TENANT_NOT_ALLOWED = 'b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2910';

const userClaims = (tid: string, oid: string, upn: string, extra: Record<string, unknown> = {}) => ({
  aud: AUDIENCE, tid, oid, idtyp: 'user', upn, name: upn.split('@')[0], scp: 'User.ReadWrite', ...extra,
});

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startIssuer(issuerPath: string, keys: IssuerKey[]): Promise<TestOidcIssuer> {
  const issuer = await TestOidcIssuer.start({ issuerPath, keys });
  cleanups.push(() => issuer.stop());
  return issuer;
}

async function startServer(oidc: OidcConfig, oidcTimings?: OidcTimings): Promise<TestServer> {
  const server = await TestServer.start({ config: { authMode: 'oidc', oidc }, ...(oidcTimings ? { oidcTimings } : {}) });
  cleanups.push(() => server.dispose());
  return server;
}

const me = (server: TestServer, token: string) => server.request('GET', '/beta/me', { token });

describe('discovery, multi-tenant issuer with {tenantid} and an allow-list', () => {
  let issuer: TestOidcIssuer;
  let server: TestServer;
  let rsa: IssuerKey;
  let ec: IssuerKey;
  const victim = { tid: TENANT_A, oid: randomUUID(), upn: 'adele@contoso.com' };
  let victimToken: string;
  let itemId: string;

  before(async () => {
    [rsa, ec] = await Promise.all([newKey('RS256'), newKey('ES256')]);
    issuer = await startIssuer('/{tenantid}/v2.0', [rsa, ec]);
    server = await startServer({ issuer: issuer.issuer, audiences: [AUDIENCE, 'https://graph.microsoft.com'], allowedTenants: [TENANT_A, TENANT_B] });
    victimToken = await issuer.sign(userClaims(victim.tid, victim.oid, victim.upn));
  });

  test('a valid token → 200, and the caller is the token’s user, created just in time', async () => {
    assert.equal(await server.storage.getUserById(TENANT_A, victim.oid), undefined);
    const res = await me(server, victimToken);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, victim.oid);
    assert.equal(res.json.userPrincipalName, victim.upn);
    assert.equal(res.json.displayName, 'adele');
    assert.equal((await server.storage.getUserById(TENANT_A, victim.oid))?.userPrincipalName, victim.upn);

    const created = await server.request('POST', '/beta/me/profile/positions', { token: victimToken, body: { detail: { jobTitle: 'Original' } } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.createdBy.user.id, victim.oid);
    itemId = created.json.id;
  });

  test('ES256, another allowed tenant and the second audience of the list are accepted too', async () => {
    const oid = randomUUID();
    const token = await issuer.sign(userClaims(TENANT_B, oid, 'megan@fabrikam.com', { aud: 'https://graph.microsoft.com' }), { key: ec });
    const res = await me(server, token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, oid);
  });

  test('the local issuer’s JWKS and discovery document are not served', async () => {
    for (const path of ['/discovery/v2.0/keys', '/.well-known/openid-configuration', `/${TENANT_A}/v2.0/.well-known/openid-configuration`]) {
      assert.equal((await server.request('GET', path)).status, 404, path);
    }
  });

  describe('the attack battery: each → 401 InvalidAuthenticationToken, WWW-Authenticate, nothing touched', () => {
    const attacker = randomUUID();
    const claims = (extra: Record<string, unknown> = {}) => userClaims(TENANT_A, attacker, 'mallory@contoso.com', extra);
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = () => Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Promise<string | undefined>, RegExp]> = [
      ['no Authorization header', async () => undefined, /empty/],
      ['Bearer with nothing', async () => 'Bearer ', /empty/],
      ['garbage', async () => 'Bearer not.a.jwt', /malformed/],
      ['alg none', async () => `Bearer ${enc({ alg: 'none', typ: 'JWT', kid: rsa.kid })}.${enc({ ...claims(), iss: issuer.issuerFor(TENANT_A), exp: now() + 3600 })}.`, /algorithm|malformed/],
      ['HS256 signed with the issuer’s public key bytes (key confusion)', async () => {
        const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
        const t = await new SignJWT({ ...claims(), iss: issuer.issuerFor(TENANT_A) }).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).setIssuedAt().setExpirationTime('1h').sign(secret);
        return `Bearer ${t}`;
      }, /algorithm is not allowed/],
      ['expired', async () => `Bearer ${await issuer.sign(claims(), { expiresIn: -3600 })}`, /expired/],
      ['nbf in the future', async () => `Bearer ${await issuer.sign(claims(), { notBefore: now() + 3600, expiresIn: 7200 })}`, /not yet valid/],
      ['wrong aud', async () => `Bearer ${await issuer.sign(claims({ aud: 'api://another-app' }))}`, /audience/],
      ['wrong iss: another tenant’s issuer than its tid', async () => `Bearer ${await issuer.sign(claims({ iss: issuer.issuerFor(TENANT_B) }))}`, /issuer/],
      ['wrong iss: another issuer altogether', async () => `Bearer ${await issuer.sign(claims({ iss: `https://login.microsoftonline.com/${TENANT_A}/v2.0` }))}`, /issuer/],
      ['unknown kid', async () => `Bearer ${await issuer.sign(claims(), { key: await newKey('RS256') })}`, /unknown key/],
      ['payload altered after signing', async () => {
        const [h, p, s] = (await issuer.sign(claims({ scp: 'User.Read' }))).split('.');
        const altered = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), oid: victim.oid, upn: victim.upn, scp: 'User.ReadWrite' };
        return `Bearer ${h}.${enc(altered)}.${s}`;
      }, /signature/],
      ['signature from another key with a known kid', async () => `Bearer ${await issuer.sign(claims(), { key: await newKey('RS256'), kid: rsa.kid })}`, /signature/],
      ['a tenant not on OIDC_ALLOWED_TENANTS', async () => `Bearer ${await issuer.sign(userClaims(TENANT_NOT_ALLOWED, attacker, 'mallory@evil.example'))}`, /tenant .* not accepted/],
      ['a 100 KB token', async () => `Bearer ${'a'.repeat(100 * 1024)}`, /longer than/],
    ];

    const list = async () => (await server.request('GET', '/beta/me/profile/positions', { token: victimToken })).text;
    const assertRefused = async (res: Reply, message: RegExp, snapshot: string) => {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json?.error?.code, 'InvalidAuthenticationToken', res.text);
      assert.match(res.json.error.message, message);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(await list(), snapshot, 'stored data changed');
      for (const tid of [TENANT_A, TENANT_NOT_ALLOWED]) assert.equal(await server.storage.getUserById(tid, attacker), undefined, 'a user was created');
    };

    for (const [name, header, message] of cases) {
      test(name, async () => {
        assert.ok(itemId, 'the valid-token test ran first');
        const snapshot = await list();
        const authorization = await header();
        for (const [method, path, body] of everyOperation(itemId)) {
          const res = await server.request(method, path, { ...(authorization !== undefined ? { headers: { authorization } } : {}), body });
          await assertRefused(res, message, snapshot);
        }
      });
    }

    test('the discovery document was fetched once, and the issuer was not asked for anything the battery made up', () => {
      assert.equal(issuer.fetches.discovery, 1);
      assert.ok(issuer.fetches.jwks <= 2, `${issuer.fetches.jwks} JWKS fetches`);
    });
  });
});

describe('OIDC_JWKS_URI (a Keycloak-style issuer)', () => {
  test('key rotation: after the JWKS gains a new key and drops the old, the new key is accepted without a restart', async () => {
    const [k1, k2] = await Promise.all([newKey('RS256'), newKey('ES256')]);
    const issuer = await startIssuer('/realms/test', [k1]);
    const cooldownMs = 300;
    const server = await startServer({ issuer: issuer.issuer, audiences: [AUDIENCE], jwksUri: issuer.jwksUri }, { keyRefreshCooldownMs: cooldownMs });
    const oid = randomUUID();
    const claims = userClaims(TENANT_A, oid, 'adele@contoso.com');

    assert.equal((await me(server, await issuer.sign(claims, { key: k1 }))).status, 200);
    assert.deepEqual(issuer.fetches, { discovery: 0, jwks: 1 }, 'OIDC_JWKS_URI set: no discovery');

    issuer.published = [k2];
    await sleep(cooldownMs + 100); // the refresh for an unknown kid is rate-limited; this waits out the limit, nothing more
    const rotated = await me(server, await issuer.sign(claims, { key: k2 }));
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.json.id, oid);
    assert.equal(issuer.fetches.jwks, 2);

    const old = await me(server, await issuer.sign(claims, { key: k1 }));
    assert.equal(old.status, 401, 'the dropped key is no longer trusted');
    assert.match(old.json.error.message, /unknown key/);
  });

  test('a flood of tokens with random kids causes at most one refresh of the keys', async () => {
    const [key, forger] = await Promise.all([newKey('ES256'), newKey('ES256')]);
    const issuer = await startIssuer('/realms/flood', [key]);
    const server = await startServer({ issuer: issuer.issuer, audiences: [AUDIENCE], jwksUri: issuer.jwksUri });
    const claims = userClaims(TENANT_A, randomUUID(), 'adele@contoso.com');
    assert.equal((await me(server, await issuer.sign(claims))).status, 200);

    for (let round = 0; round < 8; round++) {
      const tokens = await Promise.all(Array.from({ length: 25 }, () => issuer.sign(claims, { key: forger, kid: randomUUID() })));
      const replies = await Promise.all(tokens.map((t) => me(server, t)));
      for (const r of replies) assert.equal(r.status, 401, r.text);
    }
    assert.ok(issuer.fetches.jwks <= 2, `200 unknown kids caused ${issuer.fetches.jwks} JWKS fetches`);
    assert.equal((await me(server, await issuer.sign(claims))).status, 200, 'valid tokens still pass');
  });
});

describe('an issuer that cannot be reached', () => {
  test('down at first use → 503 serviceNotAvailable; then its JWKS failing → 503; it recovers without a restart', async () => {
    const key = await newKey('RS256');
    const issuer = await startIssuer('/realms/outage', [key]);
    issuer.state = 'down';
    const server = await startServer({ issuer: issuer.issuer, audiences: [AUDIENCE] }, { retryAfterFailureMs: 100 });
    assert.equal((await server.request('GET', '/healthz')).status, 200, 'the service started while the issuer is down');

    const oid = randomUUID();
    const token = await issuer.sign(userClaims(TENANT_A, oid, 'adele@contoso.com'));
    const assertUnavailable = (res: Reply) => {
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error.code, 'serviceNotAvailable');
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    };
    assertUnavailable(await me(server, token));
    assertUnavailable(await server.request('POST', '/beta/me/profile/positions', { token, body: { detail: { jobTitle: 'x' } } }));
    assert.equal(await server.storage.getUserById(TENANT_A, oid), undefined);

    issuer.state = 'up';
    issuer.jwksStatus = 500;
    const whileJwksFails = await repeatUntil(() => me(server, token), () => issuer.fetches.jwks > 0);
    assert.ok(issuer.fetches.jwks > 0, 'the service asked for the JWKS again');
    whileJwksFails.forEach(assertUnavailable);

    issuer.jwksStatus = 200;
    const recovered = (await repeatUntil(() => me(server, token), (r) => r.status !== 503)).at(-1)!;
    assert.equal(recovered.status, 200, recovered.text);
    assert.equal(recovered.json.id, oid);
  });

  test('requests while it is down do not each ask it again', async () => {
    const issuer = await startIssuer('/realms/down', [await newKey('ES256')]);
    issuer.state = 'down';
    const server = await startServer({ issuer: issuer.issuer, audiences: [AUDIENCE] }, { retryAfterFailureMs: 60_000 });
    const token = await issuer.sign(userClaims(TENANT_A, randomUUID(), 'adele@contoso.com'));
    for (let i = 0; i < 20; i++) assert.equal((await me(server, token)).status, 503);
    assert.equal(issuer.fetches.discovery, 1);
  });
});

test('graph-profile token in OIDC mode exits 2 and says tokens come from the OIDC provider', async () => {
  const dataDir = makeDataDir();
  cleanups.push(async () => removeDataDir(dataDir));
  const r = await runCli(['token', '--upn', 'adele@contoso.com'], {
    dataDir,
    env: { AUTH_MODE: 'oidc', OIDC_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0', OIDC_AUDIENCE: 'https://graph.microsoft.com' },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /tokens from the OIDC provider/);
});

/**
 * Sends a request until `done` holds, for at most ten seconds, and returns every reply: the service
 * retries the issuer on its own schedule. The deadline guards against a hang; it is not a timing expectation.
 */
async function repeatUntil(send: () => Promise<Reply>, done: (res: Reply) => boolean): Promise<Reply[]> {
  const replies: Reply[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await send();
    replies.push(res);
    if (done(res) || Date.now() > deadline) return replies;
    await sleep(50);
  }
}
