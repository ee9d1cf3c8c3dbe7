// Bounds on the work one caller can cause: items per profile, bytes per item, and query expressions
// that are too long, too deep or too expensive. Each is a clear 4xx, never a 500 or a stalled server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultLimits } from '../../src/config.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let adele: UserToken;
const base = '/beta/me/profile/positions';

before(async () => {
  server = await TestServer.start({ config: { limits: { ...defaultLimits, maxPositionsPerUser: 5, maxItemBytes: 4096 } } });
  adele = await server.token({ upn: 'adele@contoso.com', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

const list = async (token = adele.token) => (await server.request('GET', `${base}?$top=999`, { token })).text;

describe('stored size', () => {
  test('a profile holds at most the configured number of positions', async () => {
    const user = await server.token({ upn: 'full@contoso.com', scopes: ['User.ReadWrite'] });
    for (let i = 0; i < 5; i++) assert.equal((await server.request('POST', base, { token: user.token, body: {} })).status, 201);
    const before = await list(user.token);
    const res = await server.request('POST', base, { token: user.token, body: {} });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'quotaLimitReached');
    assert.match(res.json.error.message, /at most 5 positions/);
    assert.equal(await list(user.token), before);
    const batch = await server.request('POST', '/beta/$batch', { token: user.token, body: { requests: [{ id: '1', method: 'POST', url: '/me/profile/positions', body: {} }] } });
    assert.equal(batch.json.responses[0].status, 403, 'the cap holds inside a batch too');
  });

  test('an item larger than the limit as JSON is a 400, on create and when a PATCH would grow it', async () => {
    const big = { detail: { summary: 'x'.repeat(3000), description: 'y'.repeat(1500) } };
    const res = await server.request('POST', base, { token: adele.token, body: big });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.details[0].code, 'LimitExceeded');
    assert.match(res.json.error.message, /at most 4096/);
    const item = (await server.request('POST', base, { token: adele.token, body: { detail: { summary: 'x'.repeat(3000) } } })).json;
    const before = await list();
    const grow = await server.request('PATCH', `${base}/${item.id}`, { token: adele.token, body: { detail: { description: 'y'.repeat(1500) } } });
    assert.equal(grow.status, 400);
    assert.equal(await list(), before);
  });
});

describe('query expressions', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['deeply nested parentheses', `${'('.repeat(200)}true${')'.repeat(200)}`, /nests more than 32 levels/],
    ['an expression over 4096 characters', `${'('.repeat(3000)}true${')'.repeat(3000)}`, /at most 4096 are allowed/],
    ['a long chain of not', `${'not '.repeat(4000)}true`, /at most 4096|nests more than/],
    ['many terms', Array.from({ length: 400 }, () => 'true').join(' and '), /at most 600/],
    ['an invalid date-time literal', 'createdDateTime gt 2024-13-45T00:00:00Z', /not a valid date-time/],
    ['an impossible date', 'detail/startMonthYear eq 2024-02-30', /not a real calendar date/],
    ['lambdas nested three deep', 'categories/any(a: categories/any(b: categories/any(c: a eq c)))', /nested at most 2 deep/],
  ];
  for (const [name, filter, message] of refused) {
    test(`${name} → 400`, async () => {
      await server.request('POST', base, { token: adele.token, body: { categories: ['a'] } }).catch(() => undefined);
      const res = await server.request('GET', `${base}?$filter=${encodeURIComponent(filter)}`, { token: adele.token });
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.equal(res.json.error.code, 'BadRequest');
      assert.match(res.json.error.message, message);
      const count = await server.request('GET', `${base}/$count?$filter=${encodeURIComponent(filter)}`, { token: adele.token });
      assert.equal(count.status, 400, '/$count refuses it too');
    });
  }

  test('the same bounds hold for a batch step', async () => {
    const deep = `${'('.repeat(3000)}true${')'.repeat(3000)}`;
    const res = await server.request('POST', '/beta/$batch', {
      token: adele.token,
      body: { requests: [{ id: '1', method: 'GET', url: `/me/profile/positions?$filter=${encodeURIComponent(deep)}` }] },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.responses[0].status, 400);
    const long = await server.request('POST', '/beta/$batch', {
      token: adele.token,
      body: { requests: [{ id: '1', method: 'GET', url: `/me/profile/positions?x=${'a'.repeat(9000)}` }] },
    });
    assert.equal(long.status, 400);
    assert.match(long.json.error.message, /at most 8192/);
  });
});
