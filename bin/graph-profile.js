#!/usr/bin/env node
// The command line. Runs the bundle that `npm ci` builds (scripts/build.js) when it is at least as
// new as every source file, and otherwise the TypeScript sources through tsx, so that an edited
// source is never shadowed by an old bundle and `npm start` never needs a separate build step.
import { readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// V8's allocation-site pretenuring decides early, by chance, to allocate some short-lived objects in
// the old generation; identical server processes then differ by 30-60% in throughput and 2-3x in
// p99 (docs/performance.md). Set before any of the service's code is loaded.
setFlagsFromString('--no-allocation-site-pretenuring');

const root = new URL('../', import.meta.url);
const bundle = new URL('dist/graph-profile.mjs', root);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsCurrent() {
  try {
    return statSync(bundle).mtimeMs >= newestSource(new URL('src', root).pathname);
  } catch {
    return false;
  }
}

let main;
if (bundleIsCurrent()) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2), process.env);
