// The request sequences of each operation. A workload is a deterministic generator: built afresh for
// each run, it gives both servers exactly the same paths, headers and bodies in the same order, rotating
// across callers (and across each caller's items).
import { CREATE_BODY, type Caller, POSITIONS } from './prep.ts';

export const OPS = ['create', 'get', 'list', 'patch', 'delete', 'mixed'] as const;
export type Op = (typeof OPS)[number];

export interface Req {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type Workload = () => Req;

/** Authorization (and content-type) headers per caller, built once. */
export interface CallerHeaders {
  readonly read: Readonly<Record<string, string>>;
  readonly write: Readonly<Record<string, string>>;
}

export function callerHeaders(callers: readonly Caller[]): CallerHeaders[] {
  return callers.map((c) => ({
    read: { authorization: `Bearer ${c.token}` },
    write: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
  }));
}

/** A handful of PATCH bodies (a nested member and a top-level one), used in turn. */
const PATCH_BODIES = Array.from({ length: 16 }, (_, v) => JSON.stringify({ detail: { jobTitle: `Bench title ${v}` }, isCurrent: v % 2 === 0 }));

const create = (h: CallerHeaders): Req => ({ method: 'POST', path: POSITIONS, headers: h.write, body: CREATE_BODY });
const get = (h: CallerHeaders, id: string): Req => ({ method: 'GET', path: `${POSITIONS}/${id}`, headers: h.read });
const list = (h: CallerHeaders): Req => ({ method: 'GET', path: POSITIONS, headers: h.read });
const patch = (h: CallerHeaders, id: string, k: number): Req => ({
  method: 'PATCH',
  path: `${POSITIONS}/${id}`,
  headers: h.write,
  body: PATCH_BODIES[k % PATCH_BODIES.length]!,
});
const del = (h: CallerHeaders, id: string): Req => ({ method: 'DELETE', path: `${POSITIONS}/${id}`, headers: h.read });

/** Request k goes to caller k mod N; for items, the caller's item (k div N) mod its count. */
function itemOf(ids: readonly (readonly string[])[], k: number): { c: number; id: string } {
  const c = k % ids.length;
  const own = ids[c]!;
  return { c, id: own[Math.floor(k / ids.length) % own.length]! };
}

export function createWorkload(headers: readonly CallerHeaders[]): Workload {
  let k = 0;
  return () => create(headers[k++ % headers.length]!);
}

export function getWorkload(headers: readonly CallerHeaders[], ids: readonly (readonly string[])[]): Workload {
  let k = 0;
  return () => {
    const { c, id } = itemOf(ids, k++);
    return get(headers[c]!, id);
  };
}

export function listWorkload(headers: readonly CallerHeaders[]): Workload {
  let k = 0;
  return () => list(headers[k++ % headers.length]!);
}

export function patchWorkload(headers: readonly CallerHeaders[], ids: readonly (readonly string[])[]): Workload {
  let k = 0;
  return () => {
    const n = k++;
    const { c, id } = itemOf(ids, n);
    return patch(headers[c]!, id, n);
  };
}

/** Each item of the pool once, in order (the pool is as large as the run; past its end it wraps). */
export function deleteWorkload(headers: readonly CallerHeaders[], pool: readonly { caller: number; id: string }[]): Workload {
  let k = 0;
  return () => {
    const item = pool[k++ % pool.length]!;
    return del(headers[item.caller]!, item.id);
  };
}

/** 20 steps: 7 get + 7 list (70% reads, alternating), 3 create + 3 patch (30% writes). */
const MIX = ['get', 'list', 'get', 'list', 'create', 'get', 'list', 'patch', 'get', 'list', 'create', 'get', 'list', 'patch', 'get', 'list', 'create', 'patch', 'get', 'list'] as const;

/**
 * Mixed: request k is step k mod 20 of the mix; the caller advances by one every request and shifts
 * by one more every 20, so that over a run every caller goes through the whole mix.
 */
export function mixedWorkload(headers: readonly CallerHeaders[], ids: readonly (readonly string[])[]): Workload {
  let k = 0;
  return () => {
    const n = k++;
    const c = (n + Math.floor(n / MIX.length)) % headers.length;
    const h = headers[c]!;
    const own = ids[c]!;
    const id = own[Math.floor(n / headers.length) % own.length]!;
    switch (MIX[n % MIX.length]!) {
      case 'get':
        return get(h, id);
      case 'list':
        return list(h);
      case 'create':
        return create(h);
      case 'patch':
        return patch(h, id, n);
    }
  };
}
