// GET /metrics over real HTTP (SPEC §6), parsed as Prometheus text: requests by route pattern,
// collection and status, storage timings by port method, process metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestServer, type UserToken } from '../helpers/server.ts';

let server: TestServer;
let user: UserToken;

before(async () => {
  server = await TestServer.start();
  user = await server.token({ upn: 'metrics@contoso.com', scopes: ['User.ReadWrite'] });
});
after(() => server.dispose());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, strictly: every line a comment (HELP/TYPE) or a sample. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

test('requests, storage calls and the process, as Prometheus text', async () => {
  const created = await server.request('POST', '/beta/me/profile/skills', { token: user.token, body: { displayName: 'Go' } });
  assert.equal(created.status, 201);
  await server.request('GET', `/beta/me/profile/skills/${created.json.id}`, { token: user.token });
  await server.request('GET', '/beta/me/profile/positions/00000000-0000-0000-0000-000000000000', { token: user.token });
  await server.request('GET', `/beta/me/profile/nothing-${Math.random()}`, { token: user.token });

  const res = await server.request('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const { samples, types } = parsePrometheus(res.text);
  const find = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  assert.equal(types.get('graph_profile_http_requests_total'), 'counter');
  assert.equal(types.get('graph_profile_http_request_duration_seconds'), 'histogram');
  const route = '/beta/me/profile/:collection';
  assert.equal(find('graph_profile_http_requests_total', { method: 'POST', route, collection: 'skills', status: '201' })?.value, 1);
  assert.equal(find('graph_profile_http_requests_total', { method: 'GET', route: `${route}/:itemId`, collection: 'skills', status: '200' })?.value, 1);
  assert.equal(find('graph_profile_http_requests_total', { method: 'GET', route: `${route}/:itemId`, collection: 'positions', status: '404' })?.value, 1);
  assert.ok(find('graph_profile_http_requests_total', { method: 'GET', route, collection: '', status: '404' }), 'an unknown collection is counted without it');
  assert.ok(!samples.some((s) => s.labels.route?.includes('nothing-')), 'no raw path becomes a label');
  const count = find('graph_profile_http_request_duration_seconds_count', { method: 'POST', route, status: '201' });
  assert.equal(count?.value, 1);
  assert.equal(find('graph_profile_http_request_duration_seconds_bucket', { method: 'POST', route, status: '201', le: '+Inf' })?.value, 1);

  assert.equal(types.get('graph_profile_storage_duration_seconds'), 'histogram');
  assert.ok((find('graph_profile_storage_duration_seconds_count', { operation: 'insertItem', outcome: 'ok' })?.value ?? 0) >= 1);
  assert.ok((find('graph_profile_storage_duration_seconds_count', { operation: 'getItem', outcome: 'ok' })?.value ?? 0) >= 2);

  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.ok(samples.some((s) => s.name === name), name);
  }
  const put = await server.request('PUT', '/metrics');
  assert.equal(put.status, 405);
});
