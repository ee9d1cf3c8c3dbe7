#!/usr/bin/env node
// Bundles src/ into dist/graph-profile.mjs (and the SQLite writer thread's dist/sqlite-writer.mjs) (run by `npm ci` and `npm install`, as `prepare`), so that
// the service starts without transpiling TypeScript at run time: about half the start-up time and a
// third less memory than running the sources through tsx. Packages stay in node_modules.
import { build } from 'esbuild';

await build({
  // The SQLite writer runs in a thread of its own, from a file of its own (storage/sqlite-writer-client.ts).
  entryPoints: { 'graph-profile': 'src/cli/main.ts', 'sqlite-writer': 'src/storage/sqlite-writer.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
