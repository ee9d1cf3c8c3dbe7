// The README's SDK quick starts, as a user runs them: docs/quickstarts/*.mjs, the very code the
// README shows, run with node against a real `graph-profile serve` (HTTPS with its generated
// certificate for the v3 SDK, plain HTTP for Kiota), with a token from the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT, ServerProcess, childEnv, makeDataDir, mintToken, removeDataDir } from '../helpers/processes.ts';

const dataDir = makeDataDir('graph-profile-quickstart-');
after(() => removeDataDir(dataDir));

function runQuickstart(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'docs/quickstarts', file)], { cwd: PROJECT_ROOT, env: childEnv({ DATA_DIR: dataDir, ...env }) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

for (const [file, tls, expected] of [
  ['graph-client-v3.mjs', true, '[["TypeScript","advancedProfessional"]]'],
  ['kiota.mjs', false, '[["Norwegian","nativeOrBilingual"]]'],
] as const) {
  test(`the README's ${file} quick start runs as shown`, { timeout: 60_000 }, async (t) => {
    const code = readFileSync(join(PROJECT_ROOT, 'docs/quickstarts', file), 'utf8');
    assert.ok(readme.includes(`\`\`\`js\n${code}\`\`\``), `README.md shows docs/quickstarts/${file} verbatim`);
    const server = await ServerProcess.start({ dataDir, args: tls ? ['--tls'] : [] });
    t.after(() => server.dispose());
    const token = await mintToken(dataDir, ['--upn', `${file}@contoso.com`]);
    // The v3 SDK sends its token only to names listed in customHosts, over HTTPS: localhost, as the certificate says.
    const url = tls ? server.url.replace('127.0.0.1', 'localhost') : server.url;
    const env: Record<string, string> = { TOKEN: token, GRAPH_PROFILE_URL: url, ...(tls ? { NODE_EXTRA_CA_CERTS: join(dataDir, 'tls-cert.pem') } : {}) };
    const run = await runQuickstart(file, env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), expected);
  });
}
