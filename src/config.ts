// Every setting, read once from the environment, validated (all problems reported at once) and frozen.
// Nothing else in the service reads process.env.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TlsSettings } from './http/tls.ts';

export interface Limits {
  /** Largest request body accepted (413 beyond). */
  readonly maxBodyBytes: number;
  /** Deepest nesting of JSON objects and arrays in a body. */
  readonly maxJsonDepth: number;
  readonly maxStringLength: number;
  readonly maxCollectionItems: number;
  /** At most this many problems are listed in `error.details`. */
  readonly maxProblems: number;
  /** Longest bearer token looked at; a longer one is refused unread. */
  readonly maxTokenLength: number;
  /** Items one profile may hold in each collection: bounds what one list (and a $batch of twenty) reads. */
  readonly maxItemsPerCollection: number;
  /** The same for positions alone (MAX_POSITIONS_PER_USER, older than the other collections). */
  readonly maxPositionsPerUser: number;
  /** Largest stored item, as JSON: bounds the same, per item. */
  readonly maxItemBytes: number;
}

export interface DatabaseConfig {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** AUTH_MODE=oidc: tokens from an external OpenID Connect issuer (Entra ID, Keycloak, …). */
export interface OidcConfig {
  /** The exact `iss` expected. May hold `{tenantid}` (multi-tenant Entra): then `iss` must be it with the token's `tid` in place. */
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** The issuer's JWKS; when absent, found by discovery from the issuer on first use. */
  readonly jwksUri?: string | undefined;
  /** Tenant ids (lower case) whose tokens are accepted; any tenant when absent. */
  readonly allowedTenants?: readonly string[] | undefined;
}

/** In OIDC_ISSUER, stands for the token's `tid` (Entra's own notation in its common discovery document). */
export const TENANT_PLACEHOLDER = '{tenantid}';

/**
 * An issuer or JWKS address the service may trust: https, or plain http only on this machine (a test
 * or development issuer), where nobody on the network can swap the keys.
 */
export function isTrustedIdentityUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  return (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) && !u.username && !u.password && !u.search && !u.hash;
}

export interface Config {
  /** HTTPS: PEM files (TLS_CERT, TLS_KEY), or a self-signed certificate in dataDir (TLS=1); else HTTP. */
  readonly tls: TlsSettings | undefined;
  /** PostgreSQL (DATABASE_URL); when absent, SQLite in dataDir. */
  readonly database: DatabaseConfig | undefined;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly authMode: 'local' | 'oidc';
  /** Set exactly when authMode is 'oidc'. */
  readonly oidc: OidcConfig | undefined;
  readonly allowApplicationPermissions: boolean;
  readonly logLevel: LogLevel;
  /** Base of absolute links (Location, @odata.context); when unset, taken from each request's Host. */
  readonly publicUrl: string | undefined;
  /** Token audiences accepted: Graph's resource URI and app id by default. */
  readonly audiences: readonly string[];
  readonly clockToleranceSeconds: number;
  /** SIGTERM/SIGINT: how long in-flight requests may take before every connection is closed (SPEC §6). */
  readonly shutdownTimeoutMs: number;
  /**
   * How long a database statement may wait or run before its request answers 503
   * (DATABASE_STATEMENT_TIMEOUT_MS): PostgreSQL's statement_timeout; for SQLite, how long a write
   * waits for its turn and for the file's lock.
   */
  readonly storageTimeoutMs: number;
  readonly limits: Limits;
  /** Origins allowed to call from a browser (CORS_ORIGINS, comma list, or *); undefined: CORS off. */
  readonly corsOrigins: readonly string[] | undefined;
  /** Requests per caller per window (limit 0: off). */
  readonly throttle: { readonly limit: number; readonly windowSeconds: number };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

export const defaultLimits: Limits = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxJsonDepth: 32,
  maxStringLength: 10_000,
  maxCollectionItems: 100,
  maxProblems: 100,
  maxTokenLength: 16 * 1024,
  maxItemsPerCollection: 100,
  maxPositionsPerUser: 100,
  maxItemBytes: 64 * 1024,
});

