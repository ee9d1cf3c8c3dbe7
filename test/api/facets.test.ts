// One table-driven suite over all 19 collections of the profile (test/fixtures/facets.ts), over real
// HTTP on the backend of this run: create, get, list, $count, PATCH merge, type and unknown-property
// errors with their paths, delete, visibility to another user, and each facet's own enum, date and
// non-nullable properties. Nothing here is specific to one facet: the fixtures are.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { facets } from '../../src/model/facets.ts';
import { propertiesOf } from '../../src/model/types.ts';
import { type FacetFixture, facetFixtures } from '../fixtures/facets.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let reader: UserToken;

before(async () => {
  server = await TestServer.start();
  reader = await server.token({ upn: 'colleague@contoso.com', scopes: ['User.Read.All'] });
});
after(() => server.dispose());

/** The value at a dotted path such as `detail.company.address.type`. */
const at = (value: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | null)?.[key], value);

/** `{ a: { b: value } }` for the path `a.b`. */
const nested = (path: string, value: unknown): Record<string, unknown> =>
  path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every member `patch` sends is set in `after`; nested objects merge: the members it does not send keep their `before` values. */
function assertMerged(after: Record<string, unknown>, before: Record<string, unknown>, patch: Record<string, unknown>, path: string): void {
  for (const [key, sent] of Object.entries(patch)) {
    const where = path ? `${path}.${key}` : key;
    if (isObject(sent) && isObject(after[key])) {
      assertMerged(after[key] as Record<string, unknown>, isObject(before[key]) ? (before[key] as Record<string, unknown>) : {}, sent, where);
      for (const [member, kept] of Object.entries(isObject(before[key]) ? (before[key] as Record<string, unknown>) : {})) {
        if (!(member in sent)) assert.deepEqual((after[key] as Record<string, unknown>)[member], kept, `${where}.${member} was kept`);
      }
    } else {
      assert.deepEqual(after[key], sent, where);
    }
  }
}

test('the fixtures cover every collection of the facet table, once', () => {
  assert.deepEqual(facetFixtures.map((f) => f.collection), facets.map((f) => f.collection));
  for (const f of facetFixtures) assert.equal(facets.find((x) => x.collection === f.collection)!.type.name, f.type, f.collection);
});

