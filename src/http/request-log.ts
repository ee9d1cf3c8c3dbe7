// One log line per request, written when it is answered: its id, method, path, status, time taken,
// and the verified caller (never the token itself: nothing of the Authorization header is logged).
// Fastify's own two lines per request (received, completed) are off: at `info` they cost more than
// the rest of a small request's work.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.ts';

export interface CallerLog {
  readonly tenant: string;
  readonly user?: string;
  readonly app?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    callerLog?: CallerLog;
  }
}

export function noteCaller(req: FastifyRequest, caller: Caller): void {
  req.callerLog = caller.kind === 'delegated' ? { tenant: caller.tenantId, user: caller.userId } : { tenant: caller.tenantId, app: caller.appId };
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    const line: Record<string, unknown> = { method: req.method, url: req.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    if (req.callerLog) line.caller = req.callerLog;
    req.log.info(line, 'request completed');
    done();
  });
}
