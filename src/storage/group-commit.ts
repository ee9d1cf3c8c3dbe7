// Group commit for SQLite: the writes that arrive in one turn of the event loop share one
// transaction, and so one fsync of the write-ahead log. Each write runs inside a savepoint of its own,
// so a write that fails is rolled back alone and fails only its own request; every promise settles
// only after the COMMIT that made its write durable (or failed with it).
import type BetterSqlite3 from 'better-sqlite3';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export interface GroupCommit {
  /** Runs `write` (synchronous statements) in the next group's transaction; resolves once it is committed. */
  run<T>(write: () => T): Promise<T>;
}

/** Writes per transaction at most: bounds how long one commit holds the event loop. */
const MAX_GROUP = 256;

export function groupCommit(db: BetterSqlite3.Database): GroupCommit {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT w');
  const release = db.prepare('RELEASE w');
  const rollbackTo = db.prepare('ROLLBACK TO w');
  let queue: Pending[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const group = queue.splice(0, MAX_GROUP);
    if (queue.length > 0) schedule();
    const done: Array<[Pending, unknown]> = [];
    let next = 0;
    try {
      begin.run();
      for (; next < group.length; next++) {
        const p = group[next]!;
        savepoint.run();
        let value: unknown;
        try {
          value = p.write();
        } catch (e) {
          rollbackTo.run();
          release.run();
          p.reject(e);
          continue;
        }
        release.run();
        done.push([p, value]);
      }
      commit.run();
    } catch (e) {
      // BEGIN, a savepoint or COMMIT failed (a lock held too long, a full disk): nothing of this group
      // is durable, so every write of it fails, those already run and those not yet run alike.
      try {
        if (db.inTransaction) rollback.run();
      } catch {
        // The connection is unusable; the next group's BEGIN fails the same way, and says why.
      }
      for (const [p] of done) p.reject(e);
      for (const p of group.slice(next)) p.reject(e);
      return;
    }
    for (const [p, value] of done) p.resolve(value);
  };

  const schedule = () => {
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) schedule();
      });
    },
  };
}
