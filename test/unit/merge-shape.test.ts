// PATCH merging (OData 4.01 §11.4.3, SPEC §3) and the null-filled response shape (SPEC §2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { companyDetail, physicalAddress, positionDetail, relatedPerson, workPosition } from '../../src/model/graph-types.ts';
import { mergePatch } from '../../src/model/merge.ts';
import { shapeComplex } from '../../src/model/shape.ts';
import { propertiesOf } from '../../src/model/types.ts';
import type { JsonObject } from '../../src/model/validate.ts';

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

describe('mergePatch', () => {
  const stored: JsonObject = {
    id: 'p1',
    allowedAudiences: 'organization',
    isCurrent: true,
    categories: ['a', 'b'],
    detail: {
      jobTitle: 'Engineer',
      role: 'dev',
      company: { displayName: 'Contoso', address: { city: 'Oslo', street: 'Main 1', type: 'business' } },
    },
    colleagues: [{ displayName: 'Ann', relationship: 'colleague' }],
    manager: { displayName: 'Bob', userId: 'u-bob' },
  };

  const rows: Array<{ name: string; stored?: JsonObject; patch: JsonObject; expected: JsonObject }> = [
    { name: 'empty patch changes nothing', patch: {}, expected: stored },
    {
      name: 'a primitive replaces the stored value',
      patch: { isCurrent: false, allowedAudiences: 'everyone' },
      expected: { ...stored, isCurrent: false, allowedAudiences: 'everyone' },
    },
    {
      name: 'nested complex values merge member by member, recursively',
      patch: { detail: { jobTitle: 'Lead', company: { address: { city: 'Bergen' } } } },
      expected: {
        ...stored,
        detail: {
          jobTitle: 'Lead',
          role: 'dev',
          company: { displayName: 'Contoso', address: { city: 'Bergen', street: 'Main 1', type: 'business' } },
        },
      },
    },
    {
      name: 'collections are replaced whole',
      patch: { categories: ['c'], colleagues: [{ displayName: 'Cy' }] },
      expected: { ...stored, categories: ['c'], colleagues: [{ displayName: 'Cy' }] },
    },
    { name: 'an empty collection replaces the stored one', patch: { categories: [] }, expected: { ...stored, categories: [] } },
    {
      name: 'null clears a primitive, a collection and a whole complex value',
      patch: { isCurrent: null, categories: null, manager: null },
      expected: { id: 'p1', allowedAudiences: 'organization', detail: stored.detail, colleagues: stored.colleagues },
    },
    {
      name: 'null clears nested members only',
      patch: { detail: { role: null, company: { address: null } } },
      expected: { ...stored, detail: { jobTitle: 'Engineer', company: { displayName: 'Contoso' } } },
    },
    {
      name: 'merge onto an absent complex value creates it',
      stored: { isCurrent: true },
      patch: { detail: { jobTitle: 'Lead', company: { displayName: 'Fabrikam' } }, inference: { confidenceScore: 0.5 } },
      expected: { isCurrent: true, detail: { jobTitle: 'Lead', company: { displayName: 'Fabrikam' } }, inference: { confidenceScore: 0.5 } },
    },
    {
      name: 'merge onto a stored complex value with an absent nested one',
      stored: { detail: { jobTitle: 'Engineer' } },
      patch: { detail: { company: { address: { city: 'Oslo' } } } },
      expected: { detail: { jobTitle: 'Engineer', company: { address: { city: 'Oslo' } } } },
    },
    {
      name: 'clearing an absent member is harmless',
      stored: { isCurrent: true },
      patch: { manager: null, categories: null },
      expected: { isCurrent: true },
    },
    {
      name: 'undeclared keys in a patch are not copied',
      stored: { isCurrent: true },
      patch: { isCurrent: false, bogus: 1, '@odata.type': '#microsoft.graph.workPosition' },
      expected: { isCurrent: false },
    },
  ];

  for (const row of rows) {
    test(row.name, () => {
      // Frozen inputs: any attempt to modify them throws.
      const result = mergePatch(workPosition, deepFreeze(structuredClone(row.stored ?? stored)), deepFreeze(structuredClone(row.patch)));
      assert.deepEqual(result, row.expected);
    });
  }

  test('neither argument is mutated, and the result shares no changed object with them', () => {
    const s = structuredClone(stored);
    const p: JsonObject = { detail: { jobTitle: 'Lead', company: { address: { city: 'Bergen' } } }, categories: null, colleagues: [{ displayName: 'Cy' }] };
    const sCopy = structuredClone(s);
    const pCopy = structuredClone(p);
    const result = mergePatch(workPosition, s, p);
    assert.deepEqual(s, sCopy);
    assert.deepEqual(p, pCopy);
    assert.notEqual(result.detail, s.detail);
    assert.notEqual((result.detail as any).company, (s.detail as any).company);
    // Changing the result later does not reach back into the stored value.
    (result.detail as any).company.address.city = 'Trondheim';
    assert.equal((s.detail as any).company.address.city, 'Oslo');
  });

  test('merging works the same for nested types on their own', () => {
    assert.deepEqual(mergePatch(companyDetail, { displayName: 'A', address: { city: 'X' } }, { address: { state: 'Y' }, displayName: null }), {
      address: { city: 'X', state: 'Y' },
    });
  });
});

