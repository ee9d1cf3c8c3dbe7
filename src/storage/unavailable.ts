// A database that cannot be reached is the service being unavailable (503 with Retry-After), not an
// internal error. Only connection-level failures are classified so; anything else stays a 500.
import type { Storage } from './port.ts';
import { aroundEachMethod } from './wrap.ts';

export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the database is not reachable', { cause });
    this.name = 'StorageUnavailableError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // SQLSTATE class 08 (connection exception), 57P01-03 (shutdown, crash, cannot connect now).
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Query read timeout/i.test(
    e.message,
  );
}

/** The same storage, with connection failures turned into StorageUnavailableError. */
export function withUnavailability(storage: Storage): Storage {
  return aroundEachMethod(storage, async (_name, call) => {
    try {
      return await call();
    } catch (e) {
      throw isConnectionFailure(e) ? new StorageUnavailableError(e) : e;
    }
  });
}
