// Every error leaves the service here, in Graph's envelope: thrown GraphErrors, Fastify's own errors
// (body too large, bad content length, bad URL) and anything unexpected (a 500 that shows nothing).
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError, isGraphError, serializeError } from '../errors/graph-error.ts';
import { ODATA_JSON, clientRequestIdOf } from './headers.ts';

export function sendGraphError(req: FastifyRequest, reply: FastifyReply, err: GraphError): FastifyReply {
  const ids = { requestId: req.id, clientRequestId: clientRequestIdOf(req.headers['client-request-id'], req.id) };
  return reply.status(err.status).headers(err.headers).type(ODATA_JSON).send(serializeError(err, ids));
}

/** Fastify's own request errors, translated into catalogue entries. */
function fromFrameworkError(err: FastifyError): GraphError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GraphError('requestEntityTooLarge', `The request body is too large: ${err.message.toLowerCase()}.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new GraphError('badRequest', `${err.message}.`);
    default:
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        return new GraphError('badRequest', err.message);
      }
      return undefined;
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isGraphError(err)) return sendGraphError(req, reply, err);
    const translated = fromFrameworkError(err);
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
    return sendGraphError(req, reply, new GraphError('resourceNotFound', `Resource not found for the segment '${lastSegment(path)}'.`));
  });
}

function lastSegment(path: string): string {
  const segments = path.split('/').filter(Boolean);
  try {
    return decodeURIComponent(segments[segments.length - 1] ?? '/');
  } catch {
    return segments[segments.length - 1] ?? '/';
  }
}

/**
 * Requests Node refuses before Fastify sees them (headers too large, malformed HTTP) still get
 * Graph's envelope rather than a bare status line.
 */
export function writeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const requestId = randomUUID();
  const body = JSON.stringify(
    serializeError(new GraphError('badRequest', tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP.'), {
      requestId,
      clientRequestId: requestId,
    }),
  );
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${ODATA_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\n` +
      `OData-Version: 4.0\r\nConnection: close\r\n\r\n${body}`,
  );
}
