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
  /** Callers recently found stored as their tokens say; without it, every request reads the user. */
  readonly knownCallers?: KnownCallers;
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
export async function ensureCallerUser(
  caller: DelegatedCaller,
  opts: Pick<ResolveOptions, 'storage' | 'clock' | 'knownCallers'>,
): Promise<UserRecord> {
  const known = opts.knownCallers?.get(caller);
  if (known) return known;
  const stored = await opts.storage.getUserById(caller.tenantId, caller.userId);
  if (
    stored &&
    stored.userPrincipalName === caller.userPrincipalName &&
    (caller.displayName === null || stored.displayName === caller.displayName)
  ) {
    opts.knownCallers?.remember(caller, stored);
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
  opts.knownCallers?.remember(caller, user);
  return user;
}

/**
 * Users recently read or written as a caller's token describes them, so that a steady caller's
 * requests read nothing to find themselves. Kept a short while only (KNOWN_FOR_MS): another instance,
 * or the CLI, may change a stored user meanwhile, and the next read after that puts it right.
 */
export interface KnownCallers {
  get(caller: DelegatedCaller): UserRecord | undefined;
  remember(caller: DelegatedCaller, user: UserRecord): void;
}

const KNOWN_FOR_MS = 30_000;
const MAX_KNOWN = 10_000;

export function knownCallers(now: () => number = Date.now): KnownCallers {
  const entries = new Map<string, { user: UserRecord; upn: string | null; name: string | null; until: number }>();
  const keyOf = (c: DelegatedCaller) => `${c.tenantId}/${c.userId}`;
  return {
    get(caller) {
      const entry = entries.get(keyOf(caller));
      if (!entry || entry.until <= now() || entry.upn !== caller.userPrincipalName || entry.name !== caller.displayName) return undefined;
      return entry.user;
    },
    remember(caller, user) {
      const key = keyOf(caller);
      entries.delete(key);
      entries.set(key, { user, upn: caller.userPrincipalName, name: caller.displayName, until: now() + KNOWN_FOR_MS });
      if (entries.size > MAX_KNOWN) entries.delete(entries.keys().next().value!);
    },
  };
}
