import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StorageFullError, StorageUnavailableError, isConnectionFailure, storageFault, translateStorageError } from '../../src/storage/faults.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('connection failures are recognised as such; errors of the data or the code are not', () => {
  const connection = [
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('ETIMEDOUT'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('08006'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
  ];
  const other = [withCode('23505', 'duplicate key value violates unique constraint'), new TypeError('cannot read properties of undefined'), 'not an error'];
  for (const e of connection) assert.equal(isConnectionFailure(e), true, String(e));
  for (const e of other) assert.equal(isConnectionFailure(e), false, String(e));
});

test('storage faults: a full disk is "full" (507); a database slow, locked, read-only or gone is "unavailable" (503); anything else is neither (500)', () => {
  const table: Array<[unknown, 'full' | 'unavailable' | undefined]> = [
    [withCode('SQLITE_FULL', 'database or disk is full'), 'full'],
    [withCode('53100', 'could not extend file: No space left on device'), 'full'],
    [withCode('SQLITE_BUSY', 'database is locked'), 'unavailable'],
    [withCode('SQLITE_BUSY_SNAPSHOT'), 'unavailable'],
    [withCode('SQLITE_LOCKED'), 'unavailable'],
    [withCode('SQLITE_READONLY_DBMOVED'), 'unavailable'],
    [withCode('SQLITE_IOERR_WRITE', 'disk I/O error'), 'unavailable'],
    [withCode('57014', 'canceling statement due to statement timeout'), 'unavailable'],
    [withCode('25006', 'cannot execute INSERT in a read-only transaction'), 'unavailable'],
    [withCode('40P01', 'deadlock detected'), 'unavailable'],
    [withCode('53300', 'too many connections for role'), 'unavailable'],
    [withCode('ECONNREFUSED'), 'unavailable'],
    [new Error('timeout exceeded when trying to connect'), 'unavailable'],
    [new StorageUnavailableError(undefined), 'unavailable'],
    [withCode('SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed'), undefined],
    [withCode('SQLITE_CORRUPT', 'database disk image is malformed'), undefined],
    [withCode('23505', 'duplicate key value violates unique constraint'), undefined],
    [withCode('42P01', 'relation "positions" does not exist'), undefined],
    [new TypeError('cannot read properties of undefined'), undefined],
    ['not an error', undefined],
  ];
  for (const [e, want] of table) assert.equal(storageFault(e), want, String((e as { code?: string }).code ?? e));
});

test('translateStorageError wraps faults once, keeping the cause, and passes anything else through', () => {
  const full = withCode('SQLITE_FULL');
  const t = translateStorageError(full);
  assert.ok(t instanceof StorageFullError);
  assert.equal((t as Error).cause, full);
  assert.equal(translateStorageError(t), t);
  const busy = translateStorageError(withCode('SQLITE_BUSY'));
  assert.ok(busy instanceof StorageUnavailableError);
  assert.equal(translateStorageError(busy), busy);
  const bug = new TypeError('x');
  assert.equal(translateStorageError(bug), bug);
});
