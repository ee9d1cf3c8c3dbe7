import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isConnectionFailure } from '../../src/storage/unavailable.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('connection failures are "unavailable" (503); everything else stays an internal error (500)', () => {
  const unavailable = [
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('ETIMEDOUT'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('08006'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
  ];
  const internal = [
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('42P01', 'relation "positions" does not exist'),
    withCode('57014', 'canceling statement due to statement timeout'),
    new TypeError('cannot read properties of undefined'),
    'not an error',
  ];
  for (const e of unavailable) assert.equal(isConnectionFailure(e), true, String(e));
  for (const e of internal) assert.equal(isConnectionFailure(e), false, String(e));
});
