// The two servers under test, as child processes of the driver, and what is sampled of them while a
// run lasts: peak resident memory (/proc/PID/status VmRSS every 100 ms) and CPU time (/proc/PID/stat).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = dirname(BENCH_DIR);

export interface Server {
  readonly name: 'ceiling' | 'graph-profile';
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to ready. */
  readonly startupMs: number;
  /** The last lines the process wrote to stderr (for error messages). */
  stderrTail(): string;
  /** The warnings and errors of its request log (graph-profile only): why a run saw failures. */
  logProblems?(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL): for process exit and signals. */
export function killChildrenNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function track(child: ChildProcess): { tail: () => string; exited: Promise<void> } {
  children.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => children.delete(child));
  return { tail: () => tail, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function failOnEarlyExit(child: ChildProcess, name: string, tail: () => string): Promise<never> {
  return new Promise((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})\n${tail()}`)),
    ),
  );
}

async function waitFor<T>(what: string, timeoutMs: number, ...racers: Promise<T>[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([...racers, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `url` until it answers (any status, or 200 when `want200`). */
async function pollUntilUp(url: string, want200: boolean, stopped: () => boolean): Promise<void> {
  for (;;) {
    if (stopped()) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (!want200 || res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startCeiling(): Promise<Server> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(BENCH_DIR, 'ceiling.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { tail, exited } = track(child);
  const port = new Promise<number>((resolve) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  let ready = false;
  try {
    const p = await waitFor('ceiling', 15_000, port, failOnEarlyExit(child, 'ceiling', tail));
    const url = `http://127.0.0.1:${p}`;
    await waitFor('ceiling', 15_000, pollUntilUp(`${url}/beta/me/profile/positions/ready`, false, () => ready), failOnEarlyExit(child, 'ceiling', tail));
    ready = true;
    return { name: 'ceiling', url, pid: child.pid!, startupMs: performance.now() - t0, stderrTail: tail, stop: () => stopChild(child, exited) };
  } catch (e) {
    ready = true;
    await stopChild(child, exited);
    throw e;
  }
}

/** The node arguments of package.json's `start` script (`node [flags] bin/graph-profile.js serve`). */
function startScriptArgs(): string[] {
  const start = (JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = start.trim().split(/\s+/);
  if (command !== 'node' || !args.includes('bin/graph-profile.js')) throw new Error(`unexpected start script: ${start}`);
  return args.map((a) => (a === 'bin/graph-profile.js' ? join(REPO_DIR, a) : a));
}

/**
 * graph-profile exactly as `npm start` runs it (its node flags, bin/graph-profile.js serve), on a
 * port of its choosing; ready once /healthz answers 200 and it has printed its "serving" line.
 */
export async function startGraphProfile(env: Record<string, string>): Promise<Server> {
  const t0 = performance.now();
  // stdout carries the request log (LOG_LEVEL info): written to a file, as in production, so that
  // the driver spends nothing on it; read only when a run fails.
  const logFile = join(tmpdir(), `graph-profile-bench-${process.pid}.log`);
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, startScriptArgs(), {
    cwd: REPO_DIR,
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  const { tail, exited } = track(child);
  const serving = new Promise<string>((resolve) => {
    let err = '';
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      const m = /serving (https?:\/\/\S+?)\/beta/.exec(err);
      if (m) resolve(m[1]!);
    });
  });
  let ready = false;
  try {
    const url = await waitFor('graph-profile', 60_000, serving, failOnEarlyExit(child, 'graph-profile', tail));
    await waitFor('graph-profile', 60_000, pollUntilUp(`${url}/healthz`, true, () => ready), failOnEarlyExit(child, 'graph-profile', tail));
    ready = true;
    const logProblems = () => problemsIn(logFile);
    return { name: 'graph-profile', url, pid: child.pid!, startupMs: performance.now() - t0, stderrTail: tail, logProblems, stop: () => stopChild(child, exited) };
  } catch (e) {
    ready = true;
    await stopChild(child, exited);
    throw e;
  }
}

/** The last warnings and errors (pino level 40 and up) of a JSON-lines log, with where it is. */
function problemsIn(logFile: string, max = 10): string {
  const lines = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => /"level":([4-9]\d)/.test(l));
  const shown = lines.slice(-max).map((l) => `  ${l.slice(0, 1500)}`);
  return `${lines.length} warning or error line(s) in ${logFile}${shown.length ? `; the last ones:\n${shown.join('\n')}` : ''}`;
}

/**
 * What bin/graph-profile.js will run, by the rule it states: the esbuild bundle (dist/graph-profile.mjs)
 * when it is at least as new as every file under src/, else the sources through tsx. For the report only.
 */
export function graphProfileVariant(): string {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  try {
    const bundle = statSync(join(REPO_DIR, 'dist', 'graph-profile.mjs')).mtimeMs;
    return bundle >= newest(join(REPO_DIR, 'src')) ? 'bundle (dist/graph-profile.mjs)' : 'sources through tsx (dist/ bundle older than src/)';
  } catch {
    return 'sources through tsx (no dist/ bundle)';
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / ticksPerSecond();
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export interface Sample {
  peakRssMb: number;
  cpuMicros: number;
}

/** Samples a process from now until the returned function is called. */
export function sampleProcess(pid: number): () => Sample {
  const cpu0 = cpuMicros(pid);
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssKb(pid));
    } catch {
      // the process went away; the run will report it
    }
  }, 100);
  return () => {
    clearInterval(timer);
    try {
      peak = Math.max(peak, rssKb(pid));
    } catch {
      // gone
    }
    return { peakRssMb: peak / 1024, cpuMicros: cpuMicros(pid) - cpu0 };
  };
}
