// The process: read the configuration, open storage, listen; on SIGTERM/SIGINT stop accepting,
// finish what is in flight, close the database.
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { loadTls } from './http/tls.ts';
import { openStorage } from './storage/open.ts';

export async function startServer(config: Config): Promise<{ url: string; certPath?: string; close: () => Promise<void> }> {
  const tls = config.tls ? await loadTls(config.tls, config.dataDir) : undefined;
  const storage = await openStorage(config, {
    onPoolError: (e) => process.stderr.write(`graph-profile: database connection lost (${e.message}); requests get 503 until it returns\n`),
  });
  let app;
  try {
    app = await buildApp(config, { storage, ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}) });
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app?.close();
    await storage.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // In-flight requests are answered (with Connection: close) and idle connections closed; past
      // the bound, whatever a client still holds open is cut, so that the process always ends.
      const deadline = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(deadline);
      }
      // Every write that was acknowledged was committed first; storage closes after the last answer.
      await storage.close();
    })());
  return { url, ...(tls ? { certPath: tls.certPath } : {}), close };
}

export function closeOnSignals(close: () => Promise<void>, log: (msg: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal} received: closing`);
      close().then(
        () => process.exit(0),
        (e) => {
          log(`error while closing: ${String(e)}`);
          process.exit(1);
        },
      );
    });
  }
}
