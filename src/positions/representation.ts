// How stored positions become what Graph clients read: every property present (or those $select
// names, id always), an @odata.etag, and the @odata.context of the canonical user, not `me` (SPEC §5).
// Items are stored as the JSON text of their response shape, so that a read without $select serves
// that text as it is, without parsing it and writing it again.
import { shapeComplex, shapeFingerprint } from '../model/shape.ts';
import { workPosition } from '../model/graph-types.ts';
import type { JsonObject } from '../model/validate.ts';
import type { PositionRecord } from '../storage/port.ts';

type Json = Record<string, unknown>;

export const etagOf = (record: Pick<PositionRecord, 'version'>): string => `W/"${record.version}"`;

/** Whether an If-Match / If-None-Match header names this record's current ETag (weak or strong), or is `*`. */
export function etagMatches(header: string, record: Pick<PositionRecord, 'version'>): boolean {
  const ours = etagOf(record).slice(2);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || (t.startsWith('W/') ? t.slice(2) : t) === ours;
  });
}

export const positionUrl = (baseUrl: string, userId: string, id: string) => `${baseUrl}/beta/users/${userId}/profile/positions/${id}`;

export function contextUrl(baseUrl: string, userId: string, select: readonly string[] | undefined): string {
  const selected = select ? `(${select.join(',')})` : '';
  return `${baseUrl}/beta/$metadata#users('${userId}')/profile/positions${selected}`;
}

/** The mark of today's response shape of workPosition; a row stored under another mark is re-shaped when read. */
let currentShape: string | undefined;
export const shapeMark = (): string => (currentShape ??= shapeFingerprint(workPosition));

/** The stored form of a shaped entity. */
export const storedJson = (shaped: JsonObject): { json: string; shape: string } => ({ json: JSON.stringify(shaped), shape: shapeMark() });

/** The full response shape of a record, which $filter and $orderby are evaluated against and PATCH merges into. */
export function shapedItem(record: PositionRecord): Json {
  const parsed = JSON.parse(record.json) as JsonObject;
  return record.shape === shapeMark() ? parsed : shapeComplex(workPosition, parsed);
}

/** The record's entity as response JSON text, without parsing it when it is stored in today's shape. */
const servedJson = (record: PositionRecord): string => (record.shape === shapeMark() ? record.json : JSON.stringify(shapedItem(record)));

/** `{"a":1,` + the members of a JSON object's text: annotations put in front of a stored entity. */
function withMembersFirst(members: string, objectJson: string): string {
  return objectJson === '{}' ? `{${members}}` : `{${members},${objectJson.slice(1)}`;
}

const etagMember = (record: PositionRecord) => `"@odata.etag":${JSON.stringify(etagOf(record))}`;

/** One item as it appears in a list: its ETag first, then the selected properties. */
export function itemJson(record: PositionRecord, shaped: Json, select: readonly string[] | undefined): Json {
  const out: Json = { '@odata.etag': etagOf(record) };
  if (!select) return Object.assign(out, shaped);
  out.id = shaped.id;
  for (const name of select) out[name] = shaped[name];
  return out;
}

/** The same, as JSON text, for an item read without $select. */
export const itemText = (record: PositionRecord): string => withMembersFirst(etagMember(record), servedJson(record));

/** One entity with its @odata.context, as JSON text. */
export function entityText(baseUrl: string, record: PositionRecord, select?: readonly string[]): string {
  const context = `${contextUrl(baseUrl, record.userId, select)}/$entity`;
  if (select) return JSON.stringify({ '@odata.context': context, ...itemJson(record, shapedItem(record), select) });
  return withMembersFirst(`"@odata.context":${JSON.stringify(context)},${etagMember(record)}`, servedJson(record));
}

export interface CollectionOptions {
  readonly select?: readonly string[] | undefined;
  readonly count?: number | undefined;
  readonly nextLink?: string | undefined;
}

/** A collection response as JSON text, from items already written as JSON text. */
export function collectionText(baseUrl: string, userId: string, items: readonly string[], opts: CollectionOptions): string {
  let head = `{"@odata.context":${JSON.stringify(contextUrl(baseUrl, userId, opts.select))}`;
  if (opts.count !== undefined) head += `,"@odata.count":${opts.count}`;
  if (opts.nextLink !== undefined) head += `,"@odata.nextLink":${JSON.stringify(opts.nextLink)}`;
  return `${head},"value":[${items.join(',')}]}`;
}
