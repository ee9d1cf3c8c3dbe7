// SQLite's write-ahead log is copied into the database file by the checkpointer thread, soon after
// each write, not only when the log has grown large (the writer no longer checkpoints inside its
// commits): a copy of the database file alone, without its log, soon holds what was written.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { SQLITE_FILE, openSqliteStorage } from '../../src/storage/sqlite.ts';

test('writes reach the database file itself shortly after they are committed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graph-profile-checkpoints-'));
  const copy = mkdtempSync(join(tmpdir(), 'graph-profile-checkpoints-copy-'));
  const storage = await openSqliteStorage(dir);
  try {
    const user = { tenantId: 't', id: randomUUID(), userPrincipalName: null, displayName: 'x', mail: null, createdDateTime: 'z' };
    await storage.saveUser(user);
    let found = false;
    // Bounded wait for a background thread, not a timing assertion: checkpoints run every 250 ms.
    for (let i = 0; i < 40 && !found; i++) {
      await sleep(100);
      copyFileSync(join(dir, SQLITE_FILE), join(copy, SQLITE_FILE));
      const db = new BetterSqlite3(join(copy, SQLITE_FILE));
      try {
        found = db.prepare('SELECT 1 FROM users WHERE id = ?').get(user.id) !== undefined;
      } finally {
        db.close();
      }
    }
    assert.ok(found, 'the row is in the database file, not only in the log');
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});
