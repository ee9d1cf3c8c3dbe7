// Headers every response carries (SPEC §5) and the content type of JSON bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A client-request-id is echoed only when it is short and printable; otherwise the request-id stands in. */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function clientRequestIdOf(header: string | string[] | undefined, requestId: string): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && CLIENT_REQUEST_ID.test(value) ? value : requestId;
}

/** The headers of SPEC §5 that every response carries, errors included. */
export function setStandardHeaders(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('request-id', req.id);
  reply.header('client-request-id', clientRequestIdOf(req.headers['client-request-id'], req.id));
  reply.header('OData-Version', '4.0');
  reply.header('Cache-Control', 'no-store');
  // An API's answers are data, never pages: nothing in them may load, run or be framed.
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Content-Security-Policy', API_CSP);
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('Cross-Origin-Resource-Policy', 'same-origin');
  // Not for loopback names: a browser would then pin every port of localhost to HTTPS for a year,
  // breaking every other local development server.
  if (req.protocol === 'https' && !isLoopbackHost(req.hostname)) reply.header('Strict-Transport-Security', 'max-age=31536000');
}

const LOOPBACK = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;
export const isLoopbackHost = (hostname: string | undefined): boolean => hostname === undefined || LOOPBACK.test(hostname);

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** The reference page loads only its own script, styles and images (Swagger UI inlines some styles). */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function registerStandardHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    setStandardHeaders(req, reply);
    done();
  });
}
