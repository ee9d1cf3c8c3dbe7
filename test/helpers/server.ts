// A real server on a real SQLite file in a temporary DATA_DIR, spoken to over real HTTP, with tokens
// minted by the same code as `graph-profile token`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JWTPayload } from 'jose';
import { type AppDeps, buildApp } from '../../src/app.ts';
import { DEV_TENANT_ID } from '../../src/auth/constants.ts';
import { applicationClaims, delegatedClaims } from '../../src/auth/dev-tokens.ts';
import { type LocalIssuer, openLocalIssuer } from '../../src/auth/local-issuer.ts';
import { findOrAddUser } from '../../src/cli/users.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Storage, UserRecord } from '../../src/storage/port.ts';
import { dropTestSchema, openTestStorage } from './backend.ts';
import { type Reply, type RequestOptions, httpRequest } from './http.ts';

export type { Reply, RequestOptions };

export interface UserToken {
  token: string;
  user: UserRecord;
}

export class TestServer {
  private constructor(
    readonly config: Config,
    readonly storage: Storage,
    private readonly localIssuer: LocalIssuer | undefined,
    private readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  static async start(
    opts: { dataDir?: string; config?: Partial<Config>; wrapStorage?: (storage: Storage) => Storage; oidcTimings?: AppDeps['oidcTimings'] } = {},
  ): Promise<TestServer> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'graph-profile-test-'));
    // Throttling is off unless a test asks for it: suites send many requests as one caller.
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', THROTTLE_LIMIT: '0' }, opts.config);
    const storage = await openTestStorage(config.dataDir);
    const app = await buildApp(config, {
      storage: opts.wrapStorage ? opts.wrapStorage(storage) : storage,
      ...(opts.oidcTimings ? { oidcTimings: opts.oidcTimings } : {}),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // In OIDC mode tokens come from the test's own issuer; the minting helpers below are for local mode.
    const issuer = config.authMode === 'local' ? await openLocalIssuer(storage) : undefined;
    return new TestServer(config, storage, issuer, app, `http://127.0.0.1:${port}`);
  }

  /** The local issuer (local mode only). */
  get issuer(): LocalIssuer {
    if (!this.localIssuer) throw new Error('AUTH_MODE=oidc: this server has no local issuer; sign tokens with the test issuer');
    return this.localIssuer;
  }

  get dataDir(): string {
    return this.config.dataDir;
  }

  /** Stops the server and closes the database; the data directory stays. */
  async stop(): Promise<void> {
    await this.app.close();
    await this.storage.close();
  }

  /** Stops the server and removes its data (directory, and schema on PostgreSQL). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    await dropTestSchema(this.dataDir);
  }

  async token(opts: { upn: string; name?: string; tenant?: string; scopes?: string[]; admin?: boolean; expiresIn?: number }): Promise<UserToken> {
    const user = await findOrAddUser(this.storage, { tenantId: opts.tenant ?? DEV_TENANT_ID, upn: opts.upn, displayName: opts.name });
    const claims = delegatedClaims(user, { ...(opts.scopes ? { scopes: opts.scopes } : {}), admin: opts.admin ?? false });
    return { token: await this.issuer.sign(claims, opts.expiresIn ?? 3600), user };
  }

  appToken(opts: { appId?: string; roles: string[]; tenant?: string }): Promise<string> {
    const claims = applicationClaims({ tenantId: opts.tenant ?? DEV_TENANT_ID, appId: opts.appId ?? 'a0e1c2d3-0000-4000-8000-000000000001', roles: opts.roles });
    return this.issuer.sign(claims, 3600);
  }

  /** Signs any claims with the server's own key (for tokens that are wrong in their claims, not their signature). */
  sign(claims: JWTPayload, expiresIn = 3600): Promise<string> {
    return this.issuer.sign(claims, expiresIn);
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    return httpRequest(this.url, method, path, opts);
  }
}
