// HTTPS: `serve --tls` (or TLS=1) answers over HTTPS with a self-signed certificate it generates into
// DATA_DIR and names on stderr; TLS_CERT/TLS_KEY serve a supplied certificate. Clients here trust
// exactly that certificate, as a developer would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadTls } from '../../src/http/tls.ts';
import { ServerProcess, makeDataDir, mintToken, removeDataDir } from '../helpers/processes.ts';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function get(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // The certificate is checked against the URL's host, whatever Host header is sent.
    const req = request(url, { ca, headers, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve --tls generates a certificate for localhost into DATA_DIR and answers over HTTPS', async () => {
  const dataDir = makeDataDir();
  cleanups.push(() => removeDataDir(dataDir));
  const server = await ServerProcess.start({ dataDir, args: ['--tls'] });
  cleanups.push(() => server.dispose());
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const certPath = join(dataDir, 'tls-cert.pem');
  assert.ok(server.stderr.includes(certPath), `the certificate's path is printed: ${server.stderr}`);
  const ca = readFileSync(certPath, 'utf8');

  const health = await get(`${server.url}/healthz`, ca);
  assert.equal(health.status, 200);
  assert.equal(health.headers['strict-transport-security'], undefined, 'no HSTS for a loopback name: it would pin every port of it to HTTPS');
  const named = await get(`${server.url}/healthz`, ca, { host: 'profile.example.com' });
  assert.match(String(named.headers['strict-transport-security']), /max-age=\d+/, 'HSTS for a real host name');
  const token = await mintToken(dataDir, ['--upn', 'tls@contoso.com']);
  const list = await get(`${server.url}/beta/me/profile/positions`, ca, { authorization: `Bearer ${token}` });
  assert.equal(list.status, 200, list.body);
  assert.ok(JSON.parse(list.body)['@odata.context'].startsWith(`${server.url}/beta/`), 'links say https');
  // Links inside $batch step answers say https too, though steps are replayed internally.
  const batch = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const body = JSON.stringify({ requests: [{ id: '1', method: 'POST', url: '/me/profile/positions', body: {} }] });
    const r = request(`${server.url}/beta/$batch`, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });
  const step = JSON.parse(batch.body).responses[0];
  assert.equal(step.status, 201, batch.body);
  assert.ok(step.headers.Location.startsWith(`${server.url}/beta/users/`), step.headers.Location);
  assert.ok(step.body['@odata.context'].startsWith('https://'));
  // Through the name too: the certificate names localhost.
  const byName = await get(server.url.replace('127.0.0.1', 'localhost') + '/healthz', ca);
  assert.equal(byName.status, 200);
  // A client that does not trust the certificate is refused by TLS itself.
  await assert.rejects(get(`${server.url}/healthz`, ''), /self[- ]signed|unable to verify|certificate/i);
});

test('TLS=1 reuses the generated certificate; TLS_CERT and TLS_KEY serve a supplied one', async () => {
  const dataDir = makeDataDir();
  cleanups.push(() => removeDataDir(dataDir));
  const first = await ServerProcess.start({ dataDir, env: { TLS: '1' } });
  const ca = readFileSync(join(dataDir, 'tls-cert.pem'), 'utf8');
  await first.dispose();
  const again = await ServerProcess.start({ dataDir, env: { TLS: '1' } });
  cleanups.push(() => again.dispose());
  assert.equal(readFileSync(join(dataDir, 'tls-cert.pem'), 'utf8'), ca, 'the same certificate, so clients keep trusting it');
  assert.equal((await get(`${again.url}/healthz`, ca)).status, 200);

  const certDir = makeDataDir();
  cleanups.push(() => removeDataDir(certDir));
  const supplied = await loadTls({ kind: 'self-signed' }, certDir);
  const otherData = makeDataDir();
  cleanups.push(() => removeDataDir(otherData));
  const server = await ServerProcess.start({ dataDir: otherData, env: { TLS_CERT: supplied.certPath, TLS_KEY: join(certDir, 'tls-key.pem') } });
  cleanups.push(() => server.dispose());
  assert.equal((await get(`${server.url}/healthz`, supplied.cert)).status, 200);
});