for (const fixture of facetFixtures) {
  describe(`/profile/${fixture.collection}`, () => {
    const base = `/beta/me/profile/${fixture.collection}`;
    let owner: UserToken;
    const type = () => facets.find((f) => f.collection === fixture.collection)!.type;
    const create = (body: Record<string, unknown> = fixture.create) => server.request('POST', base, { token: owner.token, body });

    before(async () => {
      owner = await server.token({ upn: `owner.${fixture.collection}@contoso.com`, scopes: ['User.ReadWrite'] });
    });

    test('create answers 201 with every declared property, Location and ETag; get and list return it', async () => {
      const res = await create();
      assert.equal(res.status, 201, JSON.stringify(res.json));
      const item = res.json;
      assert.deepEqual(Object.keys(item).filter((k) => !k.startsWith('@')), [...propertiesOf(type()).keys()]);
      assert.match(item['@odata.context'], new RegExp(`/\\$metadata#users\\('${owner.user.id}'\\)/profile/${fixture.collection}/\\$entity$`));
      assert.equal(res.headers.get('location'), `${server.url}/beta/users/${owner.user.id}/profile/${fixture.collection}/${item.id}`);
      assert.equal(res.headers.get('etag'), item['@odata.etag']);
      for (const [key, value] of Object.entries(fixture.create)) {
        if (key !== 'allowedAudiences' && typeof value !== 'object') assert.deepEqual(item[key], value, key);
      }
      assert.equal(item.createdBy.user.id, owner.user.id);

      const got = await server.request('GET', `${base}/${item.id}`, { token: owner.token });
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, item);

      const list = await server.request('GET', base, { token: owner.token });
      assert.equal(list.status, 200);
      assert.match(list.json['@odata.context'], new RegExp(`/profile/${fixture.collection}$`));
      assert.ok(list.json.value.some((i: { id: string }) => i.id === item.id));
      const count = await server.request('GET', `${base}/$count`, { token: owner.token });
      assert.equal(count.text, String(list.json.value.length));
    });

    test('an item of this collection is not found through another collection', async () => {
      const item = (await create()).json;
      const other = facetFixtures.find((f) => f.collection !== fixture.collection)!;
      const res = await server.request('GET', `/beta/me/profile/${other.collection}/${item.id}`, { token: owner.token });
      assert.equal(res.status, 404);
    });

    test('PATCH replaces what it names, merges nested values member by member, keeps the rest', async () => {
      const item = (await create()).json;
      const res = await server.request('PATCH', `${base}/${item.id}`, { token: owner.token, body: fixture.patch });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertMerged(res.json, item, fixture.patch, '');
      for (const key of Object.keys(fixture.create)) {
        if (!(key in fixture.patch)) assert.deepEqual(res.json[key], item[key], `${key} was not named and is unchanged`);
      }
      assert.notEqual(res.json['@odata.etag'], item['@odata.etag']);
      assert.equal(res.json.createdDateTime, item.createdDateTime);
    });

    test('a type error is a 400 naming its property path; an unknown property is named too; nothing is stored', async () => {
      const before = (await server.request('GET', `${base}/$count`, { token: owner.token })).text;
      const bad = await create(fixture.typeError.body);
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json.error.details.map((d: { target: string }) => d.target), [fixture.typeError.target]);
      const unknown = await create({ ...fixture.create, favouriteColour: 'blue' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(bad.json.error.details.length, 1);
      assert.equal(unknown.json.error.details[0].code, 'UnknownProperty');
      assert.equal(unknown.json.error.details[0].target, 'favouriteColour');
      assert.match(unknown.json.error.details[0].message, new RegExp(`microsoft\\.graph\\.${fixture.type}`));
      assert.equal((await server.request('GET', `${base}/$count`, { token: owner.token })).text, before);
    });

    test('delete answers 204, then the item is gone', async () => {
      const item = (await create()).json;
      assert.equal((await server.request('DELETE', `${base}/${item.id}`, { token: owner.token })).status, 204);
      assert.equal((await server.request('GET', `${base}/${item.id}`, { token: owner.token })).status, 404);
      assert.equal((await server.request('DELETE', `${base}/${item.id}`, { token: owner.token })).status, 404);
    });

    test('another user of the tenant sees organization items, not items for `me`', async () => {
      const shared = (await create({ ...fixture.create, allowedAudiences: 'organization' })).json;
      const own = (await create({ ...fixture.create, allowedAudiences: 'me' })).json;
      const theirs = `/beta/users/${owner.user.id}/profile/${fixture.collection}`;
      assert.equal((await server.request('GET', `${theirs}/${shared.id}`, { token: reader.token })).status, 200);
      assert.equal((await server.request('GET', `${theirs}/${own.id}`, { token: reader.token })).status, 404);
      const ids = (await server.request('GET', `${theirs}?$top=999`, { token: reader.token })).json.value.map((i: { id: string }) => i.id);
      assert.ok(ids.includes(shared.id) && !ids.includes(own.id));
      const write = await server.request('POST', theirs, { token: reader.token, body: fixture.create });
      assert.equal(write.status, 403);
    });

    if (fixture.enumProperty) {
      const { path, valid, invalid } = fixture.enumProperty;
      test(`its enum ${path}: members accepted (also by numeric value), others refused with the allowed values`, async () => {
        const ok = await create({ ...fixture.create, ...nested(path, valid) });
        assert.equal(ok.status, 201, JSON.stringify(ok.json));
        assert.equal(at(ok.json, path), valid);
        const bad = await create({ ...fixture.create, ...nested(path, invalid) });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.details[0].target, path);
        assert.match(bad.json.error.details[0].message, new RegExp(valid));
        const filtered = await server.request('GET', `${base}?$filter=${encodeURIComponent(`${path.replaceAll('.', '/')} eq '${valid}'`)}&$top=999`, {
          token: owner.token,
        });
        assert.equal(filtered.status, 200, JSON.stringify(filtered.json));
        assert.ok(filtered.json.value.length > 0 && filtered.json.value.every((i: unknown) => at(i, path) === valid));
      });
    }

    if (fixture.dateProperty) {
      const path = fixture.dateProperty;
      test(`its date ${path} must be a real calendar date`, async () => {
        const bad = await create({ ...fixture.create, ...nested(path, '2024-02-30') });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.details[0].target, path);
        assert.match(bad.json.error.details[0].message, /Edm\.Date/);
      });
    }

    for (const name of fixture.nonNullable ?? []) {
      test(`its non-nullable ${name}: required on create, cannot be cleared by PATCH`, async () => {
        const { [name]: _omitted, ...without } = fixture.create;
        const missing = await create(without);
        assert.equal(missing.status, 400);
        assert.deepEqual(missing.json.error.details.map((d: { code: string; target: string }) => [d.code, d.target]), [['MissingProperty', name]]);
        const item = (await create()).json;
        const cleared = await server.request('PATCH', `${base}/${item.id}`, { token: owner.token, body: { [name]: null } });
        assert.equal(cleared.status, 400);
        assert.equal(cleared.json.error.details[0].target, name);
        assert.deepEqual((await server.request('GET', `${base}/${item.id}`, { token: owner.token })).json[name], item[name]);
      });
    }
  });
}

