// Turns the Authorization header into a Caller, or a 401 that says what is wrong with the token.
import { type JWTPayload, errors as joseErrors } from 'jose';
import { GraphError } from '../errors/graph-error.ts';
import { type Caller, callerFromClaims } from './caller.ts';
import { IssuerMismatch, type LocalIssuer } from './local-issuer.ts';
import { type TokenCache, tokenCache } from './token-cache.ts';

export interface TokenVerifier {
  authenticate(authorization: string | undefined): Promise<Caller>;
}

/** The 401 of every token verifier, with the `WWW-Authenticate` challenge RFC 6750 asks for. */
export const unauthenticated = (message: string) =>
  new GraphError('invalidAuthenticationToken', message, {
    headers: { 'WWW-Authenticate': 'Bearer realm="graph-profile", error="invalid_token"' },
  });

export function localTokenVerifier(
  issuer: LocalIssuer,
  opts: { audiences: readonly string[]; clockToleranceSeconds: number; maxTokenLength: number },
): TokenVerifier {
  const cache = tokenCache(opts);
  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization, opts.maxTokenLength);
      const known = cache.get(token);
      if (known) return known;
      let claims;
      try {
        claims = await issuer.verify(token, opts);
      } catch (e) {
        throw unauthenticated(e instanceof joseErrors.JWKSNoMatchingKey ? FOREIGN_LOCAL_TOKEN : describeTokenError(e));
      }
      return rememberedCaller(cache, token, claims);
    },
  };
}

/** The usual cause of a local token this server cannot verify: it was minted against other data. */
const FOREIGN_LOCAL_TOKEN =
  'Access token validation failure. The token is signed with a key this server does not know: it may have been minted for another data directory (DATA_DIR) or database. Mint one for this server with npx graph-profile token, with the same DATA_DIR or DATABASE_URL.';

/** The caller of a verified token, remembered with the token (and the key id that signed it) for its next request. */
export function rememberedCaller(cache: TokenCache, token: string, claims: JWTPayload, kid?: string): Caller {
  const caller = verifiedCaller(claims);
  cache.remember(token, { caller, claims, kid });
  return caller;
}

/** The caller of a token whose signature and lifetime are verified; claims it lacks are a 401. */
export function verifiedCaller(claims: JWTPayload): Caller {
  try {
    return callerFromClaims(claims);
  } catch (e) {
    if (e instanceof GraphError) throw unauthenticated(e.message);
    throw e;
  }
}

/**
 * The token of an `Authorization: Bearer {token}` header. Read by length and by splitting, not by a
 * regular expression: a header is up to 128 KiB of attacker's text, and the length is checked first.
 */
export function bearerToken(authorization: string | undefined, maxTokenLength: number): string {
  if (authorization === undefined || authorization.trim() === '') throw unauthenticated('Access token is empty.');
  if (authorization.length > maxTokenLength + 64) {
    throw unauthenticated(`Access token is longer than ${maxTokenLength} characters.`);
  }
  const value = authorization.trim();
  const scheme = value.slice(0, 6);
  if (scheme.toLowerCase() !== 'bearer' || (value.length > 6 && value[6] !== ' ' && value[6] !== '\t')) {
    throw unauthenticated("The Authorization header must be 'Bearer {token}'.");
  }
  const token = value.slice(6).trim();
  if (token === '') throw unauthenticated('Access token is empty.');
  if (/\s/.test(token)) throw unauthenticated("The Authorization header must be 'Bearer {token}', with no spaces in the token.");
  if (token.length > maxTokenLength) throw unauthenticated(`Access token is longer than ${maxTokenLength} characters.`);
  return token;
}

/** What is wrong with a token, from the error jose (or an issuer check) threw. */
export function describeTokenError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'Lifetime validation failed, the token is expired.';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return 'Lifetime validation failed, the token is not yet valid (nbf is in the future).';
    if (e.claim === 'aud') return 'Access token validation failure. Invalid audience.';
    if (e.claim === 'iat') return "Access token validation failure. Invalid 'iat' claim.";
    return `Access token validation failure. Invalid or missing '${e.claim}' claim.`;
  }
  if (e instanceof IssuerMismatch) return 'Access token validation failure. Invalid issuer.';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'Access token validation failure. The signing algorithm is not allowed.';
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'Access token validation failure. The token is signed with an unknown key.';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'Access token validation failure. Invalid signature.';
  if (e instanceof joseErrors.JOSEError) return 'Access token is malformed: it is not a valid signed JWT.';
  return 'Access token validation failure.';
}
