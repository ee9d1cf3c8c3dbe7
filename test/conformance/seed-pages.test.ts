// The five Graph reference pages this product implements (../shared/seeds), their example requests
// sent as printed, with the documented outcome. Copies of the bodies live in test/fixtures/seeds.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { propertiesOf } from '../../src/model/types.ts';
import { positionDetail, workPosition } from '../../src/model/graph-types.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/seeds/${name}`, import.meta.url), 'utf8');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

/** Properties the server generates (or that the page fills with placeholders): compared by shape, not value. */
const GENERATED = new Set(['id', 'createdDateTime', 'lastModifiedDateTime', 'createdBy', 'lastModifiedBy', 'startMonthYear']);

/** Every member of the documented example appears in ours, with the same value unless generated. */
function assertMatchesDocumented(actual: any, documented: any, path = ''): void {
  for (const [key, want] of Object.entries(documented)) {
    const where = path ? `${path}.${key}` : key;
    assert.ok(key in actual, `documented property ${where} is missing`);
    if (GENERATED.has(key)) continue;
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) assertMatchesDocumented(actual[key], want, where);
    else assert.deepEqual(actual[key], want, `value of ${where}`);
  }
}

let server: TestServer;
let me: UserToken;

before(async () => {
  server = await TestServer.start();
  me = await server.token({ upn: 'innocenty.popov@adventureworks.com', name: 'Innocenty Popov' });
});
after(() => server.dispose());

const post = (path: string, body: string) => server.request('POST', path, { token: me.token, body });
const patch = (id: string, body: string) => server.request('PATCH', `/beta/me/profile/positions/${id}`, { token: me.token, body });
const count = async () => (await server.request('GET', '/beta/me/profile/positions', { token: me.token })).json.value.length;

describe('fixtures', () => {
  const seeds = new URL('../../../shared/seeds/', import.meta.url);
  test('each fixture body is a verbatim copy of its reference page', { skip: !existsSync(seeds) && 'no ../shared/seeds' }, () => {
    const pages = readdirSync(seeds).filter((f) => f.endsWith('.txt'));
    for (const name of readdirSync(new URL('../fixtures/seeds/', import.meta.url))) {
      const page = pages.find((p) => p.startsWith(name.slice(0, 3)));
      assert.ok(page, `no page for ${name}`);
      assert.ok(readFileSync(new URL(page, seeds), 'utf8').includes(fixture(name).trimEnd()), `${name} differs from ${page}`);
    }
  });
});

describe('002 Create workPosition (current rendering)', () => {
  test('201 with the documented response shape: every property, nulls where unset', async () => {
    const res = await post('/beta/me/profile/positions', fixture('002-create.request.json'));
    assert.equal(res.status, 201, res.text);
    const body = res.json;
    assertMatchesDocumented(body, JSON.parse(fixture('002-create.response.json')));
    // Every declared property is present, including those the page's shortened example leaves out.
    assert.deepEqual(Object.keys(body).filter((k) => !k.startsWith('@')), [...propertiesOf(workPosition).keys()]);
    assert.deepEqual(Object.keys(body.detail), [...propertiesOf(positionDetail).keys()]);
    assert.equal(body.detail.startMonthYear, null);
    assert.match(body.id, GUID);
    assert.match(body.createdDateTime, TIMESTAMP);
    assert.equal(body.lastModifiedDateTime, body.createdDateTime);
    assert.deepEqual(body.createdBy, { application: null, device: null, user: { displayName: 'Innocenty Popov', id: me.user.id } });
    assert.deepEqual(body.lastModifiedBy, body.createdBy);
    assert.equal(body['@odata.context'], `${server.url}/beta/$metadata#users('${me.user.id}')/profile/positions/$entity`);
    assert.equal(res.headers.get('location'), `${server.url}/beta/users/${me.user.id}/profile/positions/${body.id}`);
  });
});

describe('004 Update workPosition (current rendering)', () => {
  test('PATCH {"isCurrent": true} returns 200 and the full object', async () => {
    const created = (await post('/beta/me/profile/positions', fixture('002-create.request.json'))).json;
    await patch(created.id, '{"isCurrent": false}');
    const res = await patch(created.id, fixture('004-update.request.json'));
    assert.equal(res.status, 200, res.text);
    assertMatchesDocumented(res.json, JSON.parse(fixture('004-update.response.json')));
    assert.equal(res.json.isCurrent, true);
    assert.deepEqual(res.json.detail, created.detail, 'members the body did not name are unchanged');
    assert.ok(res.json.lastModifiedDateTime > created.lastModifiedDateTime);
    assert.equal(res.json.createdDateTime, created.createdDateTime);
  });
});

