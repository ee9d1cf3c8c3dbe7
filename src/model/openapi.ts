// GET /openapi.json: an OpenAPI 3.1 description of the service. Schemas come from the declarations
// (openapi-schemas.ts), paths from the facet table (openapi-paths.ts); parameters and responses
// describe the protocol of SPEC §1, §4 and §5. No facet is named here either: each per-type component
// is derived from a row of the facet table.
import { propertiesOf, qualifiedName } from './types.ts';
import { type DeclaredType, checkTypeList, serviceTypes } from './entities.ts';
import { facets } from './facets.ts';
import { type Schema, orNull, schemaRef, typeSchemas } from './openapi-schemas.ts';
import { type DocumentedFacet, componentNames, documentedFacets, json, paths } from './openapi-paths.ts';

const ERROR = 'microsoft.graph.ODataErrors.ODataError';

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Bad request: a malformed body, query option or value; `details` lists every problem with its `target`.',
  '401': 'Missing, malformed, expired or wrongly signed token (`InvalidAuthenticationToken`).',
  '403': 'Valid token without the permission needed (`Authorization_RequestDenied`; the message names it), or a create in a full collection (`quotaLimitReached`).',
  '404': 'Unknown user (`Request_ResourceNotFound`) or unknown or hidden item (`itemNotFound`).',
  '412': 'The `If-Match` ETag does not match the current item (`PreconditionFailed`).',
  '413': 'The request body is larger than the limit (`RequestEntityTooLarge`).',
  '415': 'The body is not sent as `application/json` (`UnsupportedMediaType`).',
  '5XX': 'Server error (`generalException`), service unavailable (`serviceNotAvailable`, with `Retry-After`), or no room left to store a write (507 `insufficientStorage`).',
};

/** Each facet entity type once, in the order of the facet table (two rows could share a type). */
function facetEntityTypes(documented: readonly DocumentedFacet[]) {
  return [...new Map(documented.map((d) => [d.type.name, d.type])).values()];
}

function protocolSchemas(documented: readonly DocumentedFacet[]): Record<string, Schema> {
  const str = { type: 'string' };
  const pages = facetEntityTypes(documented).map((t) => [
    componentNames.collection(t),
    {
      title: `Collection of ${t.name}`,
      type: 'object',
      properties: {
        '@odata.context': str,
        '@odata.count': { type: 'integer', minimum: 0 },
        '@odata.nextLink': { ...orNull(str), description: 'Absolute URL of the next page; absent on the last page.' },
        value: { type: 'array', items: schemaRef(qualifiedName(t)) },
      },
    },
  ]);
  return {
    ...Object.fromEntries(pages),
    [ERROR]: { title: 'ODataError', type: 'object', required: ['error'], properties: { error: schemaRef('microsoft.graph.ODataErrors.MainError') } },
    'microsoft.graph.ODataErrors.MainError': {
      title: 'MainError',
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: str,
        message: str,
        details: { type: 'array', items: schemaRef('microsoft.graph.ODataErrors.ErrorDetails') },
        innerError: schemaRef('microsoft.graph.ODataErrors.InnerError'),
      },
    },
    'microsoft.graph.ODataErrors.ErrorDetails': {
      title: 'ErrorDetails',
      type: 'object',
      required: ['code', 'message'],
      properties: { code: str, message: str, target: { ...str, description: 'Path of the property concerned, e.g. `detail.company.address.type`.' } },
    },
    'microsoft.graph.ODataErrors.InnerError': {
      title: 'InnerError',
      type: 'object',
      properties: {
        date: { ...str, description: 'UTC, whole seconds, no zone designator (as Graph writes it).', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$' },
        'request-id': str,
        'client-request-id': str,
      },
    },
    'microsoft.graph.batchRequest': {
      title: 'JSON batch request',
      type: 'object',
      required: ['requests'],
      properties: {
        requests: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: {
            type: 'object',
            required: ['id', 'method', 'url'],
            properties: {
              id: { ...str, description: 'Unique within the batch (compared case-insensitively).' },
              method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
              url: { ...str, description: 'Relative URL, with or without a leading `/beta` and `/`.' },
              headers: { type: 'object', additionalProperties: str },
              body: { description: 'A JSON value, or a base64 string of a JSON body (as Kiota sends it).' },
              dependsOn: { type: 'array', items: str },
            },
          },
        },
      },
    },
    'microsoft.graph.batchResponse': {
      title: 'JSON batch response',
      type: 'object',
      properties: {
        responses: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'status'],
            properties: { id: str, status: { type: 'integer' }, headers: { type: 'object', additionalProperties: str }, body: {} },
          },
        },
      },
    },
  };
}

