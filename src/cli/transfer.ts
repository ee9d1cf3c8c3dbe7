// `graph-profile export` and `import`: users and every profile item as JSON lines, so that data moves
// between SQLite and PostgreSQL (or between machines). An export line is a user or an item with its
// collection and version; an import checks every line as the service checks a request (the item
// against its collection's type) and stores what passes in batches, reporting the lines it rejected.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Config } from '../config.ts';
import type { GraphError } from '../errors/graph-error.ts';
import { type Facet, facetNamed } from '../model/facets.ts';
import { GUID, isDateTimeOffset, isPlainObject, validateBody } from '../model/validate.ts';
import { audienceValue, defaultAudience } from '../profile/audience.ts';
import { sizedRecord } from '../profile/records.ts';
import { openStorage } from '../storage/open.ts';
import type { ItemRecord, Storage, UserRecord } from '../storage/port.ts';
import { parseFlags } from './args.ts';

type UserLine = { type: 'user' } & UserRecord;
interface ItemLine {
  type: 'item';
  tenantId: string;
  userId: string;
  collection: string;
  version: number;
  item: Record<string, unknown>;
}

/** Writes every user, then each one's items, a JSON line each; returns the counts. */
export async function exportCommand(args: string[], config: Config, write: (line: string) => Promise<void>): Promise<string> {
  parseFlags(args, {});
  const storage = await openStorage(config);
  try {
    const users = await storage.listUsers();
    let items = 0;
    for (const user of users) await write(JSON.stringify({ type: 'user', ...user } satisfies UserLine));
    for (const user of users) {
      for (const record of await storage.listItems(user.tenantId, user.id)) {
        const line: ItemLine = { type: 'item', tenantId: record.tenantId, userId: record.userId, collection: record.facet, version: record.version, item: JSON.parse(record.json) };
        await write(JSON.stringify(line));
        items++;
      }
    }
    return `exported ${users.length} users and ${items} items`;
  } finally {
    await storage.close();
  }
}

/** Lines stored per transaction. */
const BATCH = 500;

export async function importCommand(args: string[], config: Config, progress: (done: number) => void): Promise<{ summary: string; rejected: number }> {
  const flags = parseFlags(args, { file: { type: 'string' } });
  const input = flags.file === undefined ? process.stdin : createReadStream(flags.file);
  const storage = await openStorage(config);
  const rejections: string[] = [];
  let users: UserRecord[] = [];
  let items: ItemRecord[] = [];
  let lineNo = 0;
  let stored = { users: 0, items: 0 };
  const flush = async () => {
    const batch = { users, items };
    [users, items] = [[], []];
    stored = await storeBatch(storage, batch, stored, rejections);
    progress(lineNo);
  };
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      if (text.trim() === '') continue;
      const parsed = readLine(text, config);
      if (typeof parsed === 'string') rejections.push(`line ${lineNo}: ${parsed}`);
      else if ('facet' in parsed) items.push(parsed);
      else users.push(parsed);
      if (users.length + items.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    await storage.close();
  }
  const shown = rejections.slice(0, 20).map((r) => `\n  ${r}`).join('');
  const more = rejections.length > 20 ? `\n  ... and ${rejections.length - 20} more` : '';
  return {
    summary: `imported ${stored.users} users and ${stored.items} items from ${lineNo} lines; ${rejections.length} lines rejected${shown}${more}`,
    rejected: rejections.length,
  };
}

/** A batch in one transaction; when that fails (an id stored already), each line alone, so that only those fail. */
async function storeBatch(storage: Storage, batch: { users: UserRecord[]; items: ItemRecord[] }, stored: { users: number; items: number }, rejections: string[]) {
  try {
    await storage.importBatch(batch);
    return { users: stored.users + batch.users.length, items: stored.items + batch.items.length };
  } catch {
    let { users, items } = stored;
    for (const user of batch.users) {
      await storage.importBatch({ users: [user], items: [] });
      users++;
    }
    for (const item of batch.items) {
      try {
        await storage.importBatch({ users: [], items: [item] });
        items++;
      } catch (e) {
        rejections.push(`item ${item.id} of ${item.facet}: not stored (${(e as Error).message.split('\n')[0]}); is it there already?`);
      }
    }
    return { users, items };
  }
}

/** A stored record from one line, or why the line is refused. */
function readLine(text: string, config: Config): UserRecord | ItemRecord | string {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return 'not a JSON object';
  }
  if (!isPlainObject(line)) return 'not a JSON object';
  if (!isTenantAndId(line.tenantId) || !isTenantAndId(line.type === 'user' ? line.id : line.userId)) return 'tenantId and the user id must be GUIDs';
  if (line.type === 'user') {
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    if (typeof line.createdDateTime !== 'string' || !isDateTimeOffset(line.createdDateTime)) return 'a user needs its createdDateTime';
    return {
      tenantId: (line.tenantId as string).toLowerCase(),
      id: (line.id as string).toLowerCase(),
      userPrincipalName: text(line.userPrincipalName),
      displayName: text(line.displayName),
      mail: text(line.mail),
      createdDateTime: line.createdDateTime,
    };
  }
  if (line.type !== 'item') return `type must be "user" or "item"`;
  const facet = typeof line.collection === 'string' ? facetNamed(line.collection) : undefined;
  if (!facet) return `collection ${JSON.stringify(line.collection)} is not a collection of the profile`;
  if (!isPlainObject(line.item)) return 'item must be a JSON object';
  return itemRecord(facet, line as unknown as ItemLine, config);
}

const isTenantAndId = (v: unknown): v is string => typeof v === 'string' && GUID.test(v);

/** The item as the service would have stored it: validated against its type, with its own id, times and authors kept. */
function itemRecord(facet: Facet, line: ItemLine, config: Config): ItemRecord | string {
  const { item } = line;
  const { value, problems } = validateBody(item, facet.type, 'create', config.limits);
  if (problems.length > 0) return `${problems[0]!.target ? `${problems[0]!.target}: ` : ''}${problems[0]!.message}`;
  if (typeof item.id !== 'string' || !GUID.test(item.id)) return 'item.id must be a GUID';
  const created = item.createdDateTime;
  const modified = item.lastModifiedDateTime ?? created;
  if (typeof created !== 'string' || !isDateTimeOffset(created) || typeof modified !== 'string' || !isDateTimeOffset(modified)) {
    return 'item.createdDateTime and lastModifiedDateTime must be date-times';
  }
  const tenantId = line.tenantId.toLowerCase();
  const authors = Object.fromEntries(['createdBy', 'lastModifiedBy'].filter((k) => isPlainObject(item[k])).map((k) => [k, item[k]]));
  const body: Record<string, unknown> = { ...value, id: item.id.toLowerCase(), createdDateTime: created, lastModifiedDateTime: modified, ...authors };
  if (body.allowedAudiences == null) body.allowedAudiences = defaultAudience(tenantId);
  const version = Number.isInteger(line.version) && line.version > 0 ? line.version : 1;
  const fields = {
    tenantId,
    userId: line.userId.toLowerCase(),
    facet: facet.collection,
    id: item.id.toLowerCase(),
    version,
    audience: audienceValue(body.allowedAudiences as string),
    createdDateTime: created,
  };
  try {
    return sizedRecord(facet.type, fields, body, config.limits);
  } catch (e) {
    return (e as GraphError).details?.[0]?.message ?? (e as Error).message;
  }
}
