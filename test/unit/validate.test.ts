// Validation of request bodies against the declared Graph types (SPEC §2, §3): canonical values out,
// and every problem reported at once with its property path, code and a message a person can act on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultLimits } from '../../src/config.ts';
import { identitySet, positionDetail, workPosition } from '../../src/model/graph-types.ts';
import { type InputLimits, type JsonObject, type ValidationMode, validateBody } from '../../src/model/validate.ts';

const limits: InputLimits = { ...defaultLimits, maxStringLength: 20, maxCollectionItems: 3 };

interface ExpectedProblem {
  target: string;
  code: 'InvalidType' | 'InvalidValue' | 'UnknownProperty' | 'LimitExceeded';
  /** Phrases the message must contain. */
  says?: string[];
}

interface Row {
  name: string;
  body: unknown;
  /** Defaults to 'create'. */
  mode?: ValidationMode;
  /** The canonical value when the body is valid... */
  value?: JsonObject;
  /** ...or exactly these problems, in order. */
  problems?: ExpectedProblem[];
}

const PERSON_RELATIONSHIPS =
  'manager, colleague, directReport, dotLineReport, assistant, dotLineManager, alternateContact, friend, spouse, sibling, child, parent, sponsor, emergencyContact, other, unknownFutureValue';
const AUDIENCES = 'me, family, contacts, groupMembers, organization, federatedOrganizations, everyone, unknownFutureValue';

