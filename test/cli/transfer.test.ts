// `graph-profile export` and `import` as a user runs them: a profile made through the API on SQLite,
// exported, imported into PostgreSQL (TEST_DATABASE_URL; another SQLite directory without it), and
// served there exactly as it was; lines that fail are listed and change nothing else.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createDatabase } from '../helpers/backend.ts';
import { ServerProcess, makeDataDir, mintToken, removeDataDir, runCli } from '../helpers/processes.ts';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The profile as a client reads it, without what names the server it came from. */
async function profileOf(server: ServerProcess, token: string, userId: string) {
  const res = await server.request('GET', `/beta/users/${userId}/profile`, { token });
  assert.equal(res.status, 200, res.text);
  const { '@odata.context': context, ...profile } = res.json;
  assert.match(context, /\/profile\/\$entity$/);
  return profile;
}

test('an export imported into the other backend is served exactly as before', { timeout: 120_000 }, async () => {
  const source = makeDataDir('graph-profile-export-');
  cleanups.push(() => removeDataDir(source));
  const server = await ServerProcess.start({ dataDir: source });
  const adele = await mintToken(source, ['--upn', 'adele@contoso.com', '--name', 'Adele Vance']);
  const megan = await mintToken(source, ['--upn', 'megan@contoso.com']);
  const admin = await mintToken(source, ['--upn', 'admin@contoso.com', '--scopes', 'User.ReadWrite.All', '--admin']);
  const post = async (token: string, collection: string, body: object) => {
    const res = await server.request('POST', `/beta/me/profile/${collection}`, { token, body });
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  await post(adele, 'positions', { detail: { jobTitle: 'Engineer', company: { displayName: 'Contoso', address: { city: 'Oslo', type: 'business' } } }, isCurrent: true });
  const skill = await post(adele, 'skills', { displayName: 'Go', proficiency: 'expert', categories: ['Languages'], allowedAudiences: 'me' });
  await post(adele, 'emails', { address: 'adele@contoso.com', type: 'work' });
  await post(megan, 'languages', { displayName: 'Norwegian', tag: 'nb', spoken: 'nativeOrBilingual' });
  assert.equal((await server.request('PATCH', `/beta/me/profile/skills/${skill.id}`, { token: adele, body: { proficiency: 'advancedProfessional' } })).status, 200);
  const ids = Object.fromEntries(
    await Promise.all(['adele', 'megan'].map(async (n) => [n, (await server.request('GET', `/beta/users/${n}@contoso.com`, { token: admin })).json.id])),
  );
  const before = { adele: await profileOf(server, adele, ids.adele), megan: await profileOf(server, megan, ids.megan) };
  await server.stop();

  const exported = await runCli(['export'], { dataDir: source });
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stderr, /exported 3 users and 4 items/);
  const file = join(source, 'export.jsonl');
  writeFileSync(file, exported.stdout);

  const target = makeDataDir('graph-profile-import-');
  cleanups.push(() => removeDataDir(target));
  const env: Record<string, string> = {};
  if (process.env.TEST_DATABASE_URL) {
    const database = await createDatabase(process.env.TEST_DATABASE_URL);
    cleanups.push(() => database.drop());
    env.DATABASE_URL = database.url;
  }
  const imported = await runCli(['import', '--file', file], { dataDir: target, env });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stderr, /imported 3 users and 4 items from 7 lines; 0 lines rejected/);

  const copy = await ServerProcess.start({ dataDir: target, env });
  cleanups.push(() => copy.dispose());
  // Tokens for the same users (one UPN is one id), signed by the target's own key.
  const tokenFor = async (...args: string[]) => {
    const r = await runCli(['token', ...args], { dataDir: target, env });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const adeleToken = await tokenFor('--upn', 'adele@contoso.com');
  const meganToken = await tokenFor('--upn', 'megan@contoso.com', '--scopes', 'User.Read.All');
  assert.deepEqual(await profileOf(copy, adeleToken, ids.adele), before.adele, 'the same items, ids, versions, times and authors');
  assert.deepEqual(await profileOf(copy, meganToken, ids.megan), before.megan);
  const hidden = await copy.request('GET', `/beta/users/${ids.adele}/profile/skills/${skill.id}`, { token: meganToken });
  assert.equal(hidden.status, 404, 'allowedAudiences still hides the item from others');

  // Importing the same export again: users kept, every item rejected as there already.
  const twice = await runCli(['import', '--file', file], { dataDir: target, env });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /imported 3 users and 0 items from 7 lines; 4 lines rejected/);
});

test('lines that fail are listed with their numbers and reasons; the others are stored', { timeout: 60_000 }, async () => {
  const dataDir = makeDataDir('graph-profile-import-bad-');
  cleanups.push(() => removeDataDir(dataDir));
  const tenantId = '7c1e3a5d-2b4f-4e6a-9d8c-0f1e2d3c4b5a';
  const userId = '5b1d6a1e-0f43-4d7a-9a57-6a1b2c3d4e5f';
  const item = (collection: string, body: object) =>
    JSON.stringify({ type: 'item', tenantId, userId, collection, version: 1, item: { id: crypto.randomUUID(), createdDateTime: '2024-01-01T00:00:00.0000000Z', ...body } });
  const lines = [
    JSON.stringify({ type: 'user', tenantId, id: userId, userPrincipalName: 'nestor@contoso.com', displayName: 'Nestor', mail: null, createdDateTime: '2024-01-01T00:00:00.0000000Z' }),
    '{ not json',
    item('hobbies', { displayName: 'x' }),
    item('skills', { proficiency: 'wizard' }),
    item('emails', { address: 'n@contoso.com' }),
    item('skills', { displayName: 'SQL' }),
    JSON.stringify({ type: 'item', tenantId: 'contoso', userId, collection: 'skills', item: {} }),
  ];
  const file = join(dataDir, 'in.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await runCli(['import', '--file', file], { dataDir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /imported 1 users and 1 items from 7 lines; 5 lines rejected/);
  assert.match(r.stderr, /line 2: not a JSON object/);
  assert.match(r.stderr, /line 3: collection "hobbies" is not a collection of the profile/);
  assert.match(r.stderr, /line 4: proficiency: 'wizard' is not a valid value/);
  assert.match(r.stderr, /line 5: type: 'type' is required/);
  assert.match(r.stderr, /line 7: tenantId and the user id must be GUIDs/);
  const listed = JSON.parse((await runCli(['users', 'list'], { dataDir })).stdout);
  assert.deepEqual(listed.map((u: { id: string }) => u.id), [userId]);
});
