// The facet table: the 19 collections of Graph's `profile` (SPEC §2a), each a navigation name and
// the entity type it holds. Routes, operations, storage keys, $select/$expand of the profile root,
// $metadata and OpenAPI all loop over this table; nothing else knows a facet by name. Adding a
// collection is a type declaration and one line here.
import type { Limits } from '../config.ts';
import * as types from './facet-types.ts';
import { workPosition } from './graph-types.ts';
import type { ComplexType } from './types.ts';

export interface Facet {
  /** The navigation property of `profile`: the URL segment, the storage key, the $select/$expand name. */
  readonly collection: string;
  readonly type: ComplexType;
  /** How many items one profile may hold in this collection. */
  readonly cap: (limits: CapLimits) => number;
  /** Creates are also accepted at `.../$ref` (positions only: its reference page posts there). */
  readonly refAlias: boolean;
}

type CapLimits = Pick<Limits, 'maxItemsPerCollection' | 'maxPositionsPerUser'>;

const facet = (collection: string, type: ComplexType, rules: Partial<Omit<Facet, 'collection' | 'type'>> = {}): Facet =>
  Object.freeze({ collection, type, cap: (limits: CapLimits) => limits.maxItemsPerCollection, refAlias: false, ...rules });

/** In the order of SPEC §1 (alphabetical), which is also the order of the profile's inline collections. */
export const facets: readonly Facet[] = Object.freeze([
  facet('account', types.userAccountInformation),
  facet('addresses', types.itemAddress),
  facet('anniversaries', types.personAnnualEvent),
  facet('awards', types.personAward),
  facet('certifications', types.personCertification),
  facet('educationalActivities', types.educationalActivity),
  facet('emails', types.itemEmail),
  facet('interests', types.personInterest),
  facet('languages', types.languageProficiency),
  facet('names', types.personName),
  facet('notes', types.personAnnotation),
  facet('patents', types.itemPatent),
  facet('phones', types.itemPhone),
  facet('positions', workPosition, { cap: (limits) => limits.maxPositionsPerUser, refAlias: true }),
  facet('projects', types.projectParticipation),
  facet('publications', types.itemPublication),
  facet('skills', types.skillProficiency),
  facet('webAccounts', types.webAccount),
  facet('websites', types.personWebsite),
]);

const byName = new Map(facets.map((f) => [f.collection, f]));
const byLowerCaseName = new Map(facets.map((f) => [f.collection.toLowerCase(), f]));

/** The facet of a collection name, matched case-insensitively as Graph matches path segments. */
export const facetNamed = (name: string): Facet | undefined => byName.get(name) ?? byLowerCaseName.get(name.toLowerCase());