const primitiveRows: Row[] = [
  // Edm.String
  { name: 'String: a string', body: { detail: { jobTitle: 'Engineer' } }, value: { detail: { jobTitle: 'Engineer' } } },
  { name: 'String: empty string is a value', body: { detail: { role: '' } }, value: { detail: { role: '' } } },
  {
    name: 'String: a number is refused',
    body: { detail: { jobTitle: 42 } },
    problems: [{ target: 'detail.jobTitle', code: 'InvalidType', says: ['Edm.String', 'a number (42)'] }],
  },
  {
    name: 'String: an object is refused',
    body: { detail: { company: { displayName: { text: 'x' } } } },
    problems: [{ target: 'detail.company.displayName', code: 'InvalidType', says: ['Edm.String', 'an object'] }],
  },
  {
    name: 'String: exactly maxStringLength is accepted',
    body: { detail: { summary: 'x'.repeat(20) } },
    value: { detail: { summary: 'x'.repeat(20) } },
  },
  {
    name: 'String: longer than maxStringLength is refused',
    body: { detail: { summary: 'x'.repeat(21) } },
    problems: [{ target: 'detail.summary', code: 'LimitExceeded', says: ['21 characters', 'at most 20'] }],
  },
  // Edm.Boolean
  { name: 'Boolean: true', body: { isCurrent: true }, value: { isCurrent: true } },
  { name: 'Boolean: false', body: { isSearchable: false }, value: { isSearchable: false } },
  {
    name: 'Boolean: the string "true" is refused',
    body: { isCurrent: 'true' },
    problems: [{ target: 'isCurrent', code: 'InvalidType', says: ['Edm.Boolean', 'a string ("true")'] }],
  },
  {
    name: 'Boolean: the string "True" is refused',
    body: { isSearchable: 'True' },
    problems: [{ target: 'isSearchable', code: 'InvalidType', says: ['true or false', '"True"'] }],
  },
  {
    name: 'Boolean: 1 is refused',
    body: { inference: { userHasVerifiedAccuracy: 1 } },
    problems: [{ target: 'inference.userHasVerifiedAccuracy', code: 'InvalidType', says: ['Edm.Boolean'] }],
  },
  // Edm.Double
  { name: 'Double: a fraction', body: { inference: { confidenceScore: 0.75 } }, value: { inference: { confidenceScore: 0.75 } } },
  { name: 'Double: a whole number', body: { inference: { confidenceScore: 1 } }, value: { inference: { confidenceScore: 1 } } },
  { name: 'Double: a negative exponent form', body: { inference: { confidenceScore: -2.5e-3 } }, value: { inference: { confidenceScore: -0.0025 } } },
  {
    name: 'Double: a number beyond its range (JSON.parse gives Infinity) is refused, not stored as null',
    body: JSON.parse('{"inference": {"confidenceScore": 1e400}}'),
    problems: [{ target: 'inference.confidenceScore', code: 'InvalidValue', says: ['range of Edm.Double'] }],
  },
  {
    name: 'Double: the placeholder string "Double" is refused',
    body: { inference: { confidenceScore: 'Double' } },
    problems: [{ target: 'inference.confidenceScore', code: 'InvalidType', says: ['Edm.Double', '"Double"'] }],
  },
  {
    name: 'Double: a numeric string is refused',
    body: { inference: { confidenceScore: '0.5' } },
    problems: [{ target: 'inference.confidenceScore', code: 'InvalidType', says: ['a JSON number'] }],
  },
  // Edm.Int32
  { name: 'Int32: a whole number', body: { detail: { layer: 3 } }, value: { detail: { layer: 3 } } },
  { name: 'Int32: the largest value', body: { detail: { layer: 2147483647 } }, value: { detail: { layer: 2147483647 } } },
  { name: 'Int32: the smallest value', body: { detail: { layer: -2147483648 } }, value: { detail: { layer: -2147483648 } } },
  {
    name: 'Int32: 1.5 is refused',
    body: { detail: { layer: 1.5 } },
    problems: [{ target: 'detail.layer', code: 'InvalidValue', says: ['whole number', 'Edm.Int32', '1.5'] }],
  },
  {
    name: 'Int32: 2^31 is refused',
    body: { detail: { layer: 2 ** 31 } },
    problems: [{ target: 'detail.layer', code: 'InvalidValue', says: ['-2147483648 to 2147483647'] }],
  },
  {
    name: 'Int32: -2^31-1 is refused',
    body: { detail: { layer: -(2 ** 31) - 1 } },
    problems: [{ target: 'detail.layer', code: 'InvalidValue', says: ['Edm.Int32'] }],
  },
  {
    name: 'Int32: a numeric string is refused',
    body: { detail: { layer: '3' } },
    problems: [{ target: 'detail.layer', code: 'InvalidType', says: ['Edm.Int32', 'a string ("3")'] }],
  },
  // Edm.Date
  { name: 'Date: an ordinary date', body: { detail: { startMonthYear: '2021-03-01' } }, value: { detail: { startMonthYear: '2021-03-01' } } },
  { name: 'Date: 2024-02-29 (leap year)', body: { detail: { endMonthYear: '2024-02-29' } }, value: { detail: { endMonthYear: '2024-02-29' } } },
  { name: 'Date: 2000-02-29 (400-year leap)', body: { detail: { endMonthYear: '2000-02-29' } }, value: { detail: { endMonthYear: '2000-02-29' } } },
  {
    name: 'Date: 2023-02-29 is refused',
    body: { detail: { endMonthYear: '2023-02-29' } },
    problems: [{ target: 'detail.endMonthYear', code: 'InvalidValue', says: ['calendar date', 'YYYY-MM-DD', 'Edm.Date'] }],
  },
  {
    name: 'Date: 1900-02-29 (century, not leap) is refused',
    body: { detail: { endMonthYear: '1900-02-29' } },
    problems: [{ target: 'detail.endMonthYear', code: 'InvalidValue' }],
  },
  { name: 'Date: April 31 is refused', body: { detail: { startMonthYear: '2024-04-31' } }, problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue' }] },
  { name: 'Date: month 13 is refused', body: { detail: { startMonthYear: '2024-13-01' } }, problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue' }] },
  { name: 'Date: day 00 is refused', body: { detail: { startMonthYear: '2024-01-00' } }, problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue' }] },
  { name: 'Date: unpadded month is refused', body: { detail: { startMonthYear: '2024-1-01' } }, problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue' }] },
  {
    name: 'Date: a date-time is refused',
    body: { detail: { startMonthYear: '2024-01-01T00:00:00Z' } },
    problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue' }],
  },
  {
    name: 'Date: the placeholder string "Date" is refused',
    body: { detail: { startMonthYear: 'Date' } },
    problems: [{ target: 'detail.startMonthYear', code: 'InvalidValue', says: ['YYYY-MM-DD', '"Date"'] }],
  },
  {
    name: 'Date: a number is refused',
    body: { detail: { startMonthYear: 20240101 } },
    problems: [{ target: 'detail.startMonthYear', code: 'InvalidType', says: ['Edm.Date'] }],
  },
];

const enumRows: Row[] = [
  {
    name: 'physicalAddressType: declared spelling',
    body: { detail: { company: { address: { type: 'business' } } } },
    value: { detail: { company: { address: { type: 'business' } } } },
  },
  {
    name: 'physicalAddressType: any case is normalised to the declared spelling',
    body: { detail: { company: { address: { type: 'HOME' } } } },
    value: { detail: { company: { address: { type: 'home' } } } },
  },
  {
    name: 'physicalAddressType: unknown member',
    body: { detail: { company: { address: { type: 'String' } } } },
    problems: [
      {
        target: 'detail.company.address.type',
        code: 'InvalidValue',
        says: ["'String'", 'microsoft.graph.physicalAddressType', 'Allowed values: unknown, home, business, other'],
      },
    ],
  },
  {
    name: 'physicalAddressType: a number is refused',
    body: { detail: { company: { address: { type: 2 } } } },
    problems: [{ target: 'detail.company.address.type', code: 'InvalidType', says: ['Allowed values: unknown, home, business, other'] }],
  },
  {
    name: 'personRelationship: mixed case is normalised',
    body: { manager: { relationship: 'DIRECTREPORT' }, colleagues: [{ relationship: 'DotLineManager' }] },
    value: { manager: { relationship: 'directReport' }, colleagues: [{ relationship: 'dotLineManager' }] },
  },
  {
    name: 'personRelationship: unknown member lists every allowed value',
    body: { manager: { relationship: 'boss' } },
    problems: [{ target: 'manager.relationship', code: 'InvalidValue', says: ["'boss'", `Allowed values: ${PERSON_RELATIONSHIPS}`] }],
  },
  // allowedAudiences (flags): written back as the canonical comma list in declaration order.
  { name: 'flags: a single name', body: { allowedAudiences: 'organization' }, value: { allowedAudiences: 'organization' } },
  { name: 'flags: the zero member alone', body: { allowedAudiences: 'me' }, value: { allowedAudiences: 'me' } },
  { name: 'flags: case-insensitive', body: { allowedAudiences: 'EveryOne' }, value: { allowedAudiences: 'everyone' } },
  {
    name: 'flags: comma list with spaces, out of order',
    body: { allowedAudiences: ' federatedOrganizations , Organization ' },
    value: { allowedAudiences: 'organization,federatedOrganizations' },
  },
  {
    name: 'flags: JSON array of names',
    body: { allowedAudiences: ['everyone', 'contacts', 'family'] },
    value: { allowedAudiences: 'family,contacts,everyone' },
  },
  { name: "flags: 'me,organization' is 'organization' (me is the zero member)", body: { allowedAudiences: 'me,organization' }, value: { allowedAudiences: 'organization' } },
  { name: 'flags: duplicates collapse', body: { allowedAudiences: 'contacts,contacts' }, value: { allowedAudiences: 'contacts' } },
  {
    name: 'flags: unknown member',
    body: { allowedAudiences: 'organization,public' },
    problems: [{ target: 'allowedAudiences', code: 'InvalidValue', says: ["'public' is not a member", `Allowed values: ${AUDIENCES}`, 'comma-separated'] }],
  },
  {
    name: 'flags: the placeholder "String"',
    body: { allowedAudiences: 'String' },
    problems: [{ target: 'allowedAudiences', code: 'InvalidValue', says: ["'String' is not a member"] }],
  },
  {
    name: 'flags: empty string',
    body: { allowedAudiences: '' },
    problems: [{ target: 'allowedAudiences', code: 'InvalidValue', says: ['at least one member name', 'Allowed values'] }],
  },
  { name: 'flags: empty array', body: { allowedAudiences: [] }, problems: [{ target: 'allowedAudiences', code: 'InvalidValue', says: ['at least one'] }] },
  { name: 'flags: empty item in a comma list', body: { allowedAudiences: 'organization,' }, problems: [{ target: 'allowedAudiences', code: 'InvalidValue' }] },
  {
    name: 'flags: a number',
    body: { allowedAudiences: 8 },
    problems: [{ target: 'allowedAudiences', code: 'InvalidType', says: ['a string or an array of member names', `Allowed values: ${AUDIENCES}`] }],
  },
  {
    name: 'flags: an array with a non-string',
    body: { allowedAudiences: ['organization', 8] },
    problems: [{ target: 'allowedAudiences', code: 'InvalidValue', says: ['as strings'] }],
  },
];

const structureRows: Row[] = [
  {
    name: 'unknown property at the top level',
    body: { title: 'x' },
    problems: [{ target: 'title', code: 'UnknownProperty', says: ["'title'", 'microsoft.graph.workPosition'] }],
  },
  {
    name: 'unknown property nested',
    body: { detail: { company: { foo: 1, displayName: 'Contoso' } } },
    problems: [{ target: 'detail.company.foo', code: 'UnknownProperty', says: ["'foo'", 'microsoft.graph.companyDetail'] }],
  },
  {
    name: 'property names are case-sensitive',
    body: { IsCurrent: true },
    problems: [{ target: 'IsCurrent', code: 'UnknownProperty' }],
  },
  {
    name: 'Object.prototype names are unknown properties',
    body: JSON.parse('{"constructor":1,"__proto__":{"isCurrent":true},"toString":"x"}'),
    problems: [
      { target: 'constructor', code: 'UnknownProperty' },
      { target: '__proto__', code: 'UnknownProperty' },
      { target: 'toString', code: 'UnknownProperty' },
    ],
  },
  {
    name: 'complex property given a scalar',
    body: { detail: 'Engineer' },
    problems: [{ target: 'detail', code: 'InvalidType', says: ['JSON object', 'microsoft.graph.positionDetail'] }],
  },
  {
    name: 'complex property given an array',
    body: { manager: [{ displayName: 'x' }] },
    problems: [{ target: 'manager', code: 'InvalidType', says: ['microsoft.graph.relatedPerson', 'an array'] }],
  },
  // Collections
  {
    name: 'collection of strings',
    body: { categories: ['a', 'b'], sources: [{ sourceId: 's', isDefaultSource: true, properties: ['detail'] }] },
    value: { categories: ['a', 'b'], sources: [{ sourceId: 's', isDefaultSource: true, properties: ['detail'] }] },
  },
  { name: 'empty collection', body: { categories: [] }, value: { categories: [] } },
  {
    name: 'collection given a string',
    body: { categories: 'a,b' },
    problems: [{ target: 'categories', code: 'InvalidType', says: ['JSON array', 'Collection(Edm.String)'] }],
  },
  {
    name: 'bad collection items are targeted by index',
    body: { colleagues: [{ relationship: 'colleague' }, { relationship: 'peer', displayName: 7 }], categories: ['a', 2] },
    problems: [
      { target: 'colleagues[1].relationship', code: 'InvalidValue', says: ["'peer'"] },
      { target: 'colleagues[1].displayName', code: 'InvalidType' },
      { target: 'categories[1]', code: 'InvalidType' },
    ],
  },
  {
    name: 'unknown property inside a collection item',
    body: { sources: [{ sourceId: 'a' }, { sourceId: 'b', priority: 1 }] },
    problems: [{ target: 'sources[1].priority', code: 'UnknownProperty', says: ['microsoft.graph.profileSourceAnnotation'] }],
  },
  {
    name: 'nested collection inside a collection item',
    body: { sources: [{ properties: ['x', false] }] },
    problems: [{ target: 'sources[0].properties[1]', code: 'InvalidType' }],
  },
  {
    name: 'null items in collections',
    body: { categories: ['a', null], colleagues: [null] },
    problems: [
      { target: 'categories[1]', code: 'InvalidValue', says: ['cannot be null', 'Edm.String'] },
      { target: 'colleagues[0]', code: 'InvalidValue', says: ['cannot be null', 'microsoft.graph.relatedPerson'] },
    ],
  },
  {
    name: 'null items in collections (patch)',
    mode: 'patch',
    body: { categories: [null] },
    problems: [{ target: 'categories[0]', code: 'InvalidValue' }],
  },
  { name: 'collection exactly at the limit', body: { categories: ['a', 'b', 'c'] }, value: { categories: ['a', 'b', 'c'] } },
  {
    name: 'collection longer than the limit (items not examined)',
    body: { categories: ['a', 'b', 'c', 4] },
    problems: [{ target: 'categories', code: 'LimitExceeded', says: ['4 items', 'at most 3'] }],
  },
  {
    name: 'string limit applies inside collections',
    body: { categories: ['y'.repeat(21)] },
    problems: [{ target: 'categories[0]', code: 'LimitExceeded' }],
  },
  // The body itself
  { name: 'body is an array', body: [{ isCurrent: true }], problems: [{ target: '', code: 'InvalidType', says: ['JSON object', 'microsoft.graph.workPosition', 'an array'] }] },
  { name: 'body is a string', body: 'position', problems: [{ target: '', code: 'InvalidType', says: ['JSON object', 'a string ("position")'] }] },
  { name: 'body is null', body: null, problems: [{ target: '', code: 'InvalidType', says: ['JSON object', 'null'] }] },
  { name: 'body is null (patch)', mode: 'patch', body: null, problems: [{ target: '', code: 'InvalidType' }] },
  { name: 'body is a number', body: 1, problems: [{ target: '', code: 'InvalidType' }] },
  { name: 'empty object', body: {}, value: {} },
];

const annotationRows: Row[] = [
  { name: '@odata.type with #', body: { '@odata.type': '#microsoft.graph.workPosition', isCurrent: true }, value: { isCurrent: true } },
  { name: '@odata.type without #', body: { '@odata.type': 'microsoft.graph.workPosition' }, value: {} },
  { name: '@odata.type in another case', body: { '@odata.type': '#Microsoft.Graph.WORKPOSITION' }, value: {} },
  { name: '@odata.type with the graph alias', body: { '@odata.type': '#graph.workPosition' }, value: {} },
  {
    name: '@odata.type naming the declared nested types',
    body: {
      detail: {
        '@odata.type': 'microsoft.graph.positionDetail',
        company: { '@odata.type': '#microsoft.graph.companyDetail', address: { '@odata.type': 'microsoft.graph.physicalAddress', city: 'Oslo' } },
      },
      inference: { '@odata.type': 'microsoft.graph.inferenceData', confidenceScore: 0.5 },
      colleagues: [{ '@odata.type': '#microsoft.graph.relatedPerson', displayName: 'Ann' }],
    },
    value: { detail: { company: { address: { city: 'Oslo' } } }, inference: { confidenceScore: 0.5 }, colleagues: [{ displayName: 'Ann' }] },
  },
  {
    name: '@odata.type naming another type',
    body: { '@odata.type': '#microsoft.graph.positionDetail' },
    problems: [{ target: '@odata.type', code: 'InvalidValue', says: ["'#microsoft.graph.positionDetail'", '#microsoft.graph.workPosition'] }],
  },
  {
    name: '@odata.type naming another type, nested',
    body: { detail: { company: { '@odata.type': '#microsoft.graph.physicalAddress' } } },
    problems: [{ target: 'detail.company.@odata.type', code: 'InvalidValue', says: ["'detail.company'", '#microsoft.graph.companyDetail'] }],
  },
  {
    name: '@odata.type naming another type, in a collection item',
    body: { colleagues: [{ '@odata.type': '#microsoft.graph.user' }] },
    problems: [{ target: 'colleagues[0].@odata.type', code: 'InvalidValue', says: ['#microsoft.graph.relatedPerson'] }],
  },
  {
    name: '@odata.type in another namespace',
    body: { '@odata.type': '#contoso.workPosition' },
    problems: [{ target: '@odata.type', code: 'InvalidValue' }],
  },
  {
    name: '@odata.type that is not a string',
    body: { '@odata.type': 1 },
    problems: [{ target: '@odata.type', code: 'InvalidType', says: ['must be a string', '#microsoft.graph.workPosition'] }],
  },
  {
    name: 'other annotations are ignored',
    body: {
      '@odata.etag': 'W/"1"',
      '@odata.context': 'https://graph.microsoft.com/beta/$metadata#users/positions/$entity',
      'categories@odata.type': '#Collection(String)',
      '@contoso.note': { anything: true },
      categories: ['x'],
      detail: { 'jobTitle@odata.type': 'String', jobTitle: 'Dev' },
    },
    value: { categories: ['x'], detail: { jobTitle: 'Dev' } },
  },
  {
    name: 'server-owned properties are ignored even when invalid',
    body: {
      id: 42,
      createdDateTime: 'yesterday',
      createdBy: 'me',
      lastModifiedBy: [1, 2],
      lastModifiedDateTime: false,
      isCurrent: true,
    },
    value: { isCurrent: true },
  },
  {
    name: 'server-owned properties are ignored in patch mode',
    mode: 'patch',
    body: { id: '00000000-0000-0000-0000-000000000000', createdBy: { user: { id: 'x', extra: 1 } }, lastModifiedDateTime: null },
    value: {},
  },
];

const nullRows: Row[] = [
  {
    name: 'create drops nulls at every level',
    body: { isCurrent: null, detail: { jobTitle: null, role: 'r', company: null }, manager: { displayName: null } },
    value: { detail: { role: 'r' }, manager: {} },
  },
  {
    name: 'patch keeps nulls at every level',
    mode: 'patch',
    body: { isCurrent: null, allowedAudiences: null, detail: { jobTitle: null, role: 'r', company: { address: null } }, categories: null },
    value: { isCurrent: null, allowedAudiences: null, detail: { jobTitle: null, role: 'r', company: { address: null } }, categories: null },
  },
  {
    name: 'nulls inside collection items are dropped (create)',
    body: { colleagues: [{ displayName: 'Ann', relationship: null }], sources: [{ sourceId: null, properties: null }] },
    value: { colleagues: [{ displayName: 'Ann' }], sources: [{}] },
  },
  {
    name: 'nulls inside collection items are dropped (patch)',
    mode: 'patch',
    body: { colleagues: [{ displayName: 'Ann', relationship: null, userId: null }], sources: [{ sourceId: 's', properties: null }] },
    value: { colleagues: [{ displayName: 'Ann' }], sources: [{ sourceId: 's' }] },
  },
  {
    name: 'patch still validates the non-null values',
    mode: 'patch',
    body: { isCurrent: null, detail: { layer: 'top' } },
    problems: [{ target: 'detail.layer', code: 'InvalidType' }],
  },
];

function runRow(row: Row): void {
  const { value, problems } = validateBody(row.body, workPosition, row.mode ?? 'create', limits);
  if (row.problems) {
    assert.deepEqual(
      problems.map((p) => ({ target: p.target, code: p.code })),
      row.problems.map((p) => ({ target: p.target, code: p.code })),
    );
    row.problems.forEach((expected, i) => {
      const message = problems[i]!.message;
      for (const phrase of expected.says ?? []) {
        assert.ok(message.includes(phrase), `message for ${expected.target} should contain ${JSON.stringify(phrase)}: ${message}`);
      }
    });
  } else {
    assert.deepEqual(problems, [], 'no problems expected');
    assert.deepEqual(value, row.value);
  }
}

for (const [title, rows] of [
  ['validateBody: primitives', primitiveRows],
  ['validateBody: enums and flags', enumRows],
  ['validateBody: structure, collections, limits', structureRows],
  ['validateBody: annotations and server-owned properties', annotationRows],
  ['validateBody: nulls in create and patch', nullRows],
] as const) {
  describe(title, () => {
    for (const row of rows) test(`${row.name}${row.mode === 'patch' ? ' [patch]' : ''}`, () => runRow(row));
  });
}

describe('validateBody: every problem at once', () => {
  const seedBody = (): unknown => JSON.parse(readFileSync(new URL('../fixtures/seeds/001-add-positions-ref.request.json', import.meta.url), 'utf8'));

  test('the placeholder body of seed 001 reports exactly its five bad properties', () => {
    const { problems } = validateBody(seedBody(), workPosition, 'create', defaultLimits);
    assert.deepEqual(
      problems.map((p) => p.target).sort(),
      ['allowedAudiences', 'detail.company.address.type', 'detail.endMonthYear', 'detail.startMonthYear', 'inference.confidenceScore'],
    );
    const byTarget = new Map(problems.map((p) => [p.target, p]));
    assert.equal(byTarget.get('allowedAudiences')!.code, 'InvalidValue');
    assert.equal(byTarget.get('inference.confidenceScore')!.code, 'InvalidType');
    assert.equal(byTarget.get('detail.company.address.type')!.code, 'InvalidValue');
    assert.equal(byTarget.get('detail.endMonthYear')!.code, 'InvalidValue');
    assert.match(byTarget.get('detail.company.address.type')!.message, /Allowed values: unknown, home, business, other/);
  });

  test('the seed 001 body with its placeholders fixed is valid, and its createdBy is ignored', () => {
    const body = seedBody() as any;
    body.allowedAudiences = 'organization';
    body.inference.confidenceScore = 0.9;
    body.detail.company.address.type = 'Business';
    body.detail.endMonthYear = '2024-02-29';
    body.detail.startMonthYear = '2020-01-01';
    const { value, problems } = validateBody(body, workPosition, 'create', defaultLimits);
    assert.deepEqual(problems, []);
    assert.equal(value.createdBy, undefined);
    assert.equal(value['@odata.type'], undefined);
    assert.deepEqual(value.inference, { confidenceScore: 0.9, userHasVerifiedAccuracy: true });
    assert.deepEqual((value.detail as any).company.address, {
      type: 'business',
      postOfficeBox: 'Post Office Box value',
      street: 'Street value',
      city: 'City value',
      state: 'State value',
      countryOrRegion: 'Country Or Region value',
      postalCode: 'Postal Code value',
    });
  });

  test('maxProblems caps the list (first problems in body order)', () => {
    const body = { isCurrent: 'yes', isSearchable: 'no', categories: 'x', detail: { layer: 'y' }, foo: 1 };
    const all = validateBody(body, workPosition, 'create', limits).problems;
    assert.deepEqual(
      all.map((p) => p.target),
      ['isCurrent', 'isSearchable', 'categories', 'detail.layer', 'foo'],
    );
    const capped = validateBody(body, workPosition, 'create', { ...limits, maxProblems: 2 }).problems;
    assert.deepEqual(
      capped.map((p) => p.target),
      ['isCurrent', 'isSearchable'],
    );
  });

  test('maxProblems caps problems from a long collection', () => {
    const colleagues = Array.from({ length: 50 }, () => ({ relationship: 'nobody' }));
    const { problems } = validateBody({ colleagues }, workPosition, 'create', { ...defaultLimits, maxProblems: 7 });
    assert.equal(problems.length, 7);
    assert.deepEqual(
      problems.map((p) => p.target),
      Array.from({ length: 7 }, (_, i) => `colleagues[${i}].relationship`),
    );
  });
});

describe('validateBody: other declared types', () => {
  test('positionDetail on its own: targets are relative to it', () => {
    const { problems } = validateBody({ layer: 1.5, company: { address: { type: 'x' } } }, positionDetail, 'create', limits);
    assert.deepEqual(
      problems.map((p) => [p.target, p.code]),
      [
        ['layer', 'InvalidValue'],
        ['company.address.type', 'InvalidValue'],
      ],
    );
  });

  test('identitySet is open: undeclared members are not errors', () => {
    const { problems } = validateBody(
      { user: { id: 'u1', displayName: 'Ann', email: 'ann@contoso.com' }, tenant: 't1' },
      identitySet,
      'create',
      limits,
    );
    assert.deepEqual(problems, []);
  });
});
