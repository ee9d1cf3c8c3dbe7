// SQLite's writes wait for the writer thread in a queue (storage/sqlite-writer-client.ts). While the
// writer is held up (here: another connection holds the file's write lock), the queue is bounded in
// length and in time: past 10,000 waiting writes more are refused at once, and a write that waited
// longer than the timeout is refused without ever running. Nothing refused is written.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { StorageUnavailableError } from '../../src/storage/faults.ts';
import type { UserRecord } from '../../src/storage/port.ts';
import { SQLITE_FILE, openSqliteStorage } from '../../src/storage/sqlite.ts';
import { makeDataDir, removeDataDir } from '../helpers/processes.ts';

const TIMEOUT_MS = 1500;
/** One group in flight (at most 512) and 10,000 waiting: the rest of these are refused at once. */
const WRITES = 10_700;

const user = (i: number): UserRecord => ({
  tenantId: '7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a',
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  userPrincipalName: `queued${i}@contoso.com`,
  displayName: null,
  mail: null,
  createdDateTime: '2026-11-29T00:00:00Z',
});

test('while the writer is held up, writes past 10,000 waiting are refused at once, and the waiting ones when they time out; none of them is written', { timeout: 60_000 }, async (t) => {
  const dir = makeDataDir('graph-profile-queue-');
  t.after(() => removeDataDir(dir));
  const storage = await openSqliteStorage(dir, { timeoutMs: TIMEOUT_MS });
  t.after(() => storage.close());

  const holder = new BetterSqlite3(join(dir, SQLITE_FILE));
  holder.exec('BEGIN IMMEDIATE');
  const outcomes = await Promise.allSettled(Array.from({ length: WRITES }, (_, i) => storage.saveUser(user(i))));
  holder.exec('ROLLBACK');
  holder.close();

  const reasons = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error) : undefined));
  assert.ok(
    reasons.every((e) => e instanceof StorageUnavailableError || (e as { code?: string } | undefined)?.code?.startsWith('SQLITE_BUSY')),
    `every write failed as unavailable: ${[...new Set(reasons.map((e) => e?.message))].join('; ')}`,
  );
  const full = reasons.filter((e) => e?.message === 'too many writes are waiting for the database').length;
  const expired = reasons.filter((e) => e?.message === `the database did not take the write within ${TIMEOUT_MS} ms`).length;
  assert.ok(full >= WRITES - 512 - 10_000, `writes past the bound were refused at once (${full})`);
  assert.ok(expired > 0, 'writes that waited past the timeout were refused unrun');
  t.diagnostic(`${full} refused at once, ${expired} timed out waiting, ${WRITES - full - expired} failed on the lock`);

  // None of them was written; the writer works again.
  assert.equal(await storage.getUserById(user(0).tenantId, user(0).id), undefined);
  assert.equal(await storage.getUserById(user(WRITES - 1).tenantId, user(WRITES - 1).id), undefined);
  await storage.saveUser(user(0));
  assert.equal((await storage.getUserById(user(0).tenantId, user(0).id))?.userPrincipalName, 'queued0@contoso.com');
});
