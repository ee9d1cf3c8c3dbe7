// Bad input gets a clear 4xx in Graph's error shape and changes nothing (the product's third
// standard): malformed JSON, wrong types, unknown properties, over-limit bodies, bad ids, bad tokens.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignJWT, generateKeyPair, importJWK } from 'jose';
import { DEV_TENANT_ID } from '../../src/auth/constants.ts';
import { defaultLimits } from '../../src/config.ts';
import { everyOperation } from '../helpers/attacks.ts';
import { TestServer, type Reply, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let adele: UserToken;
let itemId: string;
let snapshot: string;

const list = async () => (await server.request('GET', '/beta/me/profile/positions', { token: adele.token })).text;

before(async () => {
  server = await TestServer.start({ config: { limits: { ...defaultLimits, maxBodyBytes: 64 * 1024, maxStringLength: 500, maxCollectionItems: 20 } } });
  adele = await server.token({ upn: 'adele@contoso.com', scopes: ['User.ReadWrite'] });
  itemId = (await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body: { detail: { jobTitle: 'Original' }, categories: ['keep'] } })).json.id;
});
after(() => server.dispose());
beforeEach(async () => {
  snapshot = await list();
});

/** Asserts a Graph-shaped error with this status and code, and that the stored data did not change. */
async function assertRefused(res: Reply, status: number, code: string, message?: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.error?.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.innerError['request-id']);
  if (message) assert.match(res.json.error.message, message);
  assert.equal(await list(), snapshot, 'stored data changed');
}

const post = (body: unknown, headers?: Record<string, string>) =>
  server.request('POST', '/beta/me/profile/positions', { token: adele.token, body, ...(headers ? { headers } : {}) });
const patch = (body: unknown) => server.request('PATCH', `/beta/me/profile/positions/${itemId}`, { token: adele.token, body });

describe('malformed JSON', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['trailing comma', '{"isCurrent": true,}', /trailing comma.*line 1, column 19/],
    ['single quotes', "{'isCurrent': true}", /double quotes.*line 1, column 2/],
    ['capitalised literal', '{\n  "isCurrent": True\n}', /'True' is not a JSON value.*line 2, column 16/],
    ['unclosed object', '{"detail": {"jobTitle": "x"}', /expected ',' or '}'.*line 1, column 29/],
    ['two values', '{} {}', /after the end of the JSON value.*line 1, column 4/],
    ['empty body', '', /empty/],
    ['raw newline in a string', '{"detail": {"jobTitle": "a\nb"}}', /control characters.*line 1, column 27/],
  ];
  for (const [name, body, message] of cases) {
    test(`${name} → 400 with line and column`, async () => {
      await assertRefused(await post(body), 400, 'BadRequest', message);
      await assertRefused(await patch(body), 400, 'BadRequest', message);
    });
  }

  test('invalid UTF-8 → 400', async () => {
    const res = await fetch(`${server.url}/beta/me/profile/positions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adele.token}`, 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    });
    await assertRefused({ status: res.status, headers: res.headers, text: '', json: await res.json() }, 400, 'BadRequest', /UTF-8/);
  });

  test('nesting deeper than the limit → 400 before anything is built', async () => {
    const deep = `{"categories": ${'['.repeat(40)}${']'.repeat(40)}}`;
    await assertRefused(await post(deep), 400, 'BadRequest', /nested more than 32 levels.*line 1, column 47/);
  });
});

