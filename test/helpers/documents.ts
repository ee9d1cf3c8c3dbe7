// Reading $metadata and OpenAPI documents back, independently of the code that writes them.
import { facets } from '../../src/model/facets.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser } from 'fast-xml-parser';
import type { TypeRef } from '../../src/model/types.ts';

export interface CsdlElement {
  Name: string;
  Type?: string;
  BaseType?: string;
  Abstract?: string;
  OpenType?: string;
  IsFlags?: string;
  Nullable?: string;
  ContainsTarget?: string;
  EntityType?: string;
  Value?: string;
  Key?: { PropertyRef: Array<{ Name: string }> };
  Member?: CsdlElement[];
  Property?: CsdlElement[];
  NavigationProperty?: CsdlElement[];
}

export interface Csdl {
  edmx: Record<string, string>;
  schema: Record<string, string> & { EnumType: CsdlElement[]; ComplexType: CsdlElement[]; EntityType: CsdlElement[] };
  container: { Name: string; EntitySet: CsdlElement[]; Singleton: CsdlElement[] };
}

export type OpenApi = Record<string, any>;

const REPEATED = new Set(['EnumType', 'ComplexType', 'EntityType', 'Member', 'Property', 'NavigationProperty', 'PropertyRef', 'EntitySet', 'Singleton']);

export function parseCsdl(xml: string): Csdl {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATED.has(name) });
  const doc = parser.parse(xml);
  const edmx = doc['edmx:Edmx'];
  const schema = edmx['edmx:DataServices'].Schema;
  for (const kind of ['EnumType', 'ComplexType', 'EntityType']) schema[kind] ??= [];
  const container = schema.EntityContainer;
  container.EntitySet ??= [];
  container.Singleton ??= [];
  return { edmx, schema, container };
}

export function findType(csdl: Csdl, name: string): ['EnumType' | 'ComplexType' | 'EntityType', CsdlElement] {
  for (const kind of ['EnumType', 'ComplexType', 'EntityType'] as const) {
    const found = csdl.schema[kind].filter((e) => e.Name === name);
    if (found.length > 1) throw new Error(`${name} is declared ${found.length} times`);
    if (found[0]) return [kind, found[0]];
  }
  throw new Error(`${name} is not declared in the document`);
}

/** The structural properties of a type, its bases' first, following BaseType through the document. */
export function allProperties(csdl: Csdl, name: string): CsdlElement[] {
  const [, el] = findType(csdl, name);
  const base = el.BaseType ? allProperties(csdl, el.BaseType.replace(/^microsoft\.graph\./, '')) : [];
  return [...base, ...(el.Property ?? [])];
}

/** How CSDL writes a type reference, derived here from the specification rather than from the generator. */
export function expectedTypeString(t: TypeRef): string {
  switch (t.kind) {
    case 'primitive':
      return `Edm.${t.primitive}`;
    case 'collection':
      return `Collection(${expectedTypeString(t.of)})`;
    default:
      return `microsoft.graph.${t.type.name}`;
  }
}

/** Property names of a component schema, following allOf references to its bases. */
export function schemaProperties(doc: OpenApi, name: string): string[] {
  const schema = doc.components.schemas[name];
  const parts: any[] = schema.allOf ?? [schema];
  return parts.flatMap((part) =>
    part.$ref ? schemaProperties(doc, part.$ref.replace('#/components/schemas/', '')) : Object.keys(part.properties ?? {}),
  );
}

export function walkRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => walkRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else walkRefs(v, out);
    }
  }
  return out;
}

/** Validates a value against a component schema; returns the problems found (none: []). */
export function validatorFor(doc: OpenApi): (schemaName: string, value: unknown) => string[] {
  // strict: false, because OpenAPI adds keywords of its own (x-ms-enum-flags) to JSON Schema. Formats
  // are annotations in 2020-12; the documents' patterns are what check dates.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  return (schemaName, value) => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`no schema ${schemaName}`);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

/** The two user segments of the document's paths. */
export const PREFIXES = ['/beta/me', '/beta/users/{user-id}'];

/** What the document must list, derived from the facet table (SPEC §1): path -> methods. */
export function expectedPaths(): Record<string, string[]> {
  const expected: Record<string, string[]> = { '/beta/$batch': ['post'], '/beta/$metadata': ['get'] };
  for (const prefix of PREFIXES) {
    expected[prefix] = ['get'];
    expected[`${prefix}/profile`] = ['get', 'delete'];
    for (const f of facets) {
      const base = `${prefix}/profile/${f.collection}`;
      expected[base] = ['get', 'post'];
      expected[`${base}/$count`] = ['get'];
      if (f.refAlias) expected[`${base}/$ref`] = ['post'];
      expected[`${base}/{${f.type.name}-id}`] = ['get', 'patch', 'delete'];
    }
  }
  return expected;
}
