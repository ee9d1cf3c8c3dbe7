// The local token source (SPEC §4): an ES256 key kept with the data, used by the CLI to mint tokens
// with Entra's claim names and by the server to verify them and to publish its JWKS.
import { randomUUID } from 'node:crypto';
import { type JWK, type JWTPayload, SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { SigningKey, Storage } from '../storage/port.ts';
import { localIssuer } from './constants.ts';

const ALG = 'ES256';

export interface LocalIssuer {
  /** The public keys, as served at the JWKS endpoint. */
  readonly jwks: { keys: JWK[] };
  sign(claims: JWTPayload, expiresInSeconds: number): Promise<string>;
  /** Verifies signature, algorithm, exp/nbf (with tolerance), audience and issuer; throws jose errors. */
  verify(token: string, opts: { audiences: readonly string[]; clockToleranceSeconds: number }): Promise<JWTPayload>;
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg: ALG, use: 'sig' };
}

export async function openLocalIssuer(storage: Storage): Promise<LocalIssuer> {
  const stored = await storage.loadOrCreateSigningKey(generateSigningKey);
  const privateKey = await importJWK(stored, ALG);
  const { d: _private, ...publicJwk } = stored;
  const jwks = { keys: [publicJwk] };
  const keySet = createLocalJWKSet(jwks);

  return {
    jwks,
    async sign(claims, expiresInSeconds) {
      const now = Math.floor(Date.now() / 1000);
      // An already expired token (negative lifetime) must also be valid "before" its expiry.
      const nbf = Math.min(now, now + expiresInSeconds - 60);
      return new SignJWT({ ...claims, iss: localIssuer(String(claims.tid)) })
        .setProtectedHeader({ alg: ALG, typ: 'JWT', kid: stored.kid })
        .setIssuedAt(nbf)
        .setNotBefore(nbf)
        .setExpirationTime(now + expiresInSeconds)
        .sign(privateKey);
    },
    async verify(token, opts) {
      const { payload } = await jwtVerify(token, keySet, {
        algorithms: [ALG],
        audience: [...opts.audiences],
        clockTolerance: opts.clockToleranceSeconds,
        requiredClaims: ['exp', 'tid', 'iss'],
      });
      if (typeof payload.tid !== 'string' || payload.iss !== localIssuer(payload.tid)) throw new IssuerMismatch();
      return payload;
    },
  };
}

export class IssuerMismatch extends Error {
  constructor() {
    super('the token was not issued for its tenant by this service');
    this.name = 'IssuerMismatch';
  }
}
