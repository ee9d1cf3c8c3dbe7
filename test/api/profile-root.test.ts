// GET and DELETE .../profile (SPEC §1): every collection inline, $select of collections, $expand with
// nested options, visibility, deletion in one go, and a $batch across collections.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { facets } from '../../src/model/facets.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let owner: UserToken;
let reader: UserToken;
const ids: Record<string, string> = {};

const post = async (collection: string, body: Record<string, unknown>, token = owner.token) => {
  const res = await server.request('POST', `/beta/me/profile/${collection}`, { token, body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as Record<string, unknown> & { id: string };
};

before(async () => {
  server = await TestServer.start();
  owner = await server.token({ upn: 'root.owner@contoso.com', scopes: ['User.ReadWrite'] });
  reader = await server.token({ upn: 'root.reader@contoso.com', scopes: ['User.Read.All'] });
  ids.go = (await post('skills', { displayName: 'Go', proficiency: 'expert', allowedAudiences: 'organization' })).id;
  ids.rust = (await post('skills', { displayName: 'Rust', proficiency: 'generalProfessional', allowedAudiences: 'organization' })).id;
  ids.secret = (await post('skills', { displayName: 'Lockpicking', allowedAudiences: 'me' })).id;
  ids.french = (await post('languages', { displayName: 'French', tag: 'fr', spoken: 'fullProfessional' })).id;
  ids.job = (await post('positions', { detail: { jobTitle: 'Engineer' } })).id;
});
after(() => server.dispose());

const idsOf = (items: Array<{ id: string }>) => items.map((i) => i.id);

describe('GET .../profile', () => {
  test('holds every collection inline, in the facet order, [] when empty; items as the collection serves them', async () => {
    const res = await server.request('GET', '/beta/me/profile', { token: owner.token });
    assert.equal(res.status, 200);
    assert.equal(res.json['@odata.context'], `${server.url}/beta/$metadata#users('${owner.user.id}')/profile/$entity`);
    assert.equal(res.json.id, owner.user.id);
    assert.deepEqual(Object.keys(res.json), ['@odata.context', 'id', ...facets.map((f) => f.collection)]);
    assert.deepEqual(idsOf(res.json.skills), [ids.go, ids.rust, ids.secret], 'the default order: oldest first');
    assert.deepEqual(res.json.awards, []);
    const single = (await server.request('GET', `/beta/me/profile/skills/${ids.go}`, { token: owner.token })).json;
    const { '@odata.context': _context, ...asServed } = single;
    assert.deepEqual(res.json.skills[0], asServed);
  });

  test('shows another user only what allowedAudiences lets them see', async () => {
    const res = await server.request('GET', `/beta/users/${owner.user.userPrincipalName}/profile`, { token: reader.token });
    assert.equal(res.status, 200);
    assert.deepEqual(idsOf(res.json.skills), [ids.go, ids.rust]);
    assert.deepEqual(idsOf(res.json.positions), [ids.job], 'organization is the default audience');
  });

  test('$select names collections: only they (and id) are written', async () => {
    const res = await server.request('GET', '/beta/me/profile?$select=skills,positions', { token: owner.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ['@odata.context', 'id', 'positions', 'skills']);
    assert.match(res.json['@odata.context'], /\/profile\(positions,skills\)\/\$entity$/);
  });

  test('$expand applies nested $select, $filter, $orderby, $top and $count to its collection', async () => {
    const expand = "skills($select=displayName;$filter=proficiency eq 'expert' or displayName eq 'Rust';$orderby=displayName desc;$top=1;$count=true)";
    const res = await server.request('GET', `/beta/me/profile?$select=languages&$expand=${encodeURIComponent(expand)}`, { token: owner.token });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json), ['@odata.context', 'id', 'languages', 'skills@odata.count', 'skills']);
    assert.equal(res.json['skills@odata.count'], 2);
    assert.deepEqual(res.json.skills, [{ '@odata.etag': res.json.skills[0]['@odata.etag'], id: ids.rust, displayName: 'Rust' }]);
    assert.match(res.json['@odata.context'], /\/profile\(languages,skills\(displayName\)\)\/\$entity$/);
    const enumForms = await server.request('GET', `/beta/me/profile?$expand=${encodeURIComponent("skills($filter=proficiency eq microsoft.graph.skillProficiencyLevel'expert')")}`, {
      token: owner.token,
    });
    assert.deepEqual(idsOf(enumForms.json.skills), [ids.go]);
    assert.equal(enumForms.json.positions.length, 1, 'without $select every collection is still written');
  });

  test('bad options are 400s that say what is wrong', async () => {
    const cases: Array<[string, RegExp]> = [
      ['$expand=hobbies', /'hobbies' is not a navigation property of microsoft\.graph\.profile/],
      ['$select=hobbies', /'hobbies' is not a property of microsoft\.graph\.profile/],
      ['$expand=skills($filter=nope eq 1)', /\$filter/],
      ['$expand=skills($top=1', /not closed/],
      ['$filter=id eq 1', /nest it in \$expand/],
      ['$expand=skills($expand=positions)', /cannot be nested/],
    ];
    for (const [query, message] of cases) {
      const res = await server.request('GET', `/beta/me/profile?${query.replace(/ /g, '%20')}`, { token: owner.token });
      assert.equal(res.status, 400, query);
      assert.match(res.json.error.message, message, query);
    }
  });

  test('$expand anywhere else is a 400 naming the right type', async () => {
    const onUser = await server.request('GET', '/beta/me?$expand=profile', { token: owner.token });
    assert.equal(onUser.status, 400);
    assert.match(onUser.json.error.message, /not supported on user; read its profile at \.\.\.\/profile/);
    const onSkills = await server.request('GET', '/beta/me/profile/skills?$expand=x', { token: owner.token });
    assert.match(onSkills.json.error.message, /skillProficiency has no navigation properties/);
  });

  test('an unknown collection is a Graph-shaped 404 that lists the collections, whatever the method', async () => {
    for (const [method, path] of [
      ['GET', '/beta/me/profile/hobbies'],
      ['GET', '/beta/me/profile/hobbies/$count'],
      ['PUT', '/beta/me/profile/hobbies'],
      ['DELETE', `/beta/users/${owner.user.id}/profile/hobbies/${ids.go}`],
    ] as const) {
      const res = await server.request(method, path, { token: owner.token });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.json.error.code, 'ResourceNotFound');
      assert.match(res.json.error.message, /'hobbies' is not a collection of the profile\. Its collections are account, addresses, .*websites\./);
      assert.ok(res.json.error.innerError['request-id']);
    }
    for (const [path, segment] of [
      ['/beta/mee/profile/skills', 'mee'],
      ['/beta/me/profil/skills', 'profil'],
      [`/beta/users/${owner.user.id}/profle`, 'profle'],
      [`/beta/me/profile/skills/${ids.go}/extra`, 'extra'],
      ['/bta/me/profile', 'bta'],
    ]) {
      const res = await server.request('GET', path!, { token: owner.token });
      assert.equal(res.status, 404, path);
      assert.equal(res.json.error.message, `Resource not found for the segment '${segment}'.`, 'the first segment that leads nowhere');
    }
    const typo = await server.request('GET', '/beta/me/profile/skils', { token: owner.token });
    assert.match(typo.json.error.message, /'skils' is not a collection of the profile\. Did you mean 'skills'\?/);
    const ref = await server.request('POST', '/beta/me/profile/skills/$ref', { token: owner.token, body: {} });
    assert.equal(ref.status, 404, 'the $ref alias is for positions only');
    assert.match(ref.json.error.message, /skills has no '\$ref'/);
    const caseless = await server.request('GET', `/beta/me/profile/SKILLS/${ids.go}`, { token: owner.token });
    assert.equal(caseless.status, 200, 'path segments match in any case, as on Graph');
    assert.match(caseless.json['@odata.context'], /\/profile\/skills\/\$entity$/);
  });
});

