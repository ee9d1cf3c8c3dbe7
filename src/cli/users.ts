// `graph-profile users add`: creates (or renames) a user ahead of time and prints it as JSON.
import { randomUUID } from 'node:crypto';
import { DEV_TENANT_ID } from '../auth/constants.ts';
import type { Config } from '../config.ts';
import { graphClock } from '../profile/clock.ts';
import type { Storage, UserRecord } from '../storage/port.ts';
import { openStorage } from '../storage/open.ts';
import { UsageError, parseFlags, requireUpn, tenantArg } from './args.ts';

export async function usersCommand(args: string[], config: Config): Promise<string> {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new UsageError(`unknown users command '${sub ?? ''}' (expected: users add)`);
  const flags = parseFlags(rest, { upn: { type: 'string' }, name: { type: 'string' }, tenant: { type: 'string' } });
  const upn = requireUpn(flags.upn);
  if (flags.name === undefined) throw new UsageError('--name is required');
  const tenantId = tenantArg(flags.tenant, DEV_TENANT_ID);
  const storage = await openStorage(config);
  try {
    const user = await findOrAddUser(storage, { tenantId, upn, displayName: flags.name });
    return JSON.stringify(userJson(user), null, 2);
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
