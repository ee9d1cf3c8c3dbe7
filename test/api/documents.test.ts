// $metadata, /openapi.json and the API reference page over real HTTP, each checked against the one
// type model: parsed back and compared declaration by declaration, validated by independent tools,
// and compared with what the service actually answers.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { XMLValidator } from 'fast-xml-parser';
import { serviceTypes } from '../../src/model/entities.ts';
import { workPosition } from '../../src/model/graph-types.ts';
import { propertiesOf } from '../../src/model/types.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';
import { type Csdl, type OpenApi, allProperties, expectedTypeString, findType, parseCsdl, schemaProperties, validatorFor, walkRefs } from '../helpers/documents.ts';

const ENTITY_TYPES = ['entity', 'itemFacet', 'workPosition', 'user', 'profile'];
const OPEN_TYPES = ['identity', 'identitySet'];

let server: TestServer;
let adele: UserToken;
let metadata: Csdl;
let openApi: OpenApi;

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'adele@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

describe('GET /beta/$metadata', () => {
  test('is well-formed CSDL XML, served without a token', async () => {
    const res = await server.request('GET', '/beta/$metadata');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/xml\b/);
    assert.equal(res.headers.get('odata-version'), '4.0');
    assert.equal(XMLValidator.validate(res.text), true);
    metadata = parseCsdl(res.text);
    assert.equal(metadata.edmx.Version, '4.0');
    assert.equal(metadata.edmx['xmlns:edmx'], 'http://docs.oasis-open.org/odata/ns/edmx');
    assert.equal(metadata.schema.Namespace, 'microsoft.graph');
    assert.equal(metadata.schema.Alias, 'graph');
    assert.equal(metadata.schema.xmlns, 'http://docs.oasis-open.org/odata/ns/edm');
    assert.equal((await server.request('GET', '/BETA/$METADATA')).status, 200, 'paths are case-insensitive');
  });

  test('declares every type of the model, each as the right kind, and nothing else', () => {
    const declared = [...metadata.schema.EnumType, ...metadata.schema.ComplexType, ...metadata.schema.EntityType].map((e) => e.Name).sort();
    assert.deepEqual(declared, serviceTypes.map((t) => t.name).sort());
    assert.deepEqual(metadata.schema.EntityType.map((e) => e.Name).sort(), [...ENTITY_TYPES].sort());
    for (const t of serviceTypes) {
      const [kind] = findType(metadata, t.name);
      assert.equal(kind, t.kind === 'enum' ? 'EnumType' : ENTITY_TYPES.includes(t.name) ? 'EntityType' : 'ComplexType', t.name);
    }
  });

  test('enum members and values, IsFlags for allowedAudiences only', () => {
    const enums = serviceTypes.filter((t) => t.kind === 'enum');
    assert.equal(enums.length, 3);
    for (const t of enums) {
      const [, el] = findType(metadata, t.name);
      assert.deepEqual(el.Member!.map((m) => [m.Name, Number(m.Value)]), t.members.map(([n, v]) => [n, v]), t.name);
      assert.equal(el.IsFlags, t.name === 'allowedAudiences' ? 'true' : undefined, t.name);
    }
    const [, audiences] = findType(metadata, 'allowedAudiences');
    assert.deepEqual(audiences.Member!.slice(0, 5).map((m) => `${m.Name}=${m.Value}`), ['me=0', 'family=1', 'contacts=2', 'groupMembers=4', 'organization=8']);
  });

  test('every property, in declaration order, with its Type string; nullable except the key', () => {
    for (const t of serviceTypes) {
      if (t.kind === 'enum') continue;
      const [, el] = findType(metadata, t.name);
      const props = el.Property ?? [];
      assert.deepEqual(props.map((p) => p.Name), t.ownProperties.map((p) => p.name), `${t.name}: names and order`);
      t.ownProperties.forEach((p, i) => {
        assert.equal(props[i]!.Type, expectedTypeString(p.type), `${t.name}.${p.name}`);
        const notNull = (t.name === 'entity' && p.name === 'id') || p.nonNullable || p.type.kind === 'collection';
        assert.equal(props[i]!.Nullable, notNull ? 'false' : 'true', `${t.name}.${p.name} Nullable`);
      });
    }
    const types = Object.fromEntries(allProperties(metadata, 'workPosition').map((p) => [p.Name, p.Type]));
    assert.equal(types.detail, 'microsoft.graph.positionDetail');
    assert.equal(types.colleagues, 'Collection(microsoft.graph.relatedPerson)');
    assert.equal(types.allowedAudiences, 'microsoft.graph.allowedAudiences');
    assert.equal(types.createdDateTime, 'Edm.DateTimeOffset');
    const detail = Object.fromEntries(findType(metadata, 'positionDetail')[1].Property!.map((p) => [p.Name, p.Type]));
    assert.equal(detail.layer, 'Edm.Int32');
    assert.equal(detail.endMonthYear, 'Edm.Date');
  });

  test('BaseType, Abstract, OpenType and Key as declared', () => {
    for (const t of serviceTypes) {
      if (t.kind === 'enum') continue;
      const [, el] = findType(metadata, t.name);
      assert.equal(el.BaseType, t.base ? `microsoft.graph.${t.base.name}` : undefined, `${t.name} BaseType`);
      assert.equal(el.Abstract, t.abstract ? 'true' : undefined, `${t.name} Abstract`);
      assert.equal(el.OpenType, OPEN_TYPES.includes(t.name) ? 'true' : undefined, `${t.name} OpenType`);
      assert.deepEqual(el.Key?.PropertyRef.map((r) => r.Name), t.name === 'entity' ? ['id'] : undefined, `${t.name} Key`);
    }
    assert.equal(findType(metadata, 'workPosition')[1].BaseType, 'microsoft.graph.itemFacet');
    assert.equal(findType(metadata, 'itemFacet')[1].BaseType, 'microsoft.graph.entity');
  });

  test('every type named in the document is declared in it', () => {
    const declared = new Set([...metadata.schema.EnumType, ...metadata.schema.ComplexType, ...metadata.schema.EntityType].map((e) => `microsoft.graph.${e.Name}`));
    const named: string[] = [];
    for (const el of [...metadata.schema.ComplexType, ...metadata.schema.EntityType]) {
      if (el.BaseType) named.push(el.BaseType);
      for (const p of [...(el.Property ?? []), ...(el.NavigationProperty ?? [])]) named.push(p.Type!.replace(/^Collection\((.*)\)$/, '$1'));
    }
    for (const s of [...metadata.container.EntitySet.map((e) => e.EntityType), ...metadata.container.Singleton.map((e) => e.Type)]) named.push(s!);
    for (const n of named) assert.ok(n.startsWith('Edm.') || declared.has(n), `${n} is declared`);
  });

  test("a real response's @odata.context resolves through the document to the properties the item has", async () => {
    const created = await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body: { detail: { jobTitle: 'Cartographer' } } });
    assert.equal(created.status, 201);
    const list = await server.request('GET', '/beta/me/profile/positions', { token: adele.token });
    const [root, fragment] = (list.json['@odata.context'] as string).split('#');
    assert.equal(root, `${server.url}/beta/$metadata`);
    const m = /^(\w+)\('[^']+'\)\/(\w+)\/(\w+)$/.exec(fragment!);
    assert.ok(m, fragment);
    const set = metadata.container.EntitySet.find((s) => s.Name === m[1]);
    assert.equal(set?.EntityType, 'microsoft.graph.user');
    const nav = (typeName: string, name: string) => findType(metadata, typeName)[1].NavigationProperty?.find((n) => n.Name === name);
    const toProfile = nav('user', m[2]!);
    assert.equal(toProfile?.ContainsTarget, 'true');
    const toPositions = nav(toProfile!.Type!.replace('microsoft.graph.', ''), m[3]!);
    assert.equal(toPositions?.Type, 'Collection(microsoft.graph.workPosition)');
    assert.equal(toPositions?.ContainsTarget, 'true');
    const item = list.json.value.find((p: any) => p.id === created.json.id);
    const dataMembers = Object.keys(item).filter((k) => !k.startsWith('@'));
    assert.deepEqual(dataMembers, allProperties(metadata, 'workPosition').map((p) => p.Name));
  });

  test('other methods are 405 with Allow', async () => {
    const res = await server.request('POST', '/beta/$metadata', { body: {} });
    assert.equal(res.status, 405);
    assert.equal(res.json.error.code, 'MethodNotAllowed');
    assert.match(res.headers.get('allow')!, /GET/);
  });
});

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
      assert.deepEqual(schemaProperties(openApi, name), [...propertiesOf(t).keys()], name);
    }
    const position = schemaProperties(openApi, 'microsoft.graph.workPosition');
    assert.deepEqual(position, [...propertiesOf(workPosition).keys()]);
    const own = schemas['microsoft.graph.workPosition'].allOf[1].properties;
    assert.deepEqual(own.isCurrent, { type: ['boolean', 'null'] });
    assert.deepEqual(own.detail, { anyOf: [{ $ref: '#/components/schemas/microsoft.graph.positionDetail' }, { type: 'null' }] });
    assert.equal(schemas['microsoft.graph.itemFacet'].allOf[1].properties.createdBy.readOnly, true);
    assert.match(schemas['microsoft.graph.allowedAudiences'].description, /comma-separated/);
  });

  test('paths, operations, query options, security and the error schema', () => {
    const expected: Record<string, string[]> = {
      '/beta/me': ['get'],
      '/beta/users/{user-id}': ['get'],
      '/beta/$batch': ['post'],
      '/beta/$metadata': ['get'],
    };
    for (const prefix of ['/beta/me', '/beta/users/{user-id}']) {
      Object.assign(expected, {
        [`${prefix}/profile/positions`]: ['get', 'post'],
        [`${prefix}/profile/positions/$count`]: ['get'],
        [`${prefix}/profile/positions/$ref`]: ['post'],
        [`${prefix}/profile/positions/{workPosition-id}`]: ['get', 'patch', 'delete'],
      });
    }
    assert.deepEqual(Object.keys(openApi.paths).sort(), Object.keys(expected).sort());
    for (const [path, methods] of Object.entries(expected)) {
      assert.deepEqual(Object.keys(openApi.paths[path]).filter((k) => k !== 'parameters').sort(), [...methods].sort(), path);
    }
    const params = openApi.components.parameters;
    assert.deepEqual(openApi.paths['/beta/me/profile/positions'].get.parameters.map((p: any) => params[p.$ref.split('/').pop()].name), [
      '$filter', '$orderby', '$select', '$top', '$skip', '$count', '$skiptoken',
    ]);
    assert.equal(params.top.schema.maximum, 999);
    assert.deepEqual(params.select.schema.items.enum, [...propertiesOf(workPosition).keys()]);
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
});

