// Filtering, ordering and paging of one user's items, in memory (docs/decisions/odata-in-memory.md).
// Pages are cut by keyset, not by offset: the $skiptoken holds the sort key of the last item sent, so
// items created or deleted between pages never make another item appear twice or go missing.
import { GraphError } from '../errors/graph-error.ts';
import type { ExprType } from './check.ts';
import { comparable, matches, newBudget, order, walk } from './evaluate.ts';
import type { CollectionQuery } from './query-options.ts';

export const DEFAULT_PAGE_SIZE = 10;

type Item = Record<string, unknown>;

interface SortKey {
  readonly path: readonly string[];
  readonly type: ExprType | undefined;
  readonly descending: boolean;
}

/** The default order, and the tie-breakers that make every order total: createdDateTime, then id. */
const TIE_BREAKERS: readonly SortKey[] = [
  { path: ['createdDateTime'], type: { k: 'dateTimeOffset' }, descending: false },
  { path: ['id'], type: { k: 'string' }, descending: false },
];

export interface Page {
  readonly items: Item[];
  readonly count: number;
  /** Present when more items follow. */
  readonly nextSkipToken?: string;
}

export function applyQuery(all: readonly Item[], q: CollectionQuery): Page {
  const budget = newBudget();
  const filtered = q.filter ? all.filter((item) => matches(q.filter!.checked, item, budget)) : [...all];
  const keys = sortKeys(q);
  const keyOf = (item: Item) => keys.map((k) => comparable(k.type, walk(k.path, item)));
  const compareKeys = (a: unknown[], b: unknown[]) => {
    for (let i = 0; i < keys.length; i++) {
      const c = order(a[i], b[i]);
      if (c !== 0) return keys[i]!.descending ? -c : c;
    }
    return 0;
  };
  const sorted = filtered.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => compareKeys(a.key, b.key));

  let start = q.skip ?? 0;
  if (q.skipToken !== undefined) {
    const after = decodeSkipToken(q.skipToken, orderSignature(q), keys.length);
    start = sorted.findIndex((s) => compareKeys(s.key, after) > 0);
    if (start < 0) start = sorted.length;
  }
  const size = q.top ?? DEFAULT_PAGE_SIZE;
  const page = sorted.slice(start, start + size);
  const more = start + size < sorted.length && page.length > 0;
  return {
    items: page.map((s) => s.item),
    count: filtered.length,
    ...(more ? { nextSkipToken: encodeSkipToken(orderSignature(q), page[page.length - 1]!.key) } : {}),
  };
}

function sortKeys(q: CollectionQuery): SortKey[] {
  const explicit: SortKey[] = (q.orderBy?.items ?? []).map((item, i) => ({
    path: item.path.segments,
    type: q.orderBy!.types[i],
    descending: item.direction === 'desc',
  }));
  const named = new Set(explicit.map((k) => k.path.join('/')));
  return [...explicit, ...TIE_BREAKERS.filter((k) => !named.has(k.path.join('/')))];
}

/** A skiptoken is valid only with the $orderby it was cut for. */
export const orderSignature = (q: CollectionQuery) => q.orderBy?.text.replace(/\s+/g, ' ').trim() ?? '';

export function encodeSkipToken(signature: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify({ o: signature, k: key })).toString('base64url');
}

export function decodeSkipToken(token: string, signature: string, keyCount: number): unknown[] {
  const bad = () => new GraphError('badRequest', 'The $skiptoken is not valid for this request; follow @odata.nextLink as it was given.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { o, k } = (parsed ?? {}) as { o?: unknown; k?: unknown };
  if (o !== signature || !Array.isArray(k) || k.length !== keyCount) throw bad();
  if (!k.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) throw bad();
  return k;
}

/** The query of an @odata.nextLink: the request's options as they were, with $skip replaced by the token. */
export function nextLinkQuery(q: CollectionQuery, skipToken: string): string {
  const parts: Array<[string, string]> = [];
  if (q.filter) parts.push(['$filter', q.filter.text]);
  if (q.orderBy) parts.push(['$orderby', q.orderBy.text]);
  if (q.select) parts.push(['$select', q.select.join(',')]);
  if (q.top !== undefined) parts.push(['$top', String(q.top)]);
  if (q.count) parts.push(['$count', 'true']);
  parts.push(['$skiptoken', skipToken]);
  return parts.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/**
 * Whether the database can cut the page itself: no $filter, $orderby or $select, so the order is the
 * default one, which the storage index keeps, and items are served as stored.
 */
export const isDefaultOrderQuery = (q: CollectionQuery): boolean => !q.filter && !q.orderBy && !q.select;

/** The rows to ask storage for, for a query in the default order: one more than the page, to learn whether more follow. */
export function defaultOrderWindow(q: CollectionQuery): { after?: [string, string]; offset: number; limit: number } {
  const size = q.top ?? DEFAULT_PAGE_SIZE;
  if (q.skipToken === undefined) return { offset: q.skip ?? 0, limit: size + 1 };
  const [created, id] = decodeSkipToken(q.skipToken, orderSignature(q), TIE_BREAKERS.length);
  if (typeof created !== 'string' || typeof id !== 'string') {
    throw new GraphError('badRequest', 'The $skiptoken is not valid for this request; follow @odata.nextLink as it was given.');
  }
  return { after: [created, id], offset: 0, limit: size + 1 };
}

/** The page of `rows` (as defaultOrderWindow asked for them), with the skiptoken of the next page when more follow. */
export function defaultOrderPage<T extends { createdDateTime: string; id: string }>(rows: readonly T[], q: CollectionQuery): { items: T[]; nextSkipToken?: string } {
  const size = q.top ?? DEFAULT_PAGE_SIZE;
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  if (rows.length <= size || !last) return { items };
  return { items, nextSkipToken: encodeSkipToken(orderSignature(q), [last.createdDateTime, last.id]) };
}
