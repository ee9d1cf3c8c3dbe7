// Group commit for SQLite: many writes share one transaction, and so one fsync of the write-ahead
// log. Each write runs inside a savepoint of its own, so a write that fails is rolled back alone and
// fails only its own request; a write counts as done only once the COMMIT that holds it succeeded.
import type BetterSqlite3 from 'better-sqlite3';

export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export function groupCommitter(db: BetterSqlite3.Database): (writes: ReadonlyArray<() => unknown>) => Outcome[] {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT w');
  const release = db.prepare('RELEASE w');
  const rollbackTo = db.prepare('ROLLBACK TO w');

  return (writes) => {
    const outcomes: Outcome[] = [];
    try {
      begin.run();
      for (const write of writes) {
        savepoint.run();
        try {
          outcomes.push({ ok: true, value: write() });
        } catch (error) {
          rollbackTo.run();
          outcomes.push({ ok: false, error });
        }
        release.run();
      }
      commit.run();
    } catch (error) {
      // BEGIN, a savepoint or COMMIT failed (a lock held too long, a full disk): nothing of this group
      // is durable, so every write of it fails, those already run and those not yet run alike.
      try {
        if (db.inTransaction) rollback.run();
      } catch {
        // The connection is unusable; the next group's BEGIN fails the same way, and says why.
      }
      return writes.map(() => ({ ok: false, error }));
    }
    return outcomes;
  };
}
