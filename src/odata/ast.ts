// The syntax tree of a $filter expression, and a compact printed form used by the table-driven tests.

export type LiteralKind = 'string' | 'number' | 'boolean' | 'null' | 'date' | 'dateTimeOffset' | 'guid' | 'enum';

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FunctionName = 'startswith' | 'endswith' | 'contains' | 'tolower' | 'toupper';

/** Every node carries `pos`: the 1-based character position in the expression where it starts. */
export type Expr =
  | { kind: 'literal'; type: LiteralKind; value: string | number | boolean | null; enumType?: string; pos: number }
  | { kind: 'path'; segments: string[]; pos: number }
  | { kind: 'compare'; op: ComparisonOp; left: Expr; right: Expr; pos: number }
  | { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr; pos: number }
  | { kind: 'not'; operand: Expr; pos: number }
  | { kind: 'has'; left: Expr; right: Expr; pos: number }
  | { kind: 'in'; left: Expr; list: Expr[]; pos: number }
  | { kind: 'call'; name: FunctionName; args: Expr[]; pos: number }
  | { kind: 'lambda'; op: 'any' | 'all'; collection: Expr & { kind: 'path' }; variable: string | null; body: Expr | null; pos: number };

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      if (e.type === 'string') return `'${String(e.value).replace(/'/g, "''")}'`;
      if (e.type === 'enum') return `${e.enumType ?? ''}'${String(e.value)}'`;
      return String(e.value);
    case 'path':
      return e.segments.join('/');
    case 'compare':
    case 'logical':
      return `(${e.op} ${printExpr(e.left)} ${printExpr(e.right)})`;
    case 'has':
      return `(has ${printExpr(e.left)} ${printExpr(e.right)})`;
    case 'not':
      return `(not ${printExpr(e.operand)})`;
    case 'in':
      return `(in ${printExpr(e.left)} [${e.list.map(printExpr).join(' ')}])`;
    case 'call':
      return `(${e.name} ${e.args.map(printExpr).join(' ')})`;
    case 'lambda':
      return e.body === null
        ? `(${e.op} ${printExpr(e.collection)})`
        : `(${e.op} ${printExpr(e.collection)} ${e.variable} ${printExpr(e.body)})`;
  }
}
