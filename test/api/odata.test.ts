// SPEC §5 over real HTTP: query options, paging with @odata.nextLink, $count, the @odata.context of
// every shape, ETags with If-Match / If-None-Match, and GET /me, /users/{x}.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let adele: UserToken;
const ids: string[] = [];

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'adele@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
  const titles = ['Auditor', 'Senior Auditor', 'Engineer', "O'Brien's aide", 'Senior Engineer', 'Manager', 'Designer', 'Analyst', 'Writer', 'Tester', 'Lead', 'Chief'];
  for (const [i, jobTitle] of titles.entries()) {
    const r = await server.request('POST', '/beta/me/profile/positions', {
      token: adele.token,
      body: { detail: { jobTitle, layer: i % 4, company: { displayName: i % 2 ? 'Contoso' : 'Fabrikam' } }, categories: i % 3 ? ['cloud'] : ['people', 'cloud'], isCurrent: i === 0 },
    });
    ids.push(r.json.id);
  }
});
after(() => server.dispose());

const get = (path: string, headers?: Record<string, string>) => server.request('GET', path, { token: adele.token, ...(headers ? { headers } : {}) });
const base = '/beta/me/profile/positions';

describe('query options', () => {
  test('$filter with nested paths, functions, lambdas and escaped quotes', async () => {
    const cases: Array<[string, number]> = [
      ["detail/company/displayName eq 'Contoso'", 6],
      ["startswith(detail/jobTitle,'Senior')", 2],
      ["categories/any(c: c eq 'people')", 4],
      ["detail/jobTitle eq 'O''Brien''s aide'", 1],
      ['detail/layer ge 2 and not isCurrent', 6],
      ["detail/jobTitle in ('Lead', 'Chief', 'Nobody')", 2],
    ];
    for (const [filter, n] of cases) {
      const res = await get(`${base}?$filter=${encodeURIComponent(filter)}&$top=999`);
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      assert.equal(res.json.value.length, n, filter);
    }
  });

  test('a bad $filter is a 400 naming the problem and its position', async () => {
    const res = await get(`${base}?$filter=${encodeURIComponent('detail/title eq 1')}`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'BadRequest');
    assert.match(res.json.error.message, /Invalid \$filter at position 1: property 'title' does not exist on type 'microsoft\.graph\.positionDetail'/);
  });

  test('$orderby, $select, $count, and the $-less forms', async () => {
    const res = await get(`${base}?orderby=detail/jobTitle desc&select=detail,isCurrent&count=true&top=3`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json['@odata.count'], 12);
    assert.deepEqual(res.json.value.map((p: any) => p.detail.jobTitle), ['Writer', 'Tester', 'Senior Engineer']);
    assert.deepEqual(Object.keys(res.json.value[0]), ['@odata.etag', 'id', 'detail', 'isCurrent']);
    assert.equal(res.json['@odata.context'], `${server.url}/beta/$metadata#users('${adele.user.id}')/profile/positions(detail,isCurrent)`);
  });

  test('$select on a single item', async () => {
    const res = await get(`${base}/${ids[0]}?$select=categories`);
    assert.deepEqual(Object.keys(res.json), ['@odata.context', '@odata.etag', 'id', 'categories']);
    assert.equal(res.json['@odata.context'], `${server.url}/beta/$metadata#users('${adele.user.id}')/profile/positions(categories)/$entity`);
  });

  test('$expand, $search and unknown options are 400s', async () => {
    for (const q of ['$expand=detail', '$search=x', '$bogus=1', '$top=5000']) {
      const res = await get(`${base}?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.json.error.code, 'BadRequest');
    }
  });

  test('GET …/positions/$count answers text/plain, with $filter', async () => {
    const all = await get(`${base}/$count`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type')!, /^text\/plain/);
    assert.equal(all.text, '12');
    const some = await get(`${base}/$count?$filter=${encodeURIComponent("detail/company/displayName eq 'Fabrikam'")}`);
    assert.equal(some.text, '6');
    const other = await server.token({ upn: 'reader@contoso.com', scopes: ['User.ReadBasic.All'] });
    const seen = await server.request('GET', `/beta/users/${adele.user.id}/profile/positions/$count`, { token: other.token });
    assert.equal(seen.text, '12');
  });
});

describe('paging', () => {
  test('10 per page by default; an absolute nextLink carries the options; following it yields every item once, in order', async () => {
    const first = await get(`${base}?$filter=${encodeURIComponent('detail/layer ge 0')}&$select=detail&$count=true`);
    assert.equal(first.json.value.length, 10);
    const next = first.json['@odata.nextLink'] as string;
    assert.ok(next.startsWith(`${server.url}/beta/me/profile/positions?`), next);
    const url = new URL(next);
    assert.equal(url.searchParams.get('$filter'), 'detail/layer ge 0');
    assert.equal(url.searchParams.get('$select'), 'detail');
    assert.equal(url.searchParams.get('$count'), 'true');
    assert.ok(url.searchParams.get('$skiptoken'));
    const second = await get(next.slice(server.url.length));
    assert.equal(second.json.value.length, 2);
    assert.equal(second.json['@odata.nextLink'], undefined);
    assert.equal(second.json['@odata.count'], 12);
    assert.deepEqual([...first.json.value, ...second.json.value].map((p: any) => p.id), ids);
    assert.deepEqual(Object.keys(second.json.value[0]), ['@odata.etag', 'id', 'detail']);
  });

  test('items created and deleted between pages: the others come exactly once', async () => {
    const user = await server.token({ upn: `pager@contoso.com`, scopes: ['User.ReadWrite'] });
    const made: string[] = [];
    for (let i = 0; i < 9; i++) made.push((await server.request('POST', base, { token: user.token, body: { detail: { layer: i } } })).json.id);
    const seen: string[] = [];
    let path: string | undefined = `${base}?$top=3&$orderby=detail/layer desc`;
    let round = 0;
    while (path) {
      const res = await server.request('GET', path, { token: user.token });
      assert.equal(res.status, 200, res.text);
      seen.push(...res.json.value.map((p: any) => p.id));
      if (round === 0) {
        // Delete one not yet seen, and create one that sorts before and one after the cursor.
        await server.request('DELETE', `${base}/${made[2]}`, { token: user.token });
        await server.request('POST', base, { token: user.token, body: { detail: { layer: 100 } } });
        await server.request('POST', base, { token: user.token, body: { detail: { layer: -1 } } });
      }
      round++;
      const next: string | undefined = res.json['@odata.nextLink'];
      path = next?.slice(server.url.length);
    }
    assert.equal(new Set(seen).size, seen.length, 'an item came twice');
    const survivors = made.filter((_, i) => i !== 2).reverse();
    assert.deepEqual(seen.filter((id) => made.includes(id)), survivors, 'every item present throughout, once, in order');
  });

  test('a tampered or mismatched $skiptoken is a 400', async () => {
    const first = await get(`${base}?$top=2&$orderby=detail/jobTitle`);
    const token = new URL(first.json['@odata.nextLink']).searchParams.get('$skiptoken')!;
    for (const q of [`$skiptoken=${token}`, `$skiptoken=${token}x&$orderby=detail/jobTitle`, '$skiptoken=%7B%7D']) {
      const res = await get(`${base}?${q}`);
      assert.equal(res.status, 400, q);
    }
  });
});

describe('ETags', () => {
  test('@odata.etag and ETag agree; If-None-Match gives 304', async () => {
    const res = await get(`${base}/${ids[1]}`);
    assert.match(res.json['@odata.etag'], /^W\/".+"$/);
    assert.equal(res.headers.get('etag'), res.json['@odata.etag']);
    const again = await get(`${base}/${ids[1]}`, { 'if-none-match': res.json['@odata.etag'] });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const changed = await get(`${base}/${ids[1]}`, { 'if-none-match': 'W/"nope"' });
    assert.equal(changed.status, 200);
  });

  test('two clients PATCH with the same ETag: exactly one succeeds, the other gets 412, no update is lost', async () => {
    const item = (await server.request('POST', base, { token: adele.token, body: { detail: { jobTitle: 'Base' } } })).json;
    const etag = item['@odata.etag'];
    const [a, b] = await Promise.all([
      server.request('PATCH', `${base}/${item.id}`, { token: adele.token, body: { detail: { role: 'from A' } }, headers: { 'if-match': etag } }),
      server.request('PATCH', `${base}/${item.id}`, { token: adele.token, body: { detail: { level: 'from B' } }, headers: { 'if-match': etag } }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 412]);
    const loser = a.status === 412 ? a : b;
    assert.equal(loser.json.error.code, 'PreconditionFailed');
    const winner = a.status === 200 ? a : b;
    const final = (await get(`${base}/${item.id}`)).json;
    assert.deepEqual(final.detail, winner.json.detail, 'the stored item is the winner’s result');
    // The loser retries with the new ETag and nothing of the winner's is lost.
    const retry = await server.request('PATCH', `${base}/${item.id}`, {
      token: adele.token,
      body: a.status === 412 ? { detail: { role: 'from A' } } : { detail: { level: 'from B' } },
      headers: { 'if-match': final['@odata.etag'] },
    });
    assert.equal(retry.status, 200);
    assert.equal(retry.json.detail.role, 'from A');
    assert.equal(retry.json.detail.level, 'from B');
  });

  test('If-Match: * always matches; a stale If-Match on DELETE is 412 and deletes nothing', async () => {
    const item = (await server.request('POST', base, { token: adele.token, body: {} })).json;
    const star = await server.request('PATCH', `${base}/${item.id}`, { token: adele.token, body: { isCurrent: true }, headers: { 'if-match': '*' } });
    assert.equal(star.status, 200);
    const stale = await server.request('DELETE', `${base}/${item.id}`, { token: adele.token, headers: { 'if-match': item['@odata.etag'] } });
    assert.equal(stale.status, 412);
    assert.equal((await get(`${base}/${item.id}`)).status, 200);
    const fresh = await server.request('DELETE', `${base}/${item.id}`, { token: adele.token, headers: { 'if-match': star.json['@odata.etag'] } });
    assert.equal(fresh.status, 204);
  });

  test('unknown names get a "did you mean" where one is close; $orderby errors speak of $orderby', async () => {
    const body = await server.request('POST', base, { token: adele.token, body: { isCurent: true, detail: { jobTitel: 'x' } } });
    assert.deepEqual(
      body.json.error.details.map((d: { target: string; message: string }) => [d.target, / Did you mean '(\w+)'\?$/.exec(d.message)?.[1]]),
      [['isCurent', 'isCurrent'], ['detail.jobTitel', 'jobTitle']],
    );
    const filter = await get(`${base}?$filter=${encodeURIComponent('detail/jobTitel eq 1')}`);
    assert.match(filter.json.error.message, /'jobTitel' does not exist on type 'microsoft\.graph\.positionDetail' \(did you mean 'jobTitle'\?\)/);
    const select = await get(`${base}?$select=detial`);
    assert.match(select.json.error.message, /Did you mean 'detail'\?/);
    const order = await get(`${base}?$orderby=${encodeURIComponent('isCurrent sideways')}`);
    assert.match(order.json.error.message, /^Invalid \$orderby at position 11: found 'sideways' where asc, desc, a comma before the next property, or the end was expected/);
  });

  test('an unquoted ETag is a 400 that says ETags are quoted, and changes nothing', async () => {
    const item = (await server.request('POST', base, { token: adele.token, body: {} })).json;
    const version = item['@odata.etag'].replace(/^W\/"(.*)"$/, '$1');
    for (const [method, header, value] of [
      ['PATCH', 'if-match', version],
      ['DELETE', 'if-match', `W/${version}`],
      ['GET', 'if-none-match', version],
    ] as const) {
      const res = await server.request(method, `${base}/${item.id}`, { token: adele.token, headers: { [header]: value }, ...(method === 'PATCH' ? { body: { isCurrent: true } } : {}) });
      assert.equal(res.status, 400, `${method} ${header}: ${value}`);
      assert.match(res.json.error.message, /must be \* or ETags .* quoted \(such as W\/"3"\)/);
    }
    const unchanged = await get(`${base}/${item.id}`);
    assert.deepEqual([unchanged.status, unchanged.json['@odata.etag'], unchanged.json.isCurrent], [200, item['@odata.etag'], null]);
  });
});

describe('GET /me and /users/{x}', () => {
  test('who am I, with the canonical context; others by id or UPN; $select', async () => {
    const me = await get('/beta/me');
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, {
      '@odata.context': `${server.url}/beta/$metadata#users/$entity`,
      id: adele.user.id,
      displayName: 'Adele Vance',
      userPrincipalName: 'adele@contoso.com',
      mail: 'adele@contoso.com',
    });
    const reader = await server.token({ upn: 'reader2@contoso.com', scopes: ['User.ReadBasic.All'] });
    const byUpn = await server.request('GET', '/beta/users/ADELE%40contoso.com?$select=displayName', { token: reader.token });
    assert.deepEqual(byUpn.json, { '@odata.context': `${server.url}/beta/$metadata#users(displayName)/$entity`, id: adele.user.id, displayName: 'Adele Vance' });
    const selfOnly = await server.token({ upn: 'selfonly@contoso.com', scopes: ['User.Read'] });
    assert.equal((await server.request('GET', `/beta/users/${adele.user.id}`, { token: selfOnly.token })).status, 403);
    assert.equal((await server.request('GET', '/beta/me', {})).status, 401);
    assert.equal((await server.request('PATCH', '/beta/me', { token: adele.token, body: {} })).status, 405);
  });
});
