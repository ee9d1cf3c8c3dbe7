// Claims of the tokens `graph-profile token` mints: Entra's claim names and shapes, so that code
// written against Entra-issued Graph tokens reads them unchanged.
import { createHash, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { UserRecord } from '../storage/port.ts';
import { DEV_CLIENT_APP_ID, DEV_CLIENT_APP_NAME, PERSONAL_ACCOUNTS_TENANT_ID, USER_ADMINISTRATOR_ROLE } from './constants.ts';

export const DEFAULT_SCOPES = ['User.Read', 'User.ReadWrite'];

export function delegatedClaims(user: UserRecord, opts: { scopes?: readonly string[]; admin?: boolean } = {}): JWTPayload {
  const personal = user.tenantId === PERSONAL_ACCOUNTS_TENANT_ID;
  return {
    aud: 'https://graph.microsoft.com',
    tid: user.tenantId,
    oid: user.id,
    sub: user.id,
    idtyp: 'user',
    acct: personal ? 1 : 0,
    name: user.displayName ?? undefined,
    // Personal accounts carry no upn claim in Entra tokens; preferred_username holds the address.
    ...(personal ? {} : { upn: user.userPrincipalName ?? undefined, unique_name: user.userPrincipalName ?? undefined }),
    preferred_username: user.userPrincipalName ?? undefined,
    scp: (opts.scopes ?? DEFAULT_SCOPES).join(' '),
    ...(opts.admin ? { wids: [USER_ADMINISTRATOR_ROLE] } : {}),
    appid: DEV_CLIENT_APP_ID,
    azp: DEV_CLIENT_APP_ID,
    app_displayname: DEV_CLIENT_APP_NAME,
    uti: randomUUID(),
    ver: '2.0',
  };
}

export function applicationClaims(opts: { tenantId: string; appId: string; roles: readonly string[]; displayName?: string }): JWTPayload {
  const servicePrincipalId = stableUuid(`${opts.tenantId}/${opts.appId}`);
  return {
    aud: 'https://graph.microsoft.com',
    tid: opts.tenantId,
    oid: servicePrincipalId,
    sub: servicePrincipalId,
    idtyp: 'app',
    roles: [...opts.roles],
    appid: opts.appId,
    azp: opts.appId,
    app_displayname: opts.displayName ?? opts.appId,
    uti: randomUUID(),
    ver: '2.0',
  };
}

/** A UUID derived from a name, so that one application has one service principal id per tenant. */
function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
