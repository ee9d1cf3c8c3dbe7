// The request log names each request's id and its verified caller, and never the token.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpRequest } from '../helpers/http.ts';
import { ServerProcess, makeDataDir, mintToken, removeDataDir } from '../helpers/processes.ts';

const dataDir = makeDataDir();
let server: ServerProcess | undefined;
after(async () => {
  await server?.dispose();
  removeDataDir(dataDir);
});

test('each request is logged with its request id and caller; no token appears in the log', async () => {
  server = await ServerProcess.start({ dataDir, env: { LOG_LEVEL: 'info' } });
  const token = await mintToken(dataDir, ['--upn', 'logged@contoso.com']);
  const oid = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).oid;
  const res = await httpRequest(server.url, 'POST', '/beta/me/profile/positions', { token, body: {} });
  assert.equal(res.status, 201);
  const requestId = res.headers.get('request-id')!;
  const refused = await httpRequest(server.url, 'GET', '/beta/me/profile/positions', { token: `${token}x` });
  assert.equal(refused.status, 401);

  // Logs are written asynchronously, in blocks: wait (bounded) for both lines, which is not a timing assertion.
  const refusedId = refused.headers.get('request-id');
  let lines: any[] = [];
  const logged = () => lines.some((l) => l.caller && l.reqId === requestId) && lines.some((l) => l.reqId === refusedId);
  for (let i = 0; i < 50 && !logged(); i++) {
    await sleep(100);
    lines = server.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
  const callerLine = lines.find((l) => l.caller && l.reqId === requestId);
  assert.ok(callerLine, `no caller line for ${requestId}`);
  assert.equal(lines.filter((l) => l.reqId === requestId).length, 1, 'one line per request');
  assert.deepEqual([callerLine.method, callerLine.url], ['POST', '/beta/me/profile/positions']);
  assert.deepEqual(callerLine.caller, { tenant: '7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a', user: oid });
  assert.equal(callerLine.statusCode, 201);
  assert.ok(lines.some((l) => l.reqId === refusedId && l.statusCode === 401), 'refused requests are logged too');
  const signature = token.split('.')[2]!;
  assert.ok(!server.stdout.includes(signature) && !server.stdout.includes(token.split('.')[1]!), 'the log contains the token');
});
