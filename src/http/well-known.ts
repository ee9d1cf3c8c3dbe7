// Public routes: liveness, readiness, and (in local mode) the local issuer's OpenID discovery document
// and JWKS, so that other services can verify tokens this emulator mints. In OIDC mode the real
// issuer publishes those; serving our own would only mislead.
import type { FastifyInstance } from 'fastify';
import type { LocalIssuer } from '../auth/local-issuer.ts';
import { LOCAL_ISSUER_BASE, localIssuer } from '../auth/constants.ts';
import type { Config } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import type { Storage } from '../storage/port.ts';
import { baseUrlOf } from './routes.ts';

/** Like Entra's: a tenant id, or one of its aliases. Nothing else, so that no API path can match these routes. */
const TENANT = '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|common|organizations|consumers)$';

export function registerWellKnownRoutes(app: FastifyInstance, config: Config, deps: { storage: Storage; issuer?: LocalIssuer }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async () => {
    try {
      await deps.storage.ping();
    } catch {
      throw new GraphError('serviceNotAvailable', 'The database is not reachable.', { headers: { 'Retry-After': '5' } });
    }
    return { status: 'ok', database: 'reachable' };
  });

  const local = deps.issuer;
  if (!local) return;
  app.get('/discovery/v2.0/keys', async () => local.jwks);
  app.get(`/:tenant(${TENANT})/discovery/v2.0/keys`, async () => local.jwks);

  // No authorization or token endpoint: tokens are minted by `graph-profile token`.
  const discovery = (base: string, issuer: string) => ({
    issuer,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    id_token_signing_alg_values_supported: ['ES256'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256'],
    subject_types_supported: ['pairwise'],
    response_types_supported: ['token'],
    claims_supported: ['aud', 'iss', 'iat', 'nbf', 'exp', 'tid', 'oid', 'sub', 'idtyp', 'name', 'upn', 'preferred_username', 'scp', 'roles', 'wids', 'appid', 'azp'],
  });

  // Like Entra's common endpoint: the issuer holds a {tenantid} placeholder.
  app.get('/.well-known/openid-configuration', async (req) => discovery(baseUrlOf(config, req), `${LOCAL_ISSUER_BASE}/{tenantid}/v2.0`));
  app.get(`/:tenant(${TENANT})/v2.0/.well-known/openid-configuration`, async (req) =>
    discovery(baseUrlOf(config, req), localIssuer((req.params as { tenant: string }).tenant.toLowerCase())),
  );
}
