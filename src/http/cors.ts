// CORS for browser apps calling the API directly (SPEC: off by default; an allow-list when on).
// Requests from other origins, and requests with no Origin, get no CORS handling at all: an OPTIONS
// request that is not an allowed preflight still answers the Graph-shaped 405.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const any = origins.includes('*');
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && (any || origins.includes(origin))),
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'client-request-id', 'Prefer', 'ConsistencyLevel'],
    exposedHeaders: ['request-id', 'client-request-id', 'ETag', 'Location', 'Retry-After', 'OData-Version', 'WWW-Authenticate'],
    // Bearer tokens, not cookies: browsers need not send credentials.
    credentials: false,
    maxAge: 600,
  });
}
