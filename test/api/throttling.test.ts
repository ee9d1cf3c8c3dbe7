// Throttling per caller: a burst over the limit gets 429 TooManyRequests with Retry-After in Graph's
// error shape; other callers are unaffected; after waiting as told, requests succeed again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await TestServer.start({ config: { throttle: { limit: 5, windowSeconds: 2 } } });
});
after(() => server.dispose());

test('a burst over the limit gets 429 with Retry-After; others are unaffected; after waiting, requests succeed', async () => {
  const busy = await server.token({ upn: 'busy@contoso.com', scopes: ['User.ReadWrite'] });
  const calm = await server.token({ upn: 'calm@contoso.com', scopes: ['User.ReadWrite'] });
  const statuses: number[] = [];
  let throttled;
  for (let i = 0; i < 8; i++) {
    const res = await server.request('GET', '/beta/me/profile/positions', { token: busy.token });
    statuses.push(res.status);
    if (res.status === 429) throttled = res;
  }
  assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  assert.ok(throttled, `no 429 in ${statuses.join(' ')}`);
  assert.equal(throttled.json.error.code, 'TooManyRequests');
  assert.ok(throttled.json.error.innerError['request-id']);
  const retryAfter = Number(throttled.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${throttled.headers.get('retry-after')}`);

  assert.equal((await server.request('GET', '/beta/me/profile/positions', { token: calm.token })).status, 200, 'another caller has its own budget');

  // Waiting as told is part of the contract being tested, not a timing assertion.
  await sleep(retryAfter * 1000 + 100);
  assert.equal((await server.request('GET', '/beta/me/profile/positions', { token: busy.token })).status, 200);
});

test('a throttled write changes nothing, and every batch step counts', async () => {
  const writer = await server.token({ upn: 'writer@contoso.com', scopes: ['User.ReadWrite'] });
  const batch = await server.request('POST', '/beta/$batch', {
    token: writer.token,
    body: { requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: 'POST', url: '/me/profile/positions', body: {} })) },
  });
  assert.equal(batch.status, 200);
  const statuses = batch.json.responses.map((r: any) => r.status);
  assert.ok(statuses.includes(429), `the outer request and six steps exceed a limit of 5: ${statuses.join(' ')}`);
  const created = statuses.filter((s: number) => s === 201).length;
  await sleep(2100);
  const list = await server.request('GET', '/beta/me/profile/positions', { token: writer.token });
  assert.equal(list.json.value.length, created, 'only the steps that were answered 201 created anything');
});
