// graph-profile serve | token | users add/list/remove | reset | export | import, each with --help, and
// --version. Thin: parses arguments and
// calls the same code the server uses.
import { ConfigError, loadConfig } from '../config.ts';
import { closeOnSignals, startServer } from '../server.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError, parseFlags } from './args.ts';
import { tokenCommand } from './token.ts';
import { exportCommand, importCommand } from './transfer.ts';
import { NotFound, resetCommand, usersCommand } from './users.ts';

const SETTINGS = 'Every command reads DATA_DIR (default ./data) and DATABASE_URL; the README lists the other settings.';

/** Each command's help, printed by `graph-profile COMMAND --help`. */
const HELP: Record<string, string> = {
  serve: `usage: graph-profile serve [--port N] [--host H] [--data-dir DIR | --in-memory] [--tls]

Serves the Graph beta profile API until SIGTERM or SIGINT.

  --port N          port to listen on (PORT; default 8080; 0 for any free port)
  --host H          address to listen on (HOST; default 127.0.0.1)
  --data-dir DIR    SQLite database, signing key and certificate (DATA_DIR; default ./data)
  --in-memory       keep everything in a fresh directory in memory (/dev/shm), removed when the
                    server stops: for test runs (nothing survives the process)
  --tls             serve HTTPS with a self-signed certificate generated into the data directory (TLS=1)
  --help            this text

A flag wins over its environment variable. ${SETTINGS}`,
  token: `usage: graph-profile token --upn UPN [--name NAME] [--tenant TENANT_ID] [--scopes "User.Read User.ReadWrite"] [--admin] [--expires-in SECONDS]
       graph-profile token --app APP_ID --roles "User.Read.All" [--name NAME] [--tenant TENANT_ID] [--expires-in SECONDS]

Prints a token signed with this data directory's key (local mode), and nothing else on stdout.

  --upn UPN           the signed-in user, created in the tenant if absent; one UPN is always one user id
  --name NAME         display name (the name claim); updates the stored user
  --tenant TENANT_ID  tenant id (a GUID); default: the development tenant 7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a
  --scopes "A B"      delegated permissions (scp); default: User.Read User.ReadWrite
  --admin             adds the User Administrator role to wids (writes to other users' profiles)
  --app APP_ID        an application token instead (idtyp=app), with --roles
  --roles "A B"       application permissions (roles), with --app
  --expires-in S      lifetime in seconds (default 3600); negative for an already expired token
  --help              this text

${SETTINGS}`,
  users: `usage: graph-profile users add --upn UPN --name NAME [--tenant TENANT_ID]
       graph-profile users list [--tenant TENANT_ID]
       graph-profile users remove (--upn UPN | --id ID) [--tenant TENANT_ID]

add: adds a user ahead of time (or renames one) and prints it as JSON. list: prints the users (of
every tenant, or of one) as a JSON array. remove: removes a user and their whole profile, and prints
the user; exit code 1 when there is no such user.

  --upn UPN           the user's principal name; one UPN is always one user id in a tenant
  --id ID             the user's id (remove)
  --name NAME         display name (add)
  --tenant TENANT_ID  tenant id (a GUID); default: the development tenant (list: every tenant)
  --help              this text

${SETTINGS}`,
  export: `usage: graph-profile export > profile.jsonl

Writes every user, then every profile item, as JSON lines on standard output: {"type":"user",...} and
{"type":"item","collection":"skills","version":1,"item":{...}}. A summary goes to standard error.

  --help   this text

${SETTINGS}`,
  import: `usage: graph-profile import [--file FILE] < profile.jsonl

Reads the lines of an export (from FILE, or standard input) into this data directory or database:
each item is checked against its collection's type as the service checks a request, and keeps its
id, times, authors and version. Lines that fail are listed, and the exit code is then 1. Users that
exist already are kept; an item whose id exists already is rejected. Caps are not applied.

  --file FILE   read from FILE instead of standard input
  --help        this text

${SETTINGS}`,
  reset: `usage: graph-profile reset --yes

Removes every user and every profile item from the data directory (or the PostgreSQL database). The
signing key stays, so tokens minted before still verify (their users come back on first use).

  --yes    confirms it; without it nothing is removed (exit code 2)
  --help   this text

${SETTINGS}`,
};

