// A PostgreSQL outage (issue 4): the real `serve` reaches the database through a TCP proxy in this
// process. Stopping the proxy (the port refuses, open connections are cut) is the database going
// down: requests get 503 serviceNotAvailable with Retry-After, never a 500, and the process lives on.
// Starting it again on the same port is the database coming back: the service recovers by itself.
// Needs TEST_DATABASE_URL (a role that may create databases).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDatabase } from '../helpers/backend.ts';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Reply, ServerProcess, makeDataDir, removeDataDir, runCli } from '../helpers/processes.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { assertServiceUnavailable } from '../helpers/graph-error.ts';

const POSITIONS = '/beta/me/profile/positions';
const ADMIN_URL = process.env.TEST_DATABASE_URL;
const skip = !ADMIN_URL && 'TEST_DATABASE_URL not set: PostgreSQL test skipped';

/** A bound on waiting for the service to see the database again, not a timing expectation. */
const RECOVERY_WAIT_MS = 20_000;


describe('a PostgreSQL outage', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let proxy: TcpProxy | undefined;
  let server: ServerProcess | undefined;
  const dataDirs: string[] = [];

  before(async () => {
    if (!ADMIN_URL) return;
    database = await createDatabase(ADMIN_URL);
  });
  after(async () => {
    await server?.dispose();
    await proxy?.stop();
    for (const d of dataDirs) removeDataDir(d);
    await database?.drop();
  });

  test('answers 503 with Retry-After while the database is down and recovers by itself', { skip, timeout: 120_000 }, async (t) => {
    const target = new URL(database!.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(database!.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);

    const dataDir = makeDataDir('graph-profile-pg-outage-');
    dataDirs.push(dataDir);
    server = await ServerProcess.start({ dataDir, env: { DATABASE_URL: proxied.toString(), DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    const s = server;
    /** A request that must be answered: a dead process or a dropped connection says so, with the server's stderr. */
    const ask = async (method: string, path: string, opts: Parameters<ServerProcess['request']>[2] = {}): Promise<Reply> => {
      try {
        return await s.request(method, path, opts);
      } catch (e) {
        await sleep(100);
        throw new Error(`${method} ${path}: no answer (${String((e as Error).cause ?? e)}); process running: ${s.running}; stderr:\n${s.stderr}`);
      }
    };
    const minted = await runCli(['token', '--upn', 'outage@contoso.com', '--scopes', 'User.ReadWrite'], {
      dataDir,
      env: { DATABASE_URL: database!.url },
    });
    assert.equal(minted.code, 0, minted.stderr);
    const token = minted.stdout.trim();

    const existing: Array<{ id: string; etag: string }> = [];
    for (let i = 0; i < 5; i++) {
      const r = await s.request('POST', POSITIONS, { token, body: { detail: { jobTitle: `Before ${i}` } } });
      assert.equal(r.status, 201, r.text);
      existing.push({ id: r.json.id, etag: r.json['@odata.etag'] });
    }
    assert.equal((await s.request('GET', '/readyz')).status, 200, 'ready while the database is up');

    // The database goes away.
    await proxy.stop();

    const marker = `during-outage-${randomBytes(4).toString('hex')}`;
    const attempts: Array<[string, () => Promise<Reply>]> = [
      ['list', () => ask('GET', POSITIONS, { token })],
      ['get', () => ask('GET', `${POSITIONS}/${existing[0]!.id}`, { token })],
      ['create', () => ask('POST', POSITIONS, { token, body: { detail: { jobTitle: marker } } })],
      ['patch', () => ask('PATCH', `${POSITIONS}/${existing[1]!.id}`, { token, body: { detail: { jobTitle: marker } } })],
      ['delete', () => ask('DELETE', `${POSITIONS}/${existing[2]!.id}`, { token })],
    ];
    // Twice over: the first round meets the pool's cut connections, the second finds none to reuse.
    for (let round = 1; round <= 2; round++) {
      for (const [what, send] of attempts) {
        const r = await send();
        assertServiceUnavailable(r, `${what} (round ${round}) while the database is down`);
      }
    }
    const ready = await ask('GET', '/readyz');
    assertServiceUnavailable(ready, 'GET /readyz while the database is down');
    const health = await ask('GET', '/healthz');
    assert.equal(health.status, 200, `GET /healthz: the process is alive: ${health.text}`);
    assert.ok(s.running, `the process survives the outage; stderr:\n${s.stderr}`);

    // The database comes back on the same address; the service is not restarted.
    await proxy.restart();
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    let last: Reply | undefined;
    let polls = 0;
    for (;;) {
      polls++;
      const [readyz, list] = await Promise.all([ask('GET', '/readyz'), ask('GET', `${POSITIONS}?$top=999`, { token })]);
      last = list.status === 200 ? readyz : list;
      if (readyz.status === 200 && list.status === 200) break;
      // Until then, still an orderly 503 (never a 500).
      for (const r of [readyz, list]) assert.equal(r.status === 200 || r.status === 503, true, `while recovering: ${r.status} ${r.text}`);
      assert.ok(Date.now() < deadline, `no recovery within ${RECOVERY_WAIT_MS} ms of the database returning; last: ${last.status} ${last.text}`);
      await sleep(200);
    }
    t.diagnostic(`recovered after ${polls} polls`);
    assert.ok(s.running, 'the same process serves again');

    // What was there before is all there, unchanged; what got a 503 did not happen.
    const list = await ask('GET', `${POSITIONS}?$top=999`, { token });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.json.value.map((p: any) => ({ id: p.id, etag: p['@odata.etag'] })),
      existing,
      'every item created before the outage, unchanged; no create during it',
    );
    assert.ok(!list.text.includes(marker), 'a write answered 503 did not happen');
    const patched = await ask('GET', `${POSITIONS}/${existing[1]!.id}`, { token });
    assert.equal(patched.json?.detail?.jobTitle, 'Before 1', 'a PATCH answered 503 did not happen');

    // Writes work again, through the same process.
    const create = await ask('POST', POSITIONS, { token, body: { detail: { jobTitle: 'After the outage' } } });
    assert.equal(create.status, 201, create.text);
    const update = await ask('PATCH', `${POSITIONS}/${existing[1]!.id}`, {
      token,
      body: { detail: { role: 'recovered' } },
      headers: { 'if-match': existing[1]!.etag },
    });
    assert.equal(update.status, 200, update.text);
    const del = await ask('DELETE', `${POSITIONS}/${existing[2]!.id}`, { token });
    assert.equal(del.status, 204, del.text);
    assert.ok(s.running);
  });
});
