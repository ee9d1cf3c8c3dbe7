// How stored positions become what Graph clients read: every property present (or those $select
// names, id always), an @odata.etag, and the @odata.context of the canonical user, not `me` (SPEC §5).
import { shapeComplex } from '../model/shape.ts';
import { workPosition } from '../model/graph-types.ts';
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

function contextUrl(baseUrl: string, userId: string, select: readonly string[] | undefined): string {
  const selected = select ? `(${select.join(',')})` : '';
  return `${baseUrl}/beta/$metadata#users('${userId}')/profile/positions${selected}`;
}

/** The full response shape of a record, which $filter and $orderby are evaluated against. */
export const shapedItem = (record: PositionRecord): Json => shapeComplex(workPosition, record.body);

/** One item as it appears in a response: its ETag first, then the selected properties. */
export function itemJson(record: PositionRecord, shaped: Json, select: readonly string[] | undefined): Json {
  const out: Json = { '@odata.etag': etagOf(record) };
  if (!select) return Object.assign(out, shaped);
  out.id = shaped.id;
  for (const name of select) out[name] = shaped[name];
  return out;
}

export function entityResponse(baseUrl: string, record: PositionRecord, select?: readonly string[]): Json {
  return {
    '@odata.context': `${contextUrl(baseUrl, record.userId, select)}/$entity`,
    ...itemJson(record, shapedItem(record), select),
  };
}

export function collectionResponse(
  baseUrl: string,
  userId: string,
  items: Json[],
  opts: { select?: readonly string[] | undefined; count?: number | undefined; nextLink?: string | undefined },
): Json {
  return {
    '@odata.context': contextUrl(baseUrl, userId, opts.select),
    ...(opts.count !== undefined ? { '@odata.count': opts.count } : {}),
    ...(opts.nextLink !== undefined ? { '@odata.nextLink': opts.nextLink } : {}),
    value: items,
  };
}
