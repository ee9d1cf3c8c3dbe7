import { parseArgs } from 'node:util';
import { GUID } from '../model/validate.ts';

export class UsageError extends Error {}

type Spec = Record<string, { type: 'string' | 'boolean' }>;

export function parseFlags<S extends Spec>(args: string[], spec: S) {
  try {
    return parseArgs({ args: joinNegativeValues(args, spec), options: spec, strict: true, allowPositionals: false }).values as {
      [K in keyof S]?: S[K]['type'] extends 'string' ? string : boolean;
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * parseArgs takes `--expires-in -60` for two options; a negative number after a string option is its
 * value, so it is joined as `--expires-in=-60`.
 */
function joinNegativeValues(args: string[], spec: Spec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith('--') && spec[arg.slice(2)]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

export function tenantArg(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (!GUID.test(value)) throw new UsageError(`--tenant must be a tenant id (a GUID), got '${value}'`);
  return value.toLowerCase();
}

export function requireUpn(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--upn is required');
  if (!/^[^@\s]+@[^@\s]+$/.test(value)) throw new UsageError(`--upn must look like name@domain, got '${value}'`);
  return value;
}
