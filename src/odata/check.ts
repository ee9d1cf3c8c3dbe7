// Checks a parsed $filter or $orderby against the type model: every path exists, every operator is
// applied to operands of types it accepts, enum members are real. The result annotates the tree
// with types, which is all the evaluator needs.
import { parseEnumMember } from '../model/enums.ts';
import { didYouMeanInline } from '../model/suggest.ts';
import { serviceTypes } from '../model/entities.ts';
import { type ComplexType, type EnumType, type TypeRef, propertiesOf, qualifiedName, typeLabel } from '../model/types.ts';
import type { Expr } from './ast.ts';
import type { OrderByItem } from './parser.ts';
import { ODataSyntaxError } from './parser.ts';

export type ExprType =
  | { k: 'boolean' | 'string' | 'number' | 'date' | 'dateTimeOffset' | 'guid' | 'null' }
  | { k: 'enum'; type: EnumType }
  | { k: 'complex'; type: ComplexType }
  | { k: 'collection'; of: TypeRef };

export interface Checked {
  readonly expr: Expr;
  readonly types: WeakMap<Expr, ExprType>;
  /** Numeric values of enum literals (and of string literals compared with enums), already checked. */
  readonly enumValues: WeakMap<Expr, number>;
}

const ENUM_TYPES: readonly EnumType[] = serviceTypes.filter((t): t is EnumType => t.kind === 'enum');

function fromTypeRef(t: TypeRef): ExprType {
  switch (t.kind) {
    case 'primitive':
      switch (t.primitive) {
        case 'String':
          return { k: 'string' };
        case 'Boolean':
          return { k: 'boolean' };
        case 'Double':
        case 'Int32':
          return { k: 'number' };
        case 'Date':
          return { k: 'date' };
        case 'DateTimeOffset':
          return { k: 'dateTimeOffset' };
        case 'Guid':
          return { k: 'guid' };
      }
    // eslint-disable-next-line no-fallthrough
    case 'enum':
      return { k: 'enum', type: t.type };
    case 'complex':
      return { k: 'complex', type: t.type };
    case 'collection':
      return { k: 'collection', of: t.of };
  }
}

const label = (t: ExprType): string => {
  switch (t.k) {
    case 'enum':
    case 'complex':
      return qualifiedName(t.type);
    case 'collection':
      return typeLabel({ kind: 'collection', of: t.of });
    case 'null':
      return 'null';
    default:
      return { boolean: 'Edm.Boolean', string: 'Edm.String', number: 'a number', date: 'Edm.Date', dateTimeOffset: 'Edm.DateTimeOffset', guid: 'Edm.Guid' }[t.k];
  }
};

const fail = (message: string, at: Expr): never => {
  throw new ODataSyntaxError(message, at.pos);
};

export function checkFilter(expr: Expr, root: ComplexType): Checked {
  const checked: Checked = { expr, types: new WeakMap(), enumValues: new WeakMap() };
  const t = typeOf(expr, root, new Map(), checked);
  if (t.k !== 'boolean') fail(`the filter must be a true/false condition, but this is ${label(t)}`, expr);
  return checked;
}

/** The type of each $orderby key, which must be a single value. */
export function checkOrderBy(items: OrderByItem[], root: ComplexType): ExprType[] {
  return items.map((item) => {
    const t = resolvePath(item.path, root, new Map());
    if (t.k === 'complex' || t.k === 'collection') {
      fail(`cannot order by ${item.path.segments.join('/')}: it is ${label(t)}, not a single value`, item.path);
    }
    return t;
  });
}

type Scope = Map<string, TypeRef>;

function resolvePath(e: Expr & { kind: 'path' }, root: ComplexType, scope: Scope): ExprType {
  const [first, ...rest] = e.segments;
  let current: ExprType = scope.has(first!) ? fromTypeRef(scope.get(first!)!) : stepInto({ k: 'complex', type: root }, first!, e);
  for (const seg of rest) current = stepInto(current, seg, e);
  return current;
}

function stepInto(from: ExprType, name: string, e: Expr & { kind: 'path' }): ExprType {
  if (from.k === 'collection') fail(`${e.segments.join('/')}: a collection's items are reached with any() or all(), not '/${name}'`, e);
  if (from.k !== 'complex') fail(`${e.segments.join('/')}: '${name}' cannot follow a value of type ${label(from)}`, e);
  const type = (from as { type: ComplexType }).type;
  const prop = propertiesOf(type).get(name);
  if (!prop) fail(`property '${name}' does not exist on type '${qualifiedName(type)}'${didYouMeanInline(name, propertiesOf(type).keys())}`, e);
  return fromTypeRef(prop!.type);
}

function typeOf(e: Expr, root: ComplexType, scope: Scope, c: Checked): ExprType {
  const t = computeType(e, root, scope, c);
  c.types.set(e, t);
  return t;
}

