// Evaluates a checked $filter against one item (in its response shape), and compares items for
// $orderby. OData's rules: null equals only null; an ordering comparison with null is false; a
// function of null is null, and `not`, `and`, `or` carry null through (three-valued logic), so only
// a true result selects an item. Strings compare by code unit, dates and date-times by instant.
import { GraphError } from '../errors/graph-error.ts';
import type { EnumType } from '../model/types.ts';
import type { Expr } from './ast.ts';
import type { Checked, ExprType } from './check.ts';

type Item = Record<string, unknown>;
type Vars = ReadonlyMap<string, unknown>;
const NO_VARS: Vars = new Map();


/** Steps one request's filter may take over all items: bounds the work however the filter is written. */
export const EVALUATION_BUDGET = 2_000_000;

export interface Budget {
  left: number;
}

export const newBudget = (): Budget => ({ left: EVALUATION_BUDGET });

export function matches(checked: Checked, item: Item, budget: Budget = newBudget()): boolean {
  return evaluate(checked.expr, item, NO_VARS, checked, budget) === true;
}

function evaluate(e: Expr, item: Item, vars: Vars, c: Checked, budget: Budget): unknown {
  if (--budget.left < 0) {
    throw new GraphError('badRequest', 'The $filter is too expensive to evaluate over this collection; simplify it.');
  }
  switch (e.kind) {
    case 'literal':
      return c.enumValues.get(e) ?? e.value;
    case 'path':
      return walk(e.segments, item, vars);
    case 'logical': {
      const decisive = e.op === 'or';
      const l = evaluate(e.left, item, vars, c, budget);
      if (l === decisive) return l;
      const r = evaluate(e.right, item, vars, c, budget);
      if (r === decisive) return r;
      return l === null || r === null ? null : !decisive;
    }
    case 'not': {
      const v = evaluate(e.operand, item, vars, c, budget);
      return v === null ? null : !v;
    }
    case 'compare':
      return compare(e.op, operand(e.left, item, vars, c, budget), operand(e.right, item, vars, c, budget));
    case 'in': {
      const l = operand(e.left, item, vars, c, budget);
      return e.list.some((x) => compare('eq', l, operand(x, item, vars, c, budget)));
    }
    case 'has': {
      const l = operand(e.left, item, vars, c, budget) as number | null;
      const r = operand(e.right, item, vars, c, budget) as number;
      return l === null ? null : (l & r) === r;
    }
    case 'call': {
      const [a, b] = e.args.map((x) => evaluate(x, item, vars, c, budget) as string | null);
      if (e.name === 'tolower') return a == null ? null : a.toLowerCase();
      if (e.name === 'toupper') return a == null ? null : a.toUpperCase();
      if (a == null || b == null) return null;
      return e.name === 'startswith' ? a.startsWith(b) : e.name === 'endswith' ? a.endsWith(b) : a.includes(b);
    }
    case 'lambda': {
      const list = walk(e.collection.segments, item, vars);
      const items = Array.isArray(list) ? list : [];
      if (e.body === null) return items.length > 0;
      const test = (x: unknown) => evaluate(e.body!, item, new Map(vars).set(e.variable!, x), c, budget) === true;
      return e.op === 'any' ? items.some(test) : items.every(test);
    }
  }
}

/** The value at a property path (null where the path runs into a missing value); a lambda variable may start it. */
export function walk(segments: readonly string[], item: Item, vars: Vars = NO_VARS): unknown {
  const [first, ...rest] = segments;
  let v: unknown = vars.has(first!) ? vars.get(first!) : item[first!];
  for (const seg of rest) v = v !== null && typeof v === 'object' ? (v as Item)[seg] : null;
  return v ?? null;
}

/** A value made comparable according to its checked type: enums as numbers, instants normalised. */
function operand(e: Expr, item: Item, vars: Vars, c: Checked, budget: Budget): unknown {
  return comparable(c.types.get(e), evaluate(e, item, vars, c, budget));
}

export function comparable(t: ExprType | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (t?.k === 'enum' && typeof v === 'string') return enumNumber(t.type, v);
  if (t?.k === 'dateTimeOffset' && typeof v === 'string') return instant(v);
  if (t?.k === 'guid' && typeof v === 'string') return v.toLowerCase();
  return v;
}

function enumNumber(type: EnumType, canonical: string): number {
  return canonical.split(',').reduce((acc, n) => acc | (type.members.find(([m]) => m === n)?.[1] ?? 0), 0);
}

/** A DateTimeOffset as a sortable UTC string with seven fractional digits. */
export function instant(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return s;
  const ms = Date.parse(`${m[1]}:${m[2] ?? '00'}${m[4]}`);
  const frac = (m[3] ?? '').padEnd(7, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export function compare(op: string, l: unknown, r: unknown): boolean {
  if (op === 'eq') return l === r;
  if (op === 'ne') return l !== r;
  if (l === null || r === null) return false;
  const cmp = order(l, r);
  return op === 'gt' ? cmp > 0 : op === 'ge' ? cmp >= 0 : op === 'lt' ? cmp < 0 : cmp <= 0;
}

/** Total order for sorting: null first, then by value. */
export function order(l: unknown, r: unknown): number {
  if (l === r) return 0;
  if (l === null) return -1;
  if (r === null) return 1;
  return (l as number | string) < (r as number | string) ? -1 : 1;
}