describe('000 Create workPosition (older source): trailing comma and "isCurrent": "true"', () => {
  test('400 naming the line and column of the trailing comma; nothing stored', async () => {
    const before = await count();
    const res = await post('/Beta/me/profile/positions', fixture('000-create-older.request.json'));
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'BadRequest');
    assert.match(res.json.error.message, /trailing comma.*line 17, column 25/);
    assert.equal(await count(), before);
  });

  test('with the comma removed, the string "true" is a type error naming isCurrent', async () => {
    const res = await post('/beta/me/profile/positions', fixture('000-create-older.request.json').replace('"consulting",', '"consulting"'));
    assert.equal(res.status, 400);
    assert.deepEqual(
      res.json.error.details.map((d: any) => [d.target, d.code]),
      [['isCurrent', 'InvalidType']],
    );
    assert.match(res.json.error.details[0].message, /Edm\.Boolean/);
  });

  test('with only its invalid values corrected, 201', async () => {
    const body = fixture('000-create-older.request.json').replace('"consulting",', '"consulting"').replace('"isCurrent": "true"', '"isCurrent": true');
    const res = await post('/Beta/me/profile/positions', body);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.isCurrent, true);
    assert.equal(res.json.detail.company.address.city, 'Moscow');
  });
});

describe('001 Add positions ($ref, placeholder values)', () => {
  const placeholderTargets = ['allowedAudiences', 'detail.company.address.type', 'detail.endMonthYear', 'detail.startMonthYear', 'inference.confidenceScore'];

  for (const path of ['/beta/me/profile/positions/$ref', '/beta/me/profile/positions']) {
    test(`POST ${path}: 400 listing each placeholder in details; nothing stored`, async () => {
      const before = await count();
      const res = await post(path, fixture('001-add-positions-ref.request.json'));
      assert.equal(res.status, 400);
      assert.equal(res.json.error.code, 'BadRequest');
      const details: any[] = res.json.error.details;
      assert.deepEqual(details.map((d) => d.target).sort(), placeholderTargets);
      const byTarget = Object.fromEntries(details.map((d) => [d.target, d.message]));
      assert.match(byTarget.allowedAudiences!, /'String' is not a member.*organization/);
      assert.match(byTarget['detail.company.address.type']!, /'String'.*unknown, home, business, other/);
      assert.match(byTarget['detail.endMonthYear']!, /YYYY-MM-DD/);
      assert.match(byTarget['inference.confidenceScore']!, /Edm\.Double/);
      assert.equal(await count(), before);
    });
  }

  test('with only its invalid values corrected, 201 (createdBy is server-owned and ignored)', async () => {
    const body = fixture('001-add-positions-ref.request.json')
      .replace('"allowedAudiences": "String"', '"allowedAudiences": "organization"')
      .replace('"confidenceScore": "Double"', '"confidenceScore": 0.75')
      .replace('"type": "String"', '"type": "business"')
      .replace('"endMonthYear": "Date"', '"endMonthYear": "2021-06-30"')
      .replace('"startMonthYear": "Date"', '"startMonthYear": "2019-01-01"');
    const res = await post('/beta/me/profile/positions/$ref', body);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.inference.confidenceScore, 0.75);
    assert.equal(res.json.detail.startMonthYear, '2019-01-01');
    assert.deepEqual(res.json.categories, ['Categories value']);
    assert.deepEqual(res.json.createdBy.user, { displayName: 'Innocenty Popov', id: me.user.id });
    assert.equal(res.json.createdBy.application, null);
  });
});

describe('003 Update workPosition (older source): trailing comma and "isCurrent": "True"', () => {
  test('400 naming line and column; the item is unchanged', async () => {
    const created = (await post('/beta/me/profile/positions', fixture('002-create.request.json'))).json;
    const res = await patch(created.id, fixture('003-update-older.request.json'));
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /trailing comma.*line 29, column 22/);
    const stored = await server.request('GET', `/beta/me/profile/positions/${created.id}`, { token: me.token });
    assert.deepEqual({ ...stored.json, '@odata.context': undefined }, { ...created, '@odata.context': undefined });
  });

  test('with only its invalid values corrected, 200 with the documented result', async () => {
    const created = (await post('/beta/me/profile/positions', fixture('002-create.request.json'))).json;
    const body = fixture('003-update-older.request.json').replace('"isCurrent": "True",', '"isCurrent": true');
    const res = await patch(created.id, body);
    assert.equal(res.status, 200, res.text);
    const documented = JSON.parse(fixture('003-update-older.response.json').replace('"isCurrent": "True"', '"isCurrent": true'));
    for (const key of ['categories', 'allowedAudiences', 'detail', 'manager', 'colleagues', 'isCurrent', 'inference']) {
      if (key === 'detail') assertMatchesDocumented(res.json.detail, documented.detail, 'detail');
      else assert.deepEqual(res.json[key], documented[key], key);
    }
    // positionDetail members the PATCH did not name keep their values (merge, not replace).
    assert.equal(res.json.detail.role, 'consulting');
  });
});
