// The profile page at / in a real Chromium (playwright-core with Debian's chromium), against a real
// server: sign in by UPN, add a position and a skill and see them, a validation error shown beside
// its field, edit, delete, an add done with the keyboard alone, and another user's view limited by
// allowedAudiences. Screenshots go to test-results/ (and the README's to docs/).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { TestServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && `${CHROMIUM} is not installed: browser tests skipped`;
const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

let server: TestServer;
let browser: any;

before(async () => {
  if (skip) return;
  server = await TestServer.start();
  const specifier = 'playwright-core';
  const { chromium } = (await import(specifier)) as any;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(RESULTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

async function signIn(upn: string) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const external: string[] = [];
  page.on('request', (r: any) => {
    if (!r.url().startsWith(server.url)) external.push(r.url());
  });
  page.on('dialog', (d: any) => d.accept());
  await page.goto(`${server.url}/`);
  await page.getByLabel('User principal name').fill(upn);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My profile' }).waitFor();
  return { page, external };
}

const section = (page: any, collection: string) => page.locator(`section.facet[data-collection="${collection}"]`);

test('sign in, add a position and a skill, a validation error beside its field, edit, delete', { skip, timeout: 90_000 }, async () => {
  const { page, external } = await signIn('adele@contoso.com');
  assert.match(await page.locator('#who').textContent(), /adele@contoso\.com/);

  const positions = section(page, 'positions');
  await positions.locator('summary').click();
  await positions.getByLabel('Job title', { exact: true }).fill('Senior Engineer');
  await positions.getByLabel('Start month year (YYYY-MM-DD)').fill('2021-02-30');
  await positions.getByRole('button', { name: 'Add' }).click();
  // The API's message, beside the field it concerns, which takes the focus.
  const startError = positions.locator('[id$="-detail.startMonthYear-error"]');
  await startError.filter({ hasText: 'Edm.Date' }).waitFor();
  assert.equal(await positions.getByLabel('Start month year (YYYY-MM-DD)').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).name), 'detail.startMonthYear');
  await positions.getByLabel('Start month year (YYYY-MM-DD)').fill('2021-02-01');
  await positions.getByRole('button', { name: 'Add' }).click();
  await positions.locator('li .title', { hasText: 'Senior Engineer' }).waitFor();

  const skills = section(page, 'skills');
  await skills.locator('summary').click();
  await skills.getByLabel('Display name', { exact: true }).fill('Kusto Query Language');
  await skills.getByLabel('Proficiency', { exact: true }).selectOption('advancedProfessional');
  await skills.getByRole('button', { name: 'Add' }).click();
  await skills.locator('li .facts', { hasText: 'advancedProfessional' }).waitFor();
  await page.screenshot({ path: `${RESULTS}profile-page.png`, fullPage: true });

  // Edit: the form comes prefilled; the change is saved and shown.
  await skills.getByRole('button', { name: 'Edit Kusto Query Language' }).click();
  await skills.locator('li form').getByLabel('Proficiency', { exact: true }).selectOption('expert');
  await skills.locator('li form').getByRole('button', { name: 'Save' }).click();
  await skills.locator('li .facts', { hasText: 'expert' }).waitFor();

  // Delete.
  await skills.getByRole('button', { name: 'Delete Kusto Query Language' }).click();
  await page.locator('#status', { hasText: 'Deleted' }).waitFor();
  assert.equal(await skills.locator('li').count(), 0);
  const stored = await (await fetch(`${server.url}/beta/users/adele@contoso.com/profile?$select=positions,skills`, {
    headers: { authorization: `Bearer ${(await server.token({ upn: 'adele@contoso.com' })).token}` },
  })).json();
  assert.deepEqual([stored.positions.map((p: any) => p.detail.jobTitle), stored.skills], [['Senior Engineer'], []]);
  assert.deepEqual(external, [], 'nothing is loaded from elsewhere');
  await page.close();
});

test('an add done with the keyboard alone; another user sees only what allowedAudiences shares', { skip, timeout: 90_000 }, async () => {
  const { page } = await signIn('megan@contoso.com');
  const languages = section(page, 'languages');
  await languages.locator('summary').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab'); // Allowed audiences
  await page.keyboard.press('Tab'); // Display name
  await page.keyboard.type('Norwegian');
  await languages.getByLabel('Display name', { exact: true }).press('Enter');
  await languages.locator('li .title', { hasText: 'Norwegian' }).waitFor();

  const websites = section(page, 'websites');
  await websites.locator('summary').click();
  await websites.getByLabel('Display name', { exact: true }).fill('Private notes');
  await websites.getByLabel('Allowed audiences').selectOption('me');
  await websites.getByRole('button', { name: 'Add' }).click();
  await websites.locator('li .title', { hasText: 'Private notes' }).waitFor();
  await page.close();

  const other = await signIn('adele@contoso.com');
  await other.page.getByLabel('Show the profile of').fill('megan@contoso.com');
  await other.page.getByRole('button', { name: 'Show' }).click();
  await other.page.getByRole('heading', { name: 'Profile of megan@contoso.com' }).waitFor();
  await section(other.page, 'languages').locator('li .title', { hasText: 'Norwegian' }).waitFor();
  assert.equal(await section(other.page, 'websites').locator('li').count(), 0, 'an item for `me` is not shown to others');
  await other.page.close();
});

test('the sign-in endpoint answers only this machine, and only in local mode', { skip }, async () => {
  const local = await fetch(`${server.url}/local/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn: 'x@contoso.com' }) });
  assert.equal(local.status, 200);
  // fetch cannot set Host; node:http can.
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}/local/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', host: 'profile.example.com' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ upn: 'x@contoso.com' }));
  });
  assert.equal(status, 403, 'a request for another host name is refused');
});