// Declared property names, copied from SPEC §2 (the declaration order is the model's business).
const WORK_POSITION_PROPERTIES = [
  'allowedAudiences',
  'categories',
  'colleagues',
  'createdBy',
  'createdDateTime',
  'detail',
  'id',
  'inference',
  'isCurrent',
  'isSearchable',
  'lastModifiedBy',
  'lastModifiedDateTime',
  'manager',
  'source',
  'sources',
];
const POSITION_DETAIL_PROPERTIES = [
  'company',
  'description',
  'employeeId',
  'employeeType',
  'endMonthYear',
  'jobTitle',
  'layer',
  'level',
  'role',
  'secondaryJobTitle',
  'secondaryRole',
  'startMonthYear',
  'summary',
];
const COMPANY_DETAIL_PROPERTIES = [
  'address',
  'companyCode',
  'costCenter',
  'department',
  'displayName',
  'division',
  'officeLocation',
  'pronunciation',
  'secondaryDepartment',
  'webUrl',
];
const PHYSICAL_ADDRESS_PROPERTIES = ['city', 'countryOrRegion', 'postOfficeBox', 'postalCode', 'state', 'street', 'type'];
const RELATED_PERSON_PROPERTIES = ['displayName', 'relationship', 'userId', 'userPrincipalName'];

const allNull = (names: readonly string[]): JsonObject => Object.fromEntries(names.map((n) => [n, null]));

describe('shapeComplex', () => {
  const keyRows = [
    { type: workPosition, names: WORK_POSITION_PROPERTIES },
    { type: positionDetail, names: POSITION_DETAIL_PROPERTIES },
    { type: companyDetail, names: COMPANY_DETAIL_PROPERTIES },
    { type: physicalAddress, names: PHYSICAL_ADDRESS_PROPERTIES },
    { type: relatedPerson, names: RELATED_PERSON_PROPERTIES },
  ];
  for (const { type, names } of keyRows) {
    test(`${type.name}: an empty value shapes to every declared property, all null`, () => {
      const shaped = shapeComplex(type, {});
      assert.deepEqual(Object.keys(shaped), [...propertiesOf(type).keys()], 'keys in declaration order');
      assert.deepEqual(Object.keys(shaped).sort(), names, 'exactly the properties SPEC §2 lists');
      assert.deepEqual(shaped, allNull(names));
    });
  }

  test('set values are kept; unset nested complex values are null, not objects', () => {
    const shaped = shapeComplex(workPosition, { id: 'p1', isCurrent: false, categories: ['a'], detail: { jobTitle: 'Dev' } });
    assert.equal(shaped.id, 'p1');
    assert.equal(shaped.isCurrent, false);
    assert.deepEqual(shaped.categories, ['a']);
    assert.equal(shaped.manager, null);
    assert.equal(shaped.inference, null);
    assert.equal(shaped.colleagues, null);
    assert.deepEqual(shaped.detail, { ...allNull(POSITION_DETAIL_PROPERTIES), jobTitle: 'Dev' });
  });

  test('nested complex values are shaped at every depth', () => {
    const shaped = shapeComplex(workPosition, { detail: { company: { address: { city: 'Oslo' } } } });
    const detail = shaped.detail as JsonObject;
    const company = detail.company as JsonObject;
    assert.deepEqual(Object.keys(detail).sort(), POSITION_DETAIL_PROPERTIES);
    assert.deepEqual(company, { ...allNull(COMPANY_DETAIL_PROPERTIES), address: { ...allNull(PHYSICAL_ADDRESS_PROPERTIES), city: 'Oslo' } });
  });

  test('collections of complex values have each item shaped', () => {
    const shaped = shapeComplex(workPosition, {
      colleagues: [{ displayName: 'Ann' }, { relationship: 'manager', userId: 'u2' }],
      sources: [{ sourceId: 's1' }],
    });
    assert.deepEqual(shaped.colleagues, [
      { ...allNull(RELATED_PERSON_PROPERTIES), displayName: 'Ann' },
      { ...allNull(RELATED_PERSON_PROPERTIES), relationship: 'manager', userId: 'u2' },
    ]);
    assert.deepEqual(shaped.sources, [{ isDefaultSource: null, properties: null, sourceId: 's1' }]);
  });

  test('an empty collection stays an empty array', () => {
    const shaped = shapeComplex(workPosition, { categories: [], colleagues: [] });
    assert.deepEqual(shaped.categories, []);
    assert.deepEqual(shaped.colleagues, []);
  });

  test('false, 0 and empty strings are values, not null', () => {
    const shaped = shapeComplex(workPosition, { isCurrent: false, isSearchable: false, detail: { layer: 0, role: '' }, inference: { confidenceScore: 0 } });
    assert.equal(shaped.isCurrent, false);
    assert.equal(shaped.isSearchable, false);
    assert.equal((shaped.detail as JsonObject).layer, 0);
    assert.equal((shaped.detail as JsonObject).role, '');
    assert.deepEqual(shaped.inference, { confidenceScore: 0, userHasVerifiedAccuracy: null });
  });

  test('identity sets are shaped too', () => {
    const shaped = shapeComplex(workPosition, { createdBy: { user: { id: 'u1', displayName: 'Ann' } } });
    assert.deepEqual(shaped.createdBy, { application: null, device: null, user: { displayName: 'Ann', id: 'u1' } });
  });

  test('the stored value is not mutated', () => {
    const stored = deepFreeze({ detail: { company: { displayName: 'C' } }, colleagues: [{ displayName: 'Ann' }] });
    assert.doesNotThrow(() => shapeComplex(workPosition, stored));
  });
});
