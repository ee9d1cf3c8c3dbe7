// POST /beta/$batch over real HTTP: dependsOn ordering and 424s, each step answered exactly as a direct
// call, step bodies and headers, and malformed batches refused whole with nothing stored.
// The bodies of the two official SDKs are in batch-sdks.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestServer, type Reply, type UserToken } from '../helpers/server.ts';

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const NO_SUCH_ITEM = '00000000-0000-4000-8000-000000000000';

let server: TestServer;
let adele: UserToken;
let megan: UserToken;

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'adele@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
  megan = await server.token({ upn: 'megan@contoso.com', name: 'Megan Bowen', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

const batch = (body: unknown, token = adele.token, headers?: Record<string, string>) =>
  server.request('POST', '/beta/$batch', { token, body, ...(headers ? { headers } : {}) });
/** Every position of the token's user, following @odata.nextLink to the end. */
async function allPositions(token = adele.token): Promise<any[]> {
  const items: any[] = [];
  for (let next: string | undefined = '/beta/me/profile/positions'; next !== undefined; ) {
    const res = await server.request('GET', next, { token });
    assert.equal(res.status, 200, res.text);
    items.push(...res.json.value);
    next = res.json['@odata.nextLink'];
  }
  return items;
}
const listText = async (token = adele.token) => JSON.stringify(await allPositions(token));
const listIds = async (token = adele.token) => (await allPositions(token)).map((p) => p.id as string);
const create = async (jobTitle: string, token = adele.token) =>
  (await server.request('POST', '/beta/me/profile/positions', { token, body: { detail: { jobTitle } } })).json;
let users = 0;
/** A user of one's own, so that a list read inside a batch stays on one page. */
const freshUser = async () => (await server.token({ upn: `batch-${++users}@contoso.com`, scopes: ['User.ReadWrite'] })).token;
const responsesById = (res: Reply): Record<string, any> => {
  assert.equal(res.status, 200, res.text);
  return Object.fromEntries(res.json.responses.map((r: any) => [r.id, r]));
};
/** A Graph error body without its per-request ids and date, for comparing a step with a direct call. */
const errorOf = (body: any) => ({ ...body.error, innerError: undefined });
const CREATE = { method: 'POST', url: '/me/profile/positions', body: { detail: { jobTitle: 'must not be stored' } } };

describe('dependsOn', () => {
  test('create, get, patch, delete and list run in dependency order', async () => {
    const token = await freshUser();
    const item = await create('Chained', token);
    const url = `/beta/me/profile/positions/${item.id}`;
    // Listed out of order on purpose: the order comes from dependsOn, not from the array.
    const res = await batch({
      requests: [
        { id: 'list', method: 'GET', url: 'me/profile/positions', dependsOn: ['delete'] },
        { id: 'delete', method: 'DELETE', url, dependsOn: ['patch'] },
        { id: 'patch', method: 'PATCH', url, body: { isCurrent: true }, headers: { 'Content-Type': 'application/json' }, dependsOn: ['get'] },
        { id: 'get', method: 'GET', url, dependsOn: ['create'] },
        { id: 'create', ...CREATE, body: { detail: { jobTitle: 'Made in a batch' } } },
      ],
    }, token);
    const r = responsesById(res);
    assert.deepEqual(res.json.responses.map((x: any) => x.id), ['list', 'delete', 'patch', 'get', 'create'], 'request order');
    assert.equal(r.create.status, 201);
    assert.equal(r.get.status, 200);
    assert.equal(r.get.body.isCurrent, null, 'the GET ran before the PATCH');
    assert.equal(r.patch.status, 200);
    assert.equal(r.patch.body.isCurrent, true);
    assert.equal(r.delete.status, 204);
    assert.equal(r.delete.body, undefined);
    assert.equal(r.list.status, 200);
    assert.deepEqual(r.list.body.value.map((p: any) => p.id), [r.create.body.id], 'the list ran after the create and the delete');
    assert.deepEqual(await listIds(token), [r.create.body.id]);
  });

  test('a failed prerequisite makes its dependants 424, transitively; independent steps still run', async () => {
    const keep = await create('Must survive');
    const before = await listIds();
    const res = await batch({
      requests: [
        { id: 'fails', method: 'PATCH', url: `/beta/me/profile/positions/${NO_SUCH_ITEM}`, body: { isCurrent: true } },
        { id: 'ok', method: 'GET', url: '/me/profile/positions' },
        { id: 'child', ...CREATE, dependsOn: ['fails'] },
        { id: 'grandchild', method: 'DELETE', url: `/me/profile/positions/${keep.id}`, dependsOn: ['child'] },
        { id: 'both', method: 'DELETE', url: `/me/profile/positions/${keep.id}`, dependsOn: ['ok', 'fails'] },
        { id: 'independent', ...CREATE, body: { detail: { jobTitle: 'Independent' } } },
      ],
    });
    const r = responsesById(res);
    assert.equal(r.fails.status, 404);
    assert.equal(r.fails.body.error.code, 'itemNotFound');
    assert.equal(r.ok.status, 200);
    for (const id of ['child', 'grandchild', 'both']) {
      assert.equal(r[id].status, 424, id);
      assert.equal(r[id].body.error.code, 'FailedDependency', id);
      assert.equal(r[id].headers['Content-Type'], ODATA_JSON, id);
      assert.ok(r[id].body.error.innerError['request-id'], id);
    }
    assert.match(r.child.body.error.message, /'child'.*'fails'.*404/);
    assert.match(r.grandchild.body.error.message, /'grandchild'.*'child'.*424/);
    assert.equal(r.independent.status, 201);
    assert.deepEqual(await listIds(), [...before, r.independent.body.id], 'only the independent create changed anything');
  });

  test('twenty independent creates all run', async () => {
    const before = (await listIds()).length;
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, ...CREATE, body: { detail: { jobTitle: `bulk ${i}` } } }));
    const r = responsesById(await batch({ requests }));
    assert.ok(Object.values(r).every((x) => x.status === 201));
    assert.equal(new Set(Object.values(r).map((x) => x.body.id)).size, 20);
    assert.equal((await listIds()).length, before + 20);
  });
});

