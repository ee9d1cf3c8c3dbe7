// The real command line, run as child processes: `graph-profile token | users add` to completion, and
// `graph-profile serve` as a long-running server that a test can stop gracefully or kill -9.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Reply, type RequestOptions, httpRequest } from './http.ts';

export type { Reply, RequestOptions };

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/graph-profile.js', import.meta.url));

/** Guards against a hung child, not a performance expectation: generous, as CI machines are shared and at times slow. */
const HANG_GUARD_MS = 90_000;

/**
 * Settings a developer's shell (or CI) may have exported that would change what the child does; the
 * children get only what the test gives them. NODE_TEST_CONTEXT is the test runner's own marker.
 */
const SCRUBBED_ENV = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'AUTH_MODE',
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URI',
  'OIDC_ALLOWED_TENANTS',
  'ALLOW_APPLICATION_PERMISSIONS',
  'TLS',
  'TLS_CERT',
  'TLS_KEY',
  'THROTTLE_LIMIT',
  'THROTTLE_WINDOW_SECONDS',
  'LOG_LEVEL',
  'PUBLIC_URL',
  'CLOCK_TOLERANCE_SECONDS',
  'MAX_BODY_BYTES',
  'NODE_TEST_CONTEXT',
];

export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED_ENV) delete env[name];
  return { ...env, ...extra };
}

export function makeDataDir(prefix = 'graph-profile-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  dataDir: string;
  env?: Record<string, string>;
  /** The program and its leading arguments; default `node bin/graph-profile.js`. */
  command?: readonly [string, ...string[]];
}

/** Runs one CLI command to completion and collects its output. */
export function runCli(args: readonly string[], opts: CliOptions): Promise<CliResult> {
  const [program, ...lead] = opts.command ?? [process.execPath, BIN];
  const child = spawn(program, [...lead, ...args], {
    cwd: PROJECT_ROOT,
    env: childEnv({ DATA_DIR: opts.dataDir, LOG_LEVEL: 'silent', ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`graph-profile ${args.join(' ')} did not finish; stderr so far:\n${stderr}`));
    }, HANG_GUARD_MS);
    child.on('error', (e) => {
      clearTimeout(guard);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `graph-profile token ARGS`, which must succeed; returns the token. */
export async function mintToken(dataDir: string, args: readonly string[], env?: Record<string, string>): Promise<string> {
  const r = await runCli(['token', ...args], { dataDir, ...(env ? { env } : {}) });
  if (r.code !== 0) throw new Error(`graph-profile token ${args.join(' ')} exited with ${r.code}:\n${r.stderr}`);
  return r.stdout.trim();
}


export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const SERVING = /graph-profile: serving (https?:\/\/\S+)\/beta \(data in (.*)\)\r?\n/;

/** `graph-profile serve` in a child process, on PORT=0 unless told otherwise. */
export class ServerProcess {
  private exit: Exit | undefined;

  private constructor(
    readonly child: ChildProcess,
    /** Scheme, host and port, without `/beta`. */
    readonly url: string,
    /** The data directory the server says it uses. */
    readonly reportedDataDir: string,
    readonly exited: Promise<Exit>,
    private readonly output: { stderr: string; stdout: string },
  ) {
    void exited.then((e) => (this.exit = e));
  }

  static start(opts: { dataDir: string; env?: Record<string, string>; args?: string[] }): Promise<ServerProcess> {
    const child = spawn(process.execPath, [BIN, 'serve', ...(opts.args ?? [])], {
      cwd: PROJECT_ROOT,
      env: childEnv({ DATA_DIR: opts.dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...opts.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stderr: '', stdout: '' };
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // Keep both pipes drained for the life of the child, so that it never blocks on a full pipe.
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (output.stdout += s));
    child.stderr!.setEncoding('utf8');

    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(new Error(`graph-profile serve ${why}; stderr:\n${output.stderr}`));
      };
      const guard = setTimeout(() => fail('did not report that it is listening'), HANG_GUARD_MS);
      child.on('error', (e) => fail(`could not be started: ${e.message}`));
      void exited.then((e) => fail(`exited before listening (code ${e.code}, signal ${e.signal})`));
      child.stderr!.on('data', (s: string) => {
        output.stderr += s;
        const m = SERVING.exec(output.stderr);
        if (m && !settled) {
          settled = true;
          clearTimeout(guard);
          resolve(new ServerProcess(child, m[1]!, m[2]!, exited, output));
        }
      });
    });
  }

  get stderr(): string {
    return this.output.stderr;
  }

  /** The server's log (pino writes JSON lines to stdout). */
  get stdout(): string {
    return this.output.stdout;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal to this process (by its pid) if it is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends the signal and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    this.signal(signal);
    return this.exited;
  }

  /** Ends the process however it is (kill -9) and waits for it; safe to call more than once. */
  async dispose(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    return httpRequest(this.url, method, path, opts);
  }

  /** A token for this UPN from the server itself (local mode, POST /local/sign-in): quicker than a `token` command each. */
  async signIn(upn: string): Promise<string> {
    const r = await this.request('POST', '/local/sign-in', { body: { upn } });
    if (r.status !== 200) throw new Error(`sign-in of ${upn}: ${r.status} ${r.text}`);
    return r.json.token as string;
  }
}
