// The vocabulary in which the Graph types are declared (see graph-types.ts). Validation, the
// null-filled response shape, PATCH merging and (later) $metadata and OpenAPI all walk these
// declarations, so a property declared once is handled everywhere.

export const NAMESPACE = 'microsoft.graph';

export type PrimitiveKind = 'String' | 'Boolean' | 'Double' | 'Int32' | 'Date' | 'DateTimeOffset' | 'Guid';

export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  readonly flags: boolean;
  /** Members in declaration order, with their numeric values. */
  readonly members: ReadonlyArray<readonly [name: string, value: number]>;
}

export interface ComplexType {
  readonly kind: 'complex';
  readonly name: string;
  readonly base?: ComplexType;
  /** Open types accept properties that are not declared (Graph: identitySet, identity). */
  readonly open: boolean;
  readonly abstract: boolean;
  /** Only the properties declared on this type, not its bases. */
  readonly ownProperties: ReadonlyArray<Property>;
}

export type TypeRef =
  | { readonly kind: 'primitive'; readonly primitive: PrimitiveKind }
  | { readonly kind: 'enum'; readonly type: EnumType }
  | { readonly kind: 'complex'; readonly type: ComplexType }
  | { readonly kind: 'collection'; readonly of: TypeRef };

export interface Property {
  readonly name: string;
  readonly type: TypeRef;
  /** Set by the server; ignored when a client sends it (OData 4.01 §11.4.2). */
  readonly serverOwned: boolean;
  /** Settable on create only; a PATCH may repeat the stored value but not change it. */
  readonly createOnly: boolean;
  /** Nullable="false": a create must set it and a PATCH may not clear it (SPEC §2a, NN). */
  readonly nonNullable: boolean;
}

interface PropertyOptions {
  serverOwned?: boolean;
  createOnly?: boolean;
  nonNullable?: boolean;
}

/** A property declaration before it is given its name by the object key it is declared under. */
export interface PropertySpec {
  readonly type: TypeRef;
  readonly options: PropertyOptions;
}

type Declarable = TypeRef | PropertySpec;

const isSpec = (d: Declarable): d is PropertySpec => 'options' in d;

export const primitive = (p: PrimitiveKind): TypeRef => ({ kind: 'primitive', primitive: p });
/** The primitive types, named as OData's CSDL names them. */
export const Edm = Object.freeze({
  String: primitive('String'),
  Boolean: primitive('Boolean'),
  Double: primitive('Double'),
  Int32: primitive('Int32'),
  Date: primitive('Date'),
  DateTimeOffset: primitive('DateTimeOffset'),
  Guid: primitive('Guid'),
});

export const collection = (of: TypeRef): TypeRef => ({ kind: 'collection', of });
export const ref = (type: ComplexType | EnumType): TypeRef =>
  type.kind === 'enum' ? { kind: 'enum', type } : { kind: 'complex', type };

export const serverOwned = (type: TypeRef): PropertySpec => ({ type, options: { serverOwned: true } });
export const createOnly = (type: TypeRef): PropertySpec => ({ type, options: { createOnly: true } });
export const nonNullable = (type: TypeRef): PropertySpec => ({ type, options: { nonNullable: true } });

export function enumType(name: string, members: Record<string, number>, opts: { flags?: boolean } = {}): EnumType {
  return Object.freeze({
    kind: 'enum',
    name,
    flags: opts.flags ?? false,
    members: Object.freeze(Object.entries(members).map(([n, v]) => Object.freeze([n, v] as const))),
  });
}

/** Members become enum values 0, 1, 2... in the order given. */
export function sequentialEnum(name: string, members: readonly string[]): EnumType {
  return enumType(name, Object.fromEntries(members.map((m, i) => [m, i])));
}

export function complexType(
  name: string,
  properties: Record<string, Declarable>,
  opts: { base?: ComplexType; open?: boolean; abstract?: boolean } = {},
): ComplexType {
  const ownProperties = Object.entries(properties).map(([propName, d]): Property => {
    const spec: PropertySpec = isSpec(d) ? d : { type: d, options: {} };
    return Object.freeze({
      name: propName,
      type: spec.type,
      serverOwned: spec.options.serverOwned ?? false,
      createOnly: spec.options.createOnly ?? false,
      nonNullable: spec.options.nonNullable ?? false,
    });
  });
  return Object.freeze({
    kind: 'complex',
    name,
    ...(opts.base ? { base: opts.base } : {}),
    open: opts.open ?? false,
    abstract: opts.abstract ?? false,
    ownProperties: Object.freeze(ownProperties),
  });
}

const allPropertiesCache = new WeakMap<ComplexType, ReadonlyMap<string, Property>>();

/** Every property of a type, base types' first, keyed by name, in declaration order. */
export function propertiesOf(type: ComplexType): ReadonlyMap<string, Property> {
  let props = allPropertiesCache.get(type);
  if (!props) {
    const map = new Map<string, Property>(type.base ? propertiesOf(type.base) : []);
    for (const p of type.ownProperties) map.set(p.name, p);
    props = map;
    allPropertiesCache.set(type, props);
  }
  return props;
}

export const qualifiedName = (t: ComplexType | EnumType): string => `${NAMESPACE}.${t.name}`;

/** A human name for a type reference, used in error messages: "Edm.Int32", "microsoft.graph.positionDetail". */
export function typeLabel(t: TypeRef): string {
  switch (t.kind) {
    case 'primitive':
      return `Edm.${t.primitive}`;
    case 'enum':
    case 'complex':
      return qualifiedName(t.type);
    case 'collection':
      return `Collection(${typeLabel(t.of)})`;
  }
}