const USAGE = `usage: graph-profile COMMAND [FLAGS]

commands:
  serve    serve the Graph beta profile API (the default)
  token    print a token for a user or an application
  users    add, list and remove users
  reset    remove every user and profile item
  export   write users and profiles as JSON lines
  import   read them back (into SQLite or PostgreSQL)

graph-profile COMMAND --help describes a command and each of its flags; graph-profile --version
prints the version. ${SETTINGS}`;

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && HELP[command] && wantsHelp(rest)) {
      process.stdout.write(`${HELP[command]}\n`);
      return 0;
    }
    switch (command) {
      case 'serve':
      case undefined: {
        const { env: serveWith, inMemory } = serveEnv(rest, env);
        return await serve(serveWith, inMemory);
      }
      case 'token':
        process.stdout.write(`${await tokenCommand(rest, loadConfig(env))}\n`);
        return 0;
      case 'users':
        process.stdout.write(`${await usersCommand(rest, loadConfig(env))}\n`);
        return 0;
      case 'reset':
        process.stdout.write(`${await resetCommand(rest, loadConfig(env))}\n`);
        return 0;
      case 'export':
        process.stderr.write(`graph-profile: ${await exportCommand(rest, loadConfig(env), writeLine)}\n`);
        return 0;
      case 'import': {
        const { summary, rejected } = await importCommand(rest, loadConfig(env), progressLine());
        process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}graph-profile: ${summary}\n`);
        return rejected > 0 ? 1 : 0;
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${rest[0] && HELP[rest[0]] ? HELP[rest[0]] : USAGE}\n`);
        return 0;
      case '--version':
      case '-v':
        process.stdout.write(`${packageVersion()}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      const help = command !== undefined && HELP[command] ? HELP[command] : USAGE;
      process.stderr.write(`graph-profile: ${e.message}\n\n${help}\n`);
      return 2;
    }
    if (e instanceof NotFound) {
      process.stderr.write(`graph-profile: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`graph-profile: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** One line on standard output, waiting when the pipe is full (an export may be large). */
function writeLine(line: string): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(`${line}\n`) ? resolve() : process.stdout.once('drain', resolve)));
}

/** On a terminal, the count of lines read so far, rewritten in place; elsewhere nothing. */
function progressLine(): (done: number) => void {
  if (!process.stderr.isTTY) return () => {};
  return (done) => process.stderr.write(`\r\x1b[Kgraph-profile: import: ${done.toLocaleString('en-US')} lines read`);
}

/** A database URL as it may be shown: without its password. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return '(a DATABASE_URL that is not a URL)';
  }
}

/** serve's flags, as the environment variables they stand for (a flag wins over its variable). */
function serveEnv(args: string[], env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; inMemory: boolean } {
  const flags = parseFlags(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'in-memory': { type: 'boolean' },
    tls: { type: 'boolean' },
  });
  const inMemory = flags['in-memory'] ?? false;
  if (inMemory && flags['data-dir'] !== undefined) throw new UsageError('give --data-dir or --in-memory, not both');
  if (inMemory && env.DATABASE_URL) throw new UsageError('--in-memory keeps the data in SQLite; unset DATABASE_URL');
  // In RAM where the system has a memory file system; the SQLite file, key and certificate go there.
  const memoryDir = inMemory ? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'graph-profile-')) : undefined;
  const dataDir = memoryDir ?? flags['data-dir'];
  return {
    env: {
      ...env,
      ...(flags.port !== undefined ? { PORT: flags.port } : {}),
      ...(flags.host !== undefined ? { HOST: flags.host } : {}),
      ...(dataDir !== undefined ? { DATA_DIR: dataDir } : {}),
      ...(flags.tls ? { TLS: '1' } : {}),
    },
    inMemory,
  };
}

/** The version in package.json, found from this module whether it runs from src/ or from the bundle in dist/. */
function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'graph-profile' && pkg.version) return pkg.version;
    } catch {
      // not here; one directory up
    }
  }
  return 'unknown';
}

async function serve(env: NodeJS.ProcessEnv, inMemory = false): Promise<number> {
  const config = loadConfig(env);
  const forget = () => inMemory && rmSync(config.dataDir, { recursive: true, force: true });
  const log = (msg: string) => process.stderr.write(`graph-profile: ${msg}\n`);
  let server;
  try {
    server = await startServer(config);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      log(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${(e as Error).message}`);
      forget();
      return 1;
    }
    forget();
    throw e;
  }
  if (server.certPath) log(`TLS certificate: ${server.certPath} (trust it in your client, or set TLS_CERT/TLS_KEY)`);
  const data = config.database ? `PostgreSQL ${withoutPassword(config.database.url)}` : config.dataDir + (inMemory ? ', in memory until the server stops' : '');
  log(`profile page: ${server.url}/   API reference: ${server.url}/docs   metrics: ${server.url}/metrics`);
  if (config.authMode === 'local') {
    // The exact command for this server: a token minted against other data is refused.
    const quoted = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
    const where = config.database || config.dataDir === resolve('./data') ? '' : `DATA_DIR=${quoted(config.dataDir)} `;
    const sameDatabase = config.database ? ' (with the same DATABASE_URL set)' : '';
    log(`get a token with: ${where}npx graph-profile token --upn adele@contoso.com${sameDatabase}`);
  } else {
    log(`tokens are checked against ${config.oidc?.issuer ?? 'the OIDC issuer'}`);
  }
  // Last: whoever waits for this line then has every other line of the banner too.
  log(`serving ${server.url}/beta (data in ${data})`);
  const close = server.close;
  closeOnSignals(async () => {
    await close();
    forget();
  }, log);
  return 0;
}