describe('wrong content', () => {
  test('not a JSON object → 400', async () => {
    for (const body of ['[]', '"text"', 'null', '42']) await assertRefused(await post(body), 400, 'BadRequest', /must be a JSON object/);
  });

  test('every problem is listed in details with its property path', async () => {
    const res = await post({
      isCurrent: 'true',
      nickname: 'x',
      detail: { layer: 1.5, endMonthYear: '2023-02-29', company: { address: { type: 'castle', planet: 'Mars' } } },
      colleagues: [{ displayName: 'ok' }, { relationship: 'nemesis' }, null],
      categories: 'not-a-list',
      inference: { confidenceScore: '0.5' },
    });
    await assertRefused(res, 400, 'BadRequest');
    assert.deepEqual(
      res.json.error.details.map((d: any) => [d.target, d.code]),
      [
        ['isCurrent', 'InvalidType'],
        ['nickname', 'UnknownProperty'],
        ['detail.layer', 'InvalidValue'],
        ['detail.endMonthYear', 'InvalidValue'],
        ['detail.company.address.type', 'InvalidValue'],
        ['detail.company.address.planet', 'UnknownProperty'],
        ['colleagues[1].relationship', 'InvalidValue'],
        ['colleagues[2]', 'InvalidValue'],
        ['categories', 'InvalidType'],
        ['inference.confidenceScore', 'InvalidType'],
      ],
    );
    const messages = Object.fromEntries(res.json.error.details.map((d: any) => [d.target, d.message]));
    assert.match(messages['nickname'], /Property 'nickname' does not exist on type 'microsoft\.graph\.workPosition'/);
    assert.match(messages['detail.company.address.type'], /unknown, home, business, other/);
    assert.match(messages['detail.layer'], /Edm\.Int32/);
    assert.match(res.json.error.message, /isCurrent.*and 9 more problems/);
  });

  test('a PATCH with one bad property changes nothing, not even the good ones', async () => {
    await assertRefused(await patch({ detail: { jobTitle: 'Changed' }, isCurrent: 'yes' }), 400, 'BadRequest');
  });

  test('@odata.type naming another type → 400', async () => {
    const res = await post({ '@odata.type': '#microsoft.graph.educationalActivity' });
    await assertRefused(res, 400, 'BadRequest', /@odata\.type/);
    const nested = await post({ detail: { '@odata.type': '#microsoft.graph.companyDetail' } });
    await assertRefused(nested, 400, 'BadRequest');
    assert.equal(nested.json.error.details[0].target, 'detail.@odata.type');
  });

  test('over-limit strings and collections → 400 naming the limit', async () => {
    await assertRefused(await post({ detail: { summary: 'x'.repeat(501) } }), 400, 'BadRequest', /501 characters long; at most 500/);
    await assertRefused(await post({ categories: Array.from({ length: 21 }, (_, i) => `c${i}`) }), 400, 'BadRequest', /21 items; at most 20/);
  });

  test('a body over the size limit → 413', async () => {
    const big = JSON.stringify({ detail: { summary: 'x'.repeat(70 * 1024) } });
    const refused = await post(big);
    await assertRefused(refused, 413, 'RequestEntityTooLarge');
    assert.match(refused.json.error.message, /larger than \d+ bytes \(MAX_BODY_BYTES\)/, 'the limit and its setting are named');
    await assertRefused(await patch(big), 413, 'RequestEntityTooLarge');
  });

  test('a body far over the limit, still being sent when the 413 comes, gets the 413 (not a reset connection), and the connection serves on', async (t) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const url = new URL(server.url);
    const send = (method: string, body?: Buffer) =>
      new Promise<{ status: number; json: any; socket: unknown }>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, method, path: '/beta/me/profile/positions', agent, headers: { authorization: `Bearer ${adele.token}`, 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text), socket: req.socket }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    // Forty times the limit: the answer is sent long before the body is.
    const huge = await send('POST', Buffer.alloc(40 * 64 * 1024, 0x20));
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error.code, 'RequestEntityTooLarge');
    const next = await send('GET');
    assert.equal(next.status, 200, 'the next request on the same connection is answered');
    assert.equal(next.socket, huge.socket, 'on the same connection');
    assert.equal(await list(), snapshot, 'stored data changed');
  });

  test('a body that is not application/json → 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16']) {
      await assertRefused(await post('{}', { 'content-type': type }), 415, 'UnsupportedMediaType');
    }
    const none = await fetch(`${server.url}/beta/me/profile/positions`, { method: 'POST', headers: { authorization: `Bearer ${adele.token}` } });
    assert.equal(none.status, 415);
  });
});

describe('bad ids', () => {
  for (const id of ['not-a-guid', '00000000-0000-0000-0000-000000000000', "1' OR '1'='1", '%2e%2e%2fsecret', 'a'.repeat(300)]) {
    test(`${id.slice(0, 30)} → 404`, async () => {
      await assertRefused(await server.request('GET', `/beta/me/profile/positions/${id}`, { token: adele.token }), 404, 'itemNotFound');
      await assertRefused(await server.request('PATCH', `/beta/me/profile/positions/${id}`, { token: adele.token, body: {} }), 404, 'itemNotFound');
      await assertRefused(await server.request('DELETE', `/beta/me/profile/positions/${id}`, { token: adele.token }), 404, 'itemNotFound');
    });
  }
});

