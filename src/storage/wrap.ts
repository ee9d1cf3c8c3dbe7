// One storage port made from another, each method called through the same wrapper (timings for
// /metrics): what the service asks of storage is unchanged.
import type { Storage } from './port.ts';

export function aroundEachMethod(storage: Storage, around: (name: string, call: () => Promise<unknown>) => Promise<unknown>): Storage {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(storage)) {
    wrapped[name] =
      typeof fn === 'function' ? (...args: unknown[]) => around(name, () => (fn as (...a: unknown[]) => Promise<unknown>).apply(storage, args)) : fn;
  }
  return wrapped as unknown as Storage;
}
