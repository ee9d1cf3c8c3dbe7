// GET /beta/me and /beta/users/{id | userPrincipalName}: the minimal user that SDK quick-starts ask
// for first ("who am I"), under the same permission rules as reading the profile.
import type { TokenVerifier } from '../auth/authenticate.ts';
import { GraphError } from '../errors/graph-error.ts';
import { clip } from '../model/quote.ts';
import type { Storage, UserRecord } from '../storage/port.ts';
import type { Clock } from './clock.ts';
import type { OperationResult, PositionRequest } from './operations.ts';
import { resolveTargetUser } from './users.ts';

const USER_PROPERTIES = ['id', 'displayName', 'userPrincipalName', 'mail'] as const;

export function userOperations(deps: { storage: Storage; verifier: TokenVerifier; clock: Clock; allowApplicationPermissions: boolean }) {
  return {
    async getUser(req: PositionRequest): Promise<OperationResult> {
      const caller = await deps.verifier.authenticate(req.authorization);
      req.noteCaller?.(caller);
      const { user } = await resolveTargetUser(caller, req.userRef, 'read', deps);
      const select = userSelect(req.query);
      const selected = select ? `(${select.join(',')})` : '';
      return {
        status: 200,
        body: { '@odata.context': `${req.baseUrl}/beta/$metadata#users${selected}/$entity`, ...userJson(user, select) },
      };
    },
  };
}

function userJson(user: UserRecord, select: readonly string[] | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, mail: user.mail };
  if (!select) return all;
  return Object.fromEntries(['id', ...select.filter((n) => n !== 'id')].map((n) => [n, all[n]]));
}

function userSelect(rawQuery: string): string[] | undefined {
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const option = name.replace(/^\$/, '').toLowerCase();
    if (option === 'select') {
      const names = value.split(',').map((s) => s.trim());
      for (const n of names) {
        if (!(USER_PROPERTIES as readonly string[]).includes(n)) {
          throw new GraphError('badRequest', `$select=${clip(n)}: this service serves only ${USER_PROPERTIES.join(', ')} of a user.`);
        }
      }
      return names;
    }
    if (name.startsWith('$')) throw new GraphError('badRequest', `Query option '${clip(name)}' is not supported on a user.`);
  }
  return undefined;
}
