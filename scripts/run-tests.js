#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (Node 20's --test takes no globs), or the
// files/folders given as arguments: `npm test -- test/api`. When TEST_DATABASE_URL names a
// PostgreSQL database, the storage contract and the API suites run a second time against it.
// `--soak` (npm run soak): the reliability suite at its bigger size (RELIABILITY_SCALE=soak), one
// file at a time so that the soak's figures are its own.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The suites that speak only through the storage port and HTTP: they run on every backend. */
const CONTRACT_SUITES = ['test/contract', 'test/api', 'test/conformance', 'test/property'];

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => (name === 'node_modules' || name === 'fixtures' ? [] : collect(join(path, name))));
}

const soak = process.argv.includes('--soak');

function run(files, env) {
  if (files.length === 0) return 0;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${soak ? 1 : 2}`, ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...(soak ? { RELIABILITY_SCALE: 'soak' } : {}), ...env },
  });
  return result.status ?? 1;
}

const roots = process.argv.slice(2).filter((a) => a !== '--soak');
const files = (roots.length > 0 ? roots : ['test']).flatMap(collect);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

console.log('# backend: sqlite');
let status = run(files, { TEST_BACKEND: 'sqlite' });

const contract = files.filter((f) => CONTRACT_SUITES.some((dir) => f.startsWith(`${dir}/`)));
if (!process.env.TEST_DATABASE_URL) {
  console.log('# backend: postgres SKIPPED: TEST_DATABASE_URL is not set (see README, "Testing against PostgreSQL")');
} else if (contract.length > 0) {
  console.log('# backend: postgres');
  status = run(contract, { TEST_BACKEND: 'postgres' }) || status;
}
process.exit(status);
