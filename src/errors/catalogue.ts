// Every error this service answers with, in one list: the code Graph clients see, the HTTP status,
// and the message used when the thrower does not give a more precise one.

export const errorCatalogue = {
  badRequest: { status: 400, code: 'BadRequest', message: 'The request is invalid.' },
  invalidRequestBody: { status: 400, code: 'BadRequest', message: 'One or more properties in the request body are invalid.' },
  meRequiresDelegatedToken: {
    status: 400,
    code: 'BadRequest',
    message: '/me request is only valid with delegated authentication flow.',
  },
  invalidAuthenticationToken: {
    status: 401,
    code: 'InvalidAuthenticationToken',
    message: 'Access token is empty.',
  },
  authorizationRequestDenied: {
    status: 403,
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  },
  quotaLimitReached: {
    status: 403,
    code: 'quotaLimitReached',
    message: 'The profile holds as many positions as this service allows.',
  },
  userNotFound: {
    status: 404,
    code: 'Request_ResourceNotFound',
    message: 'Resource does not exist or one of its queried reference-property objects are not present.',
  },
  itemNotFound: { status: 404, code: 'itemNotFound', message: 'The requested item was not found.' },
  resourceNotFound: { status: 404, code: 'ResourceNotFound', message: 'Resource not found.' },
  methodNotAllowed: { status: 405, code: 'MethodNotAllowed', message: 'The HTTP method is not allowed for this resource.' },
  preconditionFailed: {
    status: 412,
    code: 'PreconditionFailed',
    message: 'The item has changed since the ETag given in If-Match was read.',
  },
  requestEntityTooLarge: { status: 413, code: 'RequestEntityTooLarge', message: 'The request body is too large.' },
  unsupportedMediaType: {
    status: 415,
    code: 'UnsupportedMediaType',
    message: 'The request body must be sent with Content-Type: application/json.',
  },
  tooManyRequests: {
    status: 429,
    code: 'TooManyRequests',
    message: 'Too many requests. Retry after the time given in the Retry-After header.',
  },
  failedDependency: {
    status: 424,
    code: 'FailedDependency',
    message: 'The request was not run because a request it depends on failed.',
  },
  internalServerError: { status: 500, code: 'generalException', message: 'An internal server error occurred.' },
  serviceNotAvailable: {
    status: 503,
    code: 'serviceNotAvailable',
    message: 'The service is temporarily unavailable. Retry after the time given in the Retry-After header.',
  },
  insufficientStorage: {
    status: 507,
    code: 'insufficientStorage',
    message: 'The change cannot be stored: the database has no room left. Nothing was changed; reads still work. Retry once space has been freed.',
  },
} as const satisfies Record<string, { status: number; code: string; message: string }>;

export type ErrorKind = keyof typeof errorCatalogue;

/** Codes of the entries in `error.details[]`, one per problem found in a request. */
export type DetailCode = 'InvalidType' | 'InvalidValue' | 'UnknownProperty' | 'MissingProperty' | 'LimitExceeded' | 'NotSettable' | 'InvalidJson';

export interface ErrorDetail {
  code: DetailCode;
  message: string;
  target: string;
}
