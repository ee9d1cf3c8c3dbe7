// Throttling per caller (SPEC §5; Graph answers 429 with Retry-After): a token bucket for each tenant
// and user or application, refilled continuously. It wraps the token verifier, so the key is the
// verified caller (a forged token cannot spend another caller's budget), and every step of a $batch
// counts, as on Graph.
import { GraphError } from '../errors/graph-error.ts';
import type { TokenVerifier } from './authenticate.ts';
import type { Caller } from './caller.ts';

export interface ThrottleSettings {
  /** Requests allowed per caller per window; 0 turns throttling off. */
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Buckets kept at most; the least recently used are forgotten first (a forgotten bucket is full). */
const MAX_BUCKETS = 100_000;

export function throttledVerifier(verifier: TokenVerifier, settings: ThrottleSettings, now: () => number = Date.now): TokenVerifier {
  if (settings.limit === 0) return verifier;
  const perMs = settings.limit / (settings.windowSeconds * 1000);
  const buckets = new Map<string, { tokens: number; at: number }>();

  const take = (key: string): number => {
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: settings.limit, at: t };
    buckets.delete(key);
    bucket.tokens = Math.min(settings.limit, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    buckets.set(key, bucket);
    if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs / 1000);
  };

  return {
    async authenticate(authorization) {
      const caller = await verifier.authenticate(authorization);
      const wait = take(callerKey(caller));
      if (wait > 0) {
        throw new GraphError(
          'tooManyRequests',
          `Too many requests: at most ${settings.limit} per ${settings.windowSeconds} s for each caller. Retry after ${wait} s.`,
          { headers: { 'Retry-After': String(wait) } },
        );
      }
      return caller;
    },
  };
}

const callerKey = (c: Caller) => (c.kind === 'delegated' ? `${c.tenantId}/user/${c.userId}` : `${c.tenantId}/app/${c.appId}`);
