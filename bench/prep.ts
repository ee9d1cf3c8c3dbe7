// Preparation through graph-profile's own HTTP API (never measured): make profiles hold exactly the
// items a workload reads, create pools of items to delete, empty a profile.
import autocannon, { type Result } from 'autocannon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './servers.ts';

export const POSITIONS = '/beta/me/profile/positions';

/** The body of the "Create workPosition" example (test/fixtures/seeds/002-create.request.json), compact. */
export const CREATE_BODY = JSON.stringify(JSON.parse(readFileSync(join(REPO_DIR, 'test', 'fixtures', 'seeds', '002-create.request.json'), 'utf8')));

export interface Caller {
  readonly upn: string;
  readonly userId: string;
  readonly token: string;
}

/** Runs fn(0..count-1) with at most `concurrency` at a time; results in index order. */
export async function parallel<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

async function call(base: string, caller: Caller, method: string, pathOrUrl: string, expect: number, body?: string): Promise<unknown> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${base}${pathOrUrl}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${caller.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`preparation: ${method} ${url} as ${caller.upn}: expected ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Every item id in the caller's profile (following @odata.nextLink). */
export async function listIds(base: string, caller: Caller): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `${POSITIONS}?$top=999&$select=id`;
  while (next) {
    const page = (await call(base, caller, 'GET', next, 200)) as { value: { id: string }[]; '@odata.nextLink'?: string };
    for (const item of page.value) ids.push(item.id);
    next = page['@odata.nextLink'];
  }
  return ids;
}

export const deleteItem = (base: string, caller: Caller, id: string) => call(base, caller, 'DELETE', `${POSITIONS}/${id}`, 204);

/** Makes each caller's profile hold exactly `n` items (creating or deleting); returns their ids per caller. */
export async function ensureExactly(base: string, callers: readonly Caller[], n: number, concurrency = 16): Promise<string[][]> {
  const ids = await parallel(callers.length, concurrency, async (c) => {
    const caller = callers[c]!;
    const own = await listIds(base, caller);
    const extras = own.splice(n);
    await parallel(extras.length, 4, (i) => deleteItem(base, caller, extras[i]!));
    return own;
  });
  const missing: number[] = [];
  for (let slot = 0; slot < n; slot++) ids.forEach((own, c) => own.length <= slot && missing.push(c));
  for (const { caller, id } of await createMany(base, callers, missing)) ids[caller]!.push(id);
  return ids;
}

/** Deletes from each caller's profile every item not in `keep[c]`. Returns how many were deleted. */
export async function restore(base: string, callers: readonly Caller[], keep: readonly (readonly string[])[], concurrency = 16): Promise<number> {
  const deleted = await parallel(callers.length, concurrency, async (c) => {
    const caller = callers[c]!;
    const wanted = new Set(keep[c]);
    const extras = (await listIds(base, caller)).filter((id) => !wanted.has(id));
    await parallel(extras.length, 4, (i) => deleteItem(base, caller, extras[i]!));
    return extras.length;
  });
  return deleted.reduce((a, b) => a + b, 0);
}

/** Creates `count` items spread over the callers (round robin); returns [caller index, id] pairs. */
export function createPool(base: string, callers: readonly Caller[], count: number): Promise<{ caller: number; id: string }[]> {
  return createMany(
    base,
    callers,
    Array.from({ length: count }, (_, i) => i % callers.length),
  );
}

/**
 * One create per entry of `targets` (a caller index), driven by autocannon (fetch would make the
 * driver, not the server, the bottleneck); returns the created ids with their callers. Creates
 * answered 503 (the database was slow for a moment, on a busy machine) are sent again after the
 * Retry-After they were given, as a Graph client would: preparing is not what is measured.
 */
export async function createMany(base: string, callers: readonly Caller[], targets: readonly number[], connections = 32): Promise<{ caller: number; id: string }[]> {
  const created: { caller: number; id: string }[] = [];
  let remaining = targets;
  for (let attempt = 1; remaining.length > 0; attempt++) {
    const { made, retryAfter } = await createOnce(base, callers, remaining, connections, attempt === 3);
    created.push(...made);
    const left = new Map<number, number>();
    for (const c of remaining) left.set(c, (left.get(c) ?? 0) + 1);
    for (const m of made) left.set(m.caller, left.get(m.caller)! - 1);
    remaining = [...left].flatMap(([c, n]) => Array.from({ length: n }, () => c));
    if (remaining.length > 0) await new Promise((r) => setTimeout(r, retryAfter * 1000));
  }
  return created;
}

async function createOnce(
  base: string,
  callers: readonly Caller[],
  targets: readonly number[],
  connections: number,
  lastAttempt: boolean,
): Promise<{ made: { caller: number; id: string }[]; retryAfter: number }> {
  if (targets.length === 0) return { made: [], retryAfter: 0 };
  const created: { caller: number; id: string }[] = [];
  const failures: string[] = [];
  let retryAfter = 0;
  let onlyUnavailable = true;
  const headers = callers.map((c) => ({ authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }));
  let k = 0;
  const result = await new Promise<Result>((resolve, reject) =>
    autocannon(
      {
        url: base,
        connections: Math.min(connections, targets.length),
        amount: targets.length,
        timeout: 30,
        sampleInt: 100,
        requests: [
          {
            // Pipelining 1: the context holds the caller of the one request in flight on the connection.
            setupRequest: (req, context) => {
              const c = targets[k++ % targets.length]!;
              context.caller = c;
              return { ...req, method: 'POST', path: POSITIONS, headers: { ...headers[c]! }, body: CREATE_BODY };
            },
            onResponse: (status, body, context) => {
              if (status === 201) created.push({ caller: context.caller as number, id: (JSON.parse(body) as { id: string }).id });
              else {
                if (status === 503) retryAfter = 5;
                else onlyUnavailable = false;
                if (failures.length < 5) failures.push(`${status}: ${body.slice(0, 300)}`);
              }
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
  if (created.length !== targets.length && (lastAttempt || !onlyUnavailable || result.errors > 0)) {
    throw new Error(
      `preparation: ${targets.length} creates gave ${created.length} items (${result.errors} connection errors, ${result.non2xx} non-2xx)${failures.length ? `:\n  ${failures.join('\n  ')}` : ''}`,
    );
  }
  return { made: created, retryAfter };
}

export async function emptyProfile(base: string, caller: Caller): Promise<number> {
  const ids = await listIds(base, caller);
  await parallel(ids.length, 16, (i) => deleteItem(base, caller, ids[i]!));
  return ids.length;
}
