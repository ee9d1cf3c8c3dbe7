// HTTPS material: PEM files named by TLS_CERT/TLS_KEY, or a self-signed certificate for localhost
// and 127.0.0.1 generated once into DATA_DIR (TLS=1, `npm start -- --tls`). The v3 Graph JS SDK sends
// its token only to https:// hosts, so a local emulator needs this.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export type TlsSettings = { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string } | { readonly kind: 'self-signed' };

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** Where the certificate is, for a client to trust it. */
  readonly certPath: string;
}

const CERT_FILE = 'tls-cert.pem';
const KEY_FILE = 'tls-key.pem';
const VALID_DAYS = 825;

export async function loadTls(settings: TlsSettings, dataDir: string): Promise<TlsMaterial> {
  if (settings.kind === 'files') {
    return { cert: readFileSync(settings.certFile, 'utf8'), key: readFileSync(settings.keyFile, 'utf8'), certPath: settings.certFile };
  }
  const certPath = join(dataDir, CERT_FILE);
  const keyPath = join(dataDir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    // Reused while it has at least a day left; regenerated otherwise.
    if (new Date(new X509Certificate(cert).validTo).getTime() > Date.now() + 86_400_000) {
      return { cert, key: readFileSync(keyPath, 'utf8'), certPath };
    }
  }
  // Loaded only here: the certificate library is large, and most starts never need it.
  const { generate } = await import('selfsigned');
  const notBefore = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  } as Parameters<typeof import('selfsigned').generate>[1]);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, certPath };
}
