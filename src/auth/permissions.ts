// The permission model of SPEC §4, as data. `authorize` reads the table; nothing else decides access.
import { GraphError } from '../errors/graph-error.ts';
import type { Caller } from './caller.ts';
import { GLOBAL_ADMINISTRATOR_ROLE, USER_ADMINISTRATOR_ROLE } from './constants.ts';

export type Access = 'read' | 'write';
/** Whether the profile being accessed is the caller's own. */
export type Relation = 'self' | 'other';

interface Requirement {
  /** One of these delegated scopes (or, for applications, application roles). */
  readonly anyPermission: readonly string[];
  /** And, when given, one of these directory roles in `wids`. */
  readonly anyDirectoryRole?: readonly string[];
}

type Rule = Requirement | 'denied';

const USER_ADMIN_ROLES = [GLOBAL_ADMINISTRATOR_ROLE, USER_ADMINISTRATOR_ROLE];

export const permissionTable: {
  readonly work: Record<Relation, Record<Access, Rule>>;
  readonly personal: Record<Relation, Record<Access, Rule>>;
  readonly application: Record<Access, Rule>;
} = {
  work: {
    self: {
      read: { anyPermission: ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'] },
      write: { anyPermission: ['User.ReadWrite', 'User.ReadWrite.All'] },
    },
    other: {
      read: { anyPermission: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All'] },
      write: { anyPermission: ['User.ReadWrite.All'], anyDirectoryRole: USER_ADMIN_ROLES },
    },
  },
  personal: {
    self: {
      read: { anyPermission: ['User.Read', 'User.ReadWrite'] },
      write: { anyPermission: ['User.ReadWrite'] },
    },
    other: { read: 'denied', write: 'denied' },
  },
  application: {
    read: { anyPermission: ['User.Read.All', 'User.ReadWrite.All'] },
    write: { anyPermission: ['User.ReadWrite.All'] },
  },
};

const ROLE_NAMES: Record<string, string> = {
  [GLOBAL_ADMINISTRATOR_ROLE]: 'Global Administrator',
  [USER_ADMINISTRATOR_ROLE]: 'User Administrator',
};

export interface AuthorizeOptions {
  readonly allowApplicationPermissions: boolean;
}

/** Throws 403 Authorization_RequestDenied, naming what would have allowed the call. */
export function authorize(caller: Caller, relation: Relation, access: Access, opts: AuthorizeOptions): void {
  const verb = access === 'read' ? 'Reading' : 'Changing';
  const whose = relation === 'self' ? 'your own profile' : "another user's profile";
  const deny = (why: string) =>
    new GraphError('authorizationRequestDenied', `Insufficient privileges to complete the operation. ${why}`);

  if (caller.kind === 'application') {
    if (!opts.allowApplicationPermissions) {
      throw deny(
        'Microsoft Graph does not support application permissions for the profile API; the operator can allow them with ALLOW_APPLICATION_PERMISSIONS=true.',
      );
    }
    const rule = permissionTable.application[access];
    if (rule === 'denied' || !hasAny(caller.roles, rule.anyPermission)) {
      throw deny(`${verb} profiles requires one of the application permissions ${list(rule)}.`);
    }
    return;
  }

  const rule = (caller.personal ? permissionTable.personal : permissionTable.work)[relation][access];
  if (rule === 'denied') throw deny(`A personal Microsoft account can access its own profile only.`);
  if (!hasAny(caller.scopes, rule.anyPermission)) {
    throw deny(`${verb} ${whose} requires one of the delegated permissions ${list(rule)}.`);
  }
  if (rule.anyDirectoryRole && !hasAny(caller.directoryRoles, rule.anyDirectoryRole)) {
    const roles = rule.anyDirectoryRole.map((r) => `${ROLE_NAMES[r] ?? r} (${r})`).join(' or ');
    throw deny(`${verb} ${whose} also requires the signed-in user to hold the ${roles} directory role.`);
  }
}

const hasAny = (held: ReadonlySet<string>, wanted: readonly string[]) => wanted.some((w) => held.has(w.toLowerCase()));
const list = (rule: Rule) => (rule === 'denied' ? '' : rule.anyPermission.join(', '));