function parameters(documented: readonly DocumentedFacet[]): Record<string, Schema> {
  const query = (name: string, description: string, schema: Schema, extra: Schema = {}) => ({ name, in: 'query', description, schema, ...extra });
  const list = (items: Schema) => ({ type: 'array', uniqueItems: true, items });
  const csv = { style: 'form', explode: false };
  const perType = facetEntityTypes(documented).flatMap((t) => [
    [componentNames.select(t), query('$select', `Properties of ${t.name} to return; \`id\` is always included.`, list({ type: 'string', enum: [...propertiesOf(t).keys()] }), csv)],
    [componentNames.itemId(t), { name: componentNames.itemIdName(t), in: 'path', required: true, description: `The id of the ${t.name}.`, schema: { type: 'string' } }],
  ]);
  const collections = facets.map((f) => f.collection);
  const example = expandExample(documented);
  return {
    filter: query(
      '$filter',
      'Filter items by property values: eq ne gt ge lt le, and or not, parentheses, startswith endswith contains, in, `any`, null, nested paths with `/`; ' +
        'enum literals as `\'value\'` or `microsoft.graph.<enum>\'value\'`. E.g. `isSearchable eq true and startswith(createdBy/user/displayName,\'Adele\')`.',
      { type: 'string' },
    ),
    orderby: query('$orderby', 'Order items by property values, several keys, `asc` or `desc`, nested paths with `/`, e.g. `lastModifiedDateTime desc`. Default: `createdDateTime`.', list({ type: 'string' }), csv),
    top: query('$top', 'Page size (default 10).', { type: 'integer', minimum: 0, maximum: 999 }),
    skip: query('$skip', 'Number of items to skip.', { type: 'integer', minimum: 0 }),
    count: query('$count', 'Include `@odata.count`, the number of items matching `$filter`.', { type: 'boolean' }),
    skiptoken: query('$skiptoken', 'Opaque paging token: follow `@odata.nextLink` rather than building it.', { type: 'string' }),
    ifMatch: { name: 'If-Match', in: 'header', description: 'Apply only if the item\'s ETag matches; `*` matches any.', schema: { type: 'string' } },
    ifNoneMatch: { name: 'If-None-Match', in: 'header', description: 'Answer 304 if the item\'s ETag matches.', schema: { type: 'string' } },
    userId: { name: 'user-id', in: 'path', required: true, description: 'The user\'s id or userPrincipalName (`@` may be sent as `%40`).', schema: { type: 'string' } },
    ...Object.fromEntries(perType),
    'select.profile': query(
      '$select',
      `Collections to write inline (every one when neither \`$select\` nor \`$expand\` is given), e.g. \`${collections.slice(0, 2).join(',')}\`; \`id\` is always included.`,
      list({ type: 'string', enum: ['id', ...collections] }),
      csv,
    ),
    'expand.profile': query(
      '$expand',
      'Collections to write inline, comma-separated, `*` for every one, each with options nested in parentheses and separated by `;`: ' +
        '`$select`, `$filter`, `$orderby`, `$top`, `$skip`, `$count` (which adds `<collection>@odata.count`), with the meaning they have on the collection\'s list. ' +
        `Inline collections are not paged: without \`$top\`, every item the filter keeps; \`$skiptoken\` and a nested \`$expand\` are refused. E.g. \`${example}\`. ` +
        '`$filter`, `$orderby`, `$top`, `$skip` and `$count` given on the profile itself are a 400: they belong inside `$expand`.',
      { type: 'string' },
    ),
  };
}