describe('DELETE .../profile', () => {
  test('deletes every item of every collection; the profile then reads empty, and the caps start again', async () => {
    const user = await server.token({ upn: 'root.deleter@contoso.com', scopes: ['User.ReadWrite'] });
    for (const collection of ['skills', 'positions', 'emails', 'phones']) {
      const body = collection === 'emails' ? { address: 'a@b.c', type: 'work' } : collection === 'phones' ? { number: '1', type: 'mobile' } : {};
      await post(collection, body, user.token);
    }
    const res = await server.request('DELETE', '/beta/me/profile', { token: user.token });
    assert.equal(res.status, 204);
    const profile = (await server.request('GET', '/beta/me/profile', { token: user.token })).json;
    for (const f of facets) assert.deepEqual(profile[f.collection], [], f.collection);
    assert.equal((await server.request('GET', '/beta/me/profile/skills/$count', { token: user.token })).text, '0');
    assert.deepEqual(idsOf((await server.request('GET', '/beta/me/profile', { token: owner.token })).json.skills).length, 3, 'other profiles are untouched');
  });

  test("another user's profile: 403 without the admin rule for writes, 204 with it", async () => {
    const user = await server.token({ upn: 'root.victim@contoso.com', scopes: ['User.ReadWrite'] });
    await post('skills', { displayName: 'Kept' }, user.token);
    const refused = await server.request('DELETE', `/beta/users/${user.user.id}/profile`, { token: reader.token });
    assert.equal(refused.status, 403);
    assert.equal((await server.request('GET', '/beta/me/profile/skills/$count', { token: user.token })).text, '1');
    const admin = await server.token({ upn: 'root.admin@contoso.com', scopes: ['User.ReadWrite.All'], admin: true });
    assert.equal((await server.request('DELETE', `/beta/users/${user.user.id}/profile`, { token: admin.token })).status, 204);
    assert.equal((await server.request('GET', '/beta/me/profile/skills/$count', { token: user.token })).text, '0');
  });
});

describe('$batch across collections', () => {
  test('creates in several collections and reads the profile in one batch', async () => {
    const user = await server.token({ upn: 'root.batch@contoso.com', scopes: ['User.ReadWrite'] });
    const res = await server.request('POST', '/beta/$batch', {
      token: user.token,
      body: {
        requests: [
          { id: '1', method: 'POST', url: '/me/profile/skills', headers: { 'content-type': 'application/json' }, body: { displayName: 'SQL' } },
          { id: '2', method: 'POST', url: '/me/profile/languages', headers: { 'content-type': 'application/json' }, body: { displayName: 'German', tag: 'de' } },
          { id: '3', method: 'POST', url: '/me/profile/phones', headers: { 'content-type': 'application/json' }, body: { number: '+1 555' } },
          { id: '4', method: 'GET', url: '/me/profile?$select=skills,languages,phones', dependsOn: ['1', '2'] },
        ],
      },
    });
    assert.equal(res.status, 200);
    const byId = Object.fromEntries(res.json.responses.map((r: { id: string }) => [r.id, r]));
    assert.deepEqual([byId['1'].status, byId['2'].status, byId['3'].status, byId['4'].status], [201, 201, 400, 200]);
    assert.equal(byId['3'].body.error.details[0].target, 'type', 'phones need their type');
    assert.deepEqual(byId['4'].body.skills.map((s: { displayName: string }) => s.displayName), ['SQL']);
    assert.deepEqual(byId['4'].body.languages.map((s: { tag: string }) => s.tag), ['de']);
    assert.deepEqual(byId['4'].body.phones, []);
  });
});