describe('each step is answered as a direct call would be', () => {
  test("a step's own 400, 403, 404, 405 and 415 carry the same status and Graph error as a direct call", async () => {
    const cases = [
      { id: '400', method: 'POST', url: '/beta/me/profile/positions', body: { isCurrent: 'true' } },
      { id: '403', method: 'GET', url: `/beta/users/${megan.user.id}/profile/positions` },
      { id: '404', method: 'GET', url: `/beta/me/profile/positions/${NO_SUCH_ITEM}` },
      { id: '405', method: 'PUT', url: '/beta/me/profile/positions', body: {} },
      { id: '415', method: 'POST', url: '/beta/me/profile/positions', body: '{}', headers: { 'CONTENT-type': 'text/plain' } },
    ];
    const before = await listText();
    const r = responsesById(await batch({ requests: cases }));
    for (const c of cases) {
      const direct = await server.request(c.method, c.url, {
        token: adele.token,
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.headers ? { headers: { 'content-type': c.headers['CONTENT-type'] } } : {}),
      });
      assert.equal(r[c.id].status, Number(c.id));
      assert.equal(direct.status, Number(c.id));
      assert.deepEqual(errorOf(r[c.id].body), errorOf(direct.json), c.id);
      assert.equal(r[c.id].headers['Content-Type'], ODATA_JSON, c.id);
    }
    assert.equal(r['400'].body.error.details[0].target, 'isCurrent');
    assert.equal(r['405'].headers.Allow, 'GET, POST, HEAD');
    assert.equal(await listText(), before);
  });

  test('every step is authorised with the outer token', async () => {
    const reader = await server.token({ upn: 'adele@contoso.com', scopes: ['User.Read'] });
    const r = responsesById(
      await batch({ requests: [{ id: 'read', method: 'GET', url: '/me/profile/positions' }, { id: 'write', ...CREATE }] }, reader.token),
    );
    assert.equal(r.read.status, 200);
    assert.equal(r.write.status, 403);
    assert.equal(r.write.body.error.code, 'Authorization_RequestDenied');
    const stepToken = responsesById(
      await batch({ requests: [{ id: 'w', ...CREATE, headers: { Authorization: `Bearer ${adele.token}` } }] }, reader.token),
    );
    assert.equal(stepToken.w.status, 403, "a step's own Authorization header does not replace the outer token");
  });

  test('headers come back in Graph casing, without hop-by-hop headers; links name the host called', async () => {
    const r = responsesById(
      await batch({ requests: [{ id: 'new', ...CREATE, body: { detail: { jobTitle: 'Headers' } }, headers: { 'client-request-id': 'step-cid' } }, { id: 'list', method: 'GET', url: '/me/profile/positions' }] }, adele.token, {
        'client-request-id': 'outer-cid',
      }),
    );
    const h = r.new.headers;
    assert.equal(h['Content-Type'], ODATA_JSON);
    assert.equal(h.Location, `${server.url}/beta/users/${adele.user.id}/profile/positions/${r.new.body.id}`);
    assert.equal(h['OData-Version'], '4.0');
    assert.equal(h['Cache-Control'], 'no-store');
    assert.match(h['request-id'], /^[0-9a-f-]{36}$/);
    assert.equal(h['client-request-id'], 'step-cid');
    assert.equal(r.list.headers['client-request-id'], 'outer-cid', "without its own, a step carries the batch's client-request-id");
    for (const name of Object.keys(h)) {
      assert.ok(!['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'].includes(name.toLowerCase()), name);
      assert.notEqual(name, 'content-type');
    }
    assert.ok(r.new.body['@odata.context'].startsWith(`${server.url}/beta/$metadata#users('${adele.user.id}')`));
  });

  test("a step's headers are a direct call's, less the hop-by-hop ones", async () => {
    const url = `/beta/me/profile/positions/${(await create('Same headers')).id}`;
    const direct = await server.request('GET', url, { token: adele.token });
    const step = responsesById(await batch({ requests: [{ id: 'get', method: 'GET', url }] })).get;
    const hopByHop = ['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length'];
    const directNames = [...direct.headers.keys()].filter((n) => !hopByHop.includes(n));
    assert.deepEqual(Object.keys(step.headers).map((n) => n.toLowerCase()).sort(), directNames.sort());
    assert.equal(step.headers.ETag, direct.headers.get('etag') ?? undefined);
    assert.deepEqual(step.body, direct.json);
  });
});

