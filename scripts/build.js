#!/usr/bin/env node
// Bundles src/ into dist/graph-profile.mjs (run by `npm ci` and `npm install`, as `prepare`), so that
// the service starts without transpiling TypeScript at run time: about half the start-up time and a
// third less memory than running the sources through tsx. Packages stay in node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/graph-profile.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
