// $batch with the bodies the two official Graph JavaScript SDKs really produce, built by their own
// batch classes (not copied by hand), over real HTTP: the v3 client keeps /beta in step URLs, lower-
// cases header names and sends JSON bodies; Kiota (msgraph-sdk-core) sends GUID ids, version-stripped
// URLs, base64 string bodies and no headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchRequestContent as V3BatchRequestContent,
  BatchResponseContent as V3BatchResponseContent,
  type BatchRequestStep as V3BatchRequestStep,
  Client,
  type Context,
  HTTPMessageHandler,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import {
  AllowedHostsValidator,
  BaseBearerTokenAuthenticationProvider,
  HttpMethod,
  RequestInformation,
  type SerializationWriter,
} from '@microsoft/kiota-abstractions';
import { BaseGraphRequestAdapter, BatchRequestContent as KiotaBatchRequestContent, serializeBatchRequestBody } from '@microsoft/msgraph-sdk-core';
import { TestServer, type UserToken } from '../helpers/server.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
/** Where Graph SDK users point their requests; the v3 batch classes strip scheme and host. */
const GRAPH = 'https://graph.microsoft.com';

let server: TestServer;
let adele: UserToken;

before(async () => {
  server = await TestServer.start();
  adele = await server.token({ upn: 'adele@contoso.com', name: 'Adele Vance', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

/** Every position of Adele's, following @odata.nextLink to the end. */
async function positions(): Promise<any[]> {
  const items: any[] = [];
  for (let next: string | undefined = '/beta/me/profile/positions'; next !== undefined; ) {
    const res = await server.request('GET', next, { token: adele.token });
    items.push(...res.json.value);
    next = res.json['@odata.nextLink'];
  }
  return items;
}
const createDirect = async (jobTitle: string) =>
  (await server.request('POST', '/beta/me/profile/positions', { token: adele.token, body: { detail: { jobTitle } } })).json;

describe('the v3 SDK (@microsoft/microsoft-graph-client)', () => {
  const jsonRequest = (method: string, url: string, body?: unknown) =>
    new Request(url, { method, headers: { 'Content-Type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

  test('the body its BatchRequestContent builds is answered, and its BatchResponseContent reads the answer', async () => {
    const steps: V3BatchRequestStep[] = [
      { id: '1', request: jsonRequest('POST', `${GRAPH}/beta/me/profile/positions`, { detail: { jobTitle: 'From v3' }, isCurrent: true }) },
      { id: '2', request: new Request(`${GRAPH}/me/profile/positions`, { method: 'GET' }), dependsOn: ['1'] },
    ];
    const content = await new V3BatchRequestContent(steps).getContent();
    // What the SDK sends, pinned so that a change in the SDK shows up here first.
    assert.deepEqual(content.requests[0], {
      id: '1',
      method: 'POST',
      url: '/beta/me/profile/positions',
      headers: { 'content-type': 'application/json' },
      body: { detail: { jobTitle: 'From v3' }, isCurrent: true },
    });
    assert.deepEqual(content.requests[1], { id: '2', method: 'GET', url: '/me/profile/positions', dependsOn: ['1'] });

    const res = await server.request('POST', '/beta/$batch', { token: adele.token, body: content });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('content-type'), ODATA_JSON);
    const batch = new V3BatchResponseContent(res.json);

    const created = batch.getResponseById('1')!;
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('content-type'), ODATA_JSON);
    const entity = await created.json();
    assert.match(entity.id, GUID);
    assert.equal(entity.detail.jobTitle, 'From v3');
    assert.equal(created.headers.get('location'), `${server.url}/beta/users/${adele.user.id}/profile/positions/${entity.id}`);

    const listed = batch.getResponseById('2')!;
    assert.equal(listed.status, 200);
    assert.ok((await listed.json()).value.some((p: any) => p.id === entity.id), 'the GET ran after the create it depends on');
  });

  test('the real v3 Client posts the batch and reads back each step (get, patch, delete in series)', async () => {
    const item = await createDirect('Before');
    // The v3 AuthenticationHandler sends tokens only to https hosts; this server speaks http, so the
    // token is added by a middleware of our own in front of the SDK's own HTTP handler.
    let next: Middleware | undefined;
    const bearer: Middleware = {
      async execute(context: Context) {
        const options = (context.options ??= {});
        if (options.headers instanceof Headers) options.headers.set('Authorization', `Bearer ${adele.token}`);
        else options.headers = { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${adele.token}` };
        await next!.execute(context);
      },
      setNext(middleware: Middleware) {
        next = middleware;
      },
    };
    const client = Client.initWithMiddleware({ middleware: [bearer, new HTTPMessageHandler()], baseUrl: server.url, defaultVersion: 'beta' });
    const itemUrl = `${GRAPH}/beta/me/profile/positions/${item.id}`;
    const content = new V3BatchRequestContent([
      { id: 'get', request: new Request(itemUrl, { method: 'GET' }) },
      { id: 'patch', request: jsonRequest('PATCH', itemUrl, { detail: { jobTitle: 'After' } }), dependsOn: ['get'] },
      { id: 'delete', request: new Request(itemUrl, { method: 'DELETE' }), dependsOn: ['patch'] },
    ]);

    const batch = new V3BatchResponseContent(await client.api('/$batch').post(await content.getContent()));

    assert.equal(batch.getResponseById('get')!.status, 200);
    assert.equal((await batch.getResponseById('get')!.json()).detail.jobTitle, 'Before');
    const patched = batch.getResponseById('patch')!;
    assert.equal(patched.status, 200);
    assert.equal((await patched.json()).detail.jobTitle, 'After');
    const deleted = batch.getResponseById('delete')!;
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');
    assert.equal((await server.request('GET', `/beta/me/profile/positions/${item.id}`, { token: adele.token })).status, 404);
  });

  test('a failed step reaches the v3 client as a JSON Graph error it can read', async () => {
    const content = new V3BatchRequestContent([
      { id: 'missing', request: new Request(`${GRAPH}/beta/me/profile/positions/00000000-0000-4000-8000-000000000000`, { method: 'GET' }) },
      { id: 'after', request: new Request(`${GRAPH}/beta/me/profile/positions`, { method: 'GET' }), dependsOn: ['missing'] },
    ]);
    const res = await server.request('POST', '/beta/$batch', { token: adele.token, body: await content.getContent() });
    const batch = new V3BatchResponseContent(res.json);
    const missing = batch.getResponseById('missing')!;
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'itemNotFound');
    const skipped = batch.getResponseById('after')!;
    assert.equal(skipped.status, 424);
    assert.equal((await skipped.json()).error.code, 'FailedDependency');
  });
});

describe('the Kiota SDK (@microsoft/msgraph-sdk-core)', () => {
  function kiota() {
    const auth = new BaseBearerTokenAuthenticationProvider({
      getAuthorizationToken: async () => adele.token,
      getAllowedHostsValidator: () => new AllowedHostsValidator(new Set(['127.0.0.1'])),
    });
    const adapter = new BaseGraphRequestAdapter('beta', '0.0.0', auth);
    adapter.baseUrl = `${server.url}/beta`;
    return adapter;
  }

  /** A request as a generated Graph client builds one (users/{user-id} with the /me placeholder). */
  function createRequest(adapter: BaseGraphRequestAdapter, jobTitle: string): RequestInformation {
    const info = new RequestInformation(HttpMethod.POST, '{+baseurl}/users/{user%2Did}/profile/positions');
    info.pathParameters['user%2Did'] = 'TokenToReplace';
    info.headers.tryAdd('Accept', 'application/json');
    type Detail = { jobTitle?: string };
    const writeDetail = (w: SerializationWriter, d?: Partial<Detail> | null) => w.writeStringValue('jobTitle', d?.jobTitle);
    info.setContentFromParsable(adapter, 'application/json', { jobTitle } as Detail, (w: SerializationWriter, d?: Partial<Detail> | null) =>
      w.writeObjectValue('detail', d, writeDetail),
    );
    return info;
  }

  test('the body its batch classes build (GUID ids, no version, base64 bodies, no headers) is answered', async () => {
    const adapter = kiota();
    const content = new KiotaBatchRequestContent(adapter, {});
    const create = content.addBatchRequest(createRequest(adapter, 'From Kiota'));
    const list = content.addBatchRequest(new RequestInformation(HttpMethod.GET, '{+baseurl}/me/profile/positions'));
    list.dependsOn = [create.id!];
    // Serialised exactly as BatchRequestBuilder does before it posts.
    const wire = new RequestInformation();
    wire.setContentFromParsable(adapter, 'application/json', content.getContent(), serializeBatchRequestBody);
    const body = JSON.parse(new TextDecoder().decode(wire.content));

    const [step1, step2] = body.requests;
    assert.match(step1.id, GUID);
    assert.deepEqual(Object.keys(step1).sort(), ['body', 'id', 'method', 'url']);
    assert.equal(step1.url, '/me/profile/positions');
    assert.equal(typeof step1.body, 'string');
    assert.deepEqual(JSON.parse(Buffer.from(step1.body, 'base64').toString('utf8')), { detail: { jobTitle: 'From Kiota' } });
    assert.deepEqual(step2, { id: list.id, method: 'GET', url: '/me/profile/positions', dependsOn: [create.id] });

    const res = await server.request('POST', '/beta/$batch', { token: adele.token, body });
    assert.equal(res.status, 200, res.text);
    const [created, listed] = res.json.responses;
    assert.equal(created.id, create.id);
    assert.equal(created.status, 201, JSON.stringify(created));
    assert.equal(created.body.detail.jobTitle, 'From Kiota');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.value.some((p: any) => p.id === created.body.id));
  });

  test('postAsync through the Graph request adapter gets every status back', async () => {
    const adapter = kiota();
    const before = (await positions()).length;
    const content = new KiotaBatchRequestContent(adapter, {});
    const a = content.addBatchRequest(createRequest(adapter, 'Kiota one'));
    const b = content.addBatchRequest(createRequest(adapter, 'Kiota two'));
    const missing = content.addBatchRequest(new RequestInformation(HttpMethod.GET, '{+baseurl}/me/profile/positions/not-an-id'));

    const batch = await content.postAsync();
    const statuses = await batch!.getResponsesStatusCodes();
    assert.equal(statuses.get(a.id!), 201);
    assert.equal(statuses.get(b.id!), 201);
    assert.equal(statuses.get(missing.id!), 404);
    const titles = (await positions()).map((p) => p.detail?.jobTitle);
    assert.equal(titles.length, before + 2);
    assert.ok(titles.includes('Kiota one') && titles.includes('Kiota two'));
  });
});