describe('step urls and bodies', () => {
  test('urls are accepted with or without /beta and with or without a leading slash', async () => {
    const urls = ['/beta/me/profile/positions', 'beta/me/profile/positions', '/me/profile/positions', 'me/profile/positions', '/BETA/me/profile/positions'];
    const r = responsesById(await batch({ requests: urls.map((url, i) => ({ id: String(i), method: 'get', url })) }));
    for (let i = 0; i < urls.length; i++) assert.equal(r[String(i)].status, 200, urls[i]);
  });

  test('a string body without Content-Type is base64 JSON; with one it is sent as it is', async () => {
    const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    const before = await listIds();
    const r = responsesById(
      await batch({
        requests: [
          { id: 'b64', ...CREATE, body: base64('{"detail":{"jobTitle":"From base64"}}') },
          { id: 'text', ...CREATE, body: '{"detail":{"jobTitle":"From text"}}', headers: { 'content-type': 'application/json' } },
          { id: 'notBase64', ...CREATE, body: 'this is not base64!' },
          { id: 'badJson', ...CREATE, body: base64('{"isCurrent": true,}') },
          { id: 'after', method: 'GET', url: '/me/profile/positions', dependsOn: ['b64', 'text'] },
        ],
      }),
    );
    assert.equal(r.b64.status, 201);
    assert.equal(r.b64.body.detail.jobTitle, 'From base64');
    assert.equal(r.text.status, 201);
    assert.equal(r.text.body.detail.jobTitle, 'From text');
    assert.equal(r.notBase64.status, 400);
    assert.match(r.notBase64.body.error.message, /'notBase64'.*not valid base64/);
    assert.equal(r.badJson.status, 400);
    assert.match(r.badJson.body.error.message, /'badJson'.*trailing comma.*line 1, column 19/);
    assert.equal(r.after.status, 200);
    assert.deepEqual((await listIds()).sort(), [...before, r.b64.body.id, r.text.body.id].sort(), 'only the two good steps stored anything');
  });
});