describe('bad tokens → 401 InvalidAuthenticationToken with WWW-Authenticate', () => {
  const claims = () => ({ aud: 'https://graph.microsoft.com', tid: DEV_TENANT_ID, oid: adele.user.id, idtyp: 'user', upn: 'adele@contoso.com', scp: 'User.ReadWrite' });
  const cases: Array<[string, () => Promise<string | undefined>, RegExp]> = [
    ['no Authorization header', async () => undefined, /empty/],
    ['Bearer with nothing', async () => 'Bearer ', /empty/],
    ['not Bearer', async () => `Basic ${Buffer.from('a:b').toString('base64')}`, /Bearer/],
    ['garbage', async () => 'Bearer not.a.jwt', /malformed/],
    ['expired', async () => `Bearer ${await server.sign(claims(), -120 - 600)}`, /expired/],
    ['wrong audience', async () => `Bearer ${await server.sign({ ...claims(), aud: 'api://something-else' })}`, /audience/],
    ['no tenant', async () => `Bearer ${await server.sign({ ...claims(), tid: undefined })}`, /tid/],
    ['payload altered after signing', async () => `Bearer ${alterPayload(await server.sign(claims()), { scp: 'User.ReadWrite.All' })}`, /signature/],
    ['signed by another key', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const kid = server.issuer.jwks.keys[0]!.kid!;
      const t = await new SignJWT({ ...claims(), iss: `https://graph-profile.local/${DEV_TENANT_ID}/v2.0` })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      return `Bearer ${t}`;
    }, /signature/],
    ['alg none', async () => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `Bearer ${enc({ alg: 'none', typ: 'JWT' })}.${enc({ ...claims(), exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    }, /algorithm|malformed/],
    ['a 100 KB token', async () => `Bearer ${'a'.repeat(100 * 1024)}`, /longer than/],
  ];
  for (const [name, header, message] of cases) {
    test(name, async () => {
      const authorization = await header();
      for (const [method, path, body] of everyOperation(itemId)) {
        const res = await server.request(method, path, { ...(authorization !== undefined ? { headers: { authorization } } : {}), body });
        await assertRefused(res, 401, 'InvalidAuthenticationToken', message);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });
  }
});

/** Changes claims of a signed token without re-signing it. */
function alterPayload(token: string, changes: Record<string, unknown>): string {
  const [h, p, sig] = token.split('.');
  const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ...changes };
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
}

describe('a token with a mismatched issuer, validly signed', () => {
  test('→ 401 Invalid issuer', async () => {
    // The local issuer sets iss from tid; sign directly with jose to put another tenant in iss.
    const key = await server.storage.loadOrCreateSigningKey(async () => {
      throw new Error('the key exists');
    });
    const t = await new SignJWT({ aud: 'https://graph.microsoft.com', tid: DEV_TENANT_ID, oid: adele.user.id, idtyp: 'user', scp: 'User.ReadWrite', iss: 'https://login.microsoftonline.com/common/v2.0' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await importJWK(key, 'ES256'));
    await assertRefused(await server.request('GET', '/beta/me/profile/positions', { token: t }), 401, 'InvalidAuthenticationToken', /Invalid issuer/);
  });
});

describe('a token minted for another data directory', () => {
  test('→ 401 that says so and how to get one for this server', async () => {
    const other = await TestServer.start();
    try {
      const foreign = await other.token({ upn: 'adele@contoso.com' });
      const res = await server.request('GET', '/beta/me/profile/positions', { token: foreign.token });
      await assertRefused(res, 401, 'InvalidAuthenticationToken', /signed with a key this server does not know: it may have been minted for another data directory \(DATA_DIR\)/);
      assert.match(res.json.error.message, /npx graph-profile token/);
    } finally {
      await other.dispose();
    }
  });
});

describe('a validly signed token that is not yet valid', () => {
  test('nbf in the future (beyond the clock tolerance) → 401', async () => {
    const key = await server.storage.loadOrCreateSigningKey(async () => {
      throw new Error('the key exists');
    });
    const now = Math.floor(Date.now() / 1000);
    const t = await new SignJWT({ aud: 'https://graph.microsoft.com', tid: DEV_TENANT_ID, oid: adele.user.id, idtyp: 'user', scp: 'User.ReadWrite', iss: `https://graph-profile.local/${DEV_TENANT_ID}/v2.0` })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuedAt(now)
      .setNotBefore(now + 3600)
      .setExpirationTime(now + 7200)
      .sign(await importJWK(key, 'ES256'));
    await assertRefused(await server.request('GET', '/beta/me/profile/positions', { token: t }), 401, 'InvalidAuthenticationToken', /not yet valid/);
  });
});

