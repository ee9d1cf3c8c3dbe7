// /openapi.json over real HTTP, checked against the one type model and the route table: validated by
// an independent validator, every path of every facet collection present, every $ref resolving, and
// live responses of every collection matching their schemas.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { navigationOf, serviceTypes } from '../../src/model/entities.ts';
import { facetNamed, facets } from '../../src/model/facets.ts';
import { workPosition } from '../../src/model/graph-types.ts';
import { propertiesOf } from '../../src/model/types.ts';
import { type Operations, userRoutes } from '../../src/http/routes.ts';
import { facetFixtures } from '../fixtures/facets.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';
import { type Csdl, type OpenApi, PREFIXES, expectedPaths, allProperties, findType, parseCsdl, schemaProperties, validatorFor, walkRefs } from '../helpers/documents.ts';

const ENTITY_TYPES = ['entity', 'itemFacet', 'user', 'profile', ...facets.map((f) => f.type.name)];
const OPEN_TYPES = ['identity', 'identitySet'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];


/** The same, read from the service's own route table (routes.ts), with its parameters named as the document names them. */
function routeTablePaths(): Record<string, string[]> {
  const handler = async () => ({ status: 204 });
  const anyOperations = new Proxy({}, { get: () => new Proxy({}, { get: () => handler }) }) as unknown as Operations;
  const out: Record<string, string[]> = { '/beta/$batch': ['post'], '/beta/$metadata': ['get'] };
  for (const prefix of PREFIXES) {
    for (const route of userRoutes(anyOperations)) {
      // A `:collection` route stands for each facet it exists for.
      const expanded = route.forFacet ? facets.filter(route.forFacet).map((f) => route.path.replace(':collection', f.collection)) : [route.path];
      for (const routePath of expanded) {
        const path = routePath.replace(/^\/profile\/([^/]+)\/:itemId$/, (_, c: string) => `/profile/${c}/{${facetNamed(c)!.type.name}-id}`);
        assert.doesNotMatch(path, /:/, `${route.path}: a route parameter the test does not know`);
        out[prefix + path] = Object.keys(route.methods).map((m) => m.toLowerCase());
      }
    }
  }
  return out;
}

const sortedMethods = (item: Record<string, unknown>) => Object.keys(item).filter((k) => METHODS.includes(k)).sort();

