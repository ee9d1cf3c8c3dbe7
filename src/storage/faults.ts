// What the database says when it cannot do its part, as the answers SPEC §6 gives for it: a database
// that cannot be reached, is too slow, is locked or refuses writes for a while is the service being
// unavailable (503 with Retry-After); a full disk is 507 insufficientStorage. Nothing else is
// classified so: a bug stays a 500, and the log says what it was.

/** The database cannot serve this now; retrying later may succeed. */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown, message = 'the database is not available') {
    super(message, { cause });
    this.name = 'StorageUnavailableError';
  }
}

/** The database has no room for the write (its disk or quota is full). */
export class StorageFullError extends Error {
  constructor(cause: unknown) {
    super('the database has no room left for the write', { cause });
    this.name = 'StorageFullError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs of a database that is there but cannot do the work now: a statement timeout
 * (57014), a read-only transaction or standby (25006), a lock not available (55P03), serialization
 * failure and deadlock (40001, 40P01), and the insufficient-resources class 53 except a full disk.
 */
const PG_UNAVAILABLE = new Set(['57014', '25006', '55P03', '40001', '40P01', '53000', '53200', '53300', '53400']);

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

/** 'full', 'unavailable', or undefined for an error that is none of the database's doing. */
export function storageFault(e: unknown): 'full' | 'unavailable' | undefined {
  if (e instanceof StorageFullError) return 'full';
  if (e instanceof StorageUnavailableError) return 'unavailable';
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (code === '53100' || code === 'SQLITE_FULL') return 'full';
  if (typeof code === 'string') {
    if (PG_UNAVAILABLE.has(code)) return 'unavailable';
    // SQLite's extended codes carry the primary one as a prefix: SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE.
    if (/^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CANTOPEN|PROTOCOL)(_|$)/.test(code)) return 'unavailable';
  }
  return isConnectionFailure(e) ? 'unavailable' : undefined;
}

/** The error the service answers with for a storage error: classified when it is a fault, else as it was. */
export function translateStorageError(e: unknown): unknown {
  switch (storageFault(e)) {
    case 'full':
      return e instanceof StorageFullError ? e : new StorageFullError(e);
    case 'unavailable':
      return e instanceof StorageUnavailableError ? e : new StorageUnavailableError(e);
    default:
      return e;
  }
}
