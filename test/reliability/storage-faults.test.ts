// Storage faults (SPEC §6), against the real `serve` in a child process: a full disk is a 507
// insufficientStorage, a database that refuses writes or is stuck is a 503 with Retry-After; never a
// 500, never a crash; reads go on where the database allows; nothing acknowledged is lost or
// changed; and writes work again once the fault clears, without a restart.
//
// The full disk is a small tmpfs the test mounts (root only; skipped with a message elsewhere): the
// SQLite data directory, or a PostgreSQL tablespace holding the test's database (made as the
// postgres superuser, so PostgreSQL must run on this machine). The stuck database is a lock held by
// this process: SQLite's write lock on the file, or an ACCESS EXCLUSIVE lock on PostgreSQL's table.
// PostgreSQL refusing writes is its database set to default_transaction_read_only. The PostgreSQL
// tests need TEST_DATABASE_URL.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../../src/storage/sqlite.ts';
import { createDatabase } from '../helpers/backend.ts';
import { assertServiceUnavailable, graphErrorShapeProblems } from '../helpers/graph-error.ts';
import { Acknowledged } from '../helpers/acknowledged.ts';
import type { Reply } from '../helpers/http.ts';
import { closedLoop, peakRssWhile, rssMb, statusCounts } from '../helpers/load.ts';
import { ServerProcess, makeDataDir, mintToken, removeDataDir, runCli } from '../helpers/processes.ts';

const POSITIONS = '/beta/me/profile/positions';
const SKILLS = '/beta/me/profile/skills';
const ADMIN_URL = process.env.TEST_DATABASE_URL;
const noPostgres = !ADMIN_URL && 'TEST_DATABASE_URL not set: PostgreSQL test skipped';
/** Short, so that a stuck database answers 503 soon; the service's default is 10 s. */
const TIMEOUT_ENV = { DATABASE_STATEMENT_TIMEOUT_MS: '1000', DATABASE_CONNECT_TIMEOUT_MS: '1000' };
/** Clients sending requests while the database is stuck: more than the pool has connections. */
const CLIENTS = 48;
const STUCK_FOR_MS = 4000;
/** A bound on memory growth while the database is stuck (the service holds ~100 MB idle): never reached unless requests pile up. */
const MAX_GROWTH_MB = 200;
/** A bound on waiting for the service to write again after a fault clears, not a timing expectation. */
const RECOVERY_WAIT_MS = 20_000;

type Json = Record<string, any>;

/** A write answered with anything but success must be a storage fault, in Graph's shape, and change nothing. */
function assertWriteOutcome(r: Reply, what: string): void {
  if (r.status < 300) return;
  assert.ok(r.status === 507 || r.status === 503, `${what}: a storage fault answers 507 or 503, got ${r.status} ${r.text}`);
  assert.deepEqual(graphErrorShapeProblems(r), [], `${what}: Graph's error shape`);
  if (r.status === 507) assert.equal(r.json.error.code, 'insufficientStorage', what);
  else assertServiceUnavailable(r, what);
}

const bigPosition = (i: number) => ({ detail: { jobTitle: `Filler ${i}`, description: `${i} ${'x'.repeat(9000)}` } });