const resolve = (node: any): any => (node?.$ref ? resolve(node.$ref.slice(2).split('/').reduce((n: any, seg: string) => n?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')], openApi)) : node);
const resolveParameter = resolve;
const resolveResponse = resolve;

let server: TestServer;
let adele: UserToken;
let metadata: Csdl;
let openApi: OpenApi;

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'adele@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
  // The schemas are compared with the $metadata the same server serves (checked in documents.test.ts).
  metadata = parseCsdl((await server.request('GET', '/beta/$metadata')).text);
});
after(() => server.dispose());

describe('GET /openapi.json', () => {
  test('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const res = await server.request('GET', '/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/json\b/);
    openApi = res.json;
    assert.equal(openApi.openapi, '3.1.0');
    const result = await new Validator().validate(structuredClone(openApi));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const refs = walkRefs(openApi);
    assert.ok(refs.length > 50);
    for (const r of refs) {
      const target = r.slice(2).split('/').reduce<any>((node, seg) => node?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')], openApi);
      assert.ok(target, `${r} resolves`);
    }
  });

  test("each declared type has a schema with the model's property names in order; enums list their members", () => {
    const schemas = openApi.components.schemas;
    for (const t of serviceTypes) {
      const name = `microsoft.graph.${t.name}`;
      assert.ok(schemas[name], name);
      if (t.kind === 'enum') {
        if (t.flags) assert.equal(schemas[name].type, 'string');
        else assert.deepEqual(schemas[name].enum, t.members.map(([n]) => n));
        continue;
      }
      assert.deepEqual(schemaProperties(openApi, name), [...propertiesOf(t).keys(), ...navigationOf(t).map((n) => n.name)], name);
    }
    const position = schemaProperties(openApi, 'microsoft.graph.workPosition');
    assert.deepEqual(position, [...propertiesOf(workPosition).keys()]);
    const own = schemas['microsoft.graph.workPosition'].allOf[1].properties;
    assert.deepEqual(own.isCurrent, { type: ['boolean', 'null'] });
    assert.deepEqual(own.detail, { anyOf: [{ $ref: '#/components/schemas/microsoft.graph.positionDetail' }, { type: 'null' }] });
    assert.equal(schemas['microsoft.graph.itemFacet'].allOf[1].properties.createdBy.readOnly, true);
    assert.match(schemas['microsoft.graph.allowedAudiences'].description, /comma-separated/);
  });

  test('lists every path and method of the route table, as the facet table derives them, and nothing else', () => {
    const expected = expectedPaths();
    assert.deepEqual(facets.filter((f) => f.refAlias).map((f) => f.collection), ['positions'], 'the $ref alias is for positions only (SPEC §1)');
    assert.equal(Object.keys(expected).length, 2 + 2 * (2 + facets.length * 3 + 1));
    const routes = routeTablePaths();
    assert.deepEqual(Object.keys(routes).sort(), Object.keys(expected).sort(), 'the route table serves what the facet table says');
    for (const [path, methods] of Object.entries(routes)) assert.deepEqual([...methods].sort(), [...expected[path]!].sort(), `route ${path}`);
    assert.deepEqual(Object.keys(openApi.paths).sort(), Object.keys(expected).sort());
    for (const [path, methods] of Object.entries(expected)) assert.deepEqual(sortedMethods(openApi.paths[path]), [...methods].sort(), path);
  });

  test('every operationId is unique, every operation tagged with a declared tag; the title speaks of the whole profile', () => {
    const ids: string[] = [];
    const tags = new Set(openApi.tags.map((t: any) => t.name));
    assert.deepEqual([...tags], ['me', 'users', 'me.profile', 'users.profile', 'batch', 'metadata']);
    for (const [path, item] of Object.entries<any>(openApi.paths)) {
      for (const method of sortedMethods(item)) {
        const op = item[method];
        assert.equal(typeof op.operationId, 'string', `${method} ${path}`);
        ids.push(op.operationId);
        assert.ok(op.tags.length > 0 && op.tags.every((t: string) => tags.has(t)), `${method} ${path} tags ${op.tags}`);
        if (path.includes('/profile')) assert.equal(op.tags[0], path.startsWith('/beta/me') ? 'me.profile' : 'users.profile', `${method} ${path}`);
      }
    }
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(duplicates, []);
    assert.equal(ids.length, new Set(ids).size);
    // The positions operationIds of the first document, unchanged for clients generated from it.
    const position = (prefix: string, method: string, suffix = '') => openApi.paths[`${prefix}/profile/positions${suffix}`][method].operationId;
    for (const [prefix, tag] of [['/beta/me', 'me.profile'], ['/beta/users/{user-id}', 'users.profile']] as const) {
      assert.deepEqual(
        [position(prefix, 'get'), position(prefix, 'post'), position(prefix, 'get', '/$count'), position(prefix, 'post', '/$ref'), position(prefix, 'get', '/{workPosition-id}'), position(prefix, 'patch', '/{workPosition-id}'), position(prefix, 'delete', '/{workPosition-id}')],
        ['ListPositions', 'CreatePositions', 'positions.GetCount', 'positions.CreateRef', 'GetPositions', 'UpdatePositions', 'DeletePositions'].map((v) => `${tag}.${v}`),
      );
    }
    assert.doesNotMatch(openApi.info.title, /position/i);
    assert.match(openApi.info.title, /profile/);
    for (const f of facets) assert.ok(openApi.info.description.includes(`\`${f.collection}\``), `the description names ${f.collection}`);
    for (const tag of openApi.tags.filter((t: any) => t.name.endsWith('.profile'))) assert.match(tag.description, new RegExp(`profile.*${facets.length} collections`));
  });

  test('every path template has its path parameter; item paths name the key as Graph does', () => {
    for (const [path, item] of Object.entries<any>(openApi.paths)) {
      const declared = (item.parameters ?? []).map(resolveParameter).filter((p: any) => p.in === 'path');
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(declared.map((p: any) => p.name), templated, path);
      assert.ok(declared.every((p: any) => p.required === true), path);
    }
  });

  test('each collection: list options with its own $select, its page, item and created schemas, request bodies of its type', () => {
    for (const prefix of PREFIXES) {
      for (const f of facets) {
        const type = `microsoft.graph.${f.type.name}`;
        const base = `${prefix}/profile/${f.collection}`;
        const list = openApi.paths[base].get;
        const params = list.parameters.map(resolveParameter);
        assert.deepEqual(params.map((p: any) => p.name), ['$filter', '$orderby', '$select', '$top', '$skip', '$count', '$skiptoken'], base);
        assert.deepEqual(params[2].schema.items.enum, [...propertiesOf(f.type).keys()], `${base} $select`);
        assert.equal(params[3].schema.maximum, 999);
        const page = list.responses['200'].content['application/json'].schema;
        assert.deepEqual(page, { $ref: `#/components/schemas/${type}CollectionResponse` }, base);
        assert.deepEqual(openApi.components.schemas[`${type}CollectionResponse`].properties.value, { type: 'array', items: { $ref: `#/components/schemas/${type}` } });
        const item = openApi.paths[`${base}/{${f.type.name}-id}`];
        assert.deepEqual(item.get.parameters.map(resolveParameter)[0].schema.items.enum, [...propertiesOf(f.type).keys()], `${base}/{id} $select`);
        const nn = [...propertiesOf(f.type).values()].filter((p) => p.nonNullable).map((p) => p.name);
        const bodies = [openApi.paths[base].post, item.patch, ...(f.refAlias ? [openApi.paths[`${base}/$ref`].post] : [])];
        for (const op of bodies) {
          const schema = op.requestBody.content['application/json'].schema;
          assert.ok(walkRefs(schema).includes(`#/components/schemas/${type}`), `${op.operationId} body is a ${type}`);
          const required = schema.allOf?.flatMap((s: any) => s.required ?? []) ?? [];
          assert.deepEqual(required, op === item.patch ? [] : nn, `${op.operationId}: NN properties required on create only`);
        }
        for (const op of [item.get, item.patch]) assert.equal(resolveResponse(op.responses['200']).content['application/json'].schema.$ref, `#/components/schemas/${type}`);
        const created = resolveResponse(openApi.paths[base].post.responses['201']);
        assert.equal(created.content['application/json'].schema.$ref, `#/components/schemas/${type}`);
        assert.ok(created.headers.Location && created.headers.ETag, base);
        assert.deepEqual(item.delete.responses['204'], { description: 'Deleted.' });
        assert.deepEqual(openApi.paths[`${base}/$count`].get.responses['200'].content['text/plain'].schema, { type: 'integer', minimum: 0 });
      }
    }
    const fixtureNN = Object.fromEntries(facetFixtures.map((x) => [x.collection, [...(x.nonNullable ?? [])]]));
    const emails = openApi.paths['/beta/me/profile/emails'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(emails.allOf[1].required, fixtureNN.emails);
    assert.deepEqual(openApi.paths['/beta/me/profile/phones'].post.requestBody.content['application/json'].schema.allOf[1].required, ['type']);
  });

  test('single-valued properties allow null exactly where $metadata says Nullable="true"; collections never hold null items', () => {
    const schemas = openApi.components.schemas;
    const allowsNull = (s: any) => (Array.isArray(s.type) && s.type.includes('null')) || (s.anyOf ?? []).some((x: any) => x.type === 'null');
    for (const t of serviceTypes) {
      if (t.kind === 'enum') continue;
      const schema = schemas[`microsoft.graph.${t.name}`];
      const own = (schema.allOf ? schema.allOf[1] : schema).properties;
      for (const p of findType(metadata, t.name)[1].Property ?? []) {
        const s = own[p.Name];
        if (p.Type!.startsWith('Collection(')) {
          assert.ok(allowsNull(s), `${t.name}.${p.Name}: an unset collection is null`);
          const items = (s.anyOf?.[0] ?? s).items;
          assert.ok(items && !allowsNull(items), `${t.name}.${p.Name}: items are not nullable`);
        } else {
          assert.equal(allowsNull(s), p.Nullable === 'true', `${t.name}.${p.Name}`);
        }
      }
    }
    assert.deepEqual(schemas['microsoft.graph.itemEmail'].allOf[1].properties.type.$ref, '#/components/schemas/microsoft.graph.emailType');
  });

  test('the profile root: GET with $select of collections and $expand, DELETE 204; its schema holds every collection', () => {
    for (const prefix of PREFIXES) {
      const root = openApi.paths[`${prefix}/profile`];
      const [select, expand] = root.get.parameters.map(resolveParameter);
      assert.equal(select.name, '$select');
      assert.deepEqual(select.schema.items.enum, ['id', ...facets.map((f) => f.collection)]);
      assert.equal(expand.name, '$expand');
      assert.equal(expand.schema.type, 'string');
      for (const option of ['$select', '$filter', '$orderby', '$top', '$skip', '$count']) assert.ok(expand.description.includes(`\`${option}\``), `$expand describes ${option}`);
      const body = resolveResponse(root.get.responses['200']).content['application/json'].schema;
      assert.equal(body.allOf[0].$ref, '#/components/schemas/microsoft.graph.profile');
      assert.deepEqual(Object.keys(body.allOf[1].properties), ['@odata.context', ...facets.map((f) => `${f.collection}@odata.count`)]);
      assert.ok(root.delete.responses['204']);
      assert.equal(root.delete.requestBody, undefined);
    }
    assert.deepEqual(schemaProperties(openApi, 'microsoft.graph.profile'), ['id', ...facets.map((f) => f.collection)]);
    const own = openApi.components.schemas['microsoft.graph.profile'].allOf[1].properties;
    for (const f of facets) {
      assert.deepEqual(own[f.collection], { type: 'array', items: { $ref: `#/components/schemas/microsoft.graph.${f.type.name}` }, 'x-ms-navigationProperty': true }, f.collection);
    }
  });

  test("the examples in the query options' descriptions are accepted by the service", async () => {
    const params = openApi.components.parameters;
    const example = (name: string) => {
      const m = /e\.g\. `([^`]+)`/i.exec(params[name].description);
      assert.ok(m, `${name} has an example`);
      return m[1]!;
    };
    for (const f of facets) {
      for (const [option, name] of [['$filter', 'filter'], ['$orderby', 'orderby']] as const) {
        const res = await server.request('GET', `/beta/me/profile/${f.collection}?${option}=${encodeURIComponent(example(name))}`, { token: adele.token });
        assert.equal(res.status, 200, `${f.collection} ${option}=${example(name)}: ${JSON.stringify(res.json)}`);
      }
    }
    for (const [option, name] of [['$select', 'select.profile'], ['$expand', 'expand.profile']] as const) {
      const res = await server.request('GET', `/beta/me/profile?${option}=${encodeURIComponent(example(name))}`, { token: adele.token });
      assert.equal(res.status, 200, `${option}=${example(name)}: ${JSON.stringify(res.json)}`);
    }
  });

  test('query options, security and the error schema', () => {
    const params = openApi.components.parameters;
    assert.deepEqual(openApi.paths['/beta/me/profile/positions'].get.parameters.map((p: any) => params[p.$ref.split('/').pop()].name), [
      '$filter', '$orderby', '$select', '$top', '$skip', '$count', '$skiptoken',
    ]);
    assert.equal(params.top.schema.maximum, 999);
    assert.deepEqual(params['select.workPosition'].schema.items.enum, [...propertiesOf(workPosition).keys()]);
    const { type, scheme, bearerFormat } = openApi.components.securitySchemes.bearer;
    assert.deepEqual([type, scheme, bearerFormat], ['http', 'bearer', 'JWT']);
    assert.deepEqual(openApi.security, [{ bearer: [] }]);
    assert.deepEqual(openApi.paths['/beta/$metadata'].get.security, []);
    const patch = openApi.paths['/beta/users/{user-id}/profile/positions/{workPosition-id}'].patch;
    assert.deepEqual(Object.keys(patch.responses).sort(), ['200', '400', '401', '403', '404', '412', '413', '415', '5XX']);
    const main = openApi.components.schemas['microsoft.graph.ODataErrors.MainError'];
    assert.deepEqual(Object.keys(main.properties), ['code', 'message', 'details', 'innerError']);
    assert.deepEqual(Object.keys(openApi.components.schemas['microsoft.graph.ODataErrors.InnerError'].properties), ['date', 'request-id', 'client-request-id']);
    assert.deepEqual(openApi.servers, [{ url: '/' }]);
  });

  test("the service's own responses validate against the document's schemas", async () => {
    const validate = validatorFor(openApi);
    const body = {
      allowedAudiences: 'organization,federatedOrganizations',
      categories: ['a'],
      colleagues: [{ displayName: 'Megan', relationship: 'colleague' }],
      detail: { jobTitle: 'Surveyor', layer: 2, startMonthYear: '2020-01-01', company: { displayName: 'Contoso', address: { type: 'business', city: 'Oslo' } } },
      inference: { confidenceScore: 0.5, userHasVerifiedAccuracy: true },
      sources: [{ isDefaultSource: true, properties: ['x'], sourceId: 's' }],
      source: { type: ['User'] },
      isCurrent: true,
    };
    const created = await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body });
    assert.equal(created.status, 201);
    assert.deepEqual(validate('microsoft.graph.workPosition', created.json), []);
    assert.deepEqual(validate('microsoft.graph.workPosition', (await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body: {} })).json), []);
    const list = await server.request('GET', '/beta/me/profile/positions', { token: adele.token });
    assert.deepEqual(validate('microsoft.graph.workPositionCollectionResponse', list.json), []);
    const invalid = await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body: { isCurrent: 'true' } });
    assert.deepEqual(validate('microsoft.graph.ODataErrors.ODataError', invalid.json), []);
    assert.notDeepEqual(validate('microsoft.graph.workPosition', { ...created.json, isCurrent: 'true' }), [], 'the validator does reject');
    const me = await server.request('GET', '/beta/me', { token: adele.token });
    assert.deepEqual(validate('microsoft.graph.user', me.json), []);
    assert.deepEqual(Object.keys(me.json).filter((k) => !k.startsWith('@')), allProperties(metadata, 'user').map((p) => p.Name));
  });

  test('every collection: created, listed, read, updated items and the whole profile validate against the schemas', async () => {
    const validate = validatorFor(openApi);
    const user = await server.token({ upn: 'every.facet@contoso.com', name: 'Every Facet', scopes: ['User.ReadWrite'] });
    for (const f of facets) {
      const fixture = facetFixtures.find((x) => x.collection === f.collection);
      assert.ok(fixture, `a fixture for ${f.collection}`);
      const type = `microsoft.graph.${f.type.name}`;
      const base = `/beta/users/${user.user.id}/profile/${f.collection}`;
      const created = await server.request('POST', `/beta/me/profile/${f.collection}`, { token: user.token, body: fixture.create });
      assert.equal(created.status, 201, `${f.collection}: ${JSON.stringify(created.json)}`);
      assert.deepEqual(validate(type, created.json), [], `${f.collection} created`);
      assert.deepEqual(Object.keys(created.json).filter((k) => !k.startsWith('@')), allProperties(metadata, f.type.name).map((p) => p.Name), f.collection);
      const list = await server.request('GET', `${base}?$count=true`, { token: user.token });
      assert.equal(list.status, 200);
      assert.deepEqual(validate(`${type}CollectionResponse`, list.json), [], `${f.collection} list`);
      const read = await server.request('GET', `${base}/${created.json.id}`, { token: user.token });
      assert.deepEqual(validate(type, read.json), [], `${f.collection} get`);
      const patched = await server.request('PATCH', `${base}/${created.json.id}`, { token: user.token, body: fixture.patch });
      assert.equal(patched.status, 200, `${f.collection}: ${JSON.stringify(patched.json)}`);
      assert.deepEqual(validate(type, patched.json), [], `${f.collection} patched`);
      for (const p of fixture.nonNullable ?? []) assert.notDeepEqual(validate(type, { ...read.json, [p]: null }), [], `${f.collection}.${p} may not be null`);
    }
    const profile = await server.request('GET', '/beta/me/profile', { token: user.token });
    assert.equal(profile.status, 200);
    assert.deepEqual(validate('microsoft.graph.profile', profile.json), []);
    for (const f of facets) assert.equal(profile.json[f.collection].length, 1, f.collection);
    assert.notDeepEqual(validate('microsoft.graph.profile', { ...profile.json, [facets[0]!.collection]: {} }), [], 'the validator does reject');
    const first = facets[0]!.collection;
    const expanded = await server.request('GET', `/beta/users/${user.user.id}/profile?$expand=${first}($top=1;$count=true)`, { token: user.token });
    assert.equal(expanded.status, 200);
    assert.deepEqual(validate('microsoft.graph.profile', expanded.json), []);
    assert.equal(expanded.json[`${first}@odata.count`], 1);
  });
});

