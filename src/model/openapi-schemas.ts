// OpenAPI 3.1 (JSON Schema 2020-12) schemas for the declared types, one per declaration and named as
// in Graph's own OpenAPI description (`microsoft.graph.workPosition`), so that generated clients get
// Graph's names. Base types are kept as `allOf` references, mirroring the CSDL inheritance; navigation
// properties (user.profile, the profile's collections) are listed as Graph's own document lists them.
import { type ComplexType, type EnumType, type PrimitiveKind, type Property, type TypeRef, qualifiedName } from './types.ts';
import { type DeclaredType, type NavigationProperty, keyOf, navigationOf } from './entities.ts';
import { nullableOf } from './csdl.ts';

export type Schema = Record<string, unknown>;

export const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const DATE = '[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])';

/** Graph's own patterns for the string-encoded primitives, so that validators check more than `format` hints. */
const PRIMITIVES: Record<PrimitiveKind, Schema> = {
  String: { type: 'string' },
  Boolean: { type: 'boolean' },
  Double: { type: 'number', format: 'double' },
  Int32: { type: 'integer', format: 'int32', minimum: -2147483648, maximum: 2147483647 },
  Date: { type: 'string', format: 'date', pattern: `^${DATE}$` },
  DateTimeOffset: {
    type: 'string',
    format: 'date-time',
    pattern: `^${DATE}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$`,
  },
  Guid: { type: 'string', format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
};

/** The schema of a value of type `t`, null not included. */
export function typeSchema(t: TypeRef): Schema {
  switch (t.kind) {
    case 'primitive':
      return { ...PRIMITIVES[t.primitive] };
    case 'enum':
    case 'complex':
      return schemaRef(qualifiedName(t.type));
    case 'collection':
      // Validation refuses null items, so only the collection itself may be null.
      return { type: 'array', items: typeSchema(t.of) };
  }
}

/** `s` or null: a type array where the schema has one type, otherwise anyOf (a $ref cannot carry a type). */
export function orNull(s: Schema): Schema {
  return typeof s.type === 'string' ? { ...s, type: [s.type, 'null'] } : { anyOf: [s, { type: 'null' }] };
}

/**
 * Null is allowed where $metadata says Nullable="true" (csdl.ts), that is everywhere but the key and
 * the NN properties of SPEC §2a. On a collection CSDL's Nullable="false" speaks of its items, which
 * typeSchema never lets be null; the collection itself is written as null while unset.
 */
function allowsNull(p: Property, key: readonly string[]): boolean {
  return p.type.kind === 'collection' || nullableOf(p, key) === 'true';
}

function propertySchema(p: Property, key: readonly string[]): Schema {
  const base = typeSchema(p.type);
  const schema = allowsNull(p, key) ? orNull(base) : base;
  if (p.serverOwned) schema.readOnly = true;
  const notes = [
    ...(p.createOnly ? ['Settable on create only; an update may repeat the stored value but not change it.'] : []),
    ...(p.nonNullable ? ['Not nullable: a create must set it and an update may not clear it.'] : []),
  ];
  if (notes.length > 0) schema.description = notes.join(' ');
  return schema;
}

/** As in Graph's OpenAPI: a contained collection is an array of its type, a single navigation its type or null. */
function navigationSchema(n: NavigationProperty): Schema {
  const target = schemaRef(qualifiedName(n.target));
  return { ...(n.collection ? { type: 'array', items: target } : orNull(target)), 'x-ms-navigationProperty': true };
}

function rootKey(type: ComplexType): readonly string[] {
  let t: ComplexType = type;
  while (t.base) t = t.base;
  return keyOf(t) ?? [];
}

function complexSchema(type: ComplexType): Schema {
  const key = rootKey(type);
  const own: Schema = {
    type: 'object',
    properties: Object.fromEntries([
      ...type.ownProperties.map((p) => [p.name, propertySchema(p, key)]),
      ...navigationOf(type).map((n) => [n.name, navigationSchema(n)]),
    ]),
  };
  if (type.open) {
    own.additionalProperties = true;
    own.description = 'Open type: properties beyond those declared are accepted and kept.';
  }
  const schema: Schema = type.base ? { allOf: [schemaRef(qualifiedName(type.base)), own] } : own;
  return { title: type.name, ...schema };
}

function enumSchema(type: EnumType): Schema {
  const names = type.members.map(([n]) => n);
  if (!type.flags) return { title: type.name, type: 'string', enum: names };
  return {
    title: type.name,
    type: 'string',
    description:
      `Flags: a comma-separated list of member names (${names.join(', ')}), written in declaration order. ` +
      'On input, names match in any case, spaces after commas are allowed, and a JSON array of names is accepted too.',
    'x-ms-enum-flags': { isFlags: true },
  };
}

/** A schema for every declared type, keyed by its qualified name. */
export function typeSchemas(types: readonly DeclaredType[]): Record<string, Schema> {
  return Object.fromEntries(types.map((t) => [qualifiedName(t), t.kind === 'enum' ? enumSchema(t) : complexSchema(t)]));
}

