// `graph-profile users add | list | remove`: users ahead of time, as JSON; and `reset`, which empties
// the data.
import { randomUUID } from 'node:crypto';
import { DEV_TENANT_ID } from '../auth/constants.ts';
import type { Config } from '../config.ts';
import { graphClock } from '../profile/clock.ts';
import type { Storage, UserRecord } from '../storage/port.ts';
import { openStorage } from '../storage/open.ts';
import { UsageError, parseFlags, requireUpn, tenantArg } from './args.ts';

export async function usersCommand(args: string[], config: Config): Promise<string> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const flags = parseFlags(rest, { upn: { type: 'string' }, name: { type: 'string' }, tenant: { type: 'string' } });
      const upn = requireUpn(flags.upn);
      if (flags.name === undefined) throw new UsageError('--name is required');
      const tenantId = tenantArg(flags.tenant, DEV_TENANT_ID);
      return withStorage(config, async (storage) => JSON.stringify(userJson(await findOrAddUser(storage, { tenantId, upn, displayName: flags.name })), null, 2));
    }
    case 'list': {
      const flags = parseFlags(rest, { tenant: { type: 'string' } });
      const tenantId = flags.tenant === undefined ? undefined : tenantArg(flags.tenant, DEV_TENANT_ID);
      return withStorage(config, async (storage) => {
        const users = (await storage.listUsers()).filter((u) => tenantId === undefined || u.tenantId === tenantId);
        return JSON.stringify(users.map(userJson), null, 2);
      });
    }
    case 'remove': {
      const flags = parseFlags(rest, { upn: { type: 'string' }, id: { type: 'string' }, tenant: { type: 'string' } });
      if ((flags.upn === undefined) === (flags.id === undefined)) throw new UsageError('give the user by --upn or by --id (one of them)');
      const tenantId = tenantArg(flags.tenant, DEV_TENANT_ID);
      return withStorage(config, async (storage) => {
        const user = flags.upn !== undefined ? await storage.getUserByUpn(tenantId, flags.upn) : await storage.getUserById(tenantId, flags.id!.toLowerCase());
        if (!user || !(await storage.removeUser(tenantId, user.id))) throw new NotFound(`no user ${flags.upn ?? flags.id} in tenant ${tenantId}`);
        return JSON.stringify(userJson(user), null, 2);
      });
    }
    default:
      throw new UsageError(`unknown users command '${sub ?? ''}' (expected: users add, users list, users remove)`);
  }
}

/** `graph-profile reset --yes`: removes every user and every item; the signing key (and so tokens) stay. */
export async function resetCommand(args: string[], config: Config): Promise<string> {
  const flags = parseFlags(args, { yes: { type: 'boolean' } });
  const where = config.database ? 'the PostgreSQL database of DATABASE_URL' : config.dataDir;
  if (!flags.yes) throw new UsageError(`reset removes every user and every profile item in ${where}; add --yes to do it`);
  return withStorage(config, async (storage) => {
    const users = (await storage.listUsers()).length;
    await storage.removeAll();
    return `removed ${users} users and all their profile items from ${where}`;
  });
}

/** A user or item the command names does not exist: exit 1, not a usage error. */
export class NotFound extends Error {}

async function withStorage<T>(config: Config, run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config);
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/** The stored user with this UPN in the tenant, created if absent; a given display name replaces the stored one. */
export async function findOrAddUser(
  storage: Storage,
  want: { tenantId: string; upn: string; displayName?: string | undefined },
): Promise<UserRecord> {
  const user =
    (await storage.getUserByUpn(want.tenantId, want.upn)) ??
    (await storage.addUserIfAbsent({
      tenantId: want.tenantId,
      id: randomUUID(),
      userPrincipalName: want.upn,
      displayName: want.displayName ?? want.upn.split('@')[0]!,
      mail: want.upn,
      createdDateTime: graphClock()(),
    }));
  if (want.displayName === undefined || user.displayName === want.displayName) return user;
  const renamed = { ...user, displayName: want.displayName };
  await storage.saveUser(renamed);
  return renamed;
}

export const userJson = (u: UserRecord) => ({
  id: u.id,
  displayName: u.displayName,
  userPrincipalName: u.userPrincipalName,
  mail: u.mail,
  tenantId: u.tenantId,
});
