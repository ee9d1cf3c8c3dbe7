// GET and DELETE .../profile (SPEC §1): the profile with every collection inline, holding the items
// the caller may see in the default order (or as the collection's $expand options say), and the
// deletion of every item of every collection in one transaction.
import { type InlineCollection, parseProfileQuery } from '../odata/profile-query.ts';
import { applyQuery } from '../odata/paging.ts';
import type { ItemRecord } from '../storage/port.ts';
import { isVisibleTo } from './audience.ts';
import { type OperationResult, type ProfileDeps, type ProfileRequest, authenticateRequest } from './operations.ts';
import { itemJson, itemText, shapedItem } from './representation.ts';
import { type TargetUser, resolveTargetUser } from './users.ts';

export function profileRootOperations(deps: ProfileDeps) {
  const { storage } = deps;

  /** The inline members of one collection: `"skills@odata.count":2,"skills":[...]`. */
  function inlineMembers({ facet, query }: InlineCollection, records: readonly ItemRecord[]): string {
    const name = JSON.stringify(facet.collection);
    if (!query) return `${name}:[${records.map(itemText).join(',')}]`;
    const byId = new Map(records.map((r) => [r.id, r]));
    // Inline collections are not paged: without $top, every item the filter keeps.
    const page = applyQuery(records.map(shapedItem), { ...query, top: query.top ?? Number.MAX_SAFE_INTEGER });
    const items = page.items.map((shaped) => JSON.stringify(itemJson(byId.get(shaped.id as string)!, shaped, query.select)));
    const count = query.count ? `${JSON.stringify(`${facet.collection}@odata.count`)}:${page.count},` : '';
    return `${count}${name}:[${items.join(',')}]`;
  }

  async function visibleItemsByFacet(target: TargetUser): Promise<Map<string, ItemRecord[]>> {
    const byFacet = new Map<string, ItemRecord[]>();
    for (const record of await storage.listItems(target.user.tenantId, target.user.id)) {
      if (!isVisibleTo(target.relation, record.audience)) continue;
      const list = byFacet.get(record.facet);
      if (list) list.push(record);
      else byFacet.set(record.facet, [record]);
    }
    return byFacet;
  }

  return {
    async getProfile(req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticateRequest(deps, req);
      const target = await resolveTargetUser(caller, req.userRef, 'read', deps);
      const query = parseProfileQuery(req.query);
      const items = await visibleItemsByFacet(target);
      const userId = target.user.id;
      const narrowed = query.contextSelect === undefined ? '' : `(${query.contextSelect})`;
      const context = `${req.baseUrl}/beta/$metadata#users('${userId}')/profile${narrowed}/$entity`;
      const members = [
        `"@odata.context":${JSON.stringify(context)}`,
        // The profile has no id of its own in this service; it is its user's (README).
        `"id":${JSON.stringify(userId)}`,
        ...query.collections.map((c) => inlineMembers(c, items.get(c.facet.collection) ?? [])),
      ];
      return { status: 200, json: `{${members.join(',')}}` };
    },

    async deleteProfile(req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticateRequest(deps, req);
      const target = await resolveTargetUser(caller, req.userRef, 'write', deps);
      await storage.deleteProfile(target.user.tenantId, target.user.id);
      return { status: 204 };
    },
  };
}

export type ProfileRootOperations = ReturnType<typeof profileRootOperations>;
