// The query options of the profile root (GET .../profile, SPEC §1): `$select` of collections and
// `$expand` of collections with options nested per collection, `skills($select=displayName;$top=2)`.
// Nested options are checked against the collection's entity type by the same code as a list's.
import { GraphError } from '../errors/graph-error.ts';
import { type Facet, facetNamed, facets } from '../model/facets.ts';
import { clip } from '../model/quote.ts';
import { didYouMean } from '../model/suggest.ts';
import { type CollectionQuery, parseQueryOptions } from './query-options.ts';

export interface InlineCollection {
  readonly facet: Facet;
  /** The options nested in its $expand item; undefined: every visible item, in the default order. */
  readonly query?: CollectionQuery;
}

export interface ProfileQuery {
  /** The collections to write inline, in the order of the facet table. */
  readonly collections: readonly InlineCollection[];
  /** What $select and $expand narrowed, as the @odata.context writes it (`skills,positions(id)`); undefined: nothing. */
  readonly contextSelect?: string;
}

const ALLOWED = ['select', 'expand', 'format'];
/** OData options that apply to one collection, not to the profile: they belong inside $expand. */
const PER_COLLECTION = ['filter', 'orderby', 'top', 'skip', 'count', 'search', 'skiptoken'];

const invalid = (message: string) => new GraphError('badRequest', message);
const collectionNames = () => facets.map((f) => f.collection).join(', ');

export function parseProfileQuery(rawQuery: string): ProfileQuery {
  let select: string | undefined;
  let expand: string | undefined;
  const seen = new Set<string>();
  for (const [rawName, value] of new URLSearchParams(rawQuery)) {
    const name = rawName.replace(/^\$/, '').toLowerCase();
    if (!rawName.startsWith('$') && !ALLOWED.includes(name) && !PER_COLLECTION.includes(name)) continue;
    if (PER_COLLECTION.includes(name)) {
      throw invalid(`Query option '$${name}' applies to a collection, not to the profile: nest it in $expand, e.g. $expand=skills($${name}=...).`);
    }
    if (!ALLOWED.includes(name)) throw invalid(`'${clip(rawName)}' is not a supported query option on the profile.`);
    if (seen.has(name)) throw invalid(`Query option '$${name}' is given more than once.`);
    seen.add(name);
    if (name === 'select') select = value;
    if (name === 'expand') expand = value;
    if (name === 'format' && !/^(json|application\/json)(;.*)?$/i.test(value)) throw invalid(`${rawName}=${clip(value)} is not supported; responses are JSON.`);
  }

  const selected = select === undefined ? undefined : parseSelect(select);
  const expanded = expand === undefined ? new Map<Facet, { query: CollectionQuery; nested: string }>() : parseExpand(expand);
  const included = (f: Facet) => selected === undefined || selected.has(f) || expanded.has(f);
  const collections = facets.filter(included).map((facet) => {
    const query = expanded.get(facet)?.query;
    return query ? { facet, query } : { facet };
  });
  if (selected === undefined && expand === undefined) return { collections };
  const narrowed = facets
    .filter((f) => selected?.has(f) || expanded.has(f))
    .map((f) => f.collection + (expanded.get(f)?.nested ?? ''));
  return { collections, contextSelect: [...(selected?.has('id') ? ['id'] : []), ...narrowed].join(',') || undefined };
}

function parseSelect(value: string): Set<Facet | 'id'> {
  const out = new Set<Facet | 'id'>();
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') throw invalid(`$select has an empty item: '${clip(value)}'.`);
    if (name === '*') return new Set([...facets, 'id']);
    if (name === 'id') {
      out.add('id');
      continue;
    }
    const facet = facetNamed(name);
    if (!facet) throw invalid(`$select=${clip(name)}: '${clip(name)}' is not a property of microsoft.graph.profile.${didYouMean(name, facets.map((f) => f.collection))} Its collections are ${collectionNames()}.`);
    out.add(facet);
  }
  return out;
}

function parseExpand(value: string): Map<Facet, { query: CollectionQuery; nested: string }> {
  const out = new Map<Facet, { query: CollectionQuery; nested: string }>();
  for (const item of splitTopLevel(value, ',', '$expand')) {
    const open = item.indexOf('(');
    const name = (open < 0 ? item : item.slice(0, open)).trim();
    if (name === '') throw invalid(`$expand has an empty item: '${clip(value)}'.`);
    const targets = name === '*' ? facets : [facetNamed(name)];
    if (targets[0] === undefined) {
      throw invalid(`$expand=${clip(name)}: '${clip(name)}' is not a navigation property of microsoft.graph.profile.${didYouMean(name, facets.map((f) => f.collection))} Its collections are ${collectionNames()}.`);
    }
    let options: Array<[string, string]> = [];
    if (open >= 0) {
      if (!item.trimEnd().endsWith(')')) throw invalid(`$expand=${clip(item)}: nested options must end with ')'.`);
      const inner = item.slice(open + 1, item.trimEnd().length - 1);
      options = splitTopLevel(inner, ';', `$expand=${name}(...)`).map((option) => {
        const eq = option.indexOf('=');
        if (eq < 0) throw invalid(`$expand=${clip(name)}(...): '${clip(option)}' is not an option of the form $name=value.`);
        return [option.slice(0, eq).trim(), option.slice(eq + 1).trim()];
      });
    }
    for (const facet of targets as Facet[]) {
      if (out.has(facet)) throw invalid(`$expand names '${facet.collection}' more than once.`);
      const nestedOption = options.find(([n]) => /^\$?(skiptoken|expand)$/i.test(n));
      if (nestedOption) throw invalid(`$expand=${facet.collection}(...): '${nestedOption[0]}' cannot be nested; inline collections are not paged.`);
      const query = parseQueryOptions(options, facet.type, 'collection');
      out.set(facet, { query, nested: query.select ? `(${query.select.join(',')})` : '' });
    }
  }
  return out;
}

/** Splits on `separator` outside parentheses and single-quoted OData string literals. */
function splitTopLevel(text: string, separator: string, where: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) throw invalid(`${where}: a ')' at position ${i} has no '(' before it.`);
    } else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw invalid(`${where}: a string literal is not closed.`);
  if (depth > 0) throw invalid(`${where}: a '(' is not closed.`);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}
