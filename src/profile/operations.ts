// The operations on the items of any facet collection (model/facets.ts), each a short list of named
// steps: authenticate, resolve the target user (which authorizes), read and validate the body, store
// (one storage call), shape the response. `/me/...` and `/users/{x}/...` arrive here alike, and so do
// all 19 collections; nothing in this file knows about HTTP routing or about any one facet.
import { isDeepStrictEqual } from 'node:util';
import type { TokenVerifier } from '../auth/authenticate.ts';
import type { Caller } from '../auth/caller.ts';
import type { Access } from '../auth/permissions.ts';
import type { Limits } from '../config.ts';
import { GraphError, invalidRequestBody } from '../errors/graph-error.ts';
import type { ErrorDetail } from '../errors/catalogue.ts';
import type { Facet } from '../model/facets.ts';
import { clip } from '../model/quote.ts';
import { applyQuery, defaultOrderPage, defaultOrderWindow, isDefaultOrderQuery, nextLinkQuery } from '../odata/paging.ts';
import { type CollectionQuery, parseQuery } from '../odata/query-options.ts';
import { shapeValue } from '../model/shape.ts';
import { type ComplexType, type Property, propertiesOf } from '../model/types.ts';
import { GUID, type JsonObject, type ValidationMode, validateBody } from '../model/validate.ts';
import type { ItemRecord, Storage } from '../storage/port.ts';
import { audienceMaskFor, isVisibleTo } from './audience.ts';
import type { Clock } from './clock.ts';
import { timeOrderedIdGenerator } from './ids.ts';
import { identitySetOf, newItemRecord, patchedItemRecord } from './records.ts';
import {
  collectionText,
  entityText,
  checkEtagHeader,
  etagMatches,
  etagOf,
  itemJson,
  itemText,
  itemUrl,
  shapedItem,
} from './representation.ts';
import { type KnownCallers, type TargetUser, resolveTargetUser } from './users.ts';

export interface ProfileDeps {
  readonly storage: Storage;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  readonly limits: Limits;
  readonly allowApplicationPermissions: boolean;
  readonly knownCallers?: KnownCallers;
}

export interface ProfileRequest {
  readonly authorization: string | undefined;
  /** The decoded {id | userPrincipalName} segment; null for /me. */
  readonly userRef: string | null;
  /** The {id} segment of an item's path. */
  readonly itemId?: string;
  /** Reads and parses the JSON body; throws a GraphError (415, 400) when it cannot. */
  readonly readBody: () => unknown;
  /** Scheme, host and any path prefix of absolute links in responses. */
  readonly baseUrl: string;
  /** The path as requested (for @odata.nextLink) and the raw query string, without '?'. */
  readonly path: string;
  readonly query: string;
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  /** Told who the verified caller is, for the request log. */
  readonly noteCaller?: (caller: Caller) => void;
}

export interface OperationResult {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  /** A JSON body already written as text (items are stored as the JSON they are served as). */
  readonly json?: string;
  /** A text/plain body ($count). */
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

/**
 * How often a PATCH or DELETE re-reads the item when another write committed in between. With N
 * writers racing on one item, the last may need N attempts.
 */
const MAX_ATTEMPTS = 20;

/**
 * Runs a read-check-write step until its conditional write commits (it returns a result) or it
 * throws (404, 412, 400). A short random pause after each conflict lets racing writers spread out.
 */
async function untilCommitted(step: () => Promise<OperationResult | undefined>): Promise<OperationResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const result = await step();
    if (result) return result;
    await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
  }
  throw busy();
}

/** The first step of every operation: the verified caller, told to the request log. */
export async function authenticateRequest(deps: { readonly verifier: TokenVerifier }, req: ProfileRequest): Promise<Caller> {
  const caller = await deps.verifier.authenticate(req.authorization);
  req.noteCaller?.(caller);
  return caller;
}

