// The workPosition operations, each a short list of named steps: authenticate, resolve the target
// user (which authorizes), read and validate the body, store (one storage call), shape the response.
// `/me/...` and `/users/{x}/...` arrive here alike; nothing in this file knows about HTTP routing.
import { isDeepStrictEqual } from 'node:util';
import type { TokenVerifier } from '../auth/authenticate.ts';
import type { Caller } from '../auth/caller.ts';
import type { Access } from '../auth/permissions.ts';
import type { Limits } from '../config.ts';
import { GraphError, invalidRequestBody } from '../errors/graph-error.ts';
import type { ErrorDetail } from '../errors/catalogue.ts';
import { workPosition } from '../model/graph-types.ts';
import { clip } from '../model/quote.ts';
import { applyQuery, defaultOrderPage, defaultOrderWindow, isDefaultOrderQuery, nextLinkQuery } from '../odata/paging.ts';
import { type CollectionQuery, parseQuery } from '../odata/query-options.ts';
import { shapeValue } from '../model/shape.ts';
import { propertiesOf } from '../model/types.ts';
import { GUID, type JsonObject, type ValidationMode, validateBody } from '../model/validate.ts';
import type { PositionRecord, Storage } from '../storage/port.ts';
import { audienceMaskFor, isVisibleTo } from './audience.ts';
import type { Clock } from './clock.ts';
import { timeOrderedIdGenerator } from './ids.ts';
import { identitySetOf, newPositionRecord, patchedPositionRecord } from './records.ts';
import {
  collectionText,
  entityText,
  etagMatches,
  etagOf,
  itemJson,
  itemText,
  positionUrl,
  shapedItem,
} from './representation.ts';
import { type KnownCallers, type TargetUser, resolveTargetUser } from './users.ts';

export interface PositionsDeps {
  readonly storage: Storage;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  readonly limits: Limits;
  readonly allowApplicationPermissions: boolean;
  readonly knownCallers?: KnownCallers;
}

export interface PositionRequest {
  readonly authorization: string | undefined;
  /** The decoded {id | userPrincipalName} segment; null for /me. */
  readonly userRef: string | null;
  readonly positionId?: string;
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

export function positionOperations(deps: PositionsDeps) {
  const { storage, clock } = deps;
  const newId = timeOrderedIdGenerator();

  const authenticate = async (req: PositionRequest) => {
    const caller = await deps.verifier.authenticate(req.authorization);
    req.noteCaller?.(caller);
    return caller;
  };
  const resolveUser = (caller: Caller, req: PositionRequest, access: Access) =>
    resolveTargetUser(caller, req.userRef, access, deps);

  function validated(req: PositionRequest, mode: ValidationMode): JsonObject {
    const { value, problems } = validateBody(req.readBody(), workPosition, mode, deps.limits);
    if (problems.length > 0) throw invalidRequestBody(problems);
    return value;
  }

  async function visibleRecords(target: TargetUser): Promise<PositionRecord[]> {
    const records = await storage.listPositions(target.user.tenantId, target.user.id);
    return records.filter((r) => isVisibleTo(target.relation, r.audience));
  }

  /** The item, if it exists and the caller may see it; hidden items are as absent (404, never 403). */
  async function findVisible(target: TargetUser, positionId: string | undefined): Promise<PositionRecord> {
    const id = positionId?.toLowerCase();
    const record = id && GUID.test(id) ? await storage.getPosition(target.user.tenantId, target.user.id, id) : undefined;
    if (!record || !isVisibleTo(target.relation, record.audience)) {
      throw new GraphError('itemNotFound', `No workPosition with id '${positionId ?? ''}' was found in this user's profile.`);
    }
    return record;
  }

  /** In the default order the database cuts the page, and stored items are served as they are. */
  async function pageInDatabase(target: TargetUser, query: CollectionQuery) {
    const { tenantId, id: userId } = target.user;
    const audienceMask = audienceMaskFor(target.relation);
    const rows = await storage.pagePositions(tenantId, userId, { audienceMask, ...defaultOrderWindow(query) });
    const page = defaultOrderPage(rows, query);
    const count = query.count ? await storage.countPositions(tenantId, userId, audienceMask) : undefined;
    return { items: page.items.map(itemText), count, nextSkipToken: page.nextSkipToken };
  }

  /** Any other query is evaluated over the user's visible items (docs/decisions/odata-in-memory.md). */
  async function pageInMemory(target: TargetUser, query: CollectionQuery) {
    const records = await visibleRecords(target);
    const byId = new Map(records.map((r) => [r.id, r]));
    const page = applyQuery(records.map(shapedItem), query);
    const items = page.items.map((shaped) => JSON.stringify(itemJson(byId.get(shaped.id as string)!, shaped, query.select)));
    return { items, count: query.count ? page.count : undefined, nextSkipToken: page.nextSkipToken };
  }

  return {
    async list(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, workPosition, 'collection');
      const page = isDefaultOrderQuery(query) ? await pageInDatabase(target, query) : await pageInMemory(target, query);
      const nextLink = page.nextSkipToken && `${req.baseUrl}${req.path}?${nextLinkQuery(query, page.nextSkipToken)}`;
      return {
        status: 200,
        json: collectionText(req.baseUrl, target.user.id, page.items, { select: query.select, count: page.count, nextLink }),
      };
    },

    async count(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, workPosition, 'count');
      const count = query.filter
        ? applyQuery((await visibleRecords(target)).map(shapedItem), { ...query, top: MAX_SAFE }).count
        : await storage.countPositions(target.user.tenantId, target.user.id, audienceMaskFor(target.relation));
      return { status: 200, text: String(count) };
    },

