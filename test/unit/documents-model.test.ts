// The document generators walk the declarations they are given: a synthetic model with a property,
// an enum and a complex type added shows each change in both $metadata and OpenAPI.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { csdlDocument } from '../../src/model/csdl.ts';
import { type DeclaredType, serviceTypes } from '../../src/model/entities.ts';
import { facets } from '../../src/model/facets.ts';
import { itemFacet, workPosition } from '../../src/model/graph-types.ts';
import { openApiDocument } from '../../src/model/openapi.ts';
import { type ComplexType, type TypeRef, Edm, collection, complexType, enumType, nonNullable, ref } from '../../src/model/types.ts';
import { type OpenApi, expectedTypeString, findType, parseCsdl, schemaProperties, walkRefs } from '../helpers/documents.ts';

describe('documents follow the declarations', () => {
  const award = complexType('award', { displayName: Edm.String, year: Edm.Int32 });
  const tier = enumType('tier', { bronze: 1, silver: 2, 'gold&<"platinum">': 4 });
  const extended = complexType(
    'workPosition',
    { ...Object.fromEntries(workPosition.ownProperties.map((p) => [p.name, p.type])), seniority: ref(tier), awards: collection(ref(award)) },
    { base: itemFacet },
  );
  const types: DeclaredType[] = [...serviceTypes.map((t) => (t === workPosition ? extended : t)), award, tier];

  test('a property added to a type appears in $metadata and in the OpenAPI document', async () => {
    const csdl = parseCsdl(csdlDocument(types));
    const props = findType(csdl, 'workPosition')[1].Property!;
    assert.deepEqual(props.slice(-2).map((p) => [p.Name, p.Type]), [['seniority', 'microsoft.graph.tier'], ['awards', 'Collection(microsoft.graph.award)']]);
    assert.deepEqual(findType(csdl, 'award')[1].Property!.map((p) => [p.Name, p.Type]), [['displayName', 'Edm.String'], ['year', 'Edm.Int32']]);
    assert.equal(findType(csdl, 'tier')[1].Member!.at(-1)!.Name, 'gold&<"platinum">', 'escaped, and read back as written');

    const doc = openApiDocument({ types }) as OpenApi;
    assert.equal((await new Validator().validate(structuredClone(doc))).valid, true);
    assert.deepEqual(schemaProperties(doc, 'microsoft.graph.workPosition').slice(-2), ['seniority', 'awards']);
    assert.deepEqual(doc.components.schemas['microsoft.graph.award'].properties.year, { type: ['integer', 'null'], format: 'int32', minimum: -2147483648, maximum: 2147483647 });
    assert.ok(doc.components.parameters['select.workPosition'].schema.items.enum.includes('awards'));
    assert.deepEqual(doc.components.schemas['microsoft.graph.workPosition'].allOf[1].properties.seniority, {
      anyOf: [{ $ref: '#/components/schemas/microsoft.graph.tier' }, { type: 'null' }],
    });
  });

  test('a property declared NN is not nullable in $metadata and OpenAPI, and required on create only', async () => {
    const strict = complexType(
      'workPosition',
      { ...Object.fromEntries(workPosition.ownProperties.map((p) => [p.name, p.type])), seniority: nonNullable(ref(tier)) },
      { base: itemFacet },
    );
    const withNN: DeclaredType[] = [...serviceTypes.map((t) => (t === workPosition ? strict : t)), tier];
    const seniority = findType(parseCsdl(csdlDocument(withNN)), 'workPosition')[1].Property!.find((p) => p.Name === 'seniority')!;
    assert.equal(seniority.Nullable, 'false');
    const doc = openApiDocument({ types: withNN }) as OpenApi;
    assert.equal((await new Validator().validate(structuredClone(doc))).valid, true);
    assert.equal(doc.components.schemas['microsoft.graph.workPosition'].allOf[1].properties.seniority.$ref, '#/components/schemas/microsoft.graph.tier');
    for (const prefix of ['/beta/me', '/beta/users/{user-id}']) {
      const body = (op: any) => op.requestBody.content['application/json'].schema;
      assert.deepEqual(body(doc.paths[`${prefix}/profile/positions`].post).allOf[1].required, ['seniority']);
      assert.deepEqual(body(doc.paths[`${prefix}/profile/positions/$ref`].post).allOf[1].required, ['seniority']);
      assert.deepEqual(body(doc.paths[`${prefix}/profile/positions/{workPosition-id}`].patch), { $ref: '#/components/schemas/microsoft.graph.workPosition' });
    }
  });

  test('the paths follow the facet table: each row gives its collection paths, nothing is named by hand', () => {
    const doc = openApiDocument() as OpenApi;
    const collections = new Set(
      Object.keys(doc.paths)
        .map((p) => /^\/beta\/(?:me|users\/\{user-id\})\/profile\/([^/]+)/.exec(p)?.[1])
        .filter((c): c is string => c !== undefined),
    );
    assert.deepEqual([...collections], facets.map((f) => f.collection));
    for (const f of facets) {
      const item = doc.paths[`/beta/me/profile/${f.collection}/{${f.type.name}-id}`];
      assert.ok(item, f.collection);
      assert.ok(walkRefs(item.patch.requestBody).includes(`#/components/schemas/microsoft.graph.${f.type.name}`), f.collection);
      assert.equal(Boolean(doc.paths[`/beta/me/profile/${f.collection}/$ref`]), f.refAlias, `${f.collection} $ref`);
    }
  });

  test('a type referred to but not listed is an error, not a dangling name', () => {
    const missing = types.filter((t) => t !== award);
    assert.throws(() => csdlDocument(missing), /refers to 'microsoft\.graph\.award'/);
    assert.throws(() => openApiDocument({ types: missing }), /refers to 'microsoft\.graph\.award'/);
    const withoutFacetType = serviceTypes.filter((t) => t.name !== facets[0]!.type.name);
    assert.throws(() => openApiDocument({ types: withoutFacetType }), new RegExp(`refers to 'microsoft\\.graph\\.${facets[0]!.type.name}'`));
  });

  test('the Type strings follow the model for every kind of reference', () => {
    const cases: Array<[TypeRef, string]> = [
      [Edm.Guid, 'Edm.Guid'],
      [collection(Edm.Date), 'Collection(Edm.Date)'],
      [ref(award), 'microsoft.graph.award'],
      [collection(ref(tier)), 'Collection(microsoft.graph.tier)'],
    ];
    const probe: ComplexType = complexType('probe', Object.fromEntries(cases.map(([t], i) => [`p${i}`, t])));
    const csdl = parseCsdl(csdlDocument([...types, probe]));
    assert.deepEqual(findType(csdl, 'probe')[1].Property!.map((p) => p.Type), cases.map(([, s]) => s));
    assert.deepEqual(cases.map(([t]) => expectedTypeString(t)), cases.map(([, s]) => s));
  });
});
