// CORS: off by default; with CORS_ORIGINS, an allowed origin's preflight and requests get CORS
// headers, other origins get none, and an OPTIONS that is no allowed preflight is still a 405.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestServer, type UserToken } from '../helpers/server.ts';

const APP = 'https://app.example.com';
const preflight = (origin: string | undefined) => ({
  ...(origin ? { origin } : {}),
  'access-control-request-method': 'PATCH',
  'access-control-request-headers': 'authorization,content-type,if-match',
});

describe('CORS off (the default)', () => {
  let server: TestServer;
  let user: UserToken;
  before(async () => {
    server = await TestServer.start();
    user = await server.token({ upn: 'a@contoso.com' });
  });
  after(() => server.dispose());

  test('no CORS headers, and a preflight is a 405', async () => {
    const res = await server.request('GET', '/beta/me/profile/positions', { token: user.token, headers: { origin: APP } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const pre = await server.request('OPTIONS', '/beta/me/profile/positions', { headers: preflight(APP) });
    assert.equal(pre.status, 405);
    assert.equal(pre.json.error.code, 'MethodNotAllowed');
  });
});

describe('CORS on, with an allow-list', () => {
  let server: TestServer;
  let user: UserToken;
  before(async () => {
    server = await TestServer.start({ config: { corsOrigins: [APP] } });
    user = await server.token({ upn: 'a@contoso.com', scopes: ['User.ReadWrite'] });
  });
  after(() => server.dispose());

  test("an allowed origin's preflight and request get what a browser needs", async () => {
    const pre = await server.request('OPTIONS', '/beta/me/profile/positions/00000000-0000-4000-8000-000000000000', { headers: preflight(APP) });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), APP);
    assert.match(pre.headers.get('access-control-allow-methods')!, /PATCH/);
    assert.match(pre.headers.get('access-control-allow-headers')!, /Authorization.*If-Match/);
    const res = await server.request('POST', '/beta/me/profile/positions', { token: user.token, body: {}, headers: { origin: APP } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.match(res.headers.get('access-control-expose-headers')!, /request-id.*ETag.*Location/);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
  });

  test('another origin gets no CORS headers; an OPTIONS without Origin is still a Graph-shaped 405', async () => {
    const other = await server.request('GET', '/beta/me/profile/positions', { token: user.token, headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const pre = await server.request('OPTIONS', '/beta/me/profile/positions', { headers: preflight('https://evil.example') });
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const bare = await server.request('OPTIONS', '/beta/me/profile/positions');
    assert.equal(bare.status, 405);
    assert.equal(bare.json.error.code, 'MethodNotAllowed');
  });
});
