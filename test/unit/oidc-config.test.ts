// AUTH_MODE=oidc settings (SPEC §6): parsed, and every bad value refused at start-up with a message
// naming the variable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const ENTRA = {
  AUTH_MODE: 'oidc',
  OIDC_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0',
  OIDC_AUDIENCE: ' api://graph-profile , https://graph.microsoft.com ',
  OIDC_ALLOWED_TENANTS: '3F5A1C2E-8D4B-4A6F-9E1D-2C3B4A5D6E7F, a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
};

/** The problems loadConfig reports for this environment. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ DATA_DIR: '/tmp/unused', ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test('local is the default, without OIDC settings', () => {
  const config = loadConfig({ DATA_DIR: '/tmp/unused' });
  assert.equal(config.authMode, 'local');
  assert.equal(config.oidc, undefined);
});

test('multi-tenant Entra: audiences and tenants are comma lists, tenants compared in lower case', () => {
  const config = loadConfig({ DATA_DIR: '/tmp/unused', ...ENTRA });
  assert.equal(config.authMode, 'oidc');
  assert.deepEqual(config.oidc, {
    issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
    audiences: ['api://graph-profile', 'https://graph.microsoft.com'],
    jwksUri: undefined,
    allowedTenants: ['3f5a1c2e-8d4b-4a6f-9e1d-2c3b4a5d6e7f', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'],
  });
});

test('a Keycloak realm with an explicit JWKS URI; plain http only on this machine', () => {
  const config = loadConfig({
    DATA_DIR: '/tmp/unused',
    AUTH_MODE: 'oidc',
    OIDC_ISSUER: 'http://127.0.0.1:8081/realms/R',
    OIDC_AUDIENCE: 'graph-profile',
    OIDC_JWKS_URI: 'http://localhost:8081/realms/R/protocol/openid-connect/certs',
  });
  assert.equal(config.oidc?.jwksUri, 'http://localhost:8081/realms/R/protocol/openid-connect/certs');
  assert.equal(config.oidc?.allowedTenants, undefined);
});

test('bad OIDC settings are each refused with the variable named', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ AUTH_MODE: 'oidc' }, /needs OIDC_ISSUER/],
    [{ AUTH_MODE: 'oidc', OIDC_ISSUER: 'https://kc.example.com/realms/R' }, /needs OIDC_AUDIENCE/],
    [{ ...ENTRA, OIDC_AUDIENCE: ' , ' }, /needs OIDC_AUDIENCE/],
    [{ ...ENTRA, OIDC_ISSUER: 'http://kc.example.com/realms/R' }, /OIDC_ISSUER=.*https:\/\//],
    [{ ...ENTRA, OIDC_ISSUER: 'login.microsoftonline.com/x/v2.0' }, /OIDC_ISSUER=/],
    [{ ...ENTRA, OIDC_ISSUER: 'https://kc.example.com/realms/R?x=1' }, /OIDC_ISSUER=/],
    [{ ...ENTRA, OIDC_ISSUER: 'https://{tenantid}.example.com/v2.0' }, /\{tenantid\} may appear once, in the path/],
    [{ ...ENTRA, OIDC_ISSUER: 'https://login.example.com/{tenantid}/{tenantid}' }, /\{tenantid\} may appear once/],
    [{ ...ENTRA, OIDC_JWKS_URI: 'ftp://login.example.com/keys' }, /OIDC_JWKS_URI=/],
    [{ ...ENTRA, OIDC_ALLOWED_TENANTS: 'contoso.com, 3f5a1c2e-8d4b-4a6f-9e1d-2c3b4a5d6e7f' }, /OIDC_ALLOWED_TENANTS=.*not a GUID: contoso\.com/],
    [{ ...ENTRA, OIDC_ALLOWED_TENANTS: ',' }, /OIDC_ALLOWED_TENANTS=/],
    [{ AUTH_MODE: 'saml' }, /AUTH_MODE="saml": expected local or oidc/],
    // Refused, not ignored: the operator would believe tokens are checked against this issuer.
    [{ OIDC_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0' }, /OIDC_ISSUER is set, but AUTH_MODE is not oidc/],
    [{ AUTH_MODE: 'local', OIDC_AUDIENCE: 'x' }, /OIDC_AUDIENCE is set, but AUTH_MODE is not oidc/],
  ];
  for (const [env, expected] of cases) {
    const found = problems(env);
    assert.ok(found.some((p) => expected.test(p)), `${JSON.stringify(env)}: ${JSON.stringify(found)}`);
  }
});
