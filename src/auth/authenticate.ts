// Turns the Authorization header into a Caller, or a 401 that says what is wrong with the token.
import { errors as joseErrors } from 'jose';
import { GraphError } from '../errors/graph-error.ts';
import { type Caller, callerFromClaims } from './caller.ts';
import { IssuerMismatch, type LocalIssuer } from './local-issuer.ts';

export interface TokenVerifier {
  authenticate(authorization: string | undefined): Promise<Caller>;
}

const unauthenticated = (message: string) =>
  new GraphError('invalidAuthenticationToken', message, {
    headers: { 'WWW-Authenticate': 'Bearer realm="graph-profile", error="invalid_token"' },
  });

export function localTokenVerifier(
  issuer: LocalIssuer,
  opts: { audiences: readonly string[]; clockToleranceSeconds: number; maxTokenLength: number },
): TokenVerifier {
  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization.trim() === '') throw unauthenticated('Access token is empty.');
      const m = /^Bearer(?:[ ]+(\S*))?\s*$/i.exec(authorization);
      if (!m) throw unauthenticated("The Authorization header must be 'Bearer {token}'.");
      const token = m[1] ?? '';
      if (token === '') throw unauthenticated('Access token is empty.');
      if (token.length > opts.maxTokenLength) {
        throw unauthenticated(`Access token is longer than ${opts.maxTokenLength} characters.`);
      }
      let claims;
      try {
        claims = await issuer.verify(token, opts);
      } catch (e) {
        throw unauthenticated(describeTokenError(e));
      }
      try {
        return callerFromClaims(claims);
      } catch (e) {
        if (e instanceof GraphError) throw unauthenticated(e.message);
        throw e;
      }
    },
  };
}

function describeTokenError(e: unknown): string {
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