describe('fidelity with the published schema', () => {
  test('an enum member may be sent as its numeric value, as OData allows', async () => {
    const owner = await server.token({ upn: 'numeric.enums@contoso.com', scopes: ['User.ReadWrite'] });
    const res = await server.request('POST', '/beta/me/profile/anniversaries', {
      token: owner.token,
      body: { type: '5', date: '2020-06-01', allowedAudiences: '8' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.type, 'unknownFutureValue', 'personAnnualEventType: unknownFutureValue is 5');
    assert.equal(res.json.allowedAudiences, 'organization');
    const flags = await server.request('POST', '/beta/me/profile/skills', { token: owner.token, body: { displayName: 'Go', allowedAudiences: '40' } });
    assert.equal(flags.json.allowedAudiences, 'organization,everyone');
    const none = await server.request('POST', '/beta/me/profile/anniversaries', { token: owner.token, body: { type: '4' } });
    assert.equal(none.status, 400, 'personAnnualEventType has no member 4');
  });

  test('a collection refuses null items, as the $metadata says (Nullable="false")', async () => {
    const owner = await server.token({ upn: 'null.items@contoso.com', scopes: ['User.ReadWrite'] });
    const res = await server.request('POST', '/beta/me/profile/skills', { token: owner.token, body: { categories: ['a', null] } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.details[0].target, 'categories[1]');
    const metadata = (await server.request('GET', '/beta/$metadata')).text;
    assert.match(metadata, /<EntityType Name="skillProficiency"[^]*?<Property Name="categories" Type="Collection\(Edm\.String\)" Nullable="false"\/>/);
    assert.match(metadata, /<EntityType Name="itemEmail"[^]*?<Property Name="type" Type="microsoft\.graph\.emailType" Nullable="false"\/>/);
    assert.match(metadata, /<EntityType Name="itemEmail"[^]*?<Property Name="address" Type="Edm\.String" Nullable="true"\/>/);
  });

  test('each collection has its own cap', async () => {
    const capped = await TestServer.start({ config: { limits: { ...server.config.limits, maxItemsPerCollection: 2, maxPositionsPerUser: 3 } } });
    try {
      const owner = await capped.token({ upn: 'capped@contoso.com', scopes: ['User.ReadWrite'] });
      const post = (collection: string) => capped.request('POST', `/beta/me/profile/${collection}`, { token: owner.token, body: { displayName: 'x' } });
      assert.deepEqual([(await post('skills')).status, (await post('skills')).status, (await post('skills')).status], [201, 201, 403]);
      const refused = await post('skills');
      assert.equal(refused.json.error.code, 'quotaLimitReached');
      assert.match(refused.json.error.message, /at most 2 skills/);
      assert.equal((await post('websites')).status, 201, 'another collection has room of its own');
      const positions = [];
      for (let i = 0; i < 4; i++) positions.push((await capped.request('POST', '/beta/me/profile/positions', { token: owner.token, body: {} })).status);
      assert.deepEqual(positions, [201, 201, 201, 403], 'positions keep their own setting');
    } finally {
      await capped.dispose();
    }
  });
});
