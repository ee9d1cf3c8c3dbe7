// Reads the OData system query options of a request (SPEC §5): `$` optional on beta, names
// case-insensitive, each at most once; parses and checks each against the type model. Any problem is a
// 400 that names the option and, inside an expression, the position.
import { GraphError } from '../errors/graph-error.ts';
import { clip } from '../model/quote.ts';
import { navigationOf } from '../model/entities.ts';
import { didYouMean } from '../model/suggest.ts';
import { type ComplexType, propertiesOf, qualifiedName } from '../model/types.ts';
import { type Checked, type ExprType, checkFilter, checkOrderBy } from './check.ts';
import { ODataSyntaxError, type OrderByItem, parseFilter, parseOrderBy } from './parser.ts';

export const MAX_TOP = 999;

export interface CollectionQuery {
  readonly filter?: { text: string; checked: Checked };
  readonly orderBy?: { text: string; items: OrderByItem[]; types: ExprType[] };
  readonly select?: string[];
  readonly top?: number;
  readonly skip?: number;
  readonly count: boolean;
  readonly skipToken?: string;
}

export type QueryShape = 'collection' | 'entity' | 'count';

const ALLOWED: Record<QueryShape, readonly string[]> = {
  collection: ['filter', 'orderby', 'select', 'top', 'skip', 'count', 'skiptoken', 'format'],
  entity: ['select', 'format'],
  count: ['filter', 'format'],
};

const KNOWN = ['filter', 'orderby', 'select', 'top', 'skip', 'count', 'skiptoken', 'format', 'expand', 'search', 'apply', 'compute', 'index', 'levels', 'deltatoken', 'schemaversion'];

const invalid = (message: string) => new GraphError('badRequest', message);

export function parseQuery(rawQuery: string, root: ComplexType, shape: QueryShape): CollectionQuery {
  return parseQueryOptions(new URLSearchParams(rawQuery), root, shape);
}

/** The same from decoded (name, value) pairs: a query string's, or the options nested in an $expand item. */
export function parseQueryOptions(entries: Iterable<readonly [string, string]>, root: ComplexType, shape: QueryShape): CollectionQuery {
  const options = new Map<string, { name: string; value: string }>();
  for (const [rawName, value] of entries) {
    const name = rawName.startsWith('$') ? rawName.slice(1).toLowerCase() : rawName.toLowerCase();
    // Names without `$` that are not OData options are custom query options, which OData lets through.
    if (!rawName.startsWith('$') && !KNOWN.includes(name)) continue;
    if (!KNOWN.includes(name)) throw invalid(`'${clip(rawName)}' is not a supported query option.`);
    if (name === 'expand') throw invalid(expandRefusal(root));
    if (name === 'search') throw invalid(`Query option '$search' is not supported on ${root.name}; use $filter.`);
    if (!ALLOWED[shape].includes(name)) {
      const where = shape === 'entity' ? 'a single item' : shape === 'count' ? '/$count' : 'this collection';
      throw invalid(`Query option '$${name}' is not supported on ${where}.`);
    }
    if (options.has(name)) throw invalid(`Query option '$${name}' is given more than once.`);
    options.set(name, { name: rawName, value });
  }

  const query: { -readonly [K in keyof CollectionQuery]: CollectionQuery[K] } = { count: false };
  for (const [name, { name: rawName, value }] of options) {
    switch (name) {
      case 'filter':
        query.filter = { text: value, checked: expression(rawName, value, () => checkFilter(parseFilter(value), root)) };
        break;
      case 'orderby':
        query.orderBy = expression(rawName, value, () => {
          const items = parseOrderBy(value);
          return { text: value, items, types: checkOrderBy(items, root) };
        });
        break;
      case 'select':
        query.select = parseSelect(value, root);
        break;
      case 'top':
        query.top = integer(rawName, value, 0, MAX_TOP);
        break;
      case 'skip':
        query.skip = integer(rawName, value, 0, Number.MAX_SAFE_INTEGER);
        break;
      case 'count':
        if (value !== 'true' && value !== 'false') throw invalid(`${rawName} must be true or false, not '${clip(value)}'.`);
        query.count = value === 'true';
        break;
      case 'skiptoken':
        query.skipToken = value;
        break;
      case 'format':
        if (!/^(json|application\/json)(;.*)?$/i.test(value)) throw invalid(`${rawName}=${clip(value)} is not supported; responses are JSON.`);
        break;
    }
  }
  return query;
}

/** Only the profile expands (its collections); everything else says where to go instead. */
function expandRefusal(root: ComplexType): string {
  const navigation = navigationOf(root);
  if (navigation.length > 0) {
    const names = navigation.map((n) => n.name).join(', ');
    return `Query option '$expand' is not supported on ${root.name}; read its ${names} at .../${navigation[0]!.name} instead, which holds every collection inline.`;
  }
  return `Query option '$expand' is not supported: ${root.name} has no navigation properties.`;
}

function expression<T>(option: string, text: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ODataSyntaxError) {
      throw invalid(`Invalid ${option} at position ${e.pos}: ${e.message}. (${option}=${clip(text, 200)})`);
    }
    // The parser bounds nesting; this is the backstop should the checker still recurse too deep.
    if (e instanceof RangeError) throw invalid(`${option} is nested too deeply.`);
    throw e;
  }
}

function integer(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw invalid(`${option} must be a whole number from ${min} to ${max}, not '${clip(value)}'.`);
  }
  return n;
}

function parseSelect(value: string, root: ComplexType): string[] | undefined {
  const names = value.split(',').map((s) => s.trim());
  if (names.includes('*')) return undefined;
  const props = propertiesOf(root);
  for (const name of names) {
    if (name === '') throw invalid(`$select has an empty item: '${clip(value)}'.`);
    if (name.includes('/')) throw invalid(`$select=${clip(name)}: selecting members of complex properties is not supported; select '${name.split('/')[0]}'.`);
    if (!props.has(name)) throw invalid(`$select=${clip(name)}: property '${clip(name)}' does not exist on type '${qualifiedName(root)}'.${didYouMean(name, props.keys())}`);
  }
  return [...new Set(names)];
}
