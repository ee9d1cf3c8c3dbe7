// GET /openapi.json: an OpenAPI 3.1 description of the service. Schemas come from the declarations
// (openapi-schemas.ts); paths, parameters and responses describe the protocol of SPEC §1, §4 and §5.
import { type ComplexType, propertiesOf } from './types.ts';
import { type DeclaredType, checkTypeList, serviceTypes } from './entities.ts';
import { type Schema, orNull, schemaRef, typeSchemas } from './openapi-schemas.ts';

const POSITION = 'microsoft.graph.workPosition';
const ERROR = 'microsoft.graph.ODataErrors.ODataError';
const ref = (section: string, name: string) => ({ $ref: `#/components/${section}/${name}` });
const param = (name: string) => ref('parameters', name);
const json = (schema: Schema) => ({ 'application/json': { schema } });

const READ = 'Delegated: `User.Read` (own profile) or `User.ReadBasic.All`, `User.Read.All`, `User.ReadWrite.All`. Application (when enabled): `User.Read.All`, `User.ReadWrite.All`.';
const WRITE =
  'Delegated: `User.ReadWrite` (own profile); another user\'s needs `User.ReadWrite.All` and the Global or User Administrator role. Application (when enabled): `User.ReadWrite.All`.';

const errorResponses = (...statuses: number[]) => Object.fromEntries([...statuses.map((s) => [String(s), ref('responses', `error${s}`)]), ['5XX', ref('responses', 'error5XX')]]);

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Bad request: a malformed body, query option or value; `details` lists every problem with its `target`.',
  '401': 'Missing, malformed, expired or wrongly signed token (`InvalidAuthenticationToken`).',
  '403': 'Valid token without the permission needed (`Authorization_RequestDenied`); the message names it.',
  '404': 'Unknown user (`Request_ResourceNotFound`) or unknown or hidden item (`itemNotFound`).',
  '412': 'The `If-Match` ETag does not match the current item (`PreconditionFailed`).',
  '413': 'The request body is larger than the limit (`RequestEntityTooLarge`).',
  '415': 'The body is not sent as `application/json` (`UnsupportedMediaType`).',
  '5XX': 'Server error (`generalException`) or service unavailable (`serviceNotAvailable`, with `Retry-After`).',
};

