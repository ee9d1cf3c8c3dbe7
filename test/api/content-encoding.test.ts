// Compressed request bodies over real HTTP (SPEC §3): the Go and .NET Kiota clients gzip by default.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let user: UserToken;

before(async () => {
  server = await TestServer.start();
  user = await server.token({ upn: 'gzip@contoso.com', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

async function post(path: string, body: Buffer, encoding: string) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'content-encoding': encoding },
    body: new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const count = async () => (await server.request('GET', '/beta/me/profile/skills/$count', { token: user.token })).text;

test('gzip and deflate bodies are decoded; the item is stored as sent', async () => {
  const gz = await post('/beta/me/profile/skills', gzipSync(JSON.stringify({ displayName: 'Go', proficiency: 'expert' })), 'gzip');
  assert.equal(gz.status, 201, JSON.stringify(gz.json));
  assert.deepEqual([gz.json.displayName, gz.json.proficiency], ['Go', 'expert']);
  const df = await post('/beta/me/profile/skills', deflateSync(JSON.stringify({ displayName: 'Rust' })), 'deflate');
  assert.equal(df.status, 201);
  assert.equal(df.json.displayName, 'Rust');
  const batch = await post(
    '/beta/$batch',
    gzipSync(JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/me/profile/skills/$count' }] })),
    'gzip',
  );
  assert.equal(batch.status, 200);
  assert.equal(Buffer.from(batch.json.responses[0].body, 'base64').toString(), '2', 'a text/plain step body is base64, as Graph sends it');
});

test('a bomb is a 413, another coding a 415, a body that does not decode a 400; nothing is stored', async () => {
  const before = await count();
  const bomb = gzipSync(JSON.stringify({ displayName: 'x'.repeat(2 * server.config.limits.maxBodyBytes) }));
  assert.ok(bomb.length < server.config.limits.maxBodyBytes, 'small as sent');
  const tooBig = await post('/beta/me/profile/skills', bomb, 'gzip');
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.json.error.code, 'RequestEntityTooLarge');
  assert.match(tooBig.json.error.message, /MAX_BODY_BYTES/);
  const br = await post('/beta/me/profile/skills', Buffer.from('{}'), 'br');
  assert.equal(br.status, 415);
  assert.match(br.json.error.message, /'br' is not supported/);
  const junk = await post('/beta/me/profile/skills', Buffer.from('{"displayName":"x"}'), 'gzip');
  assert.equal(junk.status, 400);
  assert.match(junk.json.error.message, /not valid gzip data/);
  assert.equal(await count(), before);
});
