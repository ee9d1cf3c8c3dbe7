// Data written before migration 0003 (sparse item bodies, no counts, items keyed by tenant, user and
// id) is kept and served as the service serves new data: the full response shape, the per-profile cap
// counting the old items, the default-order list and PATCH. Run on the backend of this test run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { defaultLimits } from '../../src/config.ts';
import { migrationProvider } from '../../src/storage/migrations/index.ts';
import { SQLITE_FILE } from '../../src/storage/sqlite.ts';
import { schemaFor, testBackend, testDatabaseUrl } from '../helpers/backend.ts';
import { TestServer, type UserToken } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'graph-profile-migration-'));
let server: TestServer;
let owner: UserToken;
const OLD_ID = '3f6f0d4e-8a7b-4c2d-9e1f-0a1b2c3d4e5f';
const OLDER_ID = '0a6f0d4e-8a7b-4c2d-9e1f-0a1b2c3d4e5f';

/** The database as the previous release left it: migrations up to 0002, items stored sparse. */
async function previousRelease(): Promise<Kysely<any>> {
  if (testBackend() === 'sqlite') return new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(join(dataDir, SQLITE_FILE)) }) });
  const schema = schemaFor(dataDir);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDatabaseUrl(), max: 1, options: `-c search_path=${schema}` }) }) });
  await db.schema.createSchema(schema).ifNotExists().execute();
  return db;
}

const TENANT = '7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a';
const USER = '5b1d6a1e-0f43-4d7a-9a57-6a1b2c3d4e5f';

before(async () => {
  const db = await previousRelease();
  try {
    const migrator = new Migrator({ db, provider: migrationProvider, ...(testBackend() === 'postgres' ? { migrationTableSchema: schemaFor(dataDir) } : {}) });
    const { error } = await migrator.migrateTo('0002_signing_keys');
    if (error) throw error;
    await db
      .insertInto('users')
      .values({ tenant_id: TENANT, id: USER, upn: 'old@contoso.com', upn_key: 'old@contoso.com', display_name: 'Old', mail: null, created_at: '2024-01-01T00:00:00.0000000Z' })
      .execute();
    const row = (id: string, created: string, body: object) => ({
      tenant_id: TENANT,
      user_id: USER,
      id,
      version: 3,
      audience: 8,
      created_at: created,
      body: JSON.stringify({ id, createdDateTime: created, lastModifiedDateTime: created, allowedAudiences: 'organization', ...body }),
    });
    await db
      .insertInto('positions')
      .values([
        row(OLD_ID, '2024-05-01T00:00:00.0000000Z', { detail: { jobTitle: 'Old' }, isCurrent: true }),
        row(OLDER_ID, '2024-04-01T00:00:00.0000000Z', { categories: ['a'] }),
      ])
      .execute();
  } finally {
    await db.destroy();
  }
  server = await TestServer.start({ dataDir, config: { limits: { ...defaultLimits, maxPositionsPerUser: 3 } } });
  owner = await server.token({ upn: 'old@contoso.com', scopes: ['User.ReadWrite'] });
});
after(async () => {
  await server.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

test('items stored before migration 0003 are served in full, counted, listed and patched', async () => {
  assert.equal(owner.user.id, USER);
  const base = '/beta/me/profile/positions';
  const got = await server.request('GET', `${base}/${OLD_ID}`, { token: owner.token });
  assert.equal(got.status, 200);
  assert.equal(got.json.detail.jobTitle, 'Old');
  assert.equal(got.json.detail.company, null, 'unset members are filled in');
  assert.equal(got.json.manager, null);
  assert.equal(got.headers.get('etag'), 'W/"3"');

  const listed = await server.request('GET', base, { token: owner.token });
  assert.deepEqual(listed.json.value.map((i: any) => i.id), [OLDER_ID, OLD_ID], 'oldest first');
  const { '@odata.context': _context, ...entity } = got.json;
  assert.deepEqual(listed.json.value[1], entity, 'the list serves the same full item');

  assert.equal((await server.request('POST', base, { token: owner.token, body: {} })).status, 201);
  const full = await server.request('POST', base, { token: owner.token, body: {} });
  assert.equal(full.status, 403, 'the old items count against the cap');

  const patched = await server.request('PATCH', `${base}/${OLD_ID}`, { token: owner.token, body: { detail: { role: 'r' } } });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.json.detail.jobTitle, patched.json.detail.role, patched.json.isCurrent], ['Old', 'r', true]);
  const again = await server.request('GET', base, { token: owner.token });
  assert.equal(again.json.value.find((i: any) => i.id === OLD_ID).detail.role, 'r');
});

test('after migration 0004 the old positions are one collection of the whole profile', async () => {
  const skill = await server.request('POST', '/beta/me/profile/skills', { token: owner.token, body: { displayName: 'Cobol' } });
  assert.equal(skill.status, 201, 'other collections work, with counts of their own');
  const profile = await server.request('GET', '/beta/me/profile', { token: owner.token });
  assert.equal(profile.status, 200);
  assert.deepEqual(profile.json.positions.map((i: any) => i.id).slice(0, 2), [OLDER_ID, OLD_ID]);
  assert.deepEqual(profile.json.skills.map((i: any) => i.id), [skill.json.id]);
  assert.equal((await server.request('GET', `/beta/me/profile/skills/${OLD_ID}`, { token: owner.token })).status, 404, 'an old position is not a skill');
  assert.equal((await server.request('DELETE', '/beta/me/profile', { token: owner.token })).status, 204);
  assert.equal((await server.request('GET', '/beta/me/profile/positions/$count', { token: owner.token })).text, '0');
  assert.equal((await server.request('POST', '/beta/me/profile/positions', { token: owner.token, body: {} })).status, 201, 'the cap starts again');
});
