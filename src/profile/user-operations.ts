// GET /beta/me and /beta/users/{id | userPrincipalName}: the minimal user that SDK quick-starts ask
// for first ("who am I"), under the same permission rules as reading the profile.
import type { TokenVerifier } from '../auth/authenticate.ts';
import { user } from '../model/entities.ts';
import { propertiesOf } from '../model/types.ts';
import { parseQuery } from '../odata/query-options.ts';
import type { UserRecord } from '../storage/port.ts';
import { type OperationResult, type ProfileRequest, authenticateRequest } from './operations.ts';
import { type ResolveOptions, resolveTargetUser } from './users.ts';

export function userOperations(deps: ResolveOptions & { verifier: TokenVerifier }) {
  return {
    async getUser(req: ProfileRequest): Promise<OperationResult> {
      const caller = await authenticateRequest(deps, req);
      const { user: target } = await resolveTargetUser(caller, req.userRef, 'read', deps);
      const select = parseQuery(req.query, user, 'entity').select;
      const selected = select ? `(${select.join(',')})` : '';
      return {
        status: 200,
        body: { '@odata.context': `${req.baseUrl}/beta/$metadata#users${selected}/$entity`, ...userJson(target, select) },
      };
    },
  };
}

/** The user as the type model declares it (src/model/entities.ts), or the selected properties and id. */
function userJson(record: UserRecord, select: readonly string[] | undefined): Record<string, unknown> {
  const values: Record<string, unknown> = {
    id: record.id,
    displayName: record.displayName,
    userPrincipalName: record.userPrincipalName,
    mail: record.mail,
  };
  const names = select ? ['id', ...select.filter((n) => n !== 'id')] : [...propertiesOf(user).keys()];
  return Object.fromEntries(names.map((n) => [n, values[n] ?? null]));
}

export type UserOperations = ReturnType<typeof userOperations>;
