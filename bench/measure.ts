// One measured run: autocannon drives a workload against one server while its memory and CPU are sampled.
import autocannon, { type Result } from 'autocannon';
import { type Server, sampleProcess } from './servers.ts';
import type { Workload } from './workloads.ts';

export interface RunResult {
  /** Completed requests (any status). */
  requests: number;
  /** Seconds from the start to the last response. */
  elapsedS: number;
  reqPerSec: number;
  /** Latency of 2xx answers, ms (from autocannon's per-response times, not its whole-millisecond histogram). */
  p50: number;
  p99: number;
  /** autocannon's own latency.p50 / p99 (whole milliseconds), for reference. */
  autocannonP50: number;
  autocannonP99: number;
  /** Answers that were not 2xx (304 included). */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  peakRssMb: number;
  cpuUsPerReq: number;
}

export interface LoadOptions {
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  duration: number;
  /** Exactly this many requests instead of a duration. */
  amount?: number;
}

export async function runLoad(server: Server, next: Workload, opts: LoadOptions): Promise<RunResult> {
  const stopSampling = sampleProcess(server.pid);
  const t0 = performance.now();
  let last = t0;
  const latencies: number[] = [];
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        connections: opts.amount !== undefined ? Math.min(opts.connections, opts.amount) : opts.connections,
        // An amount run ends on the first sampling tick after its last answer: tick often then.
        ...(opts.amount !== undefined ? { amount: opts.amount, sampleInt: 100 } : { duration: opts.duration }),
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => {
              const r = next();
              // A fresh headers object: autocannon adds Content-Length to the one it is given.
              return { ...req, method: r.method, path: r.path, headers: { ...r.headers }, body: r.body ?? '' };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      last = performance.now();
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const sample = stopSampling();
  const elapsedS = (last - t0) / 1000;
  const requests = result.requests.total;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    requests,
    elapsedS: round(elapsedS, 3),
    reqPerSec: round(elapsedS > 0 ? requests / elapsedS : 0, 1),
    p50: round(percentile(latencies, 0.5), 3),
    p99: round(percentile(latencies, 0.99), 3),
    autocannonP50: result.latency.p50,
    autocannonP99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    peakRssMb: round(sample.peakRssMb, 1),
    cpuUsPerReq: round(requests > 0 ? sample.cpuMicros / requests : 0, 1),
  };
}

/** Nearest-rank percentile (sorts in place). */
function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
}

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
