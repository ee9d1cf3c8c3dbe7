// Who is calling, as read from a verified token's Entra claims.
import type { JWTPayload } from 'jose';
import { GraphError } from '../errors/graph-error.ts';
import { GUID } from '../model/validate.ts';
import { PERSONAL_ACCOUNTS_TENANT_ID } from './constants.ts';

export interface DelegatedCaller {
  readonly kind: 'delegated';
  readonly tenantId: string;
  readonly userId: string;
  readonly userPrincipalName: string | null;
  readonly displayName: string | null;
  /** A personal Microsoft account (tenant 9188040d-…): its own profile only. */
  readonly personal: boolean;
  /** Delegated scopes (`scp`), lower-cased: Entra's scope names are case-insensitive. */
  readonly scopes: ReadonlySet<string>;
  /** Directory role template ids (`wids`), lower-cased. */
  readonly directoryRoles: ReadonlySet<string>;
}

export interface ApplicationCaller {
  readonly kind: 'application';
  readonly tenantId: string;
  readonly appId: string;
  readonly displayName: string | null;
  /** The service principal's object id (`oid`). */
  readonly servicePrincipalId: string;
  /** Application permissions (`roles`), lower-cased. */
  readonly roles: ReadonlySet<string>;
}

export type Caller = DelegatedCaller | ApplicationCaller;

const invalid = (why: string) => new GraphError('invalidAuthenticationToken', `Access token validation failure: ${why}`);

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const lowerSet = (values: unknown): Set<string> => {
  if (typeof values === 'string') return new Set(values.split(' ').filter(Boolean).map((s) => s.toLowerCase()));
  if (Array.isArray(values)) return new Set(values.filter((v): v is string => typeof v === 'string').map((s) => s.toLowerCase()));
  return new Set();
};

export function callerFromClaims(claims: JWTPayload): Caller {
  const tenantId = str(claims.tid);
  const oid = str(claims.oid);
  if (!tenantId || !GUID.test(tenantId)) throw invalid("the 'tid' claim is missing or not a GUID.");
  if (!oid || !GUID.test(oid)) throw invalid("the 'oid' claim is missing or not a GUID.");
  // Entra marks app-only tokens with idtyp=app; where the optional claim is absent, a token without
  // delegated scopes is an application's.
  const isApp = claims.idtyp === 'app' || (claims.idtyp === undefined && claims.scp === undefined);
  if (isApp) {
    const appId = str(claims.appid) ?? str(claims.azp);
    if (!appId) throw invalid("an application token needs an 'appid' or 'azp' claim.");
    return {
      kind: 'application',
      tenantId: tenantId.toLowerCase(),
      appId,
      displayName: str(claims.app_displayname),
      servicePrincipalId: oid.toLowerCase(),
      roles: lowerSet(claims.roles),
    };
  }
  return {
    kind: 'delegated',
    tenantId: tenantId.toLowerCase(),
    userId: oid.toLowerCase(),
    userPrincipalName: str(claims.upn) ?? str(claims.preferred_username) ?? str(claims.unique_name),
    displayName: str(claims.name),
    personal: tenantId.toLowerCase() === PERSONAL_ACCOUNTS_TENANT_ID,
    scopes: lowerSet(claims.scp),
    directoryRoles: lowerSet(claims.wids),
  };
}
