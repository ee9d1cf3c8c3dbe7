// A recursive-descent parser for the $filter subset of OData 4.01 URL conventions that SPEC §5 names,
// and for $orderby. No library fits: the OData parsers on npm are unmaintained or tied to other stacks.
//
//   or      := and ('or' and)*
//   and     := compare ('and' compare)*
//   compare := unary ((eq|ne|gt|ge|lt|le) unary)?
//   unary   := 'not' unary | primary ('has' primary | 'in' '(' primary (',' primary)* ')')?
//   primary := '(' or ')' | function '(' args ')' | literal | path ('/' (any|all) '(' [var ':' or] ')')?
import { isCalendarDate, isDateTimeOffset } from '../model/validate.ts';
import type { ComparisonOp, Expr, FunctionName } from './ast.ts';

/** Bounds that keep parsing, checking and evaluation linear and their recursion shallow. */
export const EXPRESSION_LIMITS = { maxLength: 4096, maxTokens: 600, maxDepth: 32 } as const;

export class ODataSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based position in the expression. */
    readonly pos: number,
  ) {
    super(message);
  }
}

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' | ':' | '/'; pos: number }
  | { t: 'ident'; v: string; pos: number }
  | { t: 'literal'; expr: Expr & { kind: 'literal' }; pos: number }
  | { t: 'end'; pos: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT:])/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

export function tokenize(text: string): Token[] {
  if (text.length > EXPRESSION_LIMITS.maxLength) {
    throw new ODataSyntaxError(`the expression is ${text.length} characters long; at most ${EXPRESSION_LIMITS.maxLength} are allowed`, EXPRESSION_LIMITS.maxLength + 1);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const pos = i + 1;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if ('(),:/'.includes(c)) {
      tokens.push({ t: 'punct', v: c as '(', pos });
      i++;
      continue;
    }
    if (c === "'") {
      const [value, end] = readString(text, i);
      tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'string', value, pos }, pos });
      i = end;
      continue;
    }
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = GUID.exec(rest))) {
      tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'guid', value: m[0].toLowerCase(), pos }, pos });
    } else if ((m = DATE_TIME.exec(rest))) {
      if (!isDateTimeOffset(m[0])) throw new ODataSyntaxError(`${m[0]} is not a valid date-time (Edm.DateTimeOffset)`, pos);
      tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'dateTimeOffset', value: m[0], pos }, pos });
    } else if ((m = DATE.exec(rest))) {
      if (!isCalendarDate(m[0])) throw new ODataSyntaxError(`${m[0]} is not a real calendar date (Edm.Date)`, pos);
      tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'date', value: m[0], pos }, pos });
    } else if ((m = NUMBER.exec(rest))) {
      tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'number', value: Number(m[0]), pos }, pos });
    } else if ((m = IDENT.exec(rest))) {
      const word = m[0];
      if (text[i + word.length] === "'") {
        // A qualified enum literal: microsoft.graph.allowedAudiences'organization'
        const [value, end] = readString(text, i + word.length);
        tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'enum', value, enumType: word, pos }, pos });
        i = end;
        continue;
      }
      if (word === 'true' || word === 'false') tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'boolean', value: word === 'true', pos }, pos });
      else if (word === 'null') tokens.push({ t: 'literal', expr: { kind: 'literal', type: 'null', value: null, pos }, pos });
      else tokens.push({ t: 'ident', v: word, pos });
    } else {
      throw new ODataSyntaxError(`unexpected character '${c}'`, pos);
    }
    i += m[0].length;
  }
  tokens.push({ t: 'end', pos: text.length + 1 });
  if (tokens.length > EXPRESSION_LIMITS.maxTokens) {
    throw new ODataSyntaxError(`the expression has ${tokens.length} terms; at most ${EXPRESSION_LIMITS.maxTokens} are allowed`, tokens[EXPRESSION_LIMITS.maxTokens]!.pos);
  }
  return tokens;
}

