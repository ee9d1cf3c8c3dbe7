// Verified tokens, remembered: the same token string arrives with every request of a client, and
// verifying its signature (ES256, RS256) costs far more than the rest of a small request. A token is
// remembered only after it passed every check, by its exact text, and no longer than its own
// lifetime allows, nor than MAX_AGE_MS, nor once the key that signed it has left the issuer's key set
// as last fetched (key rotation): then it is verified again in full. Refusals are not remembered:
// each bad token is checked, and refused, anew.
import type { JWTPayload } from 'jose';
import type { Caller } from './caller.ts';

export interface VerifiedToken {
  readonly caller: Caller;
  readonly claims: Pick<JWTPayload, 'exp' | 'nbf'>;
  /** The key id of its signature. */
  readonly kid?: string | undefined;
}

/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 10_000;
/** Longest a token is trusted without checking its signature again. */
export const MAX_AGE_MS = 60_000;

interface Entry {
  readonly caller: Caller;
  /** Until when (ms since 1970) the entry may be used. */
  readonly until: number;
  /** From when (ms since 1970) the token is valid (nbf less the tolerance). */
  readonly from: number;
  readonly kid: string | undefined;
}

export interface TokenCache {
  /** `keyTrusted` says whether a key id is still in the issuer's key set; when it is not, the token is forgotten. */
  get(token: string, keyTrusted?: (kid: string | undefined) => boolean): Caller | undefined;
  remember(token: string, verified: VerifiedToken): void;
}

export function tokenCache(opts: { clockToleranceSeconds: number; now?: () => number; maxEntries?: number }): TokenCache {
  const now = opts.now ?? Date.now;
  const tolerance = opts.clockToleranceSeconds * 1000;
  const max = opts.maxEntries ?? MAX_ENTRIES;
  const entries = new Map<string, Entry>();
  return {
    get(token, keyTrusted) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      const t = now();
      if (t >= entry.until || t < entry.from || (keyTrusted && !keyTrusted(entry.kid))) {
        entries.delete(token);
        return undefined;
      }
      return entry.caller;
    },
    remember(token, { caller, claims, kid }) {
      const t = now();
      // exp is required by both verifiers; a token without it is not remembered.
      if (typeof claims.exp !== 'number') return;
      const until = Math.min(claims.exp * 1000 + tolerance, t + MAX_AGE_MS);
      const from = typeof claims.nbf === 'number' ? claims.nbf * 1000 - tolerance : Number.NEGATIVE_INFINITY;
      entries.delete(token);
      entries.set(token, { caller, until, from, kid });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}
