// The command line as a user runs it: `graph-profile token`, `users add` and `serve` as real child
// processes on a temporary DATA_DIR (SPEC §4 token claims, §6 Running).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEV_TENANT_ID, PERSONAL_ACCOUNTS_TENANT_ID, USER_ADMINISTRATOR_ROLE, localIssuer } from '../../src/auth/constants.ts';
import { ServerProcess, makeDataDir, mintToken, removeDataDir, runCli } from '../helpers/processes.ts';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OTHER_TENANT = 'b2a1c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const decodePart = (token: string, index: 0 | 1): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
const header = (token: string) => decodePart(token, 0);
const payload = (token: string) => decodePart(token, 1);
const nowSeconds = () => Math.floor(Date.now() / 1000);

// The tests of this suite use distinct UPNs (or users that exist before they start), so they may run
// side by side.
describe('graph-profile token and users add', { concurrency: true }, () => {
  let dataDir: string;
  before(async () => {
    dataDir = makeDataDir();
    const r = await runCli(['users', 'add', '--upn', 'adele@contoso.com', '--name', 'Adele Vance'], { dataDir });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => removeDataDir(dataDir));

  const cli = (...args: string[]) => runCli(args, { dataDir });
  const token = (...args: string[]) => mintToken(dataDir, args);

  test('token --upn prints exactly one line, a JWT, and nothing else on stdout', async () => {
    const r = await cli('token', '--upn', 'adele@contoso.com');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 2, `expected one line and its newline, got ${JSON.stringify(r.stdout)}`);
    assert.equal(lines[1], '');
    assert.match(lines[0]!, JWT);
    assert.equal(header(lines[0]!).typ, 'JWT');
    assert.equal(typeof header(lines[0]!).kid, 'string');
  });

  test('a user token carries the Entra claim names, the development tenant and the default scopes', async () => {
    const claims = payload(await token('--upn', 'adele@contoso.com', '--name', 'Adele Vance'));
    assert.equal(claims.tid, DEV_TENANT_ID);
    assert.match(claims.oid, GUID);
    assert.equal(claims.upn, 'adele@contoso.com');
    assert.equal(claims.name, 'Adele Vance');
    assert.equal(claims.scp, 'User.Read User.ReadWrite');
    assert.equal(claims.idtyp, 'user');
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.iss, localIssuer(DEV_TENANT_ID));
    assert.equal(claims.wids, undefined, 'no directory roles without --admin');
    assert.equal(claims.roles, undefined, 'a user token has no application roles');
    assert.equal(typeof claims.exp, 'number');
    assert.equal(typeof claims.nbf, 'number');
    const now = nowSeconds();
    assert.ok(claims.nbf <= now, 'usable right away');
    assert.ok(claims.exp > now, 'not expired');
  });

  test('--scopes sets scp', async () => {
    const claims = payload(await token('--upn', 'adele@contoso.com', '--scopes', 'User.ReadBasic.All User.ReadWrite.All'));
    assert.equal(claims.scp, 'User.ReadBasic.All User.ReadWrite.All');
  });

  test('--admin adds the User Administrator role to wids', async () => {
    const claims = payload(await token('--upn', 'admin@contoso.com', '--admin', '--scopes', 'User.ReadWrite.All'));
    assert.ok(Array.isArray(claims.wids), 'wids is an array of role template ids');
    assert.ok(claims.wids.includes(USER_ADMINISTRATOR_ROLE));
    assert.equal(claims.scp, 'User.ReadWrite.All');
  });

  test('--expires-in sets the lifetime; a negative value gives an already expired token', async () => {
    const before = nowSeconds();
    const short = payload(await token('--upn', 'adele@contoso.com', '--expires-in', '120'));
    const after = nowSeconds();
    assert.ok(Math.abs(short.exp - short.iat - 120) <= 2, `exp - iat = ${short.exp - short.iat}, expected about 120`);
    // Two minutes from when the command ran, however long it took to start on a busy machine.
    assert.ok(short.exp >= before + 120 - 1 && short.exp <= after + 120 + 1, 'expires two minutes from when it was minted');

    for (const spelling of [['--expires-in', '-60'], ['--expires-in=-60']]) {
      const expired = payload(await token('--upn', 'adele@contoso.com', ...spelling));
      const now = nowSeconds();
      // Expired beyond the server's default clock tolerance (300 s), so that the server refuses it.
      assert.ok(expired.exp < now - 300, `exp ${expired.exp} should be more than 300 s in the past (now ${now})`);
      assert.ok(expired.nbf <= expired.exp, 'not-before is not after expiry');
    }
  });

  test('--app with --roles gives an application token', async () => {
    const appId = 'a4c3e2f1-1111-4222-8333-944455556666';
    const claims = payload(await token('--app', appId, '--roles', 'User.Read.All'));
    assert.equal(claims.idtyp, 'app');
    assert.deepEqual(claims.roles, ['User.Read.All']);
    assert.equal(claims.appid, appId);
    assert.equal(claims.tid, DEV_TENANT_ID);
    assert.equal(claims.scp, undefined, 'an application token has no delegated scopes');
    assert.equal(claims.upn, undefined);
    assert.match(claims.oid, GUID);
  });

  test('a personal account (tenant 9188040d-…) has preferred_username and no upn', async () => {
    const claims = payload(await token('--upn', 'megan@outlook.com', '--tenant', PERSONAL_ACCOUNTS_TENANT_ID));
    assert.equal(claims.tid, PERSONAL_ACCOUNTS_TENANT_ID);
    assert.equal(claims.upn, undefined);
    assert.equal(claims.preferred_username, 'megan@outlook.com');
    assert.equal(claims.iss, localIssuer(PERSONAL_ACCOUNTS_TENANT_ID));
  });

  test('users add prints the user as JSON', async () => {
    const r = await cli('users', 'add', '--upn', 'lidia@contoso.com', '--name', 'Lidia Holloway');
    assert.equal(r.code, 0, r.stderr);
    const user = JSON.parse(r.stdout);
    assert.match(user.id, GUID);
    assert.equal(user.displayName, 'Lidia Holloway');
    assert.equal(user.userPrincipalName, 'lidia@contoso.com');
    assert.equal(user.tenantId, DEV_TENANT_ID);
  });

  test('one UPN is one user id across tokens and users add, whatever its case; another tenant is another user', async () => {
    // First use of each (tenant, UPN) pair, one command per pair (see the report about two
    // simultaneous first uses of one UPN).
    const [firstToken, pre, elsewhereToken] = await Promise.all([
      token('--upn', 'grady@contoso.com'),
      cli('users', 'add', '--upn', 'isaiah@contoso.com', '--name', 'Isaiah Langer'),
      token('--upn', 'grady@contoso.com', '--tenant', OTHER_TENANT),
    ]);
    const first = payload(firstToken).oid;
    assert.equal(pre.code, 0, pre.stderr);
    const elsewhere = payload(elsewhereToken);

    // Every later use finds the same user.
    const [second, upper, added, isaiah, addedElsewhere] = await Promise.all([
      token('--upn', 'grady@contoso.com'),
      token('--upn', 'GRADY@Contoso.COM'),
      cli('users', 'add', '--upn', 'Grady@CONTOSO.com', '--name', 'Grady Archie'),
      token('--upn', 'ISAIAH@contoso.com'),
      cli('users', 'add', '--upn', 'grady@contoso.com', '--name', 'Grady', '--tenant', OTHER_TENANT),
    ]);
    assert.equal(payload(second).oid, first);
    assert.equal(payload(upper).oid, first);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).id, first);
    // users add first, token afterwards: the token names the added user.
    assert.equal(payload(isaiah).oid, JSON.parse(pre.stdout).id);

    assert.equal(elsewhere.tid, OTHER_TENANT);
    assert.notEqual(elsewhere.oid, first, 'the same UPN in another tenant is another user');
    assert.equal(addedElsewhere.code, 0, addedElsewhere.stderr);
    assert.equal(JSON.parse(addedElsewhere.stdout).id, elsewhere.oid);
    assert.equal(JSON.parse(addedElsewhere.stdout).tenantId, OTHER_TENANT);
  });

  test('usage errors exit with code 2, explain on stderr and print nothing on stdout', { concurrency: true }, async (t) => {
    const cases: Array<[string, string[]]> = [
      ['unknown command', ['frobnicate']],
      ['token without --upn', ['token']],
      ['token with a --tenant that is not a GUID', ['token', '--upn', 'adele@contoso.com', '--tenant', 'contoso.onmicrosoft.com']],
      ['token --roles without --app', ['token', '--upn', 'adele@contoso.com', '--roles', 'User.Read.All']],
      ['token with a non-numeric --expires-in', ['token', '--upn', 'adele@contoso.com', '--expires-in', 'soon']],
      ['token with an unknown flag', ['token', '--upn', 'adele@contoso.com', '--bogus']],
      ['users add without --upn', ['users', 'add', '--name', 'Nobody']],
      ['users with an unknown subcommand', ['users', 'frobnicate']],
      ['users remove with neither --upn nor --id', ['users', 'remove']],
      ['reset without --yes', ['reset']],
    ];
    await Promise.all(
      cases.map(([name, args]) =>
        t.test(name, async () => {
          const r = await cli(...args);
          assert.equal(r.code, 2, `exit code for ${args.join(' ')}; stderr: ${r.stderr}`);
          assert.equal(r.stdout, '', 'nothing on stdout');
          assert.match(r.stderr, /\S/, 'an explanation on stderr');
          assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace for a usage error');
        }),
      ),
    );
  });

  test('npx graph-profile token prints only the token', async () => {
    const r = await runCli(['token', '--upn', 'adele@contoso.com'], { dataDir, command: ['npx', '--offline', '--no-install', 'graph-profile'] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    assert.equal(payload(r.stdout.trim()).upn, 'adele@contoso.com');
  });
});