describe('internal errors', () => {
  test('a 500 shows no internals', async () => {
    const broken = await TestServer.start({
      wrapStorage: (s) => ({
        ...s,
        listItems: async () => {
          throw new Error('SQLITE_CORRUPT: /secret/path/graph-profile.db is malformed');
        },
        pageItems: async () => {
          throw new Error('SQLITE_CORRUPT: /secret/path/graph-profile.db is malformed');
        },
      }),
    });
    try {
      const user = await broken.token({ upn: 'x@contoso.com' });
      const res = await broken.request('GET', '/beta/me/profile/positions', { token: user.token });
      assert.equal(res.status, 500);
      assert.equal(res.json.error.code, 'generalException');
      assert.doesNotMatch(res.text, /SQLITE|secret|malformed|at /);
      assert.ok(res.json.error.innerError['request-id']);
    } finally {
      await broken.dispose();
    }
  });
});

describe('requests Node refuses before routing', () => {
  test('headers over 128 KiB → 431 in Graph shape', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions', { token: adele.token, headers: { 'x-padding': 'p'.repeat(200 * 1024) } });
    assert.equal(res.status, 431);
    assert.equal(res.json.error.code, 'BadRequest');
    assert.match(res.json.error.message, /headers are too large/);
  });
});

describe('hostile requests', () => {
  test('a huge Authorization header is refused by its length, unparsed', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions', { headers: { authorization: `Bearer${' '.repeat(120_000)}x y` } });
    await assertRefused(res, 401, 'InvalidAuthenticationToken', /longer than/);
  });

  test('a token with a space inside → 401', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions', { headers: { authorization: `Bearer ${adele.token} extra` } });
    await assertRefused(res, 401, 'InvalidAuthenticationToken', /no spaces/);
  });

  test('a malformed percent-encoding in the URL → 400 in Graph shape, with the standard headers', async () => {
    for (const path of ['/beta/users/%ZZ/profile/positions', '/beta/me/profile/positions/%ED%A0%80']) {
      const res = await server.request('GET', path, { token: adele.token, headers: { 'client-request-id': 'enc-1' } });
      await assertRefused(res, 400, 'BadRequest', /percent-encoding/);
      assert.equal(res.headers.get('client-request-id'), 'enc-1');
      assert.equal(res.headers.get('odata-version'), '4.0');
      assert.doesNotMatch(res.text, /FST_/);
    }
  });

  test('a URL segment over 1024 characters → 400 that does not echo the URL', async () => {
    const res = await server.request('GET', `/beta/me/profile/positions/${'x'.repeat(2000)}`, { token: adele.token });
    await assertRefused(res, 400, 'BadRequest', /longer than 1024/);
    assert.ok(res.text.length < 1000);
  });

  test('an empty or unparsable Content-Type → 415', async () => {
    for (const type of [';;;', ' ']) await assertRefused(await post('{}', { 'content-type': type }), 415, 'UnsupportedMediaType');
  });

  test('error messages quote client text cut short', async () => {
    const huge = 'y'.repeat(50_000);
    const bodies = [{ allowedAudiences: huge }, { detail: { company: { address: { type: huge } } } }, { [huge]: 1 }, { '@odata.type': huge }, { allowedAudiences: [{ [huge]: 1 }] }];
    for (const body of bodies) {
      const res = await post(JSON.stringify(body));
      await assertRefused(res, 400, 'BadRequest');
      assert.ok(res.text.length < 2000, `error body of ${res.text.length} bytes`);
    }
  });

  test('a Host header that is not a host name → 400, never a link to it', async () => {
    const { request } = await import('node:http');
    const url = new URL(server.url);
    const status = await new Promise<{ status: number; body: string; location: string | undefined }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/beta/me/profile/positions', headers: { host: 'evil.example/x?', authorization: `Bearer ${adele.token}`, 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body, location: res.headers.location }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status.status, 400, status.body);
    assert.equal(status.location, undefined);
    assert.match(JSON.parse(status.body).error.message, /Host header/);
    assert.equal(await list(), snapshot, 'nothing was created');
  });
});
