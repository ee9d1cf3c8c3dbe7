// GET /beta/$metadata: the CSDL XML document (OData 4.0) of the types this service serves, written by
// walking their declarations, so that it cannot drift from what validation and responses use.
import { type ComplexType, type EnumType, type Property, NAMESPACE, qualifiedName, typeLabel } from './types.ts';
import { type DeclaredType, checkTypeList, container, isEntityType, keyOf, navigationOf, serviceTypes } from './entities.ts';

const EDMX_NS = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM_NS = 'http://docs.oasis-open.org/odata/ns/edm';
/** Graph's own alias; `@odata.type` values such as `#graph.workPosition` rely on it. */
export const NAMESPACE_ALIAS = 'graph';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes a value for a double-quoted attribute; whitespace is escaped too, so that parsers do not normalise it. */
export function xmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Attrs = ReadonlyArray<readonly [name: string, value: string | undefined]>;

function element(name: string, attrs: Attrs, children: readonly string[] = [], indent = ''): string {
  const a = attrs
    .filter((x): x is readonly [string, string] => x[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(v)}"`)
    .join('');
  if (children.length === 0) return `${indent}<${name}${a}/>`;
  return `${indent}<${name}${a}>\n${children.join('\n')}\n${indent}</${name}>`;
}

/**
 * The CSDL document for `types` (by default every type the service serves). Types are given as a
 * parameter so that a test can show a property added to a declaration appearing here.
 */
export function csdlDocument(types: readonly DeclaredType[] = serviceTypes): string {
  checkTypeList(types);
  const indent = '      ';
  const schemaChildren = [
    ...types.map((t) => (t.kind === 'enum' ? enumElement(t, indent) : structuredElement(t, indent))),
    containerElement(indent),
  ];
  const schema = element('Schema', [['Namespace', NAMESPACE], ['Alias', NAMESPACE_ALIAS], ['xmlns', EDM_NS]], schemaChildren, '    ');
  const dataServices = element('edmx:DataServices', [], [schema], '  ');
  return `<?xml version="1.0" encoding="utf-8"?>\n${element('edmx:Edmx', [['Version', '4.0'], ['xmlns:edmx', EDMX_NS]], [dataServices])}\n`;
}

let cached: string | undefined;

/** The service's own document, built on first use and then reused: the model does not change at run time. */
export function serviceCsdl(): string {
  return (cached ??= csdlDocument());
}

function enumElement(type: EnumType, indent: string): string {
  const members = type.members.map(([name, value]) => element('Member', [['Name', name], ['Value', String(value)]], [], indent + '  '));
  return element('EnumType', [['Name', type.name], ['IsFlags', type.flags ? 'true' : undefined]], members, indent);
}

function structuredElement(type: ComplexType, indent: string): string {
  const entity = isEntityType(type);
  const key = keyOf(type);
  const inner = indent + '  ';
  const children = [
    ...(key ? [element('Key', [], key.map((k) => element('PropertyRef', [['Name', k]], [], inner + '  ')), inner)] : []),
    ...type.ownProperties.map((p) => propertyElement(p, key ?? [], inner)),
    ...navigationOf(type).map((n) =>
      element(
        'NavigationProperty',
        [
          ['Name', n.name],
          ['Type', n.collection ? `Collection(${qualifiedName(n.target)})` : qualifiedName(n.target)],
          ['ContainsTarget', 'true'],
        ],
        [],
        inner,
      ),
    ),
  ];
  return element(
    entity ? 'EntityType' : 'ComplexType',
    [
      ['Name', type.name],
      ['BaseType', type.base ? qualifiedName(type.base) : undefined],
      ['Abstract', type.abstract ? 'true' : undefined],
      ['OpenType', type.open ? 'true' : undefined],
    ],
    children,
    indent,
  );
}

/**
 * Key properties and the NN properties of SPEC §2a are not nullable; other single-valued properties
 * are. On a collection, CSDL's Nullable speaks of its items: validation refuses null items, so the
 * document says "false" there (an unset collection is still written as null, as Graph writes it).
 */
export function nullableOf(p: Property, key: readonly string[]): 'true' | 'false' {
  return key.includes(p.name) || p.nonNullable || p.type.kind === 'collection' ? 'false' : 'true';
}

function propertyElement(p: Property, key: readonly string[], indent: string): string {
  return element('Property', [['Name', p.name], ['Type', typeLabel(p.type)], ['Nullable', nullableOf(p, key)]], [], indent);
}

function containerElement(indent: string): string {
  const inner = indent + '  ';
  return element(
    'EntityContainer',
    [['Name', container.name]],
    [
      ...container.entitySets.map((s) => element('EntitySet', [['Name', s.name], ['EntityType', qualifiedName(s.type)]], [], inner)),
      ...container.singletons.map((s) => element('Singleton', [['Name', s.name], ['Type', qualifiedName(s.type)]], [], inner)),
    ],
    indent,
  );
}
