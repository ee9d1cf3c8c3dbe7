// Start-up on a PostgreSQL database that other schemas share: Kysely's Migrator scans every schema,
// and fails when one of them is dropped meanwhile. That failure is tried again; one about our own
// schema, or any other error, is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateRacingOtherSchemas } from '../../src/storage/postgres.ts';

const failing = (messages: string[]) => {
  let calls = 0;
  return {
    migrate: async () => {
      const message = messages[calls++];
      if (message) throw new Error(message);
    },
    calls: () => calls,
  };
};

test('a migration that failed on another schema being dropped is tried again', async () => {
  const m = failing(['database migration  failed: schema "gp_test_other" does not exist']);
  await migrateRacingOtherSchemas(m.migrate, 'gp_test_mine');
  assert.equal(m.calls(), 2);
});

test('our own schema missing, another error, or a third failure: the error is kept', async () => {
  await assert.rejects(migrateRacingOtherSchemas(failing(['schema "gp_test_mine" does not exist']).migrate, 'gp_test_mine'), /gp_test_mine/);
  await assert.rejects(migrateRacingOtherSchemas(failing(['permission denied']).migrate, 'gp_test_mine'), /permission denied/);
  const always = failing(Array(5).fill('schema "x" does not exist'));
  await assert.rejects(migrateRacingOtherSchemas(always.migrate, undefined), /"x"/);
  assert.equal(always.calls(), 3);
});
