// POST /beta/$batch (SPEC §5): JSON batching. The outer token is checked once up front; then every
// step is replayed through the real routes with app.inject, so that it gets exactly the status,
// headers and error body a direct call would, and is authorised with the outer token like Graph does.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenVerifier } from '../auth/authenticate.ts';
import { noteCaller } from './request-log.ts';
import type { Config } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import { clip } from '../model/quote.ts';
import { type BatchStep, readBatch } from './batch-request.ts';
import { type StepResponse, errorStepResponse, injectedStepResponse } from './batch-response.ts';
import { ODATA_JSON } from './headers.ts';
import { bodyHeaders, parseJsonBody } from './json-body.ts';
import { registerMethodNotAllowed } from './routes.ts';

const BATCH_URL = '/beta/$batch';

/**
 * Marks the requests this route injects. Its value is a secret of the running app, so a client can
 * neither forge it nor strip it; the $batch route refuses marked requests, which bounds a batch to
 * one level whatever a step URL manages to look like.
 */
const STEP_MARKER_HEADER = 'x-graph-profile-batch-step';
/** The scheme the batch came in on: injected steps are plain HTTP, but their links must say https. */
const STEP_SCHEME_HEADER = 'x-graph-profile-batch-scheme';

declare module 'fastify' {
  interface FastifyRequest {
    /** For a $batch step, the scheme of the batch request itself. */
    outerProtocol?: 'http' | 'https';
  }
}

interface Outer {
  readonly authorization: string;
  readonly host: string | undefined;
  readonly protocol: string;
  readonly clientRequestId: string | undefined;
}

export function registerBatchRoute(app: FastifyInstance, config: Config, deps: { verifier: TokenVerifier }): void {
  const marker = randomUUID();

  // Believed only from this process's own steps, which carry the marker no client can know.
  // (Hooks on every request take a callback: an async hook costs a promise per request.)
  app.addHook('onRequest', (req, _reply, done) => {
    const scheme = req.headers[STEP_SCHEME_HEADER];
    if (req.headers[STEP_MARKER_HEADER] === marker && (scheme === 'http' || scheme === 'https')) req.outerProtocol = scheme;
    done();
  });

  app.route({
    method: 'POST',
    url: BATCH_URL,
    handler: async (req, reply) => {
      if (req.headers[STEP_MARKER_HEADER] === marker) {
        throw new GraphError('badRequest', 'A batch request cannot contain another $batch request.');
      }
      noteCaller(req, await deps.verifier.authenticate(req.headers.authorization));
      const steps = readBatch(parseJsonBody(bodyHeaders(req), req.body as Buffer | undefined, config.limits), config.limits);
      const outer: Outer = {
        authorization: req.headers.authorization!,
        host: req.headers.host,
        protocol: req.outerProtocol ?? req.protocol,
        clientRequestId: single(req.headers['client-request-id']),
      };
      const responses = await runSteps(steps, {
        execute: (step) => inject(app, req, step, outer, marker),
        refuse: (step, err) => errorStepResponse(step.id, err, step.headers['client-request-id'] ?? outer.clientRequestId),
      });
      return reply.type(ODATA_JSON).send({ responses });
    },
  });
  registerMethodNotAllowed(app, BATCH_URL, ['POST']);
}

/**
 * Runs each step once all its prerequisites have answered; steps that do not wait on each other run
 * concurrently, as Graph allows. A step whose prerequisite did not succeed is not run: it answers 424,
 * and so, in turn, do the steps that wait on it. Responses come back in request order.
 */
export function runSteps(
  steps: readonly BatchStep[],
  how: { execute: (step: BatchStep) => Promise<StepResponse>; refuse: (step: BatchStep, err: GraphError) => StepResponse },
): Promise<StepResponse[]> {
  const started: Array<Promise<StepResponse> | undefined> = [];
  const run = (i: number): Promise<StepResponse> =>
    (started[i] ??= (async () => {
      const step = steps[i]!;
      const prerequisites = await Promise.all(step.dependsOn.map(run));
      const failed = prerequisites.find((r) => r.status < 200 || r.status > 299);
      if (failed) {
        const message = `Request '${clip(step.id)}' was not run because request '${clip(failed.id)}', which it depends on, answered ${failed.status}.`;
        return how.refuse(step, new GraphError('failedDependency', message));
      }
      if (step.body.kind === 'invalid') return how.refuse(step, step.body.error);
      return how.execute(step);
    })());
  return Promise.all(steps.map((_, i) => run(i)));
}

async function inject(app: FastifyInstance, req: FastifyRequest, step: BatchStep, outer: Outer, marker: string): Promise<StepResponse> {
  const headers: Record<string, string> = {
    ...step.headers,
    authorization: outer.authorization,
    [STEP_MARKER_HEADER]: marker,
    [STEP_SCHEME_HEADER]: outer.protocol,
  };
  // Links in step responses (Location, @odata.context) name the host the client called.
  if (outer.host !== undefined) headers.host = outer.host;
  const clientRequestId = step.headers['client-request-id'] ?? outer.clientRequestId;
  if (clientRequestId !== undefined) headers['client-request-id'] = clientRequestId;
  try {
    const res = await app.inject({
      method: step.method,
      url: step.url,
      headers,
      ...(step.body.kind === 'bytes' ? { payload: step.body.payload } : {}),
    });
    return injectedStepResponse(step.id, res.statusCode, res.headers, res.rawPayload);
  } catch (err) {
    req.log.error({ err, step: step.id }, 'batch step failed');
    return errorStepResponse(step.id, new GraphError('internalServerError'), clientRequestId);
  }
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
