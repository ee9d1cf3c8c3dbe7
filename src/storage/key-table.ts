// The local issuer's signing key kept in the database (PostgreSQL), shared by every instance. The
// first instance to insert wins; the others read its key.
import type { Kysely } from 'kysely';
import type { KeyStore } from './kysely-storage.ts';
import type { SigningKey } from './port.ts';
import type { Database } from './schema.ts';

const KEY_ID = 'local-issuer';

export function tableKeyStore(db: Kysely<Database>): KeyStore {
  const read = async (): Promise<SigningKey | undefined> => {
    const row = await db.selectFrom('signing_keys').select('jwk').where('id', '=', KEY_ID).executeTakeFirst();
    return row && (JSON.parse(row.jwk) as SigningKey);
  };
  return {
    async loadOrCreate(create) {
      const existing = await read();
      if (existing) return existing;
      const key = await create();
      await db
        .insertInto('signing_keys')
        .values({ id: KEY_ID, jwk: JSON.stringify(key), created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return (await read())!;
    },
  };
}