describe('malformed batches are refused whole, and nothing is stored', () => {
  async function assertRefused(res: Reply, status: number, code: string, message: RegExp, snapshot: string) {
    assert.equal(res.status, status, res.text);
    assert.equal(res.json?.error?.code, code, res.text);
    assert.match(res.json.error.message, message);
    assert.ok(res.json.error.innerError['request-id']);
    assert.equal(res.headers.get('content-type'), ODATA_JSON);
    assert.equal(await listText(), snapshot, 'stored data changed');
  }
  const steps = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, ...CREATE }));

  const cases: Array<[string, unknown, RegExp]> = [
    ['21 steps', { requests: steps(21) }, /at most 20 requests; this one has 21/],
    ['duplicate ids, ignoring case', { requests: [{ id: 'a', ...CREATE }, { id: 'A', ...CREATE }] }, /request 'A' \(requests\[1\]\) repeats the id of request 'a'/],
    ['unknown dependsOn', { requests: [{ id: 'a', ...CREATE, dependsOn: ['zz'] }] }, /request 'a'.*depends on 'zz', which is not the id/],
    ['a cycle', { requests: [{ id: 'a', ...CREATE, dependsOn: ['b'] }, { id: 'b', ...CREATE, dependsOn: ['a'] }] }, /'a' → 'b' → 'a'.*cycle/],
    ['a step depending on itself', { requests: [{ id: 'x', ...CREATE }, { id: 'self', ...CREATE, dependsOn: ['self'] }] }, /'self' → 'self'.*cycle/],
    ['an absolute url', { requests: [{ id: 'abs', ...CREATE, url: 'https://graph.microsoft.com/beta/me/profile/positions' }] }, /url of request 'abs'.*absolute URL/],
    ['a protocol-relative url', { requests: [{ id: 'abs', ...CREATE, url: '//evil.example/beta/me/profile/positions' }] }, /request 'abs'.*absolute URL/],
    ['a /v1.0 url', { requests: [{ id: 'v1', ...CREATE, url: '/v1.0/me/profile/positions' }] }, /request 'v1'.*targets \/v1\.0/],
    ['a nested $batch', { requests: [{ id: 'n', method: 'POST', url: '/beta/$batch', body: { requests: [CREATE] } }] }, /request 'n'.*another batch/],
    ['a nested $batch behind dot segments', { requests: [{ id: 'n', method: 'POST', url: '/beta/me/../%24BATCH', body: { requests: [CREATE] } }] }, /request 'n'.*another batch/],
    ['not an object', [CREATE], /must be a JSON object/],
    ['no requests', {}, /no 'requests' member/],
    ['requests not an array', { requests: { id: 'a' } }, /'requests' must be an array, got an object/],
    ['no steps', { requests: [] }, /'requests' is empty/],
    ['a step that is not an object', { requests: [{ id: 'a', ...CREATE }, 'GET /me'] }, /requests\[1\] must be an object/],
    ['a step without an id', { requests: [CREATE] }, /requests\[0\] has no 'id'/],
    ['a numeric id', { requests: [{ id: 1, ...CREATE }] }, /'id' of requests\[0\] must be a non-empty string, got a number/],
    ['an unknown method', { requests: [{ id: 'h', ...CREATE, method: 'HEAD' }] }, /'method' of request 'h'.*GET, POST, PATCH, PUT, DELETE/],
    ['a url that is not a string', { requests: [{ id: 'u', ...CREATE, url: 42 }] }, /'url' of request 'u' \(requests\[0\]\) must be a string, got a number/],
    ['headers that are not an object', { requests: [{ id: 'h', ...CREATE, headers: ['a'] }] }, /'headers' of request 'h' \(requests\[0\]\) must be an object.*got an array/],
    ['a header value that is not a string', { requests: [{ id: 'h', ...CREATE, headers: { 'Content-Length': 12 } }] }, /header 'Content-Length' of request 'h' \(requests\[0\]\) must have a string value/],
    ['dependsOn that is not an array', { requests: [{ id: 'a', ...CREATE }, { id: 'b', ...CREATE, dependsOn: 'a' }] }, /'dependsOn' of request 'b' \(requests\[1\]\) must be an array/],
  ];
  for (const [name, body, message] of cases) {
    test(`${name} → 400`, async () => {
      const snapshot = await listText();
      await assertRefused(await batch(body), 400, 'BadRequest', message, snapshot);
    });
  }

  test('every problem is listed in details, with its target', async () => {
    const res = await batch({ requests: [{ id: 1, ...CREATE }, { id: 'b', ...CREATE, method: 'HEAD', url: 'https://x.example/' }] });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.error.details.map((d: any) => d.target), ['requests[0].id', 'requests[1].method', 'requests[1].url']);
    assert.match(res.json.error.message, /and 2 more problems/);
  });

  test('malformed JSON → 400 with line and column', async () => {
    const snapshot = await listText();
    const body = '{\n  "requests": [\n    { "id": "1", "method": "POST", "url": "/me/profile/positions", "body": {}, },\n  ]\n}';
    await assertRefused(await batch(body), 400, 'BadRequest', /trailing comma.*line 3, column 78/, snapshot);
  });

  test('a body that is not JSON → 415', async () => {
    const snapshot = await listText();
    const res = await batch(JSON.stringify({ requests: [{ id: 'a', ...CREATE }] }), adele.token, { 'content-type': 'text/plain' });
    await assertRefused(res, 415, 'UnsupportedMediaType', /application\/json/, snapshot);
  });

  test('a bad or missing outer token → 401 for the whole batch, before the body is read', async () => {
    const snapshot = await listText();
    const expired = await server.token({ upn: 'adele@contoso.com', scopes: ['User.ReadWrite'], expiresIn: -600 });
    for (const token of [expired.token, 'not-a-jwt']) {
      const res = await batch({ requests: [{ id: 'a', ...CREATE }] }, token);
      await assertRefused(res, 401, 'InvalidAuthenticationToken', /./, snapshot);
      assert.match(res.headers.get('www-authenticate')!, /^Bearer/);
    }
    const anonymous = await server.request('POST', '/beta/$batch', { body: '{ "requests": [ , ] }' });
    await assertRefused(anonymous, 401, 'InvalidAuthenticationToken', /empty/, snapshot);
  });
});

describe('routing', () => {
  test('other methods → 405 with Allow: POST; the path is case-insensitive', async () => {
    const get = await server.request('GET', '/beta/$batch', { token: adele.token });
    assert.equal(get.status, 405);
    assert.equal(get.json.error.code, 'MethodNotAllowed');
    assert.equal(get.headers.get('allow'), 'POST');
    const upper = await server.request('POST', '/BETA/$BATCH', { token: adele.token, body: { requests: [{ id: '1', method: 'GET', url: '/me/profile/positions' }] } });
    assert.equal(upper.status, 200);
    assert.equal(upper.json.responses[0].status, 200);
  });
});
