// SIGTERM with keep-alive clients (SPEC §6): a burst in flight is answered (with Connection: close),
// idle keep-alive connections do not hold the process, it exits within its bound, and every write it
// acknowledged is there after a restart. A real `graph-profile serve`, real sockets.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerProcess, makeDataDir, mintToken, removeDataDir } from '../helpers/processes.ts';

const dataDir = makeDataDir('graph-profile-shutdown-');
after(() => removeDataDir(dataDir));

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function send(agent: Agent, url: string, method: string, path: string, token: string, body?: object, before?: Promise<unknown>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, agent, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!before) return void req.end(body ? JSON.stringify(body) : undefined);
    // Half the body now, the rest once `before` settles: the request is surely in flight meanwhile.
    const text = JSON.stringify(body);
    req.write(text.slice(0, 5));
    void before.then(() => req.end(text.slice(5)));
  });
}

test('SIGTERM during a burst from keep-alive clients: answered, closed, exits in bound, nothing acknowledged lost', { timeout: 120_000 }, async () => {
  // Bound of 5 s; Node would otherwise keep a connection that was busy when closing began for its
  // keep-alive timeout (72 s).
  const server = await ServerProcess.start({ dataDir, env: { SHUTDOWN_TIMEOUT_SECONDS: '5' } });
  const token = await mintToken(dataDir, ['--upn', 'shutdown@contoso.com', '--scopes', 'User.ReadWrite']);
  const idle = new Agent({ keepAlive: true, maxSockets: 4 });
  const busy = new Agent({ keepAlive: true, maxSockets: 8 });
  try {
    // Connections that are idle when the signal comes.
    await Promise.all([1, 2, 3, 4].map(() => send(idle, server.url, 'GET', '/healthz', token)));

    const acknowledged: string[] = [];
    const answers: Answer[] = [];
    let sent = 0;
    let stop = false;
    let signalled = 0;
    // Eight clients, each sending creates back to back on its keep-alive connection.
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        sent++;
        try {
          const a = await send(busy, server.url, 'POST', '/beta/me/profile/skills', token, { displayName: `skill ${sent}` });
          answers.push(a);
          if (a.status === 201) acknowledged.push(JSON.parse(a.body).id as string);
        } catch {
          return; // refused or cut once the server is gone: not acknowledged
        }
      }
    });
    while (acknowledged.length < 40) await sleep(5);
    stop = true;
    await Promise.all(clients);
    // The last of the burst: one request on each of eight connections, in flight when the signal
    // comes (half its body sent), and nothing sent after; those connections turn idle only once
    // closing has begun.
    let signalSent!: () => void;
    const afterSignal = new Promise<void>((r) => (signalSent = r)).then(() => sleep(300));
    const last = Array.from({ length: 8 }, (_, i) =>
      send(busy, server.url, 'POST', '/beta/me/profile/skills', token, { displayName: `last ${i}` }, afterSignal).then(
        (a) => {
          answers.push(a);
          if (a.status === 201) acknowledged.push(JSON.parse(a.body).id as string);
        },
        () => {},
      ),
    );
    await sleep(100);
    signalled = performance.now();
    server.signal('SIGTERM');
    signalSent();
    await Promise.all(last);
    const exit = await server.exited;
    const seconds = (performance.now() - signalled) / 1000;

    assert.equal(exit.code, 0, 'a clean exit');
    assert.ok(seconds < 30, `exited ${seconds.toFixed(1)} s after SIGTERM, not after the keep-alive timeout`);
    const lastAnswers = answers.slice(-8);
    assert.equal(lastAnswers.length, 8, 'the requests in flight were answered');
    assert.ok(lastAnswers.every((a) => a.status === 201 && a.connection === 'close'), 'in flight at the signal: answered 201, with Connection: close');
    assert.ok(answers.every((a) => a.status === 201 || a.status === 503), `only 201 or 503: ${[...new Set(answers.map((a) => a.status))]}`);

    const again = await ServerProcess.start({ dataDir });
    try {
      const listed = await again.request('GET', '/beta/me/profile/skills?$top=999&$select=id', { token });
      const stored = new Set(listed.json.value.map((i: { id: string }) => i.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${acknowledged.length} acknowledged creates, all stored`);
    } finally {
      await again.stop();
    }
  } finally {
    idle.destroy();
    busy.destroy();
    await server.dispose();
  }
});

test('a client that never finishes its request does not keep the process past its bound', { timeout: 60_000 }, async () => {
  const server = await ServerProcess.start({ dataDir, env: { SHUTDOWN_TIMEOUT_SECONDS: '2' } });
  const token = await mintToken(dataDir, ['--upn', 'shutdown@contoso.com', '--scopes', 'User.ReadWrite']);
  const agent = new Agent({ keepAlive: true });
  try {
    const never = new Promise<void>(() => {});
    const stuck = send(agent, server.url, 'POST', '/beta/me/profile/skills', token, { displayName: 'never sent whole' }, never).catch((e: Error) => e);
    await sleep(200);
    const signalled = performance.now();
    server.signal('SIGTERM');
    const exit = await server.exited;
    const seconds = (performance.now() - signalled) / 1000;
    assert.equal(exit.code, 0);
    assert.ok(seconds >= 1.5 && seconds < 20, `exited ${seconds.toFixed(1)} s after SIGTERM: at its 2 s bound`);
    assert.ok((await stuck) instanceof Error, 'the unfinished request was cut, not answered');
  } finally {
    agent.destroy();
    await server.dispose();
  }
});
