// How an item of any collection is made and changed, as the record storage keeps: server-owned
// properties, the default audience, the response shape (stored as JSON text), and the size limit. The
// operations use it, and so does anything else that writes items (the benchmark's seeding), so that
// every stored item is one the service itself could have written.
import type { Caller } from '../auth/caller.ts';
import type { Limits } from '../config.ts';
import { invalidRequestBody } from '../errors/graph-error.ts';
import type { Facet } from '../model/facets.ts';
import { mergePatch } from '../model/merge.ts';
import { shapeComplex } from '../model/shape.ts';
import type { ComplexType } from '../model/types.ts';
import type { JsonObject } from '../model/validate.ts';
import type { ItemRecord, UserRecord } from '../storage/port.ts';
import { audienceValue, defaultAudience } from './audience.ts';
import { storedJson } from './representation.ts';

export interface Change {
  /** createdBy / lastModifiedBy. */
  readonly by: JsonObject;
  /** createdDateTime / lastModifiedDateTime. */
  readonly now: string;
  readonly limits: Pick<Limits, 'maxItemBytes'>;
}

/** A new item of `owner` in the collection `facet`, from a validated create body. */
export function newItemRecord(facet: Facet, owner: UserRecord, input: JsonObject, change: Change & { readonly id: string }): ItemRecord {
  const { id, now, by } = change;
  const body = withDefaults({ id, ...input, createdDateTime: now, createdBy: by, lastModifiedDateTime: now, lastModifiedBy: by }, owner.tenantId);
  const audience = audienceValue(body.allowedAudiences as string);
  const fields = { tenantId: owner.tenantId, userId: owner.id, facet: facet.collection, id, version: 1, audience, createdDateTime: now };
  return sizedRecord(facet.type, fields, body, change.limits);
}

/** `current` (whose shaped entity is `shaped`) after a validated PATCH body, at the next version. */
export function patchedItemRecord(facet: Facet, current: ItemRecord, shaped: JsonObject, patch: JsonObject, change: Change): ItemRecord {
  const merged = mergePatch(facet.type, shaped, patch);
  const body = withDefaults({ ...merged, lastModifiedDateTime: change.now, lastModifiedBy: change.by }, current.tenantId);
  const { json: _json, shape: _shape, ...fields } = current;
  const next = { ...fields, version: current.version + 1, audience: audienceValue(body.allowedAudiences as string) };
  return sizedRecord(facet.type, next, body, change.limits);
}

/** identitySet of the caller, as stored in createdBy / lastModifiedBy. */
export function identitySetOf(caller: Caller): JsonObject {
  return caller.kind === 'delegated'
    ? { user: { displayName: caller.displayName, id: caller.userId } }
    : { application: { displayName: caller.displayName, id: caller.appId } };
}

/** An unset (or cleared) allowedAudiences takes the default of the owner's kind of account. */
function withDefaults(body: JsonObject, ownerTenantId: string): JsonObject {
  return body.allowedAudiences == null ? { ...body, allowedAudiences: defaultAudience(ownerTenantId) } : body;
}

/** The record to store for a shaped entity, if it is within the size limit (measured without its nulls). */
export function sizedRecord(type: ComplexType, fields: Omit<ItemRecord, 'json' | 'shape'>, body: JsonObject, limits: Change['limits']): ItemRecord {
  const shaped = shapeComplex(type, body);
  const stored = storedJson(type, shaped);
  // The stored text holds every unset property as null, so it is an upper bound of the size.
  if (Buffer.byteLength(stored.json) > limits.maxItemBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(shaped, (_key, v: unknown) => (v === null ? undefined : v)));
    if (bytes > limits.maxItemBytes) {
      throw invalidRequestBody([
        { code: 'LimitExceeded', target: '', message: `The item would be ${bytes} bytes as JSON; at most ${limits.maxItemBytes} are allowed.` },
      ]);
    }
  }
  return { ...fields, ...stored };
}
