// `graph-profile token`: prints a token signed with the data directory's key, and nothing else on stdout.
import { DEV_TENANT_ID } from '../auth/constants.ts';
import { applicationClaims, delegatedClaims } from '../auth/dev-tokens.ts';
import { openLocalIssuer } from '../auth/local-issuer.ts';
import type { Config } from '../config.ts';
import { openStorage } from '../storage/open.ts';
import { UsageError, parseFlags, requireUpn, tenantArg } from './args.ts';
import { findOrAddUser } from './users.ts';

const DEFAULT_LIFETIME_SECONDS = 3600;

export async function tokenCommand(args: string[], config: Config): Promise<string> {
  if (config.authMode === 'oidc') {
    throw new UsageError(
      `AUTH_MODE=oidc: the service accepts tokens from the OIDC provider (${config.oidc?.issuer}) only; get one from it, not from graph-profile token`,
    );
  }
  const flags = parseFlags(args, {
    upn: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: 'string' },
    scopes: { type: 'string' },
    admin: { type: 'boolean' },
    app: { type: 'string' },
    roles: { type: 'string' },
    'expires-in': { type: 'string' },
  });
  const tenantId = tenantArg(flags.tenant, DEV_TENANT_ID);
  // The server accepts tokens up to CLOCK_TOLERANCE_SECONDS past their expiry; an "already expired"
  // token is minted that much further in the past, so that the server refuses it.
  const requested = lifetimeArg(flags['expires-in']);
  const lifetime = requested < 0 ? requested - config.clockToleranceSeconds - 1 : requested;
  const words = (s: string | undefined) => (s ?? '').split(/[\s,]+/).filter(Boolean);

  if (flags.app !== undefined && flags.upn !== undefined) throw new UsageError('give either --upn (a user) or --app (an application), not both');
  if (flags.app === undefined && (flags.roles !== undefined)) throw new UsageError('--roles goes with --app');
  if (flags.app !== undefined && (flags.scopes !== undefined || flags.admin)) {
    throw new UsageError('--scopes and --admin are for user tokens; an application token takes --roles');
  }

  const storage = await openStorage(config);
  try {
    const issuer = await openLocalIssuer(storage);
    if (flags.app !== undefined) {
      if (flags.app.trim() === '') throw new UsageError('--app needs an application id');
      const claims = applicationClaims({
        tenantId,
        appId: flags.app,
        roles: words(flags.roles),
        ...(flags.name !== undefined ? { displayName: flags.name } : {}),
      });
      return await issuer.sign(claims, lifetime);
    }
    const upn = requireUpn(flags.upn);
    const user = await findOrAddUser(storage, { tenantId, upn, displayName: flags.name });
    const scopes = flags.scopes === undefined ? undefined : words(flags.scopes);
    return await issuer.sign(delegatedClaims(user, { ...(scopes ? { scopes } : {}), admin: flags.admin ?? false }), lifetime);
  } finally {
    await storage.close();
  }
}

function lifetimeArg(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIFETIME_SECONDS;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--expires-in must be a whole number of seconds, got '${raw}'`);
  return Number(raw);
}
