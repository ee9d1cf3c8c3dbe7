// Who made each request, in the logs beside its request id (never the token itself: the
// Authorization header is redacted). Operations report the verified caller through PositionRequest.
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

export function registerCallerLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    if (req.callerLog) req.log.info({ caller: req.callerLog, statusCode: reply.statusCode }, 'caller');
  });
}