describe('GET /docs', () => {
  test('serves an HTML page whose every asset is same-origin and served', async () => {
    const res = await server.request('GET', '/docs');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html\b/);
    assert.doesNotMatch(res.text, /https?:\/\/|\/\/[a-z]/i, 'no absolute or protocol-relative URL');
    const urls = [...res.text.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(urls.some((u) => u.endsWith('swagger-ui-bundle.js')) && urls.some((u) => u.endsWith('swagger-ui.css')), urls.join(' '));
    const page = new URL('/docs', server.url);
    for (const u of urls) {
      const url = new URL(u, page);
      assert.equal(url.origin, page.origin, u);
      const asset = await fetch(url);
      assert.equal(asset.status, 200, u);
      assert.ok((await asset.arrayBuffer()).byteLength > 0, u);
    }
    const init = await server.request('GET', '/docs/init.js');
    assert.match(init.text, /"url":"\/openapi\.json"/);
    assert.match(init.text, /"validatorUrl":null/, 'no document sent to validator.swagger.io');
  });

  test("only the renderer's assets are served from the package", async () => {
    const index = await server.request('GET', '/docs/assets/index.html');
    assert.equal(index.status, 404, 'its index.html would load the Petstore example from the internet');
    assert.equal(index.json.error.code, 'ResourceNotFound');
    assert.equal((await server.request('GET', '/docs/assets/../../package.json')).status, 404);
  });

  const chromium = '/usr/bin/chromium';
  test('renders the operations in a real browser', { skip: !existsSync(chromium) && `${chromium} is not installed: browser check skipped` }, async () => {
    const specifier = 'playwright-core';
    const { chromium: launcher } = await import(specifier).catch(() => assert.fail('playwright-core is not installed')) as any;
    // As root in a sandboxed machine with no outside network: no Chromium sandbox, no background traffic.
    const browser = await launcher.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const pageObj = await browser.newPage();
      const external: string[] = [];
      pageObj.on('request', (r: any) => { if (!r.url().startsWith(server.url)) external.push(r.url()); });
      await pageObj.goto(`${server.url}/docs`);
      await pageObj.waitForSelector('.opblock', { timeout: 15000 });
      assert.ok((await pageObj.content()).includes('/beta/me/profile/positions'));
      if (process.env.DOCS_SCREENSHOT) await pageObj.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false });
      assert.deepEqual(external.filter((u) => !u.startsWith('data:')), []);
    } finally {
      await browser.close();
    }
  });
});

describe('behind a proxy (PUBLIC_URL with a path)', () => {
  test('the page, its script and the OpenAPI servers use the published location', async () => {
    const proxied = await TestServer.start({ config: { publicUrl: 'https://profile.example.com/graph' } });
    try {
      const page = await proxied.request('GET', '/docs');
      const urls = [...page.text.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      assert.ok(urls.length >= 3 && urls.every((u) => u.startsWith('/graph/docs/')), urls.join(' '));
      assert.match((await proxied.request('GET', '/docs/init.js')).text, /"url":"\/graph\/openapi\.json"/);
      assert.deepEqual((await proxied.request('GET', '/openapi.json')).json.servers, [{ url: 'https://profile.example.com/graph' }]);
    } finally {
      await proxied.dispose();
    }
  });
});
