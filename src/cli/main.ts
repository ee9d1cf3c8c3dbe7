// graph-profile serve | token | users add. Thin: parses arguments and calls the same code the server uses.
import { ConfigError, loadConfig } from '../config.ts';
import { closeOnSignals, startServer } from '../server.ts';
import { UsageError } from './args.ts';
import { tokenCommand } from './token.ts';
import { usersCommand } from './users.ts';

const USAGE = `usage:
  graph-profile serve [--tls]
  graph-profile token --upn UPN [--name NAME] [--tenant TENANT_ID] [--scopes "User.Read User.ReadWrite"] [--admin] [--expires-in SECONDS]
  graph-profile token --app APP_ID --roles "User.Read.All" [--name NAME] [--tenant TENANT_ID] [--expires-in SECONDS]
  graph-profile users add --upn UPN --name NAME [--tenant TENANT_ID]

Every command reads DATA_DIR (default ./data); see the README for the other settings.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
      case undefined:
        if (rest.some((a) => a !== '--tls')) throw new UsageError(`serve takes only --tls, not '${rest.join(' ')}'`);
        return await serve(rest.includes('--tls') ? { ...env, TLS: '1' } : env);
      case 'token':
        process.stdout.write(`${await tokenCommand(rest, loadConfig(env))}\n`);
        return 0;
      case 'users':
        process.stdout.write(`${await usersCommand(rest, loadConfig(env))}\n`);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`graph-profile: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`graph-profile: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function serve(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const log = (msg: string) => process.stderr.write(`graph-profile: ${msg}\n`);
  let server;
  try {
    server = await startServer(config);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      log(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
  // The certificate first: whoever waits for the "serving" line then has both.
  if (server.certPath) log(`TLS certificate: ${server.certPath} (trust it in your client, or set TLS_CERT/TLS_KEY)`);
  log(`serving ${server.url}/beta (data in ${config.dataDir})`);
  if (config.authMode === 'local') log(`get a token with: npx graph-profile token --upn adele@contoso.com`);
  else log(`tokens are checked against ${config.oidc?.issuer ?? 'the OIDC issuer'}`);
  closeOnSignals(server.close, log);
  return 0;
}
