// GET /metrics (SPEC §6): Prometheus text from prom-client. Requests are counted and timed by route
// pattern (never the raw URL, whose ids would make every item a series of its own), collection and
// status; storage calls are timed by port method; the process's own metrics come from prom-client.
// Each app has a registry of its own, so that tests building many apps do not share counters.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { facetNamed } from '../model/facets.ts';
import type { Storage } from '../storage/port.ts';
import { aroundEachMethod } from '../storage/wrap.ts';
import { registerMethodNotAllowed } from './routes.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly storageSeconds: Histogram<'operation' | 'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const storageSeconds = new Histogram({
    name: 'graph_profile_storage_duration_seconds',
    help: 'Time taken by calls to the storage port (one transaction each), by port method and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, storageSeconds };
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  const labelNames = ['method', 'route', 'collection', 'status'] as const;
  const requests = new Counter({
    name: 'graph_profile_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern, profile collection and status.',
    labelNames,
    registers: [metrics.registry],
  });
  const seconds = new Histogram({
    name: 'graph_profile_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method, route pattern, profile collection and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', (req, reply, done) => {
    const collection = (req.params as { collection?: string } | undefined)?.collection;
    const labels = {
      method: req.method,
      // Requests that matched no route share one label, whatever their path.
      route: req.routeOptions.url ?? '(unmatched)',
      collection: (collection && facetNamed(collection)?.collection) ?? '',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    seconds.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  registerMethodNotAllowed(app, '/metrics', ['GET']);
}

/** The storage port with each call timed; what the service asks of it is unchanged. */
export function timedStorage(storage: Storage, histogram: Metrics['storageSeconds']): Storage {
  return aroundEachMethod(storage, (name, call) => {
    if (name === 'close') return call();
    const stop = histogram.startTimer({ operation: name });
    return call().then(
      (value) => {
        stop({ outcome: 'ok' });
        return value;
      },
      (error: unknown) => {
        stop({ outcome: 'error' });
        throw error;
      },
    );
  });
}
