// AUTH_MODE=oidc (SPEC §4): tokens from an external OpenID Connect issuer (Entra ID, Keycloak, …),
// verified against the keys it publishes. The keys are fetched on first use, not at start-up, so the
// service starts while the issuer is briefly down; while it cannot be reached, requests that need it
// get 503 (the client may retry), never a 401 (which would tell it its token is bad) or a 500.
import { type FlattenedJWSInput, type JWSHeaderParameters, type JWTPayload, createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';
import { type OidcConfig, TENANT_PLACEHOLDER, isTrustedIdentityUrl } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import { GUID } from '../model/validate.ts';
import { type TokenVerifier, bearerToken, describeTokenError, rememberedCaller, unauthenticated } from './authenticate.ts';
import { IssuerMismatch } from './local-issuer.ts';
import { tokenCache } from './token-cache.ts';

/**
 * Asymmetric algorithms only. Never `none`, and never HMAC: with HS256 allowed, a token "signed" with
 * the issuer's public key (which anyone can download) as the HMAC secret would verify.
 */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'];

/** One fetch from the issuer waits at most this long (jose's default for the JWKS too). */
const FETCH_TIMEOUT_MS = 5_000;

export interface OidcVerifierOptions {
  readonly clockToleranceSeconds: number;
  readonly maxTokenLength: number;
  /**
   * Least time between two JWKS fetches caused by tokens naming a key id not in the cached set (jose's
   * `cooldownDuration`), so that a flood of random kids costs the issuer at most one fetch per period.
   */
  readonly keyRefreshCooldownMs?: number;
  /** After a failed fetch, the issuer is not asked again for this long; requests that need it get 503. */
  readonly retryAfterFailureMs?: number;
  /** Told why the issuer could not be used, once per failure (not once per refused request). */
  readonly warn?: (message: string) => void;
}

export type OidcTimings = Pick<OidcVerifierOptions, 'keyRefreshCooldownMs' | 'retryAfterFailureMs'>;

/** The issuer (discovery document or JWKS) could not be used: the request gets 503, not 401. */
class IssuerUnavailable extends Error {
  override name = 'IssuerUnavailable';
}

/** A verified token refused by a check of ours rather than jose's; the message is the client's. */
class TokenRefused extends Error {
  override name = 'TokenRefused';
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export function oidcTokenVerifier(oidc: OidcConfig, opts: OidcVerifierOptions): TokenVerifier {
  const retryAfterFailureMs = opts.retryAfterFailureMs ?? 2_000;
  const multiTenant = oidc.issuer.includes(TENANT_PLACEHOLDER);
  let failedAt = Number.NEGATIVE_INFINITY;

  const issuerDown = (why: string) => {
    failedAt = Date.now();
    opts.warn?.(`OIDC issuer ${oidc.issuer} unavailable: ${why}`);
    return new IssuerUnavailable(why);
  };

  /**
   * Every request to the issuer. Failures (network, timeout, a status other than 200) become
   * IssuerUnavailable, and right after one the issuer is not asked again: requests arriving meanwhile
   * fail fast instead of each waiting for, and adding to, an issuer that is down.
   */
  const issuerFetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    if (Date.now() - failedAt < retryAfterFailureMs) throw new IssuerUnavailable('the last attempt failed moments ago');
    let res: Response;
    try {
      // No redirects: the keys come from the configured address, not from wherever it points.
      res = await fetch(url, { ...init, redirect: 'manual', signal: init.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (e) {
      throw issuerDown(`${url}: ${(e as Error).message}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw issuerDown(`${url} answered ${res.status}`);
    }
    return res;
  };

  const remoteKeySet = (jwksUri: string): KeySet =>
    createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: opts.keyRefreshCooldownMs ?? 30_000,
      [customFetch]: issuerFetch,
    });

  let keySet: KeySet | undefined = oidc.jwksUri === undefined ? undefined : remoteKeySet(oidc.jwksUri);
  let discovering: Promise<KeySet> | undefined;

  /** The JWKS address from the discovery document, fetched once; a failure is retried by a later request. */
  const discover = async (): Promise<KeySet> => {
    // Entra's multi-tenant document lives under /common/ and names the {tenantid} issuer.
    const url = `${oidc.issuer.replace(TENANT_PLACEHOLDER, 'common').replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await issuerFetch(url, { headers: { accept: 'application/json' } });
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      doc = (await res.json()) as typeof doc;
    } catch {
      throw issuerDown(`${url} is not a JSON document`);
    }
    // OpenID Connect Discovery §4.3: a document naming another issuer must not be used.
    if (doc?.issuer !== oidc.issuer) throw issuerDown(`${url} names the issuer ${JSON.stringify(doc?.issuer)}, not OIDC_ISSUER`);
    if (typeof doc.jwks_uri !== 'string' || !isTrustedIdentityUrl(doc.jwks_uri)) {
      throw issuerDown(`${url} has no usable jwks_uri (https, or http on localhost): ${JSON.stringify(doc.jwks_uri)}`);
    }
    return (keySet = remoteKeySet(doc.jwks_uri));
  };

  const currentKeySet = (): Promise<KeySet> => {
    if (keySet) return Promise.resolve(keySet);
    discovering ??= discover().finally(() => (discovering = undefined));
    return discovering;
  };

  const getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const keys = await currentKeySet();
    try {
      return await keys(header, token);
    } catch (e) {
      // The token's own fault (no key with its kid after at most one refresh, an ambiguous one, an
      // algorithm the key cannot serve): a 401, and no reason to stop asking the issuer.
      if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys || e instanceof joseErrors.JOSENotSupported) throw e;
      if (e instanceof IssuerUnavailable) throw e;
      // Anything else is the issuer's answer being unusable (not JSON, not a key set, a private key).
      throw issuerDown(`its JWKS could not be used: ${(e as Error).message}`);
    }
  };

  /** `iss` (with the token's tid in a multi-tenant issuer) and the tenant allow-list. */
  const checkIssuerAndTenant = (claims: JWTPayload) => {
    const tid = typeof claims.tid === 'string' ? claims.tid : undefined;
    if (multiTenant && (tid === undefined || !GUID.test(tid))) {
      throw new TokenRefused("Access token validation failure: the 'tid' claim is missing or not a GUID.");
    }
    const expected = multiTenant ? oidc.issuer.replace(TENANT_PLACEHOLDER, tid!) : oidc.issuer;
    if (claims.iss !== expected) throw new IssuerMismatch();
    if (oidc.allowedTenants !== undefined && (tid === undefined || !oidc.allowedTenants.includes(tid.toLowerCase()))) {
      throw new TokenRefused(`Access token validation failure. Tokens of the tenant '${tid ?? ''}' are not accepted here.`);
    }
  };

  const cache = tokenCache(opts);
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization, opts.maxTokenLength);
      // A remembered token is trusted while its key is still among the issuer's keys as last fetched.
      const known = cache.get(token, (kid) => keySet?.jwks()?.keys.some((k) => k.kid === kid) ?? false);
      if (known) return known;
      let claims: JWTPayload;
      let kid: string | undefined;
      try {
        ({ payload: claims, protectedHeader: { kid } } = await jwtVerify(token, getKey, {
          algorithms: OIDC_ALGORITHMS,
          audience: [...oidc.audiences],
          clockTolerance: opts.clockToleranceSeconds,
          requiredClaims: ['exp', 'iss', 'tid'],
        }));
        checkIssuerAndTenant(claims);
      } catch (e) {
        if (e instanceof IssuerUnavailable) {
          throw new GraphError('serviceNotAvailable', 'The identity provider could not be reached to check the access token; retry later.', {
            headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterFailureMs / 1000))) },
          });
        }
        throw unauthenticated(e instanceof TokenRefused ? e.message : describeTokenError(e));
      }
      return rememberedCaller(cache, token, claims, kid);
    },
  };
}
