// Creates on PostgreSQL, gathered: the inserts asked for in one turn of the event loop go to the
// database as one statement (one round trip, one commit) instead of one each. That statement takes
// room in each collection's count for all of its rows at once, and inserts the rows of the
// collections that had room; each row's promise is settled only when the statement has committed.
// What it could not place (a collection that would pass its cap with all of this turn's rows), or
// everything when the statement fails for a reason other than a storage fault, is inserted row by
// row as before, so the cap stays exact and a row that fails fails alone.
import { type Kysely, sql } from 'kysely';
import { storageFault } from './faults.ts';
import type { ItemRecord } from './port.ts';
import type { Database } from './schema.ts';

interface Pending {
  readonly item: ItemRecord;
  readonly cap: number;
  readonly resolve: (inserted: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/** Rows per statement; more wait for the next one. */
const MAX_ROWS = 200;

export function insertBatcher(db: Kysely<Database>, insertOne: (item: ItemRecord, cap: number) => Promise<boolean>) {
  let queue: Pending[] = [];
  let scheduled = false;

  const settleOneByOne = (rows: readonly Pending[]) => {
    for (const p of rows) insertOne(p.item, p.cap).then(p.resolve, p.reject);
  };

  async function insertMany(rows: readonly Pending[]): Promise<void> {
    const column = <T>(pick: (p: Pending) => T) => rows.map(pick);
    let inserted: Set<string>;
    try {
      const result = await sql<{ id: string }>`
        WITH input AS (
          SELECT * FROM unnest(
            ${column((p) => p.item.tenantId)}::text[], ${column((p) => p.item.userId)}::text[], ${column((p) => p.item.facet)}::text[],
            ${column((p) => p.item.id)}::text[], ${column((p) => p.item.version)}::integer[], ${column((p) => p.item.audience)}::integer[],
            ${column((p) => p.item.createdDateTime)}::text[], ${column((p) => p.item.json)}::text[], ${column((p) => p.item.shape)}::text[],
            ${column((p) => p.cap)}::integer[]
          ) AS t(tenant_id, user_id, facet, id, version, audience, created_at, body, shape, cap)
        ),
        wanted AS (
          SELECT tenant_id, user_id, facet, count(*)::integer AS k, min(cap) AS cap FROM input GROUP BY tenant_id, user_id, facet
        ),
        room AS (
          INSERT INTO profile_counts AS c (tenant_id, user_id, facet, items)
          SELECT tenant_id, user_id, facet, k FROM wanted WHERE k <= cap
          ON CONFLICT (tenant_id, user_id, facet) DO UPDATE SET items = c.items + excluded.items
            WHERE c.items + excluded.items <= (SELECT w.cap FROM wanted w WHERE (w.tenant_id, w.user_id, w.facet) = (c.tenant_id, c.user_id, c.facet))
          RETURNING c.tenant_id, c.user_id, c.facet
        )
        INSERT INTO profile_items (tenant_id, user_id, facet, id, version, audience, created_at, body, shape)
        SELECT i.tenant_id, i.user_id, i.facet, i.id, i.version, i.audience, i.created_at, i.body, i.shape
        FROM input i JOIN room r ON (r.tenant_id, r.user_id, r.facet) = (i.tenant_id, i.user_id, i.facet)
        RETURNING id`.execute(db);
      inserted = new Set(result.rows.map((r) => r.id));
    } catch (e) {
      // Nothing of the statement was written. A database that is slow, refusing writes or full would
      // fail each row the same way, later: they fail now. Otherwise each row is tried alone, and fails
      // alone if it must.
      if (storageFault(e)) for (const p of rows) p.reject(e);
      else settleOneByOne(rows);
      return;
    }
    for (const p of rows) if (inserted.has(p.item.id)) p.resolve(true);
    settleOneByOne(rows.filter((p) => !inserted.has(p.item.id)));
  }

  function flush(): void {
    scheduled = false;
    const rows = queue.splice(0, MAX_ROWS);
    if (queue.length > 0) schedule();
    if (rows.length === 1) insertOne(rows[0]!.item, rows[0]!.cap).then(rows[0]!.resolve, rows[0]!.reject);
    else void insertMany(rows);
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return (item: ItemRecord, cap: number): Promise<boolean> =>
    new Promise((resolve, reject) => {
      queue.push({ item, cap, resolve, reject });
      schedule();
    });
}
