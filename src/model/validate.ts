// Checks a client's JSON against a declared type and returns the canonical, sparse value to store.
// Every problem is collected (not just the first), each with the path of the property it concerns.
import type { ErrorDetail } from '../errors/catalogue.ts';
import { type ComplexType, type EnumType, type PrimitiveKind, type Property, type TypeRef, propertiesOf, qualifiedName, typeLabel } from './types.ts';
import { formatFlags, parseEnumMember, parseFlags } from './enums.ts';
import { clip } from './quote.ts';
import { didYouMean } from './suggest.ts';

export interface InputLimits {
  readonly maxStringLength: number;
  readonly maxCollectionItems: number;
  readonly maxProblems: number;
}

/**
 * `create`: nulls mean "not set" and are dropped. `patch`: nulls are kept, because in a PATCH body a
 * null clears the stored value (OData 4.01 §11.4.3).
 */
export type ValidationMode = 'create' | 'patch';

export type JsonObject = { [key: string]: unknown };

export interface ValidationResult {
  value: JsonObject;
  problems: ErrorDetail[];
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function validateBody(
  input: unknown,
  type: ComplexType,
  mode: ValidationMode,
  limits: InputLimits,
): ValidationResult {
  const problems: ErrorDetail[] = [];
  const ctx: Context = { mode, limits, problems };
  if (!isPlainObject(input)) {
    report(ctx, '', 'InvalidType', `The request body must be a JSON object (a ${qualifiedName(type)}), not ${describe(input)}.`);
    return { value: {}, problems };
  }
  const value = validateComplex(ctx, input, type, '');
  return { value, problems };
}

interface Context {
  readonly mode: ValidationMode;
  readonly limits: InputLimits;
  readonly problems: ErrorDetail[];
}

function report(ctx: Context, target: string, code: ErrorDetail['code'], message: string): void {
  if (ctx.problems.length < ctx.limits.maxProblems) ctx.problems.push({ code, message, target });
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

function validateComplex(ctx: Context, input: JsonObject, type: ComplexType, path: string): JsonObject {
  const props = propertiesOf(type);
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(input)) {
    if (key === '@odata.type') {
      checkODataType(ctx, raw, type, path);
      continue;
    }
    // Instance and property annotations (`@odata.etag`, `categories@odata.type`, `@x.y`) carry no data.
    if (key.includes('@')) continue;
    const prop = props.get(key);
    if (!prop) {
      if (!type.open) {
        report(ctx, join(path, clip(key)), 'UnknownProperty', `Property '${clip(key)}' does not exist on type '${qualifiedName(type)}'.${didYouMean(key, props.keys())}`);
      }
      continue;
    }
    const target = join(path, key);
    if (prop.serverOwned) continue;
    if (raw === null) {
      if (prop.nonNullable) {
        report(ctx, target, 'InvalidValue', `'${target}' cannot be null; expected ${describeType(prop)}.`);
      } else if (ctx.mode === 'patch') {
        out[key] = null;
      }
      continue;
    }
    const v = validateValue(ctx, raw, prop.type, target);
    if (v !== undefined) out[key] = v;
  }
  // A PATCH leaves what it does not name as it was; a new value must set every non-nullable property.
  if (ctx.mode === 'create') {
    for (const prop of props.values()) {
      if (prop.nonNullable && !prop.serverOwned && !(prop.name in input)) {
        const target = join(path, prop.name);
        report(ctx, target, 'MissingProperty', `'${target}' is required; expected ${describeType(prop)}.`);
      }
    }
  }
  return out;
}

/** The expected type of a property in a message, with the allowed values of an enum. */
function describeType(prop: Property): string {
  const t = prop.type;
  return t.kind === 'enum' ? `one of ${t.type.members.map(([n]) => n).join(', ')} (${qualifiedName(t.type)})` : typeLabel(t);
}

function checkODataType(ctx: Context, raw: unknown, type: ComplexType, path: string): void {
  const target = join(path, '@odata.type');
  const expected = qualifiedName(type);
  if (typeof raw !== 'string') {
    report(ctx, target, 'InvalidType', `'@odata.type' must be a string naming '#${expected}', not ${describe(raw)}.`);
    return;
  }
  const named = raw.startsWith('#') ? raw.slice(1) : raw;
  const alias = `graph.${type.name}`;
  if (named.toLowerCase() !== expected.toLowerCase() && named.toLowerCase() !== alias.toLowerCase()) {
    const where = path ? `'${path}'` : 'the request body';
    report(ctx, target, 'InvalidValue', `'@odata.type' is '${clip(raw)}', but ${where} is of type '#${expected}'.`);
  }
}

/** Returns the canonical value, or undefined when the value had problems (already reported). */
function validateValue(ctx: Context, raw: unknown, type: TypeRef, target: string): unknown {
  switch (type.kind) {
    case 'primitive':
      return validatePrimitive(ctx, raw, type.primitive, target);
    case 'enum':
      return validateEnum(ctx, raw, type.type, target);
    case 'complex':
      if (!isPlainObject(raw)) {
        report(ctx, target, 'InvalidType', `Expected a JSON object (${qualifiedName(type.type)}) for '${target}', got ${describe(raw)}.`);
        return undefined;
      }
      return validateComplex(ctx, raw, type.type, target);
    case 'collection':
      return validateCollection(ctx, raw, type, target);
  }
}

function validateCollection(ctx: Context, raw: unknown, type: TypeRef & { kind: 'collection' }, target: string): unknown {
  if (!Array.isArray(raw)) {
    report(ctx, target, 'InvalidType', `Expected a JSON array (${typeLabel(type)}) for '${target}', got ${describe(raw)}.`);
    return undefined;
  }
  const max = ctx.limits.maxCollectionItems;
  if (raw.length > max) {
    report(ctx, target, 'LimitExceeded', `'${target}' has ${raw.length} items; at most ${max} are allowed.`);
    return undefined;
  }
  const out: unknown[] = [];
  let ok = true;
  // A collection replaces the stored one whole, so inside its items a null means "unset", as on create.
  const itemCtx: Context = ctx.mode === 'create' ? ctx : { ...ctx, mode: 'create' };
  raw.forEach((item, i) => {
    const itemTarget = `${target}[${i}]`;
    if (item === null) {
      report(ctx, itemTarget, 'InvalidValue', `Items of '${target}' cannot be null (${typeLabel(type.of)} expected).`);
      ok = false;
      return;
    }
    const v = validateValue(itemCtx, item, type.of, itemTarget);
    if (v === undefined) ok = false;
    else out.push(v);
  });
  return ok ? out : undefined;
}

function validatePrimitive(ctx: Context, raw: unknown, kind: PrimitiveKind, target: string): unknown {
  const bad = (expected: string, code: ErrorDetail['code'] = 'InvalidType') => {
    report(ctx, target, code, `Expected ${expected} for '${target}', got ${describe(raw)}.`);
    return undefined;
  };
  switch (kind) {
    case 'String': {
      if (typeof raw !== 'string') return bad('a JSON string (Edm.String)');
      const max = ctx.limits.maxStringLength;
      if (raw.length > max) {
        report(ctx, target, 'LimitExceeded', `'${target}' is ${raw.length} characters long; at most ${max} are allowed.`);
        return undefined;
      }
      return raw;
    }
    case 'Boolean':
      return typeof raw === 'boolean' ? raw : bad('a JSON boolean, true or false (Edm.Boolean)');
    case 'Double':
      if (typeof raw !== 'number') return bad('a JSON number (Edm.Double)');
      // JSON.parse turns 1e400 into Infinity, which JSON cannot carry back out.
      return Number.isFinite(raw) ? raw : bad('a number within the range of Edm.Double', 'InvalidValue');
    case 'Int32':
      if (typeof raw !== 'number') return bad('a JSON number (Edm.Int32)');
      if (!Number.isInteger(raw) || raw < INT32_MIN || raw > INT32_MAX) {
        return bad(`a whole number from ${INT32_MIN} to ${INT32_MAX} (Edm.Int32)`, 'InvalidValue');
      }
      return raw;
    case 'Date':
      if (typeof raw !== 'string') return bad('a date string YYYY-MM-DD (Edm.Date)');
      return isCalendarDate(raw) ? raw : bad('a real calendar date as YYYY-MM-DD (Edm.Date)', 'InvalidValue');
    case 'DateTimeOffset':
      if (typeof raw !== 'string') return bad('a date-time string such as 2024-05-01T12:00:00Z (Edm.DateTimeOffset)');
      return isDateTimeOffset(raw) ? raw : bad('an ISO 8601 date-time with a time zone (Edm.DateTimeOffset)', 'InvalidValue');
    case 'Guid':
      if (typeof raw !== 'string') return bad('a GUID string (Edm.Guid)');
      return GUID.test(raw) ? raw.toLowerCase() : bad('a GUID such as 00000000-0000-0000-0000-000000000000 (Edm.Guid)', 'InvalidValue');
  }
}

function validateEnum(ctx: Context, raw: unknown, type: EnumType, target: string): unknown {
  const names = type.members.map(([n]) => n).join(', ');
  if (type.flags) {
    const parsed = parseFlags(type, raw);
    if (parsed.ok) return formatFlags(type, parsed.value);
    const shape = typeof raw === 'string' || Array.isArray(raw) ? 'InvalidValue' : 'InvalidType';
    report(
      ctx,
      target,
      shape,
      `${parsed.reason} for '${target}' (${qualifiedName(type)}). Allowed values: ${names}; several may be given as a comma-separated string or a JSON array of names.`,
    );
    return undefined;
  }
  if (typeof raw !== 'string') {
    report(ctx, target, 'InvalidType', `Expected a JSON string naming a ${qualifiedName(type)} member for '${target}', got ${describe(raw)}. Allowed values: ${names}.`);
    return undefined;
  }
  const member = parseEnumMember(type, raw);
  if (member === undefined) {
    report(ctx, target, 'InvalidValue', `'${clip(raw)}' is not a valid value for '${target}' (${qualifiedName(type)}). Allowed values: ${names}.`);
    return undefined;
  }
  return member;
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,7})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export function isDateTimeOffset(s: string): boolean {
  const m = DATE_TIME.exec(s);
  return m !== null && isCalendarDate(m[1]!);
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a JSON value reads in an error message: `a string ("true")`, `a number (1.5)`, `an object`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `a string (${JSON.stringify(clip(v, 40))})`;
    case 'number':
      return `a number (${v})`;
    case 'boolean':
      return `a boolean (${v})`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
