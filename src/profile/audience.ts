// allowedAudiences as the rules of SPEC §3 and §4 use it: the default on create, and who besides the
// owner may see an item.
import type { Relation } from '../auth/permissions.ts';
import { PERSONAL_ACCOUNTS_TENANT_ID } from '../auth/constants.ts';
import { flagsValue } from '../model/enums.ts';
import { allowedAudiences } from '../model/graph-types.ts';

/** Audiences that reach other users of the tenant; narrower ones (me, family, contacts, groupMembers) do not. */
const VISIBLE_TO_OTHERS = flagsValue(allowedAudiences, 'organization,federatedOrganizations,everyone');

export const defaultAudience = (ownerTenantId: string): string =>
  ownerTenantId === PERSONAL_ACCOUNTS_TENANT_ID ? 'me' : 'organization';

export const audienceValue = (canonical: string): number => flagsValue(allowedAudiences, canonical);

/** What another user may see, as a mask of audiences (what storage filters on); undefined: every item. */
export const audienceMaskFor = (relation: Relation): number | undefined => (relation === 'self' ? undefined : VISIBLE_TO_OTHERS);

export const isVisibleTo = (relation: Relation, audience: number): boolean => {
  const mask = audienceMaskFor(relation);
  return mask === undefined || (audience & mask) !== 0;
};
