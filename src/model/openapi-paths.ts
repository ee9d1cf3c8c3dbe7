// The paths of /openapi.json (SPEC §1): under each user segment, the user, its profile root and, for
// every row of the facet table, the operations of a collection (list, create, $count, get, update,
// delete, and the $ref alias where the row says so). No facet is named here: each path, operationId,
// parameter and schema name is derived from a row of the table and its entity type.
import { type ComplexType, propertiesOf, qualifiedName } from './types.ts';
import type { DeclaredType } from './entities.ts';
import { type Facet, facets } from './facets.ts';
import { type Schema, schemaRef } from './openapi-schemas.ts';

export const ref = (section: string, name: string): Schema => ({ $ref: `#/components/${section}/${name}` });
export const param = (name: string): Schema => ref('parameters', name);
export const json = (schema: Schema): Schema => ({ 'application/json': { schema } });

export const READ =
  'Delegated: `User.Read` (own profile) or `User.ReadBasic.All`, `User.Read.All`, `User.ReadWrite.All`. Application (when enabled): `User.Read.All`, `User.ReadWrite.All`.';
export const WRITE =
  'Delegated: `User.ReadWrite` (own profile); another user\'s needs `User.ReadWrite.All` and the Global or User Administrator role. Application (when enabled): `User.ReadWrite.All`.';

export const errorResponses = (...statuses: number[]): Schema =>
  Object.fromEntries([...statuses.map((s) => [String(s), ref('responses', `error${s}`)]), ['5XX', ref('responses', 'error5XX')]]);

/** A row of the facet table with its entity type as the documented type list declares it (a test may pass a changed declaration). */
export interface DocumentedFacet {
  readonly facet: Facet;
  readonly type: ComplexType;
}

export function documentedFacets(types: readonly DeclaredType[]): DocumentedFacet[] {
  return facets.map((facet) => {
    const type = types.find((t): t is ComplexType => t.kind === 'complex' && t.name === facet.type.name);
    if (!type) throw new Error(`The type list has no ${qualifiedName(facet.type)}, the type of profile/${facet.collection}.`);
    return { facet, type };
  });
}

/** The names of the components derived from an entity type, shared by the paths and the components. */
export const componentNames = {
  /** Parameter: `$select` with the enum of the type's property names. */
  select: (t: ComplexType) => `select.${t.name}`,
  /** Parameter: the key in an item path, named as Graph's OpenAPI names it (`{<type>-id}`). */
  itemId: (t: ComplexType) => `id.${t.name}`,
  itemIdName: (t: ComplexType) => `${t.name}-id`,
  /** Response: one item, with its ETag. */
  item: (t: ComplexType) => `item.${t.name}`,
  /** Response: 201 with Location. */
  created: (t: ComplexType) => `created.${t.name}`,
  /** Schema: a page of items. */
  collection: (t: ComplexType) => `${qualifiedName(t)}CollectionResponse`,
};

/** The NN properties of a type (SPEC §2a): a create must set them. */
export function requiredOnCreate(type: ComplexType): string[] {
  return [...propertiesOf(type).values()].filter((p) => p.nonNullable && !p.serverOwned).map((p) => p.name);
}

interface UserSegment {
  readonly prefix: string;
  /** The tag of the user operations; the profile's are tagged `<tag>.profile`. */
  readonly tag: string;
  readonly scope: string;
  readonly params: readonly Schema[];
}

