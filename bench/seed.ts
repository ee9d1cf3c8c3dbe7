// `npm run bench -- --seed N`: loads N positions over N/10 users straight into storage, through the
// storage port's bulk load and the service's own record-making code (profile/records.ts), so that
// the seeded items are exactly what the service would have stored for the "Create workPosition"
// example. Users are made in id order, each user's items in time order, so that the load appends to
// the indexes instead of splitting pages at random. Each user's first item is made by that code; the
// others differ from it only in id and timestamps, which are put in its JSON text (shaping and
// writing a million items anew would take longer than storing them).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEV_TENANT_ID } from '../src/auth/constants.ts';
import type { Config } from '../src/config.ts';
import { facetNamed } from '../src/model/facets.ts';
import { validateBody } from '../src/model/validate.ts';
import { graphClock } from '../src/profile/clock.ts';
import { timeOrderedIdGenerator } from '../src/profile/ids.ts';
import { newItemRecord } from '../src/profile/records.ts';
import { openStorage } from '../src/storage/open.ts';
import type { ItemRecord, UserRecord } from '../src/storage/port.ts';

const EXAMPLE = new URL('../test/fixtures/seeds/002-create.request.json', import.meta.url);
/** Items per transaction, and transactions asked for before the first of them is done. */
const BATCH_ITEMS = 2000;
const IN_FLIGHT = 3;

export async function seedDatabase(config: Config, opts: { items: number; users: number; onProgress?: (done: number) => void }): Promise<void> {
  const positions = facetNamed('positions')!;
  const { value: input, problems } = validateBody(JSON.parse(readFileSync(EXAMPLE, 'utf8')), positions.type, 'create', config.limits);
  if (problems.length > 0) throw new Error(`the example body does not validate: ${problems[0]!.message}`);
  const clock = graphClock();
  const newId = timeOrderedIdGenerator();
  const userIds = Array.from({ length: opts.users }, () => randomUUID()).sort();
  const storage = await openStorage(config);
  try {
    let done = 0;
    let users: UserRecord[] = [];
    let items: ItemRecord[] = [];
    // Batches are stored (by the SQLite writer thread, or PostgreSQL) while the next are made here.
    const storing: Array<Promise<void>> = [];
    const flush = async () => {
      const batch = { users, items };
      users = [];
      items = [];
      if (storing.length >= IN_FLIGHT) await storing.shift();
      storing.push(
        storage.importBatch(batch).then(() => {
          done += batch.items.length;
          opts.onProgress?.(done);
        }),
      );
    };
    for (let u = 0; u < opts.users; u++) {
      const upn = `seed${u}@contoso.com`;
      const user: UserRecord = { tenantId: DEV_TENANT_ID, id: userIds[u]!, userPrincipalName: upn, displayName: `Seed ${u}`, mail: upn, createdDateTime: clock() };
      users.push(user);
      const by = { user: { displayName: user.displayName, id: user.id } };
      // The items are spread evenly; the first users take the remainder.
      const count = Math.floor(opts.items / opts.users) + (u < opts.items % opts.users ? 1 : 0);
      const template = newItemRecord(positions, user, input, { by, now: clock(), id: newId(), limits: config.limits });
      items.push(template);
      for (let i = 1; i < count; i++) {
        const [id, now] = [newId(), clock()];
        const json = template.json.replace(template.id, id).replaceAll(template.createdDateTime, now);
        items.push({ ...template, id, createdDateTime: now, json });
      }
      if (items.length >= BATCH_ITEMS) await flush();
    }
    if (users.length > 0 || items.length > 0) await flush();
    await Promise.all(storing);
  } finally {
    await storage.close();
  }
}
