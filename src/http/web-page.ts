// GET /: the profile web page (web/index.html, app.js, app.css: plain files, no library, nothing
// loaded from elsewhere), and, in local mode, the sign-in it uses: POST /local/sign-in mints a token
// for a UPN, as `graph-profile token` does. That endpoint answers only requests from this machine
// (loopback address and Host), so a server exposed on a network does not hand out tokens.
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEV_TENANT_ID } from '../auth/constants.ts';
import { delegatedClaims } from '../auth/dev-tokens.ts';
import type { LocalIssuer } from '../auth/local-issuer.ts';
import { findOrAddUser } from '../cli/users.ts';
import type { Config } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import type { Storage } from '../storage/port.ts';
import { sendGraphError } from './error-responses.ts';
import { isLoopbackHost } from './headers.ts';
import { bodyHeaders, parseJsonBody } from './json-body.ts';
import { registerMethodNotAllowed } from './routes.ts';

/** The page may run only its own script and style, and talk only to this service. */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const FILES = { '/': ['index.html', 'text/html;charset=utf-8'], '/app.js': ['app.js', 'text/javascript;charset=utf-8'], '/app.css': ['app.css', 'text/css;charset=utf-8'] } as const;

/** The web/ folder, from src/http/ or from the bundle in dist/. */
function webDir(): URL {
  for (const candidate of ['../../web/', '../web/']) {
    const dir = new URL(candidate, import.meta.url);
    if (existsSync(new URL('index.html', dir))) return dir;
  }
  throw new Error('the web page (web/index.html) is missing from the installation');
}

export function registerWebPage(app: FastifyInstance, config: Config, deps: { storage: Storage; issuer?: LocalIssuer | undefined }): void {
  const dir = webDir();
  for (const [path, [file, type]] of Object.entries(FILES)) {
    const content = readFileSync(new URL(file, dir), 'utf8').replace('__AUTH_MODE__', config.authMode);
    app.get(path, async (_req, reply) => reply.type(type).header('Content-Security-Policy', PAGE_CSP).header('Cache-Control', 'no-cache').send(content));
    registerMethodNotAllowed(app, path, ['GET']);
  }

  app.post('/local/sign-in', async (req, reply) => {
    if (!deps.issuer) throw new GraphError('resourceNotFound', 'Sign-in by UPN exists in local mode only (AUTH_MODE=local); bring a token from your OIDC provider.');
    if (!fromThisMachine(req)) {
      return sendGraphError(req, reply, new GraphError('authorizationRequestDenied', 'Sign-in by UPN is answered only to requests from this machine (a loopback address); use npx graph-profile token.'));
    }
    const body = parseJsonBody(bodyHeaders(req), req.body as Buffer | undefined, config.limits) as { upn?: unknown };
    const upn = typeof body?.upn === 'string' ? body.upn.trim() : '';
    if (!/^[^@\s]+@[^@\s]+$/.test(upn) || upn.length > 113) throw new GraphError('badRequest', "'upn' must be a user principal name such as adele@contoso.com.");
    const user = await findOrAddUser(deps.storage, { tenantId: DEV_TENANT_ID, upn });
    const token = await deps.issuer.sign(delegatedClaims(user, { scopes: ['User.ReadWrite', 'User.ReadBasic.All'] }), 3600);
    return { token, user: { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName } };
  });
  registerMethodNotAllowed(app, '/local/sign-in', ['POST']);
}

function fromThisMachine(req: FastifyRequest): boolean {
  const address = req.socket.remoteAddress ?? '';
  const loopbackAddress = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  return loopbackAddress && isLoopbackHost(req.hostname);
}