const SEGMENTS: readonly UserSegment[] = [
  { prefix: '/beta/me', tag: 'me', scope: 'the signed-in user\'s', params: [] },
  { prefix: '/beta/users/{user-id}', tag: 'users', scope: 'a user\'s', params: [param('userId')] },
];

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function collectionPaths(segment: UserSegment, { facet, type }: DocumentedFacet): Record<string, Schema> {
  const { prefix, scope } = segment;
  const tag = `${segment.tag}.profile`;
  const params = [...segment.params];
  const name = capitalized(facet.collection);
  const what = `${facet.collection} (${type.name})`;
  const op = (id: string, summary: string, description: string, rest: Schema) => ({ tags: [tag], operationId: `${tag}.${id}`, summary, description, ...rest });
  const entity = schemaRef(qualifiedName(type));
  const required = requiredOnCreate(type);
  const createBody = { required: true, content: json(required.length > 0 ? { allOf: [entity, { required }] } : entity) };
  const createNote = required.length > 0 ? `Required: ${required.map((p) => `\`${p}\``).join(', ')}.` : 'No property is required.';
  const create = (id: string, summary: string) =>
    op(id, summary, `${WRITE} ${createNote}`, {
      requestBody: createBody,
      responses: { '201': ref('responses', componentNames.created(type)), ...errorResponses(400, 401, 403, 404, 413, 415) },
    });
  const base = `${prefix}/profile/${facet.collection}`;
  return {
    [base]: {
      parameters: params,
      get: op(`List${name}`, `List ${scope} ${what}`, `${READ} In the default order (createdDateTime), 10 items a page unless \`$top\` says otherwise.`, {
        parameters: [param('filter'), param('orderby'), param(componentNames.select(type)), ...['top', 'skip', 'count', 'skiptoken'].map(param)],
        responses: {
          '200': { description: `A page of ${facet.collection}.`, content: json(schemaRef(componentNames.collection(type))) },
          ...errorResponses(400, 401, 403, 404),
        },
      }),
      post: create(`Create${name}`, `Create an item in ${scope} ${what}`),
    },
    [`${base}/$count`]: {
      parameters: params,
      get: op(`${facet.collection}.GetCount`, `Count ${scope} ${what}`, READ, {
        parameters: [param('filter')],
        responses: { '200': { description: 'The number of items.', content: { 'text/plain': { schema: { type: 'integer', minimum: 0 } } } }, ...errorResponses(400, 401, 403, 404) },
      }),
    },
    ...(facet.refAlias
      ? {
          [`${base}/$ref`]: {
            parameters: params,
            post: create(`${facet.collection}.CreateRef`, `Create an item in ${what} (an alias of create, where Graph's reference page for ${facet.collection} posts)`),
          },
        }
      : {}),
    [`${base}/{${componentNames.itemIdName(type)}}`]: {
      parameters: [...params, param(componentNames.itemId(type))],
      get: op(`Get${name}`, `Get one of ${scope} ${what}`, READ, {
        parameters: [param(componentNames.select(type)), param('ifNoneMatch')],
        responses: {
          '200': ref('responses', componentNames.item(type)),
          '304': { description: 'Not modified: the ETag in If-None-Match is current.' },
          ...errorResponses(400, 401, 403, 404),
        },
      }),
      patch: op(`Update${name}`, `Update one of ${scope} ${what}`, `${WRITE} Members sent replace stored ones; nested objects are merged; collections are replaced; null clears.`, {
        parameters: [param('ifMatch')],
        requestBody: { required: true, content: json(entity) },
        responses: { '200': ref('responses', componentNames.item(type)), ...errorResponses(400, 401, 403, 404, 412, 413, 415) },
      }),
      delete: op(`Delete${name}`, `Delete one of ${scope} ${what}`, WRITE, {
        parameters: [param('ifMatch')],
        responses: { '204': { description: 'Deleted.' }, ...errorResponses(401, 403, 404, 412) },
      }),
    },
  };
}

function profilePaths(segment: UserSegment): Record<string, Schema> {
  const tag = `${segment.tag}.profile`;
  return {
    [`${segment.prefix}/profile`]: {
      parameters: [...segment.params],
      get: {
        tags: [tag],
        operationId: `${segment.tag}.GetProfile`,
        summary: `Get ${segment.scope} profile, every collection inline`,
        description: `${READ} Each collection holds the items the caller may see, in the default order, \`[]\` when there are none; \`$select\` and \`$expand\` narrow it.`,
        parameters: [param('select.profile'), param('expand.profile')],
        responses: { '200': ref('responses', 'profile'), ...errorResponses(400, 401, 403, 404) },
      },
      delete: {
        tags: [tag],
        operationId: `${segment.tag}.DeleteProfile`,
        summary: `Delete ${segment.scope} profile`,
        description: `${WRITE} Deletes every item of every collection in one transaction; the profile itself remains, with every collection empty.`,
        responses: { '204': { description: 'Deleted.' }, ...errorResponses(401, 403, 404) },
      },
    },
  };
}

export function paths(documented: readonly DocumentedFacet[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const segment of SEGMENTS) {
    out[segment.prefix] = {
      parameters: [...segment.params],
      get: {
        tags: [segment.tag],
        operationId: `${segment.tag}.GetUser`,
        summary: segment.tag === 'me' ? 'Get the signed-in user' : 'Get a user by id or userPrincipalName',
        description: READ,
        responses: { '200': ref('responses', 'user'), ...errorResponses(400, 401, 403, 404) },
      },
    };
  }
  for (const segment of SEGMENTS) {
    Object.assign(out, profilePaths(segment));
    for (const d of documented) Object.assign(out, collectionPaths(segment, d));
  }
  out['/beta/$batch'] = {
    post: {
      tags: ['batch'],
      operationId: 'batch.Send',
      summary: 'Send up to 20 requests in one JSON batch',
      description: 'Each step is authorised with the outer token; a step whose `dependsOn` failed is answered 424.',
      requestBody: { required: true, content: json(schemaRef('microsoft.graph.batchRequest')) },
      responses: { '200': { description: 'One response per step.', content: json(schemaRef('microsoft.graph.batchResponse')) }, ...errorResponses(400, 401, 413, 415) },
    },
  };
  out['/beta/$metadata'] = {
    get: {
      tags: ['metadata'],
      operationId: 'metadata.Get',
      summary: 'The CSDL (OData 4.0) document of the types served',
      security: [],
      responses: { '200': { description: 'CSDL XML.', content: { 'application/xml': { schema: { type: 'string' } } } } },
    },
  };
  return out;
}