/** A single-quoted string starting at `start`; a doubled quote stands for one. Returns value and end. */
function readString(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  for (;;) {
    const j = text.indexOf("'", i);
    if (j < 0) throw new ODataSyntaxError('a string literal is not closed with a single quote', start + 1);
    value += text.slice(i, j);
    if (text[j + 1] === "'") {
      value += "'";
      i = j + 2;
    } else {
      return [value, j + 1];
    }
  }
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const OPERATORS = new Set([...COMPARISONS, 'and', 'or', 'not', 'has', 'in']);
const FUNCTIONS: Record<FunctionName, number> = { startswith: 2, endswith: 2, contains: 2, tolower: 1, toupper: 1 };

export function parseFilter(text: string): Expr {
  const p = new Parser(tokenize(text));
  if (p.peek().t === 'end') throw new ODataSyntaxError('the expression is empty', 1);
  const expr = p.or();
  p.expectEnd();
  return expr;
}

export interface OrderByItem {
  path: Expr & { kind: 'path' };
  direction: 'asc' | 'desc';
}

export function parseOrderBy(text: string): OrderByItem[] {
  const p = new Parser(tokenize(text));
  const items: OrderByItem[] = [];
  for (;;) {
    const start = p.peek();
    if (start.t === 'end') throw new ODataSyntaxError('expected a property path to order by, but found the end of the expression', start.pos);
    const expr = p.primary();
    if (expr.kind !== 'path') throw new ODataSyntaxError('expected a property path to order by', start.pos);
    let direction: 'asc' | 'desc' = 'asc';
    const next = p.peek();
    if (next.t === 'ident' && (next.v === 'asc' || next.v === 'desc')) {
      direction = next.v;
      p.next();
    }
    items.push({ path: expr, direction });
    if (!p.accept(',')) break;
  }
  const rest = p.peek();
  if (rest.t !== 'end') {
    throw new ODataSyntaxError(`found ${describe(rest)} where asc, desc, a comma before the next property, or the end was expected`, rest.pos);
  }
  return items;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }
  next(): Token {
    return this.tokens[this.i++]!;
  }
  accept(v: string): boolean {
    const t = this.peek();
    if (t.t === 'punct' && t.v === v) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(v: string, what: string): void {
    if (!this.accept(v)) throw new ODataSyntaxError(`expected '${v}' ${what} but found ${describe(this.peek())}`, this.peek().pos);
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.t !== 'end') throw new ODataSyntaxError(`found ${describe(t)} where an operator such as and, or, eq was expected`, t.pos);
  }
  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.t === 'ident' && t.v === word) {
      this.i++;
      return true;
    }
    return false;
  }

  or(): Expr {
    let left = this.and();
    for (let t = this.peek(); this.keyword('or'); t = this.peek()) left = { kind: 'logical', op: 'or', left, right: this.and(), pos: t.pos };
    return left;
  }

  and(): Expr {
    let left = this.compare();
    for (let t = this.peek(); this.keyword('and'); t = this.peek()) left = { kind: 'logical', op: 'and', left, right: this.compare(), pos: t.pos };
    return left;
  }

  compare(): Expr {
    const left = this.unary();
    const t = this.peek();
    if (t.t === 'ident' && COMPARISONS.has(t.v)) {
      this.next();
      return { kind: 'compare', op: t.v as ComparisonOp, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  /** OData's precedence: `not` binds tighter than the comparisons, `has` and `in` tighter still. */
  unary(): Expr {
    const t = this.peek();
    if (this.keyword('not')) return this.nested(() => ({ kind: 'not', operand: this.unary(), pos: t.pos }), t.pos);
    const operand = this.primary();
    const op = this.peek();
    if (op.t === 'ident' && op.v === 'has') {
      this.next();
      return { kind: 'has', left: operand, right: this.primary(), pos: op.pos };
    }
    if (op.t === 'ident' && op.v === 'in') {
      this.next();
      this.expect('(', "after 'in'");
      const list = [this.primary()];
      while (this.accept(',')) list.push(this.primary());
      this.expect(')', "to close the 'in' list");
      return { kind: 'in', left: operand, list, pos: op.pos };
    }
    return operand;
  }

  private depth = 0;

  /** Nesting (parentheses, `not`, function calls, lambdas) is bounded, so recursion stays shallow. */
  private nested<T>(parse: () => T, pos: number): T {
    if (++this.depth > EXPRESSION_LIMITS.maxDepth) {
      throw new ODataSyntaxError(`the expression nests more than ${EXPRESSION_LIMITS.maxDepth} levels deep`, pos);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  primary(): Expr {
    const t = this.next();
    if (t.t === 'punct' && t.v === '(') {
      return this.nested(() => {
        const inner = this.or();
        this.expect(')', 'to close the parenthesis');
        return inner;
      }, t.pos);
    }
    if (t.t === 'literal') return t.expr;
    if (t.t === 'ident') {
      if (t.v in FUNCTIONS && this.accept('(')) return this.nested(() => this.call(t.v as FunctionName, t.pos), t.pos);
      if (OPERATORS.has(t.v)) {
        throw new ODataSyntaxError(`expected a property, a literal or a function, but found the operator '${t.v}'`, t.pos);
      }
      return this.path(t);
    }
    throw new ODataSyntaxError(`expected a property, a literal or a function, but found ${describe(t)}`, t.pos);
  }

  private call(name: FunctionName, pos: number): Expr {
    const args: Expr[] = [];
    if (!this.accept(')')) {
      do args.push(this.or());
      while (this.accept(','));
      this.expect(')', `to close ${name}(`);
    }
    if (args.length !== FUNCTIONS[name]) {
      throw new ODataSyntaxError(`${name} takes ${FUNCTIONS[name]} argument${FUNCTIONS[name] > 1 ? 's' : ''}, got ${args.length}`, pos);
    }
    return { kind: 'call', name, args, pos };
  }

  private path(first: Token & { t: 'ident' }): Expr {
    const segments = [first.v];
    while (this.accept('/')) {
      const seg = this.next();
      if (seg.t !== 'ident' || OPERATORS.has(seg.v)) {
        throw new ODataSyntaxError(`expected a property name after '/' but found ${seg.t === 'ident' ? `the operator '${seg.v}'` : describe(seg)}`, seg.pos);
      }
      if ((seg.v === 'any' || seg.v === 'all') && this.accept('(')) {
        return this.nested(() => this.lambda(seg.v as 'any' | 'all', { kind: 'path', segments, pos: first.pos }, seg.pos), seg.pos);
      }
      segments.push(seg.v);
    }
    return { kind: 'path', segments, pos: first.pos };
  }

  private lambda(op: 'any' | 'all', collection: Expr & { kind: 'path' }, pos: number): Expr {
    if (this.accept(')')) {
      if (op === 'all') throw new ODataSyntaxError('all() needs a condition: all(x: ...)', pos);
      return { kind: 'lambda', op, collection, variable: null, body: null, pos };
    }
    const v = this.next();
    if (v.t !== 'ident' || v.v.includes('.')) throw new ODataSyntaxError(`expected a variable name in ${op}( but found ${describe(v)}`, v.pos);
    this.expect(':', `after the variable '${v.v}'`);
    const body = this.or();
    this.expect(')', `to close ${op}(`);
    return { kind: 'lambda', op, collection, variable: v.v, body, pos };
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'the end of the expression';
    case 'punct':
      return `'${t.v}'`;
    case 'ident':
      return `'${t.v}'`;
    case 'literal':
      return `the literal ${t.expr.type === 'string' ? `'${String(t.expr.value)}'` : String(t.expr.value)}`;
  }
}