/** A tmpfs of `sizeMb` at a new directory, or why there cannot be one here. */
function mountTmpfs(sizeMb: number): { dir: string; unmount: () => void } | { skip: string } {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { skip: 'mounting a small tmpfs needs root on Linux: disk-full test skipped' };
  const dir = mkdtempSync(join(tmpdir(), 'graph-profile-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `could not mount a tmpfs (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}): disk-full test skipped` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a file until the file system has no room left; returns its path. */
function fillUp(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Sends one write and records what it did. */
async function write(server: ServerProcess, token: string, acks: Acknowledged, method: string, path: string, body?: Json): Promise<Reply> {
  const r = await server.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  assertWriteOutcome(r, `${method} ${path}`);
  acks.note(method, path, r);
  return r;
}

/** `count` positions created before the fault; returns their paths. */
async function createPositions(server: ServerProcess, token: string, acks: Acknowledged, count: number): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await write(server, token, acks, 'POST', POSITIONS, { detail: { jobTitle: `Before ${i}` } });
    assert.equal(r.status, 201, r.text);
    paths.push(`${POSITIONS}/${r.json.id}`);
  }
  return paths;
}

/**
 * Creates big positions on a full disk until five are refused with 507. Some may still be taken
 * first (room left in SQLite's log, or in PostgreSQL's pages): those are acknowledged like any other.
 */
async function writeUntilRefused(server: ServerProcess, token: string, acks: Acknowledged, maxAttempts: number): Promise<void> {
  let refused = 0;
  for (let i = 0; i < maxAttempts && refused < 5; i++) {
    const r = await write(server, token, acks, 'POST', POSITIONS, bigPosition(i));
    if (r.status === 507) refused++;
  }
  assert.equal(refused, 5, 'creates were refused with 507 once the disk was full');
}

/** Once the fault has cleared: a create, a PATCH and a DELETE succeed again in the same process. */
async function writesWorkAgain(server: ServerProcess, token: string, acks: Acknowledged, patchPath: string, deletePath: string, after: string): Promise<void> {
  await untilWritable(server, token, acks, POSITIONS, { detail: { jobTitle: `After ${after}` } });
  assert.equal((await write(server, token, acks, 'PATCH', patchPath, { detail: { jobTitle: 'Patched after' } })).status, 200);
  assert.equal((await write(server, token, acks, 'DELETE', deletePath)).status, 204);
}

/** Until a write succeeds again (the fault has cleared), within RECOVERY_WAIT_MS; every answer meanwhile is an orderly fault. */
async function untilWritable(server: ServerProcess, token: string, acks: Acknowledged, path: string, body: Json): Promise<Reply> {
  const deadline = Date.now() + RECOVERY_WAIT_MS;
  for (;;) {
    const r = await write(server, token, acks, 'POST', path, body);
    if (r.status === 201) return r;
    assert.ok(Date.now() < deadline, `writes did not succeed within ${RECOVERY_WAIT_MS} ms of the fault clearing: ${r.status} ${r.text}`);
    await sleep(200);
  }
}

/**
 * Many clients writing (and reading) while the database is stuck: every answer comes (none hangs),
 * is a success or an orderly 503, and the service's memory stays bounded. Returns the answers.
 */
async function whileStuck(server: ServerProcess, token: string, acks: Acknowledged, readsServed: boolean): Promise<Record<string, number>> {
  const pid = server.child.pid!;
  const before = rssMb(pid);
  const { result, peakMb } = await peakRssWhile(
    pid,
    closedLoop(CLIENTS, STUCK_FOR_MS, async (client, i) => {
      if (client % 4 === 3) return server.request('GET', `${POSITIONS}?$top=5`, { token });
      const r = await server.request('POST', POSITIONS, { token, body: { detail: { jobTitle: `Stuck ${client}-${i}` } } });
      acks.note('POST', POSITIONS, r);
      return r;
    }),
  );
  assert.deepEqual(result.failures, [], 'every request was answered');
  for (const r of result.replies) {
    if (r.status === 200 || r.status === 201) continue;
    assertServiceUnavailable(r, 'a request while the database is stuck');
  }
  const counts = statusCounts(result.replies);
  assert.ok((counts['503'] ?? 0) > 0, `writes waited for the database and were refused: ${JSON.stringify(counts)}`);
  if (readsServed) assert.ok((counts['200'] ?? 0) > 0, `reads were answered while writes waited: ${JSON.stringify(counts)}`);
  assert.ok(peakMb - before < MAX_GROWTH_MB, `memory grew by ${(peakMb - before).toFixed(0)} MB while the database was stuck (from ${before.toFixed(0)} MB)`);
  assert.ok(server.running, `the process lives on; stderr:\n${server.stderr}`);
  return counts;
}

describe('SQLite: a full disk', () => {
  test('writes answer 507 and change nothing, reads go on, and writes work again once space is freed', { timeout: 180_000 }, async (t) => {
    const mount = mountTmpfs(4);
    if ('skip' in mount) return t.skip(mount.skip);
    t.after(() => mount.unmount());
    const dataDir = join(mount.dir, 'data');
    const token = await mintToken(dataDir, ['--upn', 'full@contoso.com']);
    const env = { MAX_POSITIONS_PER_USER: '5000' };
    const server = await ServerProcess.start({ dataDir, env });
    t.after(() => server.dispose());
    const acks = new Acknowledged();

    const kept = await createPositions(server, token, acks, 20);
    const skill = await write(server, token, acks, 'POST', SKILLS, { displayName: 'Resilience', proficiency: 'expert' });
    assert.equal(skill.status, 201, skill.text);

    const filler = fillUp(mount.dir);
    await writeUntilRefused(server, token, acks, 400);
    for (const [method, path, body] of [
      ['PATCH', kept[0]!, { detail: { jobTitle: 'Patched on a full disk', description: 'y'.repeat(9000) } }],
      ['DELETE', kept[1]!, undefined],
      ['PATCH', `${SKILLS}/${skill.json.id}`, { proficiency: 'expert', displayName: 'z'.repeat(9000) }],
    ] as const) {
      await write(server, token, acks, method, path, body);
    }
    // Reads go on: everything acknowledged, as acknowledged.
    await acks.verify(server, token, [POSITIONS, SKILLS]);
    assert.ok(server.running, `the process lives on; stderr:\n${server.stderr}`);

    // Space comes back; the same process writes again.
    rmSync(filler);
    await writesWorkAgain(server, token, acks, kept[2]!, kept[3]!, 'the disk was full');
    await acks.verify(server, token, [POSITIONS, SKILLS]);

    // Nothing is corrupted: the file passes SQLite's own check, and a restart serves the same.
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, server.stderr);
    const db = new BetterSqlite3(join(dataDir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    const restarted = await ServerProcess.start({ dataDir, env });
    t.after(() => restarted.dispose());
    await acks.verify(restarted, token, [POSITIONS, SKILLS]);
  });
});

describe('SQLite: another process holds the write lock', () => {
  test('writes answer 503 with Retry-After within the timeout, reads go on, memory stays bounded; writes resume when the lock goes', { timeout: 120_000 }, async (t) => {
    const dataDir = makeDataDir('graph-profile-locked-');
    t.after(() => removeDataDir(dataDir));
    const token = await mintToken(dataDir, ['--upn', 'locked@contoso.com']);
    const server = await ServerProcess.start({ dataDir, env: { ...TIMEOUT_ENV, MAX_POSITIONS_PER_USER: '5000', THROTTLE_LIMIT: '0' } });
    t.after(() => server.dispose());
    const acks = new Acknowledged();
    await createPositions(server, token, acks, 5);

    const holder = new BetterSqlite3(join(dataDir, SQLITE_FILE));
    t.after(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const counts = await whileStuck(server, token, acks, true);
    t.diagnostic(`answers while the file was locked: ${JSON.stringify(counts)}`);
    holder.exec('ROLLBACK');

    await untilWritable(server, token, acks, POSITIONS, { detail: { jobTitle: 'After the lock' } });
    await acks.verify(server, token, [POSITIONS]);
  });
});

/**
 * Runs SQL as PostgreSQL's superuser on the server TEST_DATABASE_URL names, through `runuser -u
 * postgres -- psql` (a tablespace needs a superuser, which the test role is not).
 */
function asSuperuser(sql: string): void {
  const url = new URL(ADMIN_URL!);
  execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-p', url.port || '5432', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'pipe' });
}

/** Why PostgreSQL's full-disk test cannot run here, or undefined when it can. */
function noPostgresDiskFull(): string | undefined {
  if (!ADMIN_URL) return 'TEST_DATABASE_URL not set: PostgreSQL test skipped';
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(ADMIN_URL).hostname)) return 'PostgreSQL is not on this machine: its full-disk test skipped';
  try {
    asSuperuser('SELECT 1');
  } catch (e) {
    return `cannot run psql as the postgres superuser here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}): PostgreSQL full-disk test skipped`;
  }
  return undefined;
}

describe('PostgreSQL: a full disk', () => {
  test('writes answer 507 and change nothing, reads go on, and writes work again once space is freed', { timeout: 180_000 }, async (t) => {
    const why = noPostgresDiskFull();
    if (why) return t.skip(why);
    // The database lives in a tablespace on a small tmpfs; PostgreSQL's log (WAL) stays on its own disk.
    const mount = mountTmpfs(32);
    if ('skip' in mount) return t.skip(mount.skip);
    // Undone last first: the server, the database, the tablespace, then the mount.
    const undo: Array<() => unknown> = [() => mount.unmount()];
    t.after(async () => {
      for (const step of undo.reverse()) await step();
    });
    execFileSync('chown', ['postgres:postgres', mount.dir]);
    const name = `gp_full_${Date.now().toString(36)}${process.pid}`;
    const owner = decodeURIComponent(new URL(ADMIN_URL!).username);
    asSuperuser(`CREATE TABLESPACE ${name} LOCATION '${mount.dir}'`);
    undo.push(() => asSuperuser(`DROP TABLESPACE IF EXISTS ${name}`));
    asSuperuser(`CREATE DATABASE ${name} OWNER "${owner}" TABLESPACE ${name}`);
    undo.push(() => asSuperuser(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const url = new URL(ADMIN_URL!);
    url.pathname = `/${name}`;

    const dataDir = makeDataDir('graph-profile-pg-full-');
    t.after(() => removeDataDir(dataDir));
    const env = { DATABASE_URL: url.toString(), MAX_POSITIONS_PER_USER: '5000', THROTTLE_LIMIT: '0' };
    const server = await ServerProcess.start({ dataDir, env });
    undo.push(() => server.dispose());
    const token = await server.signIn('pg-full@contoso.com');
    const acks = new Acknowledged();
    const kept = await createPositions(server, token, acks, 10);

    const filler = fillUp(mount.dir);
    await writeUntilRefused(server, token, acks, 2000);
    await write(server, token, acks, 'PATCH', kept[0]!, { detail: { jobTitle: 'Patched on a full disk', description: 'y'.repeat(9000) } });
    await write(server, token, acks, 'DELETE', kept[1]!);
    await acks.verify(server, token, [POSITIONS]);
    assert.ok(server.running, `the process lives on; stderr:\n${server.stderr}`);

    rmSync(filler);
    await writesWorkAgain(server, token, acks, kept[2]!, kept[3]!, 'the disk was full');
    await acks.verify(server, token, [POSITIONS]);
  });
});

describe('PostgreSQL: refusing writes, and stuck', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const admin = async <T,>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      // This session writes whatever the database's default is.
      await client.query('SET default_transaction_read_only = off');
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const dbName = () => new URL(database!.url).pathname.slice(1);
  /** Ends the service's sessions, so that its pool opens new ones, which take the database's new settings. */
  const endSessions = () =>
    admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName()]));
  after(async () => database?.drop());

  async function start(t: { after: (fn: () => unknown) => void }) {
    database ??= ADMIN_URL ? await createDatabase(ADMIN_URL) : undefined;
    const dataDir = makeDataDir('graph-profile-pg-faults-');
    t.after(() => removeDataDir(dataDir));
    const env = { DATABASE_URL: database!.url, ...TIMEOUT_ENV, MAX_POSITIONS_PER_USER: '5000', THROTTLE_LIMIT: '0' };
    const minted = await runCli(['token', '--upn', `pg-${Date.now()}@contoso.com`], { dataDir, env });
    assert.equal(minted.code, 0, minted.stderr);
    const server = await ServerProcess.start({ dataDir, env });
    t.after(() => server.dispose());
    return { server, token: minted.stdout.trim() };
  }

  test('a database that refuses writes (read-only): 503 with Retry-After, reads go on, writes work again after', { skip: noPostgres, timeout: 120_000 }, async (t) => {
    const { server, token } = await start(t);
    const acks = new Acknowledged();
    const kept = await createPositions(server, token, acks, 5);

    await admin((c) => c.query(`ALTER DATABASE ${dbName()} SET default_transaction_read_only = on`));
    t.after(() => admin((c) => c.query(`ALTER DATABASE ${dbName()} RESET default_transaction_read_only`)));
    await endSessions();
    const attempts = [
      ['POST', POSITIONS, { detail: { jobTitle: 'Refused' } }],
      ['PATCH', kept[0]!, { detail: { jobTitle: 'Refused' } }],
      ['DELETE', kept[1]!, undefined],
      ['POST', SKILLS, { displayName: 'Refused' }],
      ['DELETE', '/beta/me/profile', undefined],
    ] as const;
    // Twice over: the first round may meet the pool's ended sessions, the second has new ones.
    for (let round = 1; round <= 2; round++) {
      for (const [method, path, body] of attempts) {
        const r = await write(server, token, acks, method, path, body);
        assertServiceUnavailable(r, `${method} ${path} (round ${round}) on a read-only database`);
      }
    }
    await acks.verify(server, token, [POSITIONS, SKILLS]);

    await admin((c) => c.query(`ALTER DATABASE ${dbName()} RESET default_transaction_read_only`));
    await endSessions();
    await writesWorkAgain(server, token, acks, kept[0]!, kept[1]!, 'read-only');
    await acks.verify(server, token, [POSITIONS, SKILLS]);
    assert.ok(server.running);
  });

  test('a table locked by another session: 503 with Retry-After within the timeout, memory bounded; service resumes when it is released', { skip: noPostgres, timeout: 120_000 }, async (t) => {
    const { server, token } = await start(t);
    const acks = new Acknowledged();
    await createPositions(server, token, acks, 5);

    const holder = new pg.Client({ connectionString: database!.url });
    await holder.connect();
    t.after(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE profile_items IN ACCESS EXCLUSIVE MODE');
    const counts = await whileStuck(server, token, acks, false);
    t.diagnostic(`answers while the table was locked: ${JSON.stringify(counts)}`);
    await holder.query('ROLLBACK');

    await untilWritable(server, token, acks, POSITIONS, { detail: { jobTitle: 'After the lock' } });
    await acks.verify(server, token, [POSITIONS]);
  });
});
