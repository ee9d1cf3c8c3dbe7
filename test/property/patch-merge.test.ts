// Property: PATCH on a workPosition follows OData 4.01 (SPEC §3) — members present replace stored
// values, nested complex values merge member by member (recursively), collections are replaced
// whole, null clears — and the response is the full, null-filled entity (SPEC §2).
//
// The expected state comes from a small reference model written here, on purpose independently of
// src/model (no mergePatch, no shapeComplex, no graph-types declarations): the type model below is
// transcribed from SPEC §2. Random valid entities are created over real HTTP, then patched 1–3 times
// with random valid bodies; after every step the server's answer must equal the model's prediction.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TestServer } from '../helpers/server.ts';

// ---------------------------------------------------------------------------------------------
// The type model (SPEC §2), as the reference model sees it.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

type Kind =
  /** A primitive or enum value; `arb` generates valid values, absent for server-owned properties. */
  | { readonly t: 'value'; readonly arb?: fc.Arbitrary<Json> }
  | { readonly t: 'complex'; readonly of: Shape }
  | { readonly t: 'collection'; readonly of: Kind };

interface Shape {
  readonly [name: string]: Kind;
}

const shortString: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 6, unit: 'grapheme' }),
  fc.constantFrom('', 'Contoso', 'Ünïcødé ✓', 'a,b', 'null', 'true'),
);
const bool: fc.Arbitrary<Json> = fc.boolean();
const int32: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.constantFrom(-2147483648, 2147483647, 0, 1, -1),
);
// JSON carries neither NaN, infinities nor -0.
const double: fc.Arbitrary<Json> = fc
  .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  .filter((x) => !Object.is(x, -0));
// Real calendar dates from 0001-01-01 to 9999-12-31, as day numbers since the epoch.
const date: fc.Arbitrary<Json> = fc
  .integer({ min: -719162, max: 2932896 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));
const physicalAddressType: fc.Arbitrary<Json> = fc.constantFrom('unknown', 'home', 'business', 'other');
const personRelationship: fc.Arbitrary<Json> = fc.constantFrom(
  'manager', 'colleague', 'directReport', 'dotLineReport', 'assistant', 'dotLineManager', 'alternateContact',
  'friend', 'spouse', 'sibling', 'child', 'parent', 'sponsor', 'emergencyContact', 'other', 'unknownFutureValue',
);
// Single member names only (the response writes flags canonically; a single name is its own canonical form).
const audience: fc.Arbitrary<Json> = fc.constantFrom('me', 'family', 'contacts', 'groupMembers', 'organization', 'federatedOrganizations', 'everyone');
const DEFAULT_AUDIENCE = 'organization'; // work or school account (SPEC §3)

const v = (arb?: fc.Arbitrary<Json>): Kind => (arb ? { t: 'value', arb } : { t: 'value' });
const str = v(shortString);
const complex = (of: Shape): Kind => ({ t: 'complex', of });
const collection = (of: Kind): Kind => ({ t: 'collection', of });

const physicalAddress: Shape = {
  city: str, countryOrRegion: str, postalCode: str, postOfficeBox: str, state: str, street: str,
  type: v(physicalAddressType),
};
const companyDetail: Shape = {
  address: complex(physicalAddress), companyCode: str, costCenter: str, department: str, displayName: str,
  division: str, officeLocation: str, pronunciation: str, secondaryDepartment: str, webUrl: str,
};
const positionDetail: Shape = {
  company: complex(companyDetail), description: str, employeeId: str, employeeType: str, endMonthYear: v(date),
  jobTitle: str, layer: v(int32), level: str, role: str, secondaryJobTitle: str, secondaryRole: str,
  startMonthYear: v(date), summary: str,
};
const relatedPerson: Shape = { displayName: str, relationship: v(personRelationship), userId: str, userPrincipalName: str };
const inferenceData: Shape = { confidenceScore: v(double), userHasVerifiedAccuracy: v(bool) };
const personDataSources: Shape = { type: collection(str) };
const profileSourceAnnotation: Shape = { isDefaultSource: v(bool), properties: collection(str), sourceId: str };

