// The user whose profile a request is about: `me`, or /users/{id | userPrincipalName} inside the
// caller's tenant. Permission is checked before the lookup, so that a caller who may not read other
// profiles cannot learn which users exist.
import type { Caller, DelegatedCaller } from '../auth/caller.ts';
import { type Access, type Relation, authorize } from '../auth/permissions.ts';
import { GraphError } from '../errors/graph-error.ts';
import { GUID } from '../model/validate.ts';
import type { Storage, UserRecord } from '../storage/port.ts';
import type { Clock } from './clock.ts';

export interface TargetUser {
  readonly user: UserRecord;
  readonly relation: Relation;
}

export interface ResolveOptions {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly allowApplicationPermissions: boolean;
}

/** `userRef` is the decoded `{id | userPrincipalName}` path segment, or null for `/me`. */
export async function resolveTargetUser(caller: Caller, userRef: string | null, access: Access, opts: ResolveOptions): Promise<TargetUser> {
  if (userRef === null && caller.kind !== 'delegated') throw new GraphError('meRequiresDelegatedToken');
  const relation: Relation = caller.kind === 'delegated' && (userRef === null || refersTo(caller, userRef)) ? 'self' : 'other';
  authorize(caller, relation, access, opts);
  if (relation === 'self') return { user: await ensureCallerUser(caller as DelegatedCaller, opts), relation };
  if (userRef === null) throw new Error('unreachable: /me is always the caller');

  const user = GUID.test(userRef)
    ? await opts.storage.getUserById(caller.tenantId, userRef.toLowerCase())
    : userRef.includes('@')
      ? await opts.storage.getUserByUpn(caller.tenantId, userRef)
      : undefined;
  if (!user) {
    throw new GraphError(
      'userNotFound',
      `Resource '${userRef}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return { user, relation };
}

function refersTo(caller: DelegatedCaller, ref: string): boolean {
  const r = ref.toLowerCase();
  return r === caller.userId || (caller.userPrincipalName !== null && r === caller.userPrincipalName.toLowerCase());
}

/**
 * Just-in-time users (SPEC §4): a delegated token's user exists from its first call, and follows the
 * token's name and UPN. Written only when something changed, so a steady caller costs one read.
 */
export async function ensureCallerUser(caller: DelegatedCaller, opts: Pick<ResolveOptions, 'storage' | 'clock'>): Promise<UserRecord> {
  const stored = await opts.storage.getUserById(caller.tenantId, caller.userId);
  if (
    stored &&
    stored.userPrincipalName === caller.userPrincipalName &&
    (caller.displayName === null || stored.displayName === caller.displayName)
  ) {
    return stored;
  }
  const user: UserRecord = {
    tenantId: caller.tenantId,
    id: caller.userId,
    userPrincipalName: caller.userPrincipalName,
    displayName: caller.displayName ?? stored?.displayName ?? null,
    mail: stored?.mail ?? null,
    createdDateTime: stored?.createdDateTime ?? opts.clock(),
  };
  await opts.storage.saveUser(user);
  return user;
}
