// `npm run bench -- --seed N`: loads N positions over N/10 users straight into storage, through the
// storage port's bulk load and the service's own record-making code (positions/records.ts), so that
// the seeded items are exactly what the service would have stored for the "Create workPosition"
// example. Users are made in id order, each user's items in time order, so that the load appends to
// the indexes instead of splitting pages at random.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEV_TENANT_ID } from '../src/auth/constants.ts';
import type { Config } from '../src/config.ts';
import { workPosition } from '../src/model/graph-types.ts';
import { validateBody } from '../src/model/validate.ts';
import { graphClock } from '../src/positions/clock.ts';
import { timeOrderedIdGenerator } from '../src/positions/ids.ts';
import { newPositionRecord } from '../src/positions/records.ts';
import { openStorage } from '../src/storage/open.ts';
import type { PositionRecord, UserRecord } from '../src/storage/port.ts';

const EXAMPLE = new URL('../test/fixtures/seeds/002-create.request.json', import.meta.url);
/** Items per transaction. */
const BATCH_ITEMS = 20_000;

export async function seedDatabase(config: Config, opts: { items: number; users: number; onProgress?: (done: number) => void }): Promise<void> {
  const { value: input, problems } = validateBody(JSON.parse(readFileSync(EXAMPLE, 'utf8')), workPosition, 'create', config.limits);
  if (problems.length > 0) throw new Error(`the example body does not validate: ${problems[0]!.message}`);
  const clock = graphClock();
  const newId = timeOrderedIdGenerator();
  const userIds = Array.from({ length: opts.users }, () => randomUUID()).sort();
  const storage = await openStorage(config);
  try {
    let done = 0;
    let users: UserRecord[] = [];
    let positions: PositionRecord[] = [];
    const flush = async () => {
      await storage.importBatch({ users, positions });
      done += positions.length;
      users = [];
      positions = [];
      opts.onProgress?.(done);
    };
    for (let u = 0; u < opts.users; u++) {
      const upn = `seed${u}@contoso.com`;
      const user: UserRecord = { tenantId: DEV_TENANT_ID, id: userIds[u]!, userPrincipalName: upn, displayName: `Seed ${u}`, mail: upn, createdDateTime: clock() };
      users.push(user);
      const by = { user: { displayName: user.displayName, id: user.id } };
      // The items are spread evenly; the first users take the remainder.
      const count = Math.floor(opts.items / opts.users) + (u < opts.items % opts.users ? 1 : 0);
      for (let i = 0; i < count; i++) positions.push(newPositionRecord(user, input, { by, now: clock(), id: newId(), limits: config.limits }));
      if (positions.length >= BATCH_ITEMS) await flush();
    }
    if (users.length > 0 || positions.length > 0) await flush();
  } finally {
    await storage.close();
  }
}