const workPosition: Shape = {
  id: v(),
  allowedAudiences: v(audience),
  inference: complex(inferenceData),
  createdDateTime: v(),
  createdBy: v(), // identitySet, server-owned: taken as the server wrote it
  lastModifiedDateTime: v(),
  lastModifiedBy: v(),
  source: complex(personDataSources),
  sources: collection(complex(profileSourceAnnotation)),
  isSearchable: v(bool),
  categories: collection(str),
  detail: complex(positionDetail),
  manager: complex(relatedPerson),
  colleagues: collection(complex(relatedPerson)),
  isCurrent: v(bool),
};
const CREATE_ONLY = new Set(['source']);
/** Left out of the comparison: they change on every write (checked separately). */
const VOLATILE = ['@odata.context', '@odata.etag', 'lastModifiedDateTime', 'lastModifiedBy'];

// ---------------------------------------------------------------------------------------------
// The reference model, on the null-filled response shape.

/** The response shape of a (sparse) value: every declared member present, null when unset. */
function fill(kind: Kind, value: Json | undefined): Json {
  if (value === undefined || value === null) return null;
  switch (kind.t) {
    case 'value':
      return value;
    case 'complex': {
      const obj = value as JsonObject;
      const out: JsonObject = {};
      for (const [name, k] of Object.entries(kind.of)) out[name] = fill(k, obj[name]);
      return out;
    }
    case 'collection':
      return (value as Json[]).map((item) => fill(kind.of, item));
  }
}

/** What a create returns, apart from what the server sets (id, timestamps, createdBy, lastModifiedBy). */
function modelCreate(body: JsonObject): JsonObject {
  const out = fill(complex(workPosition), body) as JsonObject;
  if (out.allowedAudiences === null) out.allowedAudiences = DEFAULT_AUDIENCE;
  for (const k of VOLATILE) delete out[k]; // compared separately
  return out;
}

/** OData 4.01 PATCH of a full (null-filled) complex value, or of null, which a patch object creates. */
function mergeInto(shape: Shape, current: Json, patch: JsonObject): JsonObject {
  const out: JsonObject = current === null ? (fill(complex(shape), {}) as JsonObject) : { ...(current as JsonObject) };
  for (const [name, value] of Object.entries(patch)) {
    const kind = shape[name];
    assert.ok(kind, `generator produced an undeclared member ${name}`);
    if (value === null) out[name] = null;
    else if (kind.t === 'complex') out[name] = mergeInto(kind.of, out[name] ?? null, value as JsonObject);
    else out[name] = fill(kind, value); // primitives and enums replace; collections are replaced whole
  }
  return out;
}

function modelPatch(current: JsonObject, patch: JsonObject): JsonObject {
  const out = mergeInto(workPosition, current, patch);
  if (out.allowedAudiences === null) out.allowedAudiences = DEFAULT_AUDIENCE; // cleared: back to the default
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

/** A valid value of a kind, as a client would send it on create (nulls inside mean "not set"). */
function valueArb(kind: Kind): fc.Arbitrary<Json> {
  switch (kind.t) {
    case 'value':
      if (!kind.arb) throw new Error('server-owned properties are not generated');
      return kind.arb;
    case 'complex':
      return objectArb(kind.of, 'create');
    case 'collection':
      return fc.array(valueArb(kind.of), { maxLength: 3 });
  }
}

/**
 * A sparse object of a complex type: each settable member absent, null, or a value. In a patch,
 * complex members are themselves patches (the same shape of value; the semantics differ).
 */
function objectArb(shape: Shape, mode: 'create' | 'patch', top = false): fc.Arbitrary<JsonObject> {
  const members: Record<string, fc.Arbitrary<Json>> = {};
  for (const [name, kind] of Object.entries(shape)) {
    if (kind.t === 'value' && !kind.arb) continue; // server-owned
    if (top && mode === 'patch' && CREATE_ONLY.has(name)) continue; // source is create-only
    const value = kind.t === 'complex' ? objectArb(kind.of, mode) : valueArb(kind);
    members[name] = fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 });
  }
  return fc.record(members, { requiredKeys: [] }) as fc.Arbitrary<JsonObject>;
}