function protocolSchemas(): Record<string, Schema> {
  const str = { type: 'string' };
  return {
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
    'microsoft.graph.workPositionCollectionResponse': {
      title: 'Collection of workPosition',
      type: 'object',
      properties: {
        '@odata.context': str,
        '@odata.count': { type: 'integer', minimum: 0 },
        '@odata.nextLink': { ...orNull(str), description: 'Absolute URL of the next page; absent on the last page.' },
        value: { type: 'array', items: schemaRef(POSITION) },
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

function parameters(position: ComplexType): Record<string, Schema> {
  const query = (name: string, description: string, schema: Schema, extra: Schema = {}) => ({ name, in: 'query', description, schema, ...extra });
  const list = (items: Schema) => ({ type: 'array', uniqueItems: true, items });
  return {
    filter: query('$filter', 'Filter items by property values, e.g. `isCurrent eq true and startswith(detail/jobTitle,\'Senior\')`.', { type: 'string' }),
    orderby: query('$orderby', 'Order items by property values, e.g. `detail/startMonthYear desc`. Default: `createdDateTime`.', list({ type: 'string' }), { style: 'form', explode: false }),
    select: query('$select', 'Properties to return; `id` is always included.', list({ type: 'string', enum: [...propertiesOf(position).keys()] }), {
      style: 'form',
      explode: false,
    }),
    top: query('$top', 'Page size (default 10).', { type: 'integer', minimum: 0, maximum: 999 }),
    skip: query('$skip', 'Number of items to skip.', { type: 'integer', minimum: 0 }),
    count: query('$count', 'Include `@odata.count`, the number of items matching `$filter`.', { type: 'boolean' }),
    skiptoken: query('$skiptoken', 'Opaque paging token: follow `@odata.nextLink` rather than building it.', { type: 'string' }),
    ifMatch: { name: 'If-Match', in: 'header', description: 'Apply only if the item\'s ETag matches; `*` matches any.', schema: { type: 'string' } },
    ifNoneMatch: { name: 'If-None-Match', in: 'header', description: 'Answer 304 if the item\'s ETag matches.', schema: { type: 'string' } },
    userId: { name: 'user-id', in: 'path', required: true, description: 'The user\'s id or userPrincipalName (`@` may be sent as `%40`).', schema: { type: 'string' } },
    positionId: { name: 'workPosition-id', in: 'path', required: true, description: 'The id of the workPosition.', schema: { type: 'string' } },
  };
}

function responses(): Record<string, Schema> {
  const etag = { ETag: { description: 'The item\'s version, for If-Match and If-None-Match.', schema: { type: 'string' } } };
  const errors = Object.fromEntries(
    Object.entries(ERROR_STATUSES).map(([s, description]) => {
      const headers = s === '401' ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } } : {};
      return [`error${s}`, { description, ...headers, content: json(schemaRef(ERROR)) }];
    }),
  );
  return {
    ...errors,
    position: { description: 'The workPosition.', headers: etag, content: json(schemaRef(POSITION)) },
    created: {
      description: 'Created: the new workPosition, every property listed.',
      headers: { ...etag, Location: { description: 'URL of the new item.', schema: { type: 'string', format: 'uri' } } },
      content: json(schemaRef(POSITION)),
    },
    user: { description: 'The user.', content: json(schemaRef('microsoft.graph.user')) },
  };
}

function positionPaths(prefix: string, tag: string, scope: string, extraParams: Schema[]): Record<string, Schema> {
  const op = (verb: string, summary: string, description: string, body: Schema) => ({ tags: [tag], operationId: `${tag}.${verb}`, summary, description, ...body });
  const body = { required: true, content: json(schemaRef(POSITION)) };
  const create = (verb: string, summary: string) =>
    op(verb, summary, `${WRITE} No property is required.`, { requestBody: body, responses: { '201': ref('responses', 'created'), ...errorResponses(400, 401, 403, 404, 413, 415) } });
  const item = { parameters: [...extraParams, param('positionId')] };
  return {
    [`${prefix}/profile/positions`]: {
      parameters: extraParams,
      get: op('ListPositions', `List ${scope} workPositions`, READ, {
        parameters: ['filter', 'orderby', 'select', 'top', 'skip', 'count', 'skiptoken'].map(param),
        responses: { '200': { description: 'A page of workPositions.', content: json(schemaRef('microsoft.graph.workPositionCollectionResponse')) }, ...errorResponses(400, 401, 403, 404) },
      }),
      post: create('CreatePositions', `Create a workPosition in ${scope} profile`),
    },
    [`${prefix}/profile/positions/$count`]: {
      parameters: extraParams,
      get: op('positions.GetCount', `Count ${scope} workPositions`, READ, {
        parameters: [param('filter')],
        responses: { '200': { description: 'The number of items.', content: { 'text/plain': { schema: { type: 'integer', minimum: 0 } } } }, ...errorResponses(400, 401, 403, 404) },
      }),
    },
    [`${prefix}/profile/positions/$ref`]: {
      parameters: extraParams,
      post: create('positions.CreateRef', 'Create a workPosition (alias used by the "Add positions" reference page)'),
    },
    [`${prefix}/profile/positions/{workPosition-id}`]: {
      ...item,
      get: op('GetPositions', `Get one of ${scope} workPositions`, READ, {
        parameters: [param('select'), param('ifNoneMatch')],
        responses: { '200': ref('responses', 'position'), '304': { description: 'Not modified: the ETag in If-None-Match is current.' }, ...errorResponses(400, 401, 403, 404) },
      }),
      patch: op('UpdatePositions', `Update one of ${scope} workPositions`, `${WRITE} Members sent replace stored ones; nested objects are merged; collections are replaced; null clears.`, {
        parameters: [param('ifMatch')],
        requestBody: body,
        responses: { '200': ref('responses', 'position'), ...errorResponses(400, 401, 403, 404, 412, 413, 415) },
      }),
      delete: op('DeletePositions', `Delete one of ${scope} workPositions`, WRITE, {
        parameters: [param('ifMatch')],
        responses: { '204': { description: 'Deleted.' }, ...errorResponses(401, 403, 404, 412) },
      }),
    },
  };
}

function paths(): Record<string, Schema> {
  const user = (tag: string, extra: Schema[], summary: string) => ({
    parameters: extra,
    get: { tags: [tag], operationId: `${tag}.GetUser`, summary, description: READ, responses: { '200': ref('responses', 'user'), ...errorResponses(400, 401, 403, 404) } },
  });
  return {
    '/beta/me': user('me', [], 'Get the signed-in user'),
    '/beta/users/{user-id}': user('users', [param('userId')], 'Get a user by id or userPrincipalName'),
    ...positionPaths('/beta/me', 'me.profile', 'the signed-in user\'s', []),
    ...positionPaths('/beta/users/{user-id}', 'users.profile', 'a user\'s', [param('userId')]),
    '/beta/$batch': {
      post: {
        tags: ['batch'],
        operationId: 'batch.Send',
        summary: 'Send up to 20 requests in one JSON batch',
        description: 'Each step is authorised with the outer token; a step whose `dependsOn` failed is answered 424.',
        requestBody: { required: true, content: json(schemaRef('microsoft.graph.batchRequest')) },
        responses: { '200': { description: 'One response per step.', content: json(schemaRef('microsoft.graph.batchResponse')) }, ...errorResponses(400, 401, 413, 415) },
      },
    },
    '/beta/$metadata': {
      get: {
        tags: ['metadata'],
        operationId: 'metadata.Get',
        summary: 'The CSDL (OData 4.0) document of the types served',
        security: [],
        responses: { '200': { description: 'CSDL XML.', content: { 'application/xml': { schema: { type: 'string' } } } } },
      },
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
  const position = types.find((t): t is ComplexType => t.kind === 'complex' && t.name === 'workPosition');
  if (!position) throw new Error('The type list has no workPosition.');
  return {
    openapi: '3.1.0',
    info: {
      title: 'graph-profile: Microsoft Graph beta profile API (work positions)',
      version: 'beta',
      description:
        'The workPosition part of the Microsoft Graph beta profile API. Responses list every declared property, unset ones as null. ' +
        'Query options may be written without the `$` prefix. Methods not listed for a path answer 405 with an `Allow` header. ' +
        'The CSDL type declarations are at `/beta/$metadata`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: opts.serverUrl ?? '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'me', description: 'The signed-in user (delegated tokens only).' },
      { name: 'users', description: 'Users of the caller\'s tenant, by id or userPrincipalName.' },
      { name: 'me.profile', description: 'The signed-in user\'s work positions.' },
      { name: 'users.profile', description: 'Another user\'s work positions (only those visible to the caller).' },
      { name: 'batch' },
      { name: 'metadata' },
    ],
    paths: paths(),
    components: {
      schemas: { ...typeSchemas(types), ...protocolSchemas() },
      parameters: parameters(position),
      responses: responses(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from `npx graph-profile token --upn …`, or from the configured issuer.' },
      },
    },
  };
}