export function itemOperations(deps: ProfileDeps) {
  const { storage, clock } = deps;
  const newId = timeOrderedIdGenerator();

  const authenticate = (req: ProfileRequest) => authenticateRequest(deps, req);
  const resolveUser = (caller: Caller, req: ProfileRequest, access: Access) =>
    resolveTargetUser(caller, req.userRef, access, deps);

  function validated(facet: Facet, req: ProfileRequest, mode: ValidationMode): JsonObject {
    const { value, problems } = validateBody(req.readBody(), facet.type, mode, deps.limits);
    if (problems.length > 0) throw invalidRequestBody(problems);
    return value;
  }

  async function visibleRecords(facet: Facet, target: TargetUser): Promise<ItemRecord[]> {
    const records = await storage.listItems(target.user.tenantId, target.user.id, facet.collection);
    return records.filter((r) => isVisibleTo(target.relation, r.audience));
  }

  /** The item, if it exists and the caller may see it; hidden items are as absent (404, never 403). */
  async function findVisible(facet: Facet, target: TargetUser, itemId: string | undefined): Promise<ItemRecord> {
    const id = itemId?.toLowerCase();
    const record = id && GUID.test(id) ? await storage.getItem(target.user.tenantId, target.user.id, facet.collection, id) : undefined;
    if (!record || !isVisibleTo(target.relation, record.audience)) {
      throw new GraphError('itemNotFound', `No ${facet.type.name} with id '${itemId ?? ''}' was found in this user's profile.`);
    }
    return record;
  }

  /** In the default order the database cuts the page, and stored items are served as they are. */
  async function pageInDatabase(facet: Facet, target: TargetUser, query: CollectionQuery) {
    const { tenantId, id: userId } = target.user;
    const audienceMask = audienceMaskFor(target.relation);
    const rows = await storage.pageItems(tenantId, userId, facet.collection, { audienceMask, ...defaultOrderWindow(query) });
    const page = defaultOrderPage(rows, query);
    const count = query.count ? await storage.countItems(tenantId, userId, facet.collection, audienceMask) : undefined;
    return { items: page.items.map(itemText), count, nextSkipToken: page.nextSkipToken };
  }

  /** Any other query is evaluated over the user's visible items (docs/decisions/odata-in-memory.md). */
  async function pageInMemory(facet: Facet, target: TargetUser, query: CollectionQuery) {
    const records = await visibleRecords(facet, target);
    const byId = new Map(records.map((r) => [r.id, r]));
    const page = applyQuery(records.map(shapedItem), query);
    const items = page.items.map((shaped) => JSON.stringify(itemJson(byId.get(shaped.id as string)!, shaped, query.select)));
    return { items, count: query.count ? page.count : undefined, nextSkipToken: page.nextSkipToken };
  }

  return {
    async list(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, facet.type, 'collection');
      const page = isDefaultOrderQuery(query) ? await pageInDatabase(facet, target, query) : await pageInMemory(facet, target, query);
      const nextLink = page.nextSkipToken && `${req.baseUrl}${req.path}?${nextLinkQuery(query, page.nextSkipToken)}`;
      return {
        status: 200,
        json: collectionText(req.baseUrl, target.user.id, facet.collection, page.items, { select: query.select, count: page.count, nextLink }),
      };
    },

    async count(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, facet.type, 'count');
      const count = query.filter
        ? applyQuery((await visibleRecords(facet, target)).map(shapedItem), { ...query, top: MAX_SAFE }).count
        : await storage.countItems(target.user.tenantId, target.user.id, facet.collection, audienceMaskFor(target.relation));
      return { status: 200, text: String(count) };
    },

    async get(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, facet.type, 'entity');
      if (req.ifNoneMatch !== undefined) checkEtagHeader('If-None-Match', req.ifNoneMatch);
      const record = await findVisible(facet, target, req.itemId);
      const headers = { ETag: etagOf(record) };
      if (req.ifNoneMatch !== undefined && etagMatches(req.ifNoneMatch, record)) return { status: 304, headers };
      return { status: 200, json: entityText(req.baseUrl, record, query.select), headers };
    },

    async create(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      const input = validated(facet, req, 'create');
      const record = newItemRecord(facet, target.user, input, { by: identitySetOf(caller), now: clock(), id: newId(), limits: deps.limits });
      const cap = facet.cap(deps.limits);
      if (!(await storage.insertItem(record, cap))) {
        throw new GraphError('quotaLimitReached', `A profile holds at most ${cap} ${facet.collection}; delete one first.`);
      }
      return {
        status: 201,
        json: entityText(req.baseUrl, record),
        headers: { Location: itemUrl(req.baseUrl, record), ETag: etagOf(record) },
      };
    },

    async update(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      const patch = validated(facet, req, 'patch');
      if (req.ifMatch !== undefined) checkEtagHeader('If-Match', req.ifMatch);
      return untilCommitted(async () => {
        const current = await findVisible(facet, target, req.itemId);
        requireIfMatch(req, current);
        const shaped = shapedItem(current);
        rejectChangedCreateOnly(facet.type, shaped, patch);
        const next = patchedItemRecord(facet, current, shaped, patch, { by: identitySetOf(caller), now: clock(), limits: deps.limits });
        if (!(await storage.replaceItem(next, current.version))) return undefined;
        return { status: 200, json: entityText(req.baseUrl, next), headers: { ETag: etagOf(next) } };
      });
    },

    async remove(facet: Facet, req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      if (req.ifMatch !== undefined) checkEtagHeader('If-Match', req.ifMatch);
      // Deleted only at the version found visible: an item hidden (or changed) in between is re-read.
      return untilCommitted(async () => {
        const current = await findVisible(facet, target, req.itemId);
        requireIfMatch(req, current);
        const deleted = await storage.deleteItem(current.tenantId, current.userId, current.facet, current.id, current.version);
        return deleted ? { status: 204 } : undefined;
      });
    },
  };
}

export type ItemOperations = ReturnType<typeof itemOperations>;

/** If-Match is checked against the version that is then updated conditionally: no lost update. */
function requireIfMatch(req: ProfileRequest, current: ItemRecord): void {
  if (req.ifMatch !== undefined && !etagMatches(req.ifMatch, current)) {
    throw new GraphError('preconditionFailed', `The item has changed: its ETag is now ${etagOf(current)}, not ${clip(req.ifMatch)}.`, {
      headers: { ETag: etagOf(current) },
    });
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const busy = () =>
  new GraphError('serviceNotAvailable', 'The item is being changed by other requests; retry.', { headers: { 'Retry-After': '1' } });

const createOnlyCache = new WeakMap<ComplexType, readonly Property[]>();
const createOnlyOf = (type: ComplexType): readonly Property[] => {
  let props = createOnlyCache.get(type);
  if (!props) createOnlyCache.set(type, (props = [...propertiesOf(type).values()].filter((p) => p.createOnly)));
  return props;
};

/**
 * A client that round-trips an item may repeat a create-only value; it may not change it. Compared as
 * responses show them (null-filled), since that is what a client sends back.
 */
function rejectChangedCreateOnly(type: ComplexType, stored: JsonObject, patch: JsonObject): void {
  const problems: ErrorDetail[] = createOnlyOf(type).filter(
    ({ name, type }) => name in patch && !isDeepStrictEqual(shapeValue(type, patch[name]), shapeValue(type, stored[name])),
  ).map(({ name }) => ({
      code: 'NotSettable',
      target: name,
      message: `Property '${name}' can only be set when the item is created.`,
    }),
  );
  if (problems.length > 0) throw invalidRequestBody(problems);
}