/** The highest per-collection cap an operator may set: what one list or profile read may hold. */
const MAX_ITEMS_PER_COLLECTION = 10_000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Settings the specification names that this version does not implement yet: refused, not ignored. */

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return def;
    }
    return n;
  };

  const bool = (name: string, def: boolean): boolean => {
    const raw = get(name);
    if (raw === undefined) return def;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return def;
  };


  const authMode = get('AUTH_MODE') ?? 'local';
  if (authMode !== 'local' && authMode !== 'oidc') problems.push(`AUTH_MODE=${JSON.stringify(authMode)}: expected local or oidc`);
  const oidc = authMode === 'oidc' ? oidcConfig(get, problems) : undefined;
  if (authMode !== 'oidc') {
    // Refused rather than ignored: an operator who set an issuer but not the mode would otherwise
    // believe tokens are checked against it.
    for (const name of OIDC_SETTINGS) if (get(name) !== undefined) problems.push(`${name} is set, but AUTH_MODE is not oidc: set AUTH_MODE=oidc or unset ${name}`);
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`);

  let publicUrl = get('PUBLIC_URL');
  if (publicUrl !== undefined) {
    try {
      const u = new URL(publicUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      publicUrl = u.origin + u.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(`PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an absolute http:// or https:// URL`);
      publicUrl = undefined;
    }
  }

  const host = get('HOST') ?? '127.0.0.1';
  if (!/^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/.test(host)) {
    problems.push(`HOST=${JSON.stringify(host)}: expected a host name or an IP address, such as 127.0.0.1 or 0.0.0.0`);
  }

  let database: DatabaseConfig | undefined;
  const storageTimeoutMs = int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000);
  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    database = {
      url: databaseUrl,
      poolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: storageTimeoutMs,
      connectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
    };
  }

  let tls: TlsSettings | undefined;
  const [certFile, keyFile] = [get('TLS_CERT'), get('TLS_KEY')];
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) problems.push('TLS_CERT and TLS_KEY go together: set both, or neither');
    for (const [name, file] of [['TLS_CERT', certFile], ['TLS_KEY', keyFile]] as const) {
      if (file !== undefined && !existsSync(file)) problems.push(`${name}=${JSON.stringify(file)}: no such file`);
    }
    if (certFile !== undefined && keyFile !== undefined) tls = { kind: 'files', certFile: resolve(certFile), keyFile: resolve(keyFile) };
  } else if (bool('TLS', false)) {
    tls = { kind: 'self-signed' };
  }

  let corsOrigins: string[] | undefined;
  const corsRaw = get('CORS_ORIGINS');
  if (corsRaw !== undefined) {
    corsOrigins = corsRaw.split(',').map((o) => o.trim()).filter(Boolean);
    for (const o of corsOrigins) {
      if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) problems.push(`CORS_ORIGINS: '${o}' is not an origin such as https://app.example.com (scheme, host and port; no path), or *`);
    }
  }

  const itemsPerCollection = int('MAX_ITEMS_PER_COLLECTION', defaultLimits.maxItemsPerCollection, 1, MAX_ITEMS_PER_COLLECTION);
  const config: Config = {
    tls,
    corsOrigins,
    database,
    host,
    port: int('PORT', 8080, 0, 65535),
    dataDir: resolve(get('DATA_DIR') ?? './data'),
    authMode: authMode === 'oidc' ? 'oidc' : 'local',
    oidc,
    allowApplicationPermissions: bool('ALLOW_APPLICATION_PERMISSIONS', false),
    logLevel,
    publicUrl,
    audiences: GRAPH_AUDIENCES,
    clockToleranceSeconds: int('CLOCK_TOLERANCE_SECONDS', 300, 0, 3600),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 600) * 1000,
    storageTimeoutMs,
    throttle: {
      limit: int('THROTTLE_LIMIT', 2000, 0, 10_000_000),
      windowSeconds: int('THROTTLE_WINDOW_SECONDS', 60, 1, 86_400),
    },
    limits: {
      ...defaultLimits,
      maxBodyBytes: int('MAX_BODY_BYTES', defaultLimits.maxBodyBytes, 1024, 64 * 1024 * 1024),
      maxItemsPerCollection: itemsPerCollection,
      maxPositionsPerUser: int('MAX_POSITIONS_PER_USER', itemsPerCollection, 1, MAX_ITEMS_PER_COLLECTION),
    },
    ...overrides,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

const OIDC_SETTINGS = ['OIDC_ISSUER', 'OIDC_AUDIENCE', 'OIDC_JWKS_URI', 'OIDC_ALLOWED_TENANTS'];
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const URL_RULE = 'expected an https:// URL (http:// only for localhost or 127.0.0.1), without query or fragment';

function oidcConfig(get: (name: string) => string | undefined, problems: string[]): OidcConfig {
  const list = (raw: string | undefined) => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const issuer = get('OIDC_ISSUER') ?? '';
  if (issuer === '') {
    problems.push('AUTH_MODE=oidc needs OIDC_ISSUER, the issuer of the tokens (e.g. https://login.microsoftonline.com/{tenantid}/v2.0)');
  } else {
    const concrete = issuer.replace(TENANT_PLACEHOLDER, 'common');
    if (!isTrustedIdentityUrl(concrete)) problems.push(`OIDC_ISSUER=${JSON.stringify(issuer)}: ${URL_RULE}`);
    // Only in the path, once: in the host name a token's tid would choose which server is trusted.
    else if (concrete.includes(TENANT_PLACEHOLDER) || (issuer.includes(TENANT_PLACEHOLDER) && issuer.indexOf(TENANT_PLACEHOLDER) < new URL(concrete).origin.length)) {
      problems.push(`OIDC_ISSUER=${JSON.stringify(issuer)}: ${TENANT_PLACEHOLDER} may appear once, in the path`);
    }
  }

  const audiences = list(get('OIDC_AUDIENCE'));
  if (audiences.length === 0) {
    problems.push('AUTH_MODE=oidc needs OIDC_AUDIENCE, the audience (aud) of the tokens, or a comma list of them (e.g. https://graph.microsoft.com)');
  }

  const jwksUri = get('OIDC_JWKS_URI');
  if (jwksUri !== undefined && !isTrustedIdentityUrl(jwksUri)) problems.push(`OIDC_JWKS_URI=${JSON.stringify(jwksUri)}: ${URL_RULE}`);

  const rawTenants = get('OIDC_ALLOWED_TENANTS');
  const allowedTenants = rawTenants === undefined ? undefined : list(rawTenants).map((t) => t.toLowerCase());
  if (allowedTenants !== undefined) {
    const bad = allowedTenants.filter((t) => !TENANT_ID.test(t));
    if (allowedTenants.length === 0 || bad.length > 0) {
      problems.push(`OIDC_ALLOWED_TENANTS=${JSON.stringify(rawTenants)}: expected a comma list of tenant ids (GUIDs)${bad.length ? `; not a GUID: ${bad.join(', ')}` : ''}`);
    }
  }
  return { issuer, audiences, jwksUri, allowedTenants };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