describe('graph-profile serve with CLI tokens', () => {
  let dataDir: string;
  let otherDataDir: string;
  before(() => {
    dataDir = makeDataDir();
    otherDataDir = makeDataDir();
  });
  after(() => {
    removeDataDir(dataDir);
    removeDataDir(otherDataDir);
  });

  /** A server on dataDir, killed when the test ends however it ends. */
  async function serve(t: { after: (fn: () => Promise<void>) => void }): Promise<ServerProcess> {
    const server = await ServerProcess.start({ dataDir });
    t.after(() => server.dispose());
    return server;
  }

  test('serve reports where it listens and its data directory; a CLI token creates and lists positions', async (t) => {
    const server = await serve(t);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.url, 'http://127.0.0.1:0', 'PORT=0 is replaced by the port actually chosen');
    assert.equal(realpathSync(server.reportedDataDir), realpathSync(dataDir));

    // Minted while the server runs, on the same data directory.
    const added = await runCli(['users', 'add', '--upn', 'nestor@contoso.com', '--name', 'Nestor Wilke'], { dataDir });
    assert.equal(added.code, 0, added.stderr);
    const userId = JSON.parse(added.stdout).id as string;
    const token = await mintToken(dataDir, ['--upn', 'nestor@contoso.com']);

    const body = { detail: { jobTitle: 'Director', company: { displayName: 'Contoso' } }, isCurrent: true };
    const created = await server.request('POST', '/beta/me/profile/positions', { token, body });
    assert.equal(created.status, 201, created.text);
    assert.match(created.json.id, GUID);
    assert.equal(created.json.detail.jobTitle, 'Director');
    assert.equal(created.json.createdBy.user.id, userId, 'createdBy names the user the CLI added');

    const listed = await server.request('GET', '/beta/me/profile/positions', { token });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.json.value.map((p: any) => p.id),
      [created.json.id],
    );
    assert.ok(String(listed.json['@odata.context']).includes(`users('${userId}')`), listed.json['@odata.context']);
  });

  test('an expired CLI token is refused with 401 InvalidAuthenticationToken and WWW-Authenticate', async (t) => {
    const server = await serve(t);
    // As SPEC §6 writes it: a small negative lifetime is already expired for the server.
    const expired = await mintToken(dataDir, ['--upn', 'nestor@contoso.com', '--expires-in', '-60']);
    const r = await server.request('GET', '/beta/me/profile/positions', { token: expired });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json?.error?.code, 'InvalidAuthenticationToken');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/);

    const write = await server.request('POST', '/beta/me/profile/positions', { token: expired, body: { isCurrent: true } });
    assert.equal(write.status, 401, write.text);
  });

  test("a token signed with another data directory's key is refused with 401", async (t) => {
    const server = await serve(t);
    const foreign = await mintToken(otherDataDir, ['--upn', 'nestor@contoso.com']);
    const own = await mintToken(dataDir, ['--upn', 'nestor@contoso.com']);
    assert.notEqual(header(foreign).kid, header(own).kid, 'each data directory has its own signing key');

    const r = await server.request('GET', '/beta/me/profile/positions', { token: foreign });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json?.error?.code, 'InvalidAuthenticationToken');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer\b/);

    const ok = await server.request('GET', '/beta/me/profile/positions', { token: own });
    assert.equal(ok.status, 200, ok.text);
  });

  test("the JWKS endpoint publishes the public key whose kid the CLI's tokens name", async (t) => {
    const server = await serve(t);
    const token = await mintToken(dataDir, ['--upn', 'nestor@contoso.com']);
    const r = await server.request('GET', '/discovery/v2.0/keys');
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.json?.keys) && r.json.keys.length > 0, r.text);
    const kid = header(token).kid;
    const key = r.json.keys.find((k: any) => k.kid === kid);
    assert.ok(key, `no key with kid ${kid} in ${r.text}`);
    for (const k of r.json.keys) assert.equal(k.d, undefined, 'the JWKS never contains the private key');

    // Anyone holding the JWKS can verify the token.
    const { payload: verified } = await jwtVerify(token, createLocalJWKSet(r.json), { audience: 'https://graph.microsoft.com' });
    assert.equal(verified.upn, 'nestor@contoso.com');
  });
});