/** An `$expand` example built from the table: the first collection with a `displayName` of its own, else with any String property. */
function expandExample(documented: readonly DocumentedFacet[]): string {
  const strings = documented.flatMap(({ facet, type }) =>
    type.ownProperties.filter((p) => p.type.kind === 'primitive' && p.type.primitive === 'String').map((p) => ({ collection: facet.collection, name: p.name })),
  );
  const chosen = strings.find((s) => s.name === 'displayName') ?? strings[0];
  if (!chosen) return `${documented[0]?.facet.collection ?? '*'}($top=5;$count=true)`;
  const { collection, name } = chosen;
  return `${collection}($select=${name};$filter=startswith(${name},'A');$orderby=${name} desc;$top=5;$count=true)`;
}

function responses(documented: readonly DocumentedFacet[]): Record<string, Schema> {
  const etag = { ETag: { description: 'The item\'s version, for If-Match and If-None-Match.', schema: { type: 'string' } } };
  const errors = Object.fromEntries(
    Object.entries(ERROR_STATUSES).map(([s, description]) => {
      const headers = s === '401' ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } } : {};
      return [`error${s}`, { description, ...headers, content: json(schemaRef(ERROR)) }];
    }),
  );
  const perType = facetEntityTypes(documented).flatMap((t) => [
    [componentNames.item(t), { description: `The ${t.name}.`, headers: etag, content: json(schemaRef(qualifiedName(t))) }],
    [
      componentNames.created(t),
      {
        description: `Created: the new ${t.name}, every property listed.`,
        headers: { ...etag, Location: { description: 'URL of the new item.', schema: { type: 'string', format: 'uri' } } },
        content: json(schemaRef(qualifiedName(t))),
      },
    ],
  ]);
  // What GET .../profile answers: the profile's schema, plus the annotations a response adds to it.
  const annotations = {
    type: 'object',
    properties: {
      '@odata.context': { type: 'string' },
      ...Object.fromEntries(documented.map(({ facet }) => [`${facet.collection}@odata.count`, { type: 'integer', minimum: 0 }])),
    },
  };
  return {
    ...errors,
    ...Object.fromEntries(perType),
    user: { description: 'The user.', content: json(schemaRef('microsoft.graph.user')) },
    profile: {
      description: 'The profile: `id` and the collections, each an array of the items the caller may see (`[]` when there are none).',
      content: json({ allOf: [schemaRef('microsoft.graph.profile'), annotations] }),
    },
  };
}

/**
 * The OpenAPI document for `types` (by default every type the service serves; a test passes its own
 * to show a declaration change reaching the document). `serverUrl` defaults to the document's origin.
 */
export function openApiDocument(opts: { types?: readonly DeclaredType[]; serverUrl?: string } = {}): Schema {
  const types = opts.types ?? serviceTypes;
  checkTypeList(types);
  const documented = documentedFacets(types);
  for (const name of ['user', 'profile']) {
    if (!types.some((t) => t.kind === 'complex' && t.name === name)) throw new Error(`The type list has no microsoft.graph.${name}.`);
  }
  const collections = facets.map((f) => `\`${f.collection}\``).join(', ');
  return {
    openapi: '3.1.0',
    info: {
      title: 'graph-profile: Microsoft Graph beta profile API',
      version: 'beta',
      description:
        `The Microsoft Graph beta profile API: a user's profile and its ${facets.length} collections (${collections}), ` +
        'each with list, $count, get, create, update and delete, under `/beta/me` and `/beta/users/{id | userPrincipalName}`. ' +
        'Responses list every declared property, unset ones as null. ' +
        'Query options may be written without the `$` prefix. Methods not listed for a path answer 405 with an `Allow` header. ' +
        'The CSDL type declarations are at `/beta/$metadata`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: opts.serverUrl ?? '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'me', description: 'The signed-in user (delegated tokens only).' },
      { name: 'users', description: 'Users of the caller\'s tenant, by id or userPrincipalName.' },
      { name: 'me.profile', description: `The signed-in user's profile: the profile root and its ${facets.length} collections.` },
      { name: 'users.profile', description: `Another user's profile: the profile root and its ${facets.length} collections (only the items visible to the caller).` },
      { name: 'batch' },
      { name: 'metadata' },
    ],
    paths: paths(documented),
    components: {
      schemas: { ...typeSchemas(types), ...protocolSchemas(documented) },
      parameters: parameters(documented),
      responses: responses(documented),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from `npx graph-profile token --upn …`, or from the configured issuer.' },
      },
    },
  };
}
