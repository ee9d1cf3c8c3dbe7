// The local issuer's signing key kept as a file beside the SQLite database (SPEC §4). Created with
// link(2) from a fully written temporary file, so that the server and the CLI starting at once agree
// on one key and never read a half-written one.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SigningKey } from './port.ts';
import type { KeyStore } from './kysely-storage.ts';

export function fileKeyStore(path: string): KeyStore {
  const read = (): SigningKey | undefined => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as SigningKey;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  return {
    async loadOrCreate(create) {
      const existing = read();
      if (existing) return existing;
      const key = await create();
      const tmp = join(dirname(path), `.signing-key.${randomUUID()}.tmp`);
      writeFileSync(tmp, JSON.stringify(key), { mode: 0o600 });
      const fd = openSync(tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
      try {
        linkSync(tmp, path);
        const dir = openSync(dirname(path), 'r');
        fsyncSync(dir);
        closeSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        unlinkSync(tmp);
      }
      return read()!;
    },
  };
}
