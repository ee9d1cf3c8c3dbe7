// OpenAPI 3.1 (JSON Schema 2020-12) schemas for the declared types, one per declaration and named as
// in Graph's own OpenAPI description (`microsoft.graph.workPosition`), so that generated clients get
// Graph's names. Base types are kept as `allOf` references, mirroring the CSDL inheritance.
import { type ComplexType, type EnumType, type PrimitiveKind, type Property, type TypeRef, qualifiedName } from './types.ts';
import { type DeclaredType, keyOf } from './entities.ts';

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

function propertySchema(p: Property, key: readonly string[]): Schema {
  const base = typeSchema(p.type);
  // Every property is nullable (SPEC §2) but the key, which every entity has.
  const schema = key.includes(p.name) ? base : orNull(base);
  if (p.serverOwned) schema.readOnly = true;
  if (p.createOnly) schema.description = 'Settable on create only; an update may repeat the stored value but not change it.';
  return schema;
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
    properties: Object.fromEntries(type.ownProperties.map((p) => [p.name, propertySchema(p, key)])),
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

