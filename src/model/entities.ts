// What the service-description documents ($metadata, OpenAPI) need beyond the type declarations: which
// declared types are entity types, the user and profile types that lead to the facet collections, and
// the navigation between them. Written in the vocabulary of types.ts so that the generators walk one model.
import { type ComplexType, type EnumType, type TypeRef, Edm, complexType, qualifiedName } from './types.ts';
import { facetTypes } from './facet-types.ts';
import { facets } from './facets.ts';
import { allTypes, entity } from './graph-types.ts';

/** As in Graph, a type is an entity type when it derives from `entity`; every other complex type is a ComplexType. */
export function isEntityType(type: ComplexType): boolean {
  for (let t: ComplexType | undefined = type; t; t = t.base) if (t === entity) return true;
  return false;
}

/** The key of the root entity type; derived entity types inherit it (CSDL forbids redeclaring it). */
export function keyOf(type: ComplexType): readonly string[] | undefined {
  return type === entity ? ['id'] : undefined;
}

// The minimal user of GET /beta/me and /beta/users/{id|upn} (issue 3, item 7).
export const user = complexType(
  'user',
  { displayName: Edm.String, userPrincipalName: Edm.String, mail: Edm.String },
  { base: entity },
);

/** The profile is addressed only through its user, and exists to contain the facet collections. */
export const profile = complexType('profile', {}, { base: entity });

export interface NavigationProperty {
  readonly name: string;
  readonly target: ComplexType;
  readonly collection: boolean;
}

const navigation = new Map<ComplexType, readonly NavigationProperty[]>([
  [user, [{ name: 'profile', target: profile, collection: false }]],
  [profile, facets.map((f) => ({ name: f.collection, target: f.type, collection: true }))],
]);

/** Containment navigation properties declared on a type (all of them contain their targets). */
export function navigationOf(type: ComplexType): readonly NavigationProperty[] {
  return navigation.get(type) ?? [];
}

/** Every type the documents describe, in the order they list them. */
export type DeclaredType = ComplexType | EnumType;
export const serviceTypes: readonly DeclaredType[] = [...allTypes, ...facetTypes, user, profile];

/**
 * The entity container: `users` is the entity set that `@odata.context` URLs such as
 * `$metadata#users('id')/profile/positions` start from; `me` is Graph's singleton for the caller.
 */
export const container = {
  name: 'GraphService',
  entitySets: [{ name: 'users', type: user }],
  singletons: [{ name: 'me', type: user }],
} as const;

function referencedTypes(type: DeclaredType): DeclaredType[] {
  if (type.kind === 'enum') return [];
  const named = (t: TypeRef): DeclaredType[] => (t.kind === 'collection' ? named(t.of) : t.kind === 'primitive' ? [] : [t.type]);
  return [
    ...(type.base ? [type.base] : []),
    ...type.ownProperties.flatMap((p) => named(p.type)),
    ...navigationOf(type).map((n) => n.target),
  ];
}

/**
 * Throws when a type refers (as base, property or navigation target) to a type missing from the
 * list, or two listed types share a name: a document would then name a type it never declares.
 */
export function checkTypeList(types: readonly DeclaredType[]): void {
  const names = new Set<string>();
  for (const t of types) {
    if (names.has(t.name)) throw new Error(`Type '${qualifiedName(t)}' is listed twice.`);
    names.add(t.name);
  }
  for (const t of types) {
    for (const r of referencedTypes(t)) {
      if (!names.has(r.name)) throw new Error(`Type '${qualifiedName(t)}' refers to '${qualifiedName(r)}', which is not in the list of declared types.`);
    }
  }
}
