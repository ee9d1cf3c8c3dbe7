// A real OpenID Connect issuer for tests, on 127.0.0.1: a discovery document and a JWKS served over
// HTTP from keys generated here. It counts the requests it gets (so a test can bound how often the
// service fetches), can rotate its keys, and can fail: drop connections, or answer the JWKS with an error.
import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';

export type KeyAlg = 'RS256' | 'ES256';

export interface IssuerKey {
  readonly kid: string;
  readonly alg: KeyAlg;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function newKey(alg: KeyAlg, kid: string = randomUUID()): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export class TestOidcIssuer {
  /** Requests received (including those dropped while down). */
  readonly fetches = { discovery: 0, jwks: 0 };
  /** The keys the JWKS lists; replace to rotate. */
  published: IssuerKey[];
  /** 'down': every connection is closed unanswered, as by an issuer that is not there. */
  state: 'up' | 'down' = 'up';
  /** The JWKS endpoint's status; anything but 200 is sent with an error body. */
  jwksStatus = 200;

  private constructor(
    private readonly server: Server,
    /** Scheme, host and port. */
    readonly url: string,
    /** The issuer as configured, possibly with {tenantid}. */
    readonly issuer: string,
    keys: IssuerKey[],
  ) {
    this.published = keys;
  }

  /** `issuerPath` like '/realms/test' (Keycloak) or '/{tenantid}/v2.0' (Entra, multi-tenant). */
  static async start(opts: { issuerPath: string; keys: IssuerKey[] }): Promise<TestOidcIssuer> {
    let self: TestOidcIssuer | undefined;
    const discoveryPath = `${opts.issuerPath.replace('{tenantid}', 'common')}/.well-known/openid-configuration`;
    const server = createServer((req, res) => {
      const issuer = self!;
      const path = (req.url ?? '').split('?')[0];
      if (path === discoveryPath) issuer.fetches.discovery++;
      else if (path === '/discovery/keys') issuer.fetches.jwks++;
      if (issuer.state === 'down') {
        req.socket.destroy();
        return;
      }
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (path === discoveryPath) {
        send(200, { issuer: issuer.issuer, jwks_uri: issuer.jwksUri, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
      } else if (path === '/discovery/keys') {
        if (issuer.jwksStatus !== 200) send(issuer.jwksStatus, { error: 'temporarily_unavailable' });
        else send(200, { keys: issuer.published.map((k) => k.publicJwk) });
      } else {
        send(404, { error: 'not_found' });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self = new TestOidcIssuer(server, url, `${url}${opts.issuerPath}`, opts.keys);
    return self;
  }

  get jwksUri(): string {
    return `${this.url}/discovery/keys`;
  }

  /** The `iss` of a token of this tenant. */
  issuerFor(tid: string): string {
    return this.issuer.replace('{tenantid}', tid);
  }

  /**
   * A token signed with `key` (default: the first published one), with `iss` from its `tid` unless the
   * claims give one; `kid` overrides the header's key id.
   */
  sign(claims: JWTPayload, opts: { key?: IssuerKey; kid?: string; expiresIn?: number; notBefore?: number } = {}): Promise<string> {
    const key = opts.key ?? this.published[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuerFor(String(claims.tid)), ...claims })
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: opts.kid ?? key.kid })
      .setIssuedAt(now)
      .setNotBefore(opts.notBefore ?? now)
      .setExpirationTime(now + (opts.expiresIn ?? 3600))
      .sign(key.privateKey);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
