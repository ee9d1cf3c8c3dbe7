// Before any server starts: real users and real tokens, minted in-process with the service's own code
// (the same as `graph-profile token`), and optionally a large seeded database (bench/seed.ts).
import { DEV_TENANT_ID } from '../src/auth/constants.ts';
import { delegatedClaims } from '../src/auth/dev-tokens.ts';
import { openLocalIssuer } from '../src/auth/local-issuer.ts';
import { findOrAddUser } from '../src/cli/users.ts';
import type { Config } from '../src/config.ts';
import { openStorage } from '../src/storage/open.ts';
import type { Caller } from './prep.ts';

const TOKEN_LIFETIME_SECONDS = 6 * 3600;

export interface CallerGroup {
  /** bench{i}@contoso.com when empty, else bench{i}.{name}@contoso.com */
  readonly name: string;
  readonly count: number;
}

/** Creates (or finds) the users of each group and signs a delegated, non-admin token for each. */
export async function mintCallers(config: Config, groups: readonly CallerGroup[]): Promise<Map<string, Caller[]>> {
  const storage = await openStorage(config);
  try {
    const issuer = await openLocalIssuer(storage);
    const out = new Map<string, Caller[]>();
    for (const group of groups) {
      const callers: Caller[] = [];
      for (let i = 0; i < group.count; i++) {
        const upn = group.name ? `bench${i}.${group.name}@contoso.com` : `bench${i}@contoso.com`;
        const displayName = group.name ? `Bench ${i} ${group.name}` : `Bench ${i}`;
        const user = await findOrAddUser(storage, { tenantId: DEV_TENANT_ID, upn, displayName });
        const token = await issuer.sign(delegatedClaims(user, { admin: false }), TOKEN_LIFETIME_SECONDS);
        callers.push({ upn, userId: user.id, token });
      }
      out.set(group.name, callers);
    }
    return out;
  } finally {
    await storage.close();
  }
}

/** What bench/seed.ts (written separately) exports. */
interface SeedModule {
  seedDatabase(config: Config, opts: { items: number; users: number; onProgress?: (done: number) => void }): Promise<unknown>;
}

/** Loads `items` positions over items/10 users straight into storage; returns the seconds it took. */
export async function seed(config: Config, items: number, log: (line: string) => void): Promise<number> {
  // Imported only when asked for, and by a computed specifier: the module is maintained on its own.
  const specifier = new URL('./seed.ts', import.meta.url).href;
  let seedDatabase: SeedModule['seedDatabase'];
  try {
    ({ seedDatabase } = (await import(specifier)) as SeedModule);
  } catch (e) {
    throw new Error(`--seed needs bench/seed.ts (exporting seedDatabase): ${(e as Error).message}`);
  }
  const t0 = performance.now();
  let lastPrint = t0;
  await seedDatabase(config, {
    items,
    users: Math.ceil(items / 10),
    onProgress: (done: number) => {
      const now = performance.now();
      if (now - lastPrint < 2000) return;
      lastPrint = now;
      log(`  seeding: ${done.toLocaleString('en-US')} / ${items.toLocaleString('en-US')} items (${((now - t0) / 1000).toFixed(0)} s)`);
    },
  });
  return (performance.now() - t0) / 1000;
}
