// Every error leaves the service here, in Graph's envelope: thrown GraphErrors, Fastify's own errors
// (body too large, bad content length, bad URL) and anything unexpected (a 500 that shows nothing).
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, isGraphError, serializeError } from '../errors/graph-error.ts';
import { facetNamed } from '../model/facets.ts';
import { clip } from '../model/quote.ts';
import { StorageFullError, StorageUnavailableError, translateStorageError } from '../storage/faults.ts';
import { tooLarge } from './content-encoding.ts';
import { ODATA_JSON, clientRequestIdOf, setStandardHeaders } from './headers.ts';
import { drainUnreadBody } from './unread-body.ts';

/** What a client is told to wait when the database is unreachable, locked, too slow or read-only. */
const RETRY_AFTER_SECONDS = 5;

export function sendGraphError(req: FastifyRequest, reply: FastifyReply, err: GraphError): FastifyReply {
  // Also for errors raised before the onRequest hook ran (the router's own).
  setStandardHeaders(req, reply);
  const ids = { requestId: req.id, clientRequestId: clientRequestIdOf(req.headers['client-request-id'], req.id) };
  return reply.status(err.status).headers(err.headers).type(ODATA_JSON).send(serializeError(err, ids));
}

/**
 * Fastify's and its router's own request errors, translated into catalogue entries. Their messages
 * are not passed on: some quote the whole URL back.
 */
export function fromFrameworkError(err: FastifyError, req?: FastifyRequest): GraphError | undefined {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new GraphError('badRequest', 'The request URL is not valid: it has a malformed percent-encoding.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GraphError('badRequest', 'A segment of the request URL is longer than 1024 characters.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GraphError('badRequest', 'The Content-Length header does not match the request body.');
  }
  switch (err.statusCode) {
    case 413: {
      const limit = req?.routeOptions.bodyLimit;
      return limit ? tooLarge(limit) : new GraphError('requestEntityTooLarge', 'The request body is larger than the limit (MAX_BODY_BYTES).');
    }
    case 415:
      return new GraphError('unsupportedMediaType', 'The request body must be sent with Content-Type: application/json (UTF-8).');
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new GraphError('badRequest', 'The request could not be read.');
  }
  return undefined;
}

/** For Fastify's frameworkErrors option: errors raised by the router before any route runs. */
export function handleFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  sendGraphError(req, reply, fromFrameworkError(err, req) ?? new GraphError('badRequest', 'The request could not be read.'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    drainUnreadBody(req, reply);
    if (isGraphError(err)) return sendGraphError(req, reply, err);
    // Storage faults are told apart here, once for every backend and only when one happens.
    const fault = translateStorageError(err);
    if (fault instanceof StorageUnavailableError) {
      req.log.warn({ err: fault.cause }, fault.message);
      return sendGraphError(req, reply, new GraphError('serviceNotAvailable', undefined, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } }));
    }
    if (fault instanceof StorageFullError) {
      req.log.error({ err: fault.cause }, fault.message);
      return sendGraphError(req, reply, new GraphError('insufficientStorage'));
    }
    const translated = fromFrameworkError(err, req);
    if (translated) return sendGraphError(req, reply, translated);
    req.log.error({ err }, 'unhandled error');
    return sendGraphError(req, reply, new GraphError('internalServerError'));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (/^\/v1\.0\//i.test(path) && /\/profile(\/|$)/i.test(path)) {
      return sendGraphError(
        req,
        reply,
        new GraphError('resourceNotFound', `The profile API is available on the beta endpoint only: use ${path.replace(/^\/v1\.0/i, '/beta')}.`),
      );
    }
    return sendGraphError(req, reply, new GraphError('resourceNotFound', `Resource not found for the segment '${clip(firstUnknownSegment(path))}'.`));
  });
}

const TOP_LEVEL = new Set(['healthz', 'readyz', 'metrics', 'docs', 'openapi.json', '.well-known']);
const UNDER_BETA = new Set(['$batch', '$metadata']);

/**
 * The first segment of an unmatched path that leads nowhere, following the route table's shape
 * (`/beta/{me | users/{x}}/profile/{collection}/{id | $count | $ref}`), so that the message points at
 * the typo rather than at the end of the path.
 */
export function firstUnknownSegment(path: string): string {
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const lower = segments.map((s) => s.toLowerCase());
  const unknownAt = (i: number) => segments[i] ?? segments[segments.length - 1] ?? '/';
  if (lower[0] !== 'beta') return TOP_LEVEL.has(lower[0] ?? '') ? unknownAt(1) : unknownAt(0);
  if (UNDER_BETA.has(lower[1] ?? '')) return unknownAt(2);
  let i = 2;
  if (lower[1] === 'users') i = 3;
  else if (lower[1] !== 'me') return unknownAt(1);
  if (segments.length <= i) return unknownAt(i - 1);
  if (lower[i] !== 'profile') return unknownAt(i);
  if (!facetNamed(segments[i + 1] ?? '')) return unknownAt(i + 1);
  // A collection, then an item id, $count or $ref: anything after those leads nowhere.
  return unknownAt(i + 3);
}

/**
 * Requests Node refuses before Fastify sees them (headers too large, malformed HTTP) still get
 * Graph's envelope rather than a bare status line.
 */
export function writeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request was not received in time.']
        : [400, 'Bad Request', 'The request is not valid HTTP.'];
  const requestId = randomUUID();
  const body = JSON.stringify(serializeError(new GraphError('badRequest', message), { requestId, clientRequestId: requestId }));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `Content-Type: ${ODATA_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\n` +
      `client-request-id: ${requestId}\r\nOData-Version: 4.0\r\nConnection: close\r\n\r\n${body}`,
  );
}