const createBody = objectArb(workPosition, 'create', true);
const patchBody = objectArb(workPosition, 'patch', true);

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let token: string;
let userId: string;

before(async () => {
  server = await TestServer.start();
  const t = await server.token({ upn: 'a@contoso.com' });
  token = t.token;
  userId = t.user.id;
});

after(async () => {
  await server?.dispose();
});

function withoutVolatile(body: JsonObject): JsonObject {
  const out = { ...body };
  for (const k of VOLATILE) delete out[k];
  return out;
}

test('PATCH merges as OData 4.01 says, and the stored state is the PATCH response', async () => {
  await fc.assert(
    fc.asyncProperty(createBody, fc.array(patchBody, { minLength: 1, maxLength: 3 }), async (create, patches) => {
      const created = await server.request('POST', '/beta/me/profile/positions', { token, body: create });
      assert.equal(created.status, 201, `POST answered ${created.status}: ${created.text}`);
      const c = created.json as JsonObject;
      const id = c.id as string;
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const stamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
      assert.match(c.createdDateTime as string, stamp);
      assert.equal((c.createdBy as any)?.user?.id, userId);

      let expected: JsonObject = { ...modelCreate(create), id, createdDateTime: c.createdDateTime!, createdBy: c.createdBy! };
      assert.deepStrictEqual(withoutVolatile(c), expected, 'POST response differs from the model');
      assert.deepStrictEqual(c.lastModifiedBy, c.createdBy);
      let lastModified = c.lastModifiedDateTime as string;
      assert.match(lastModified, stamp);

      let last: JsonObject = c;
      for (const [i, patch] of patches.entries()) {
        const res = await server.request('PATCH', `/beta/me/profile/positions/${id}`, { token, body: patch });
        assert.equal(res.status, 200, `PATCH #${i + 1} answered ${res.status}: ${res.text}`);
        const r = res.json as JsonObject;
        expected = modelPatch(expected, patch);
        assert.deepStrictEqual(withoutVolatile(r), expected, `PATCH #${i + 1} response differs from the model`);
        // id, createdDateTime and createdBy are part of `expected`, so they are checked above; again, plainly:
        assert.equal(r.id, id);
        assert.equal(r.createdDateTime, c.createdDateTime);
        assert.deepStrictEqual(r.createdBy, c.createdBy);
        assert.deepStrictEqual(r.lastModifiedBy, c.createdBy, 'lastModifiedBy is the (same) caller');
        const modified = r.lastModifiedDateTime as string;
        assert.match(modified, stamp);
        assert.ok(modified > lastModified, `lastModifiedDateTime did not increase: ${lastModified} -> ${modified}`);
        assert.notEqual(r['@odata.etag'], last['@odata.etag'], 'the ETag did not change with the PATCH');
        assert.equal(res.headers.get('etag'), r['@odata.etag']);
        lastModified = modified;
        last = r;
      }

      const got = await server.request('GET', `/beta/me/profile/positions/${id}`, { token });
      assert.equal(got.status, 200, `GET answered ${got.status}: ${got.text}`);
      const g = got.json as JsonObject;
      assert.deepStrictEqual(withoutVolatile(g), expected, 'stored state differs from the model');
      const strip = (b: JsonObject) => {
        const { ['@odata.context']: _ignored, ...rest } = b;
        return rest;
      };
      assert.deepStrictEqual(strip(g), strip(last), 'stored state differs from the last PATCH response');
    }),
    { numRuns: 60, includeErrorInReport: true },
  );
});
