// The cache of verified tokens: a remembered token is trusted only within its own lifetime (exp and
// nbf, with the clock tolerance) and for at most MAX_AGE_MS, after which it is verified in full again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Caller } from '../../src/auth/caller.ts';
import { MAX_AGE_MS, tokenCache } from '../../src/auth/token-cache.ts';

const caller: Caller = {
  kind: 'delegated',
  tenantId: 't',
  userId: 'u',
  userPrincipalName: null,
  displayName: null,
  personal: false,
  scopes: new Set(),
  directoryRoles: new Set(),
};

const T0 = 1_800_000_000_000;

function cacheAt(start = T0, tolerance = 300) {
  const clock = { t: start };
  return { clock, cache: tokenCache({ clockToleranceSeconds: tolerance, now: () => clock.t }) };
}

test('a remembered token is given back until its exp (plus the tolerance), then forgotten', () => {
  const { clock, cache } = cacheAt(T0, 5);
  cache.remember('tok', { caller, claims: { exp: T0 / 1000 + 10 } });
  assert.equal(cache.get('tok'), caller);
  assert.equal(cache.get('other'), undefined);
  clock.t = T0 + 14_999;
  assert.equal(cache.get('tok'), caller, 'within exp + tolerance');
  clock.t = T0 + 15_000;
  assert.equal(cache.get('tok'), undefined, 'expired');
  clock.t = T0;
  assert.equal(cache.get('tok'), undefined, 'an expired entry is gone, not merely hidden');
});

test('not before nbf (less the tolerance)', () => {
  const { clock, cache } = cacheAt(T0, 5);
  cache.remember('tok', { caller, claims: { exp: T0 / 1000 + 3600, nbf: T0 / 1000 + 10 } });
  clock.t = T0 + 4_999;
  assert.equal(cache.get('tok'), undefined, 'a token read before it is valid is not served from the cache');
  cache.remember('tok', { caller, claims: { exp: T0 / 1000 + 3600, nbf: T0 / 1000 + 10 } });
  clock.t = T0 + 5_000;
  assert.equal(cache.get('tok'), caller);
});

test(`at most ${MAX_AGE_MS / 1000} s without a full verification, whatever exp says`, () => {
  const { clock, cache } = cacheAt();
  cache.remember('tok', { caller, claims: { exp: T0 / 1000 + 86_400 } });
  clock.t = T0 + MAX_AGE_MS - 1;
  assert.equal(cache.get('tok'), caller);
  clock.t = T0 + MAX_AGE_MS;
  assert.equal(cache.get('tok'), undefined);
});

test('a token without exp is not remembered, and the cache is bounded', () => {
  const clock = { t: T0 };
  const cache = tokenCache({ clockToleranceSeconds: 0, now: () => clock.t, maxEntries: 3 });
  cache.remember('no-exp', { caller, claims: {} });
  assert.equal(cache.get('no-exp'), undefined);
  for (const t of ['a', 'b', 'c', 'd']) cache.remember(t, { caller, claims: { exp: T0 / 1000 + 60 } });
  assert.equal(cache.get('a'), undefined, 'the oldest entry made room');
  assert.deepEqual(['b', 'c', 'd'].map((t) => cache.get(t)), [caller, caller, caller]);
});

test('a token whose key has left the issuer key set is forgotten (key rotation)', () => {
  const { cache } = cacheAt();
  cache.remember('tok', { caller, claims: { exp: T0 / 1000 + 3600 }, kid: 'k1' });
  assert.equal(cache.get('tok', (kid) => kid === 'k1'), caller);
  assert.equal(cache.get('tok', (kid) => kid === 'k2'), undefined);
  assert.equal(cache.get('tok'), undefined, 'and stays forgotten until verified again');
});