describe('commands started at once', () => {
  test('on a new DATA_DIR, concurrent commands all succeed (migrations are serialised) and one UPN gets one id', async () => {
    const dataDir = makeDataDir();
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => runCli(['token', '--upn', 'Same.Person@contoso.com'], { dataDir })));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const oids = new Set(results.map((r) => payload(r.stdout.trim()).oid));
      assert.equal(oids.size, 1, `one UPN, several ids: ${[...oids].join(', ')}`);
      const added = await runCli(['users', 'add', '--upn', 'same.person@CONTOSO.com', '--name', 'Same Person'], { dataDir });
      assert.equal(JSON.parse(added.stdout).id, [...oids][0]);
    } finally {
      removeDataDir(dataDir);
    }
  });
});

describe('help, version and serve flags', { concurrency: true }, () => {
  let dataDir: string;
  before(() => {
    dataDir = makeDataDir();
  });
  after(() => removeDataDir(dataDir));

  test('--help on every command exits 0 and describes each of its flags', async () => {
    const flags: Record<string, string[]> = {
      serve: ['--port', '--host', '--data-dir', '--in-memory', '--tls', '--help'],
      token: ['--upn', '--name', '--tenant', '--scopes', '--admin', '--app', '--roles', '--expires-in', '--help'],
      users: ['--upn', '--id', '--name', '--tenant', '--help'],
      reset: ['--yes', '--help'],
    };
    for (const [command, names] of Object.entries(flags)) {
      for (const spelling of ['--help', '-h']) {
        const r = await runCli([command, spelling], { dataDir });
        assert.equal(r.code, 0, `${command} ${spelling}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^usage: graph-profile ${command}`));
        for (const flag of names) assert.match(r.stdout, new RegExp(`^\\s+${flag}\\b.*\\S`, 'm'), `${command} --help describes ${flag}`);
      }
    }
    const top = await runCli(['--help'], { dataDir });
    assert.equal(top.code, 0);
    for (const command of Object.keys(flags)) assert.match(top.stdout, new RegExp(`^\\s+${command}\\s+\\S`, 'm'));
    const misuse = await runCli(['serve', '--bogus'], { dataDir });
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /usage: graph-profile serve/, 'a usage error shows the help of its command');
  });

  test('users list and remove, and reset --yes, on the data the server serves', async (t) => {
    const own = makeDataDir();
    t.after(() => removeDataDir(own));
    const run = (...args: string[]) => runCli(args, { dataDir: own });
    for (const [upn, name] of [['megan@contoso.com', 'Megan'], ['alex@contoso.com', 'Alex']]) assert.equal((await run('users', 'add', '--upn', upn!, '--name', name!)).code, 0);
    assert.equal((await run('users', 'add', '--upn', 'else@contoso.com', '--name', 'Else', '--tenant', OTHER_TENANT)).code, 0);
    const listed = await run('users', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((u: { userPrincipalName: string }) => u.userPrincipalName), ['alex@contoso.com', 'megan@contoso.com', 'else@contoso.com']);
    const inTenant = JSON.parse((await run('users', 'list', '--tenant', OTHER_TENANT)).stdout);
    assert.deepEqual(inTenant.map((u: { userPrincipalName: string }) => u.userPrincipalName), ['else@contoso.com']);

    // Megan has a profile; removing her removes it (seen through a server on the same data afterwards).
    const server = await ServerProcess.start({ dataDir: own });
    const megan = await mintToken(own, ['--upn', 'megan@contoso.com']);
    assert.equal((await server.request('POST', '/beta/me/profile/skills', { token: megan, body: { displayName: 'Go' } })).status, 201);
    await server.stop();
    const removed = await run('users', 'remove', '--upn', 'MEGAN@contoso.com');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).userPrincipalName, 'megan@contoso.com');
    const again = await run('users', 'remove', '--upn', 'megan@contoso.com');
    assert.equal(again.code, 1, 'no such user: exit 1');
    assert.match(again.stderr, /no user megan@contoso\.com/);
    const back = await ServerProcess.start({ dataDir: own });
    t.after(() => back.dispose());
    const fresh = await mintToken(own, ['--upn', 'megan@contoso.com']);
    assert.equal((await back.request('GET', '/beta/me/profile/skills/$count', { token: fresh })).text, '0', 'her profile went with her');

    const refused = await run('reset');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /add --yes/);
    assert.equal(JSON.parse((await run('users', 'list')).stdout).length, 3, 'nothing removed without --yes');
    const reset = await run('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /removed 3 users/);
    assert.deepEqual(JSON.parse((await run('users', 'list')).stdout), []);
    assert.equal((await back.request('GET', '/beta/me/profile/skills/$count', { token: fresh })).status, 200, 'tokens minted before still verify');
  });

  test('serve --in-memory: a fresh directory in memory, served, and gone when the server stops', async (t) => {
    const server = await ServerProcess.start({ dataDir, args: ['--in-memory'] });
    t.after(() => server.dispose());
    const memoryDir = server.reportedDataDir.replace(/, in memory until the server stops$/, '');
    assert.notEqual(memoryDir, server.reportedDataDir, `the banner says it is in memory: ${server.reportedDataDir}`);
    assert.ok(existsSync(join(memoryDir, 'graph-profile.db')));
    assert.ok(!existsSync(join(dataDir, 'graph-profile.db')) || realpathSync(memoryDir) !== realpathSync(dataDir), 'not DATA_DIR');
    const token = await mintToken(memoryDir, ['--upn', 'memory@contoso.com']);
    assert.equal((await server.request('POST', '/beta/me/profile/skills', { token, body: { displayName: 'Go' } })).status, 201);
    assert.equal((await server.stop()).code, 0);
    assert.ok(!existsSync(memoryDir), 'removed when the server stopped');
    const both = await runCli(['serve', '--in-memory', '--data-dir', dataDir], { dataDir });
    assert.equal(both.code, 2);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const spelling of ['--version', '-v']) {
      const r = await runCli([spelling], { dataDir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  test('serve --port --host --data-dir win over the environment; the banner gives absolute URLs, paths and the token command', async (t) => {
    const flagged = makeDataDir();
    t.after(() => removeDataDir(flagged));
    const server = await ServerProcess.start({ dataDir, args: ['--port', '0', '--host', '127.0.0.1', '--data-dir', flagged], env: { PORT: '1' } });
    t.after(() => server.dispose());
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(realpathSync(server.reportedDataDir), realpathSync(flagged), '--data-dir wins over DATA_DIR');
    assert.ok(server.reportedDataDir.startsWith('/'), 'an absolute path');
    assert.ok(server.stderr.includes(`profile page: ${server.url}/   API reference: ${server.url}/docs`), server.stderr);
    const command = /get a token with: (.*)$/m.exec(server.stderr)?.[1];
    assert.ok(command?.startsWith(`DATA_DIR='${server.reportedDataDir}' npx graph-profile token --upn`), `the command names its data directory: ${command}`);
    // The printed command works for this server.
    const minted = await runCli(['token', '--upn', 'banner@contoso.com'], { dataDir: flagged });
    assert.equal((await server.request('GET', '/beta/me/profile', { token: minted.stdout.trim() })).status, 200);
  });
});