function computeType(e: Expr, root: ComplexType, scope: Scope, c: Checked): ExprType {
  switch (e.kind) {
    case 'literal':
      if (e.type === 'enum') {
        const type = ENUM_TYPES.find((t) => [qualifiedName(t), `graph.${t.name}`].includes(e.enumType!) || t.name === e.enumType);
        if (!type) fail(`'${e.enumType}' is not an enum type of this service`, e);
        c.enumValues.set(e, enumValue(type!, String(e.value), e));
        return { k: 'enum', type: type! };
      }
      return { k: e.type === 'number' ? 'number' : e.type } as ExprType;
    case 'path':
      return resolvePath(e, root, scope);
    case 'logical': {
      for (const side of [e.left, e.right]) {
        const t = typeOf(side, root, scope, c);
        if (t.k !== 'boolean') fail(`'${e.op}' joins true/false conditions, but this is ${label(t)}`, side);
      }
      return { k: 'boolean' };
    }
    case 'not': {
      const t = typeOf(e.operand, root, scope, c);
      if (t.k !== 'boolean') fail(`'not' applies to a true/false condition, but this is ${label(t)}`, e.operand);
      return { k: 'boolean' };
    }
    case 'compare':
      checkComparable(e.op, e.left, e.right, root, scope, c);
      return { k: 'boolean' };
    case 'in': {
      for (const item of e.list) checkComparable('eq', e.left, item, root, scope, c);
      return { k: 'boolean' };
    }
    case 'has': {
      const left = typeOf(e.left, root, scope, c);
      if (left.k !== 'enum' || !left.type.flags) fail(`'has' tests flags; the left side must be a flags enum such as allowedAudiences, not ${label(left)}`, e.left);
      const right = typeOf(e.right, root, scope, c);
      if (!bindEnumLiteral(e.right, right, (left as { type: EnumType }).type, c)) fail(`'has' needs a member of ${label(left)} on the right`, e.right);
      return { k: 'boolean' };
    }
    case 'call': {
      const args = e.args.map((a) => typeOf(a, root, scope, c));
      args.forEach((t, i) => {
        if (t.k !== 'string' && t.k !== 'null') fail(`${e.name} takes Edm.String arguments, but argument ${i + 1} is ${label(t)}`, e.args[i]!);
      });
      return e.name === 'tolower' || e.name === 'toupper' ? { k: 'string' } : { k: 'boolean' };
    }
    case 'lambda': {
      const coll = typeOf(e.collection, root, scope, c);
      if (coll.k !== 'collection') fail(`${e.op}() applies to a collection, but ${e.collection.segments.join('/')} is ${label(coll)}`, e.collection);
      if (e.body) {
        // Each nested lambda multiplies the work by a collection's length.
        if (scope.size >= MAX_LAMBDA_NESTING) fail(`any() and all() may be nested at most ${MAX_LAMBDA_NESTING} deep`, e);
        if (scope.has(e.variable!) || propertiesOf(root).has(e.variable!)) fail(`the variable name '${e.variable}' is already in use`, e);
        const inner = new Map(scope).set(e.variable!, (coll as { of: TypeRef }).of);
        const t = typeOf(e.body, root, inner, c);
        if (t.k !== 'boolean') fail(`the condition of ${e.op}() must be true/false, but this is ${label(t)}`, e.body);
      }
      return { k: 'boolean' };
    }
  }
}

export const MAX_LAMBDA_NESTING = 2;

const ORDERED = new Set(['string', 'number', 'date', 'dateTimeOffset', 'enum']);

function checkComparable(op: string, leftE: Expr, rightE: Expr, root: ComplexType, scope: Scope, c: Checked): void {
  const left = typeOf(leftE, root, scope, c);
  const right = typeOf(rightE, root, scope, c);
  for (const [t, e] of [
    [left, leftE],
    [right, rightE],
  ] as const) {
    if (t.k === 'collection') fail(`${describeOperand(e)} is a collection: test its items with any() or all()`, e);
    if (t.k === 'complex' && (op === 'eq' || op === 'ne') && (t === left ? right : left).k !== 'null') {
      fail(`${describeOperand(e)} is a complex value (${label(t)}); it can only be compared with null`, e);
    }
    if (t.k === 'complex' && op !== 'eq' && op !== 'ne') fail(`'${op}' cannot order ${label(t)} values`, e);
  }
  if (left.k === 'null' || right.k === 'null') {
    if (op !== 'eq' && op !== 'ne') fail(`'${op}' cannot compare with null; use eq null or ne null`, left.k === 'null' ? leftE : rightE);
    return;
  }
  if (op !== 'eq' && op !== 'ne' && !ORDERED.has(left.k)) fail(`'${op}' needs values that have an order, but ${describeOperand(leftE)} is ${label(left)}`, leftE);
  if (left.k === 'enum' && bindEnumLiteral(rightE, right, left.type, c)) return;
  if (right.k === 'enum' && bindEnumLiteral(leftE, left, right.type, c)) return;
  const same = left.k === right.k || ([left.k, right.k].every((k) => k === 'string' || k === 'guid'));
  if (!same) fail(`'${op}' cannot compare ${describeOperand(leftE)} (${label(left)}) with ${describeOperand(rightE)} (${label(right)})`, rightE);
}

/** A string or enum literal standing for a member of `type`; records its numeric value. */
function bindEnumLiteral(e: Expr, t: ExprType, type: EnumType, c: Checked): boolean {
  if (e.kind !== 'literal') return t.k === 'enum' && t.type === type;
  if (e.type === 'enum') {
    if (t.k === 'enum' && t.type !== type) fail(`${qualifiedName(t.type)} cannot be compared with ${qualifiedName(type)}`, e);
    return true;
  }
  if (e.type !== 'string') fail(`expected a member of ${qualifiedName(type)} (as a string), not ${label(t)}`, e);
  c.enumValues.set(e, enumValue(type, String(e.value), e));
  return true;
}

function enumValue(type: EnumType, name: string, at: Expr): number {
  const names = name.split(',').map((n) => parseEnumMember(type, n));
  if (names.some((n) => n === undefined) || (!type.flags && names.length > 1)) {
    fail(`'${name}' is not a member of ${qualifiedName(type)}; allowed: ${type.members.map(([n]) => n).join(', ')}`, at);
  }
  return names.reduce((acc, n) => acc | type.members.find(([m]) => m === n)![1], 0);
}

const describeOperand = (e: Expr): string => (e.kind === 'path' ? e.segments.join('/') : e.kind === 'literal' ? 'the literal' : 'the expression');
