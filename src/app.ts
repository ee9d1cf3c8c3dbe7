// buildApp(config, deps): the whole HTTP service, without listening. The process (server.ts) and the
// tests both build it; only server.ts opens sockets.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { pino } from 'pino';
import { type TokenVerifier, localTokenVerifier } from './auth/authenticate.ts';
import { openLocalIssuer } from './auth/local-issuer.ts';
import { type OidcTimings, oidcTokenVerifier } from './auth/oidc.ts';
import { throttledVerifier } from './auth/throttle.ts';
import type { Config } from './config.ts';
import { handleFrameworkError, registerErrorHandling, writeClientError } from './http/error-responses.ts';
import { registerBatchRoute } from './http/batch.ts';
import { registerRequestLog } from './http/request-log.ts';
import { registerCors } from './http/cors.ts';
import { registerDocumentRoutes } from './http/documents.ts';
import { registerStandardHeaders } from './http/headers.ts';
import { createMetrics, registerMetrics, timedStorage } from './http/metrics.ts';
import { registerConnectionCloseOnShutdown } from './http/shutdown.ts';
import { registerProfileRoutes } from './http/routes.ts';
import { registerWebPage } from './http/web-page.ts';
import { registerWellKnownRoutes } from './http/well-known.ts';
import { type Clock, graphClock } from './profile/clock.ts';
import { itemOperations } from './profile/operations.ts';
import { profileRootOperations } from './profile/root.ts';
import { userOperations } from './profile/user-operations.ts';
import { knownCallers } from './profile/users.ts';
import type { Storage } from './storage/port.ts';

const MAX_HEADER_BYTES = 128 * 1024;

export interface AppDeps {
  readonly storage: Storage;
  /** PEM certificate and key: the app then speaks HTTPS (it is the server's, made here, that listens). */
  readonly https?: { readonly cert: string; readonly key: string };
  readonly clock?: Clock;
  /** AUTH_MODE=oidc: shorter key-refresh and retry periods, so that tests need not wait out the defaults. */
  readonly oidcTimings?: OidcTimings;
}

/** How long a log line may wait in the buffer before it is written. */
const LOG_FLUSH_MS = 200;

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  // The request log is written asynchronously in blocks of 4 KiB or every LOG_FLUSH_MS, not a write per
  // line (which cost about 10% of a small request). What is left is written when the app closes, and
  // by pino when the process exits; a kill -9 may lose the last LOG_FLUSH_MS of lines.
  const logStream = config.logLevel === 'silent' ? undefined : pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const logFlush = logStream && setInterval(() => logStream.flush(), LOG_FLUSH_MS).unref();
  const app = Fastify({
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key } } : {}),
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization'],
      ...(logStream ? { stream: logStream } : {}),
    },
    genReqId: () => randomUUID(),
    // One line per request instead (http/request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    // Graph paths are case-insensitive (the reference pages themselves write /Beta/).
    // maxParamLength: a UPN may be 113 characters, more once percent-encoded; longer junk ids get a 404.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1024 },
    bodyLimit: config.limits.maxBodyBytes,
    return503OnClosing: true,
    // Node's default of 16 KiB would turn an oversized token into a bare 431; let it reach the
    // verifier, which refuses it with a 401 that says why.
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: writeClientError,
    frameworkErrors: handleFrameworkError,
  });

  // Bodies arrive as raw bytes whatever their type; the operations parse them strictly (http/json-body.ts)
  // after authentication, so that 415 and 400 come from one place and in Graph's shape.
  app.addHook('onClose', async () => {
    clearInterval(logFlush);
    logStream?.flushSync();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  if (config.corsOrigins) await registerCors(app, config.corsOrigins);
  registerStandardHeaders(app);
  registerConnectionCloseOnShutdown(app);
  registerRequestLog(app);
  registerErrorHandling(app);

  const metrics = createMetrics();
  registerMetrics(app, metrics);
  const storage = timedStorage(deps.storage, metrics.storageSeconds);
  // In OIDC mode the local issuer is not opened: no signing key is created, and none is published.
  const issuer = config.authMode === 'local' ? await openLocalIssuer(storage) : undefined;
  const tokenOptions = { clockToleranceSeconds: config.clockToleranceSeconds, maxTokenLength: config.limits.maxTokenLength };
  let tokenVerifier: TokenVerifier;
  if (issuer) {
    tokenVerifier = localTokenVerifier(issuer, { ...tokenOptions, audiences: config.audiences });
  } else {
    if (!config.oidc) throw new Error('AUTH_MODE=oidc without OIDC settings');
    tokenVerifier = oidcTokenVerifier(config.oidc, { ...tokenOptions, ...deps.oidcTimings, warn: (message) => app.log.warn(message) });
  }
  const verifier = throttledVerifier(tokenVerifier, config.throttle);
  const operationDeps = {
    storage,
    verifier,
    clock: deps.clock ?? graphClock(),
    limits: config.limits,
    allowApplicationPermissions: config.allowApplicationPermissions,
    knownCallers: knownCallers(),
  };
  const operations = { items: itemOperations(operationDeps), root: profileRootOperations(operationDeps), user: userOperations(operationDeps) };

  registerWellKnownRoutes(app, config, { storage, ...(issuer ? { issuer } : {}) });
  registerDocumentRoutes(app, config);
  registerWebPage(app, config, { storage, issuer });
  registerBatchRoute(app, config, { verifier });
  registerProfileRoutes(app, config, operations);
  return app;
}