    async get(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'read');
      const query = parseQuery(req.query, workPosition, 'entity');
      const record = await findVisible(target, req.positionId);
      const headers = { ETag: etagOf(record) };
      if (req.ifNoneMatch !== undefined && etagMatches(req.ifNoneMatch, record)) return { status: 304, headers };
      return { status: 200, json: entityText(req.baseUrl, record, query.select), headers };
    },

    async create(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      const input = validated(req, 'create');
      const record = newPositionRecord(target.user, input, { by: identitySetOf(caller), now: clock(), id: newId(), limits: deps.limits });
      if (!(await storage.insertPosition(record, deps.limits.maxPositionsPerUser))) {
        throw new GraphError('quotaLimitReached', `A profile holds at most ${deps.limits.maxPositionsPerUser} positions; delete one first.`);
      }
      return {
        status: 201,
        json: entityText(req.baseUrl, record),
        headers: { Location: positionUrl(req.baseUrl, record.userId, record.id), ETag: etagOf(record) },
      };
    },

    async update(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      const patch = validated(req, 'patch');
      return untilCommitted(async () => {
        const current = await findVisible(target, req.positionId);
        requireIfMatch(req, current);
        const shaped = shapedItem(current);
        rejectChangedCreateOnly(shaped, patch);
        const next = patchedPositionRecord(current, shaped, patch, { by: identitySetOf(caller), now: clock(), limits: deps.limits });
        if (!(await storage.replacePosition(next, current.version))) return undefined;
        return { status: 200, json: entityText(req.baseUrl, next), headers: { ETag: etagOf(next) } };
      });
    },

    async remove(req: PositionRequest): Promise<OperationResult> {
      const caller = await authenticate(req);
      const target = await resolveUser(caller, req, 'write');
      // Deleted only at the version found visible: an item hidden (or changed) in between is re-read.
      return untilCommitted(async () => {
        const current = await findVisible(target, req.positionId);
        requireIfMatch(req, current);
        const deleted = await storage.deletePosition(current.tenantId, current.userId, current.id, current.version);
        return deleted ? { status: 204 } : undefined;
      });
    },
  };
}

/** If-Match is checked against the version that is then updated conditionally: no lost update. */
function requireIfMatch(req: PositionRequest, current: PositionRecord): void {
  if (req.ifMatch !== undefined && !etagMatches(req.ifMatch, current)) {
    throw new GraphError('preconditionFailed', `The item has changed: its ETag is now ${etagOf(current)}, not ${clip(req.ifMatch)}.`, {
      headers: { ETag: etagOf(current) },
    });
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const busy = () =>
  new GraphError('serviceNotAvailable', 'The item is being changed by other requests; retry.', { headers: { 'Retry-After': '1' } });

const CREATE_ONLY = [...propertiesOf(workPosition).values()].filter((p) => p.createOnly);

/**
 * A client that round-trips an item may repeat a create-only value; it may not change it. Compared as
 * responses show them (null-filled), since that is what a client sends back.
 */
function rejectChangedCreateOnly(stored: JsonObject, patch: JsonObject): void {
  const problems: ErrorDetail[] = CREATE_ONLY.filter(
    ({ name, type }) => name in patch && !isDeepStrictEqual(shapeValue(type, patch[name]), shapeValue(type, stored[name])),
  ).map(({ name }) => ({
      code: 'NotSettable',
      target: name,
      message: `Property '${name}' can only be set when the item is created.`,
    }),
  );
  if (problems.length > 0) throw invalidRequestBody(problems);
}
