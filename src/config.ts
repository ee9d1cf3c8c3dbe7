// Every setting, read once from the environment, validated (all problems reported at once) and frozen.
// Nothing else in the service reads process.env.
import { resolve } from 'node:path';

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
  /** Positions one profile may hold: bounds what one list (and a $batch of twenty) reads. */
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

export interface Config {
  /** PostgreSQL (DATABASE_URL); when absent, SQLite in dataDir. */
  readonly database: DatabaseConfig | undefined;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly authMode: 'local';
  readonly allowApplicationPermissions: boolean;
  readonly logLevel: LogLevel;
  /** Base of absolute links (Location, @odata.context); when unset, taken from each request's Host. */
  readonly publicUrl: string | undefined;
  /** Token audiences accepted: Graph's resource URI and app id by default. */
  readonly audiences: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly limits: Limits;
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
  maxPositionsPerUser: 100,
  maxItemBytes: 64 * 1024,
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Settings the specification names that this version does not implement yet: refused, not ignored. */
const NOT_YET_SUPPORTED: Record<string, string> = {
  TLS: 'HTTPS is not available in this version; put a TLS-terminating proxy in front',
  TLS_CERT: 'HTTPS is not available in this version; put a TLS-terminating proxy in front',
  TLS_KEY: 'HTTPS is not available in this version; put a TLS-terminating proxy in front',
  OIDC_ISSUER: 'AUTH_MODE=oidc is not available in this version',
  OIDC_AUDIENCE: 'AUTH_MODE=oidc is not available in this version',
  OIDC_JWKS_URI: 'AUTH_MODE=oidc is not available in this version',
  OIDC_ALLOWED_TENANTS: 'AUTH_MODE=oidc is not available in this version',
};

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

  for (const [name, why] of Object.entries(NOT_YET_SUPPORTED)) {
    if (get(name) !== undefined) problems.push(`${name} is set: ${why}`);
  }

  const authMode = get('AUTH_MODE') ?? 'local';
  if (authMode !== 'local') {
    problems.push(
      authMode === 'oidc'
        ? 'AUTH_MODE=oidc is not available in this version; use AUTH_MODE=local'
        : `AUTH_MODE=${JSON.stringify(authMode)}: expected local or oidc`,
    );
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
  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    database = {
      url: databaseUrl,
      poolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000),
      connectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
    };
  }

  const config: Config = {
    database,
    host,
    port: int('PORT', 8080, 0, 65535),
    dataDir: resolve(get('DATA_DIR') ?? './data'),
    authMode: 'local',
    allowApplicationPermissions: bool('ALLOW_APPLICATION_PERMISSIONS', false),
    logLevel,
    publicUrl,
    audiences: GRAPH_AUDIENCES,
    clockToleranceSeconds: int('CLOCK_TOLERANCE_SECONDS', 300, 0, 3600),
    throttle: {
      limit: int('THROTTLE_LIMIT', 2000, 0, 10_000_000),
      windowSeconds: int('THROTTLE_WINDOW_SECONDS', 60, 1, 86_400),
    },
    limits: {
      ...defaultLimits,
      maxBodyBytes: int('MAX_BODY_BYTES', defaultLimits.maxBodyBytes, 1024, 64 * 1024 * 1024),
      maxPositionsPerUser: int('MAX_POSITIONS_PER_USER', defaultLimits.maxPositionsPerUser, 1, 10_000),
    },
    ...overrides,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
