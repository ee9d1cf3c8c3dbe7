// Identity constants shared by the token minting CLI and the server.

/** The tenant that `graph-profile token` and `users add` use when none is given: one fixed development tenant. */
export const DEV_TENANT_ID = '7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a';

/** Entra's tenant of personal Microsoft accounts (SPEC §3 default audiences, §4 permissions). */
export const PERSONAL_ACCOUNTS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Directory role template ids that may write other users' profiles (SPEC §4). */
export const GLOBAL_ADMINISTRATOR_ROLE = '62e90394-69f5-4237-9190-012177145e10';
export const USER_ADMINISTRATOR_ROLE = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

/** The client application named in delegated tokens minted by the CLI. */
export const DEV_CLIENT_APP_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
export const DEV_CLIENT_APP_NAME = 'graph-profile CLI';

/**
 * Issuer of locally minted tokens, per tenant like Entra's v2 issuers. It names no host on purpose:
 * a token belongs to the data directory whose key signed it, not to the port the server listens on.
 */
export const LOCAL_ISSUER_BASE = 'https://graph-profile.local';
export const localIssuer = (tenantId: string) => `${LOCAL_ISSUER_BASE}/${tenantId}/v2.0`;
