// How stored items become what Graph clients read: every property present (or those $select
// names, id always), an @odata.etag, and the @odata.context of the canonical user, not `me` (SPEC §5).
// Items are stored as the JSON text of their response shape, so that a read without $select serves
// that text as it is, without parsing it and writing it again.
import { GraphError } from '../errors/graph-error.ts';
import { facetNamed } from '../model/facets.ts';
import { clip } from '../model/quote.ts';
import { shapeComplex, shapeFingerprint } from '../model/shape.ts';
import type { ComplexType } from '../model/types.ts';
import type { JsonObject } from '../model/validate.ts';
import type { ItemRecord } from '../storage/port.ts';

type Json = Record<string, unknown>;

export const etagOf = (record: Pick<ItemRecord, 'version'>): string => `W/"${record.version}"`;

/** An entity tag as RFC 9110 writes it: quoted, optionally weak. */
const ENTITY_TAG = /^(W\/)?"[^"]*"$/;

/**
 * Throws a 400 unless an If-Match / If-None-Match header is `*` or a list of quoted entity tags: an
 * unquoted value (`If-Match: 3`) would otherwise never match and read as a 412 for a changed item.
 */
export function checkEtagHeader(name: 'If-Match' | 'If-None-Match', header: string): void {
  const tags = header.split(',').map((t) => t.trim());
  if (header.trim() === '*' || tags.every((t) => ENTITY_TAG.test(t))) return;
  throw new GraphError(
    'badRequest',
    `The ${name} header must be * or ETags as the ETag header and @odata.etag give them, quoted (such as W/"3"), not ${clip(header)}.`,
  );
}

/** Whether an If-Match / If-None-Match header names this record's current ETag (weak or strong), or is `*`. */
export function etagMatches(header: string, record: Pick<ItemRecord, 'version'>): boolean {
  const ours = etagOf(record).slice(2);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || (t.startsWith('W/') ? t.slice(2) : t) === ours;
  });
}

export const itemUrl = (baseUrl: string, record: Pick<ItemRecord, 'userId' | 'facet' | 'id'>) =>
  `${baseUrl}/beta/users/${record.userId}/profile/${record.facet}/${record.id}`;

export function contextUrl(baseUrl: string, userId: string, collection: string, select: readonly string[] | undefined): string {
  const selected = select ? `(${select.join(',')})` : '';
  return `${baseUrl}/beta/$metadata#users('${userId}')/profile/${collection}${selected}`;
}

const shapeMarks = new Map<ComplexType, string>();

/** The mark of today's response shape of a type; a row stored under another mark is re-shaped when read. */
export function shapeMark(type: ComplexType): string {
  let mark = shapeMarks.get(type);
  if (mark === undefined) shapeMarks.set(type, (mark = shapeFingerprint(type)));
  return mark;
}

/** The stored form of a shaped entity of `type`. */
export const storedJson = (type: ComplexType, shaped: JsonObject): { json: string; shape: string } => ({
  json: JSON.stringify(shaped),
  shape: shapeMark(type),
});

/** The entity type of a stored record's collection. */
function typeOf(record: ItemRecord): ComplexType {
  const facet = facetNamed(record.facet);
  if (!facet) throw new Error(`an item of an unknown collection '${record.facet}' is stored`);
  return facet.type;
}

/** The full response shape of a record, which $filter and $orderby are evaluated against and PATCH merges into. */
export function shapedItem(record: ItemRecord): Json {
  const parsed = JSON.parse(record.json) as JsonObject;
  const type = typeOf(record);
  return record.shape === shapeMark(type) ? parsed : shapeComplex(type, parsed);
}

/** The record's entity as response JSON text, without parsing it when it is stored in today's shape. */
const servedJson = (record: ItemRecord): string =>
  record.shape === shapeMark(typeOf(record)) ? record.json : JSON.stringify(shapedItem(record));

/** `{"a":1,` + the members of a JSON object's text: annotations put in front of a stored entity. */
function withMembersFirst(members: string, objectJson: string): string {
  return objectJson === '{}' ? `{${members}}` : `{${members},${objectJson.slice(1)}`;
}

const etagMember = (record: ItemRecord) => `"@odata.etag":${JSON.stringify(etagOf(record))}`;

/** One item as it appears in a list: its ETag first, then the selected properties. */
export function itemJson(record: ItemRecord, shaped: Json, select: readonly string[] | undefined): Json {
  const out: Json = { '@odata.etag': etagOf(record) };
  if (!select) return Object.assign(out, shaped);
  out.id = shaped.id;
  for (const name of select) out[name] = shaped[name];
  return out;
}

/** The same, as JSON text, for an item read without $select. */
export const itemText = (record: ItemRecord): string => withMembersFirst(etagMember(record), servedJson(record));

/** One entity with its @odata.context, as JSON text. */
export function entityText(baseUrl: string, record: ItemRecord, select?: readonly string[]): string {
  const context = `${contextUrl(baseUrl, record.userId, record.facet, select)}/$entity`;
  if (select) return JSON.stringify({ '@odata.context': context, ...itemJson(record, shapedItem(record), select) });
  return withMembersFirst(`"@odata.context":${JSON.stringify(context)},${etagMember(record)}`, servedJson(record));
}

export interface CollectionOptions {
  readonly select?: readonly string[] | undefined;
  readonly count?: number | undefined;
  readonly nextLink?: string | undefined;
}

/** A collection response as JSON text, from items already written as JSON text. */
export function collectionText(baseUrl: string, userId: string, collection: string, items: readonly string[], opts: CollectionOptions): string {
  let head = `{"@odata.context":${JSON.stringify(contextUrl(baseUrl, userId, collection, opts.select))}`;
  if (opts.count !== undefined) head += `,"@odata.count":${opts.count}`;
  if (opts.nextLink !== undefined) head += `,"@odata.nextLink":${JSON.stringify(opts.nextLink)}`;
  return `${head},"value":[${items.join(',')}]}`;
}
