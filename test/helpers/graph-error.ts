// Graph's error envelope, as SDKs read it: checked the same way by every suite that provokes errors.
import assert from 'node:assert/strict';
import type { Reply } from './http.ts';

/** Problems with the shape of an error answer (empty when it is Graph's `{ error: { code, message, innerError } }`). */
export function graphErrorShapeProblems(r: Reply): string[] {
  const problems: string[] = [];
  if (!/^application\/json/.test(r.headers.get('content-type') ?? '')) problems.push(`content-type ${r.headers.get('content-type')}`);
  const error = r.json?.error;
  if (!error || typeof error !== 'object') return [...problems, `no error object: ${r.text.slice(0, 300)}`];
  if (typeof error.code !== 'string' || error.code === '') problems.push('error.code is not a string');
  if (typeof error.message !== 'string' || error.message === '') problems.push('error.message is not a string');
  const inner = error.innerError;
  if (!inner || typeof inner.date !== 'string' || typeof inner['request-id'] !== 'string') problems.push('error.innerError lacks date or request-id');
  else if (inner['request-id'] !== r.headers.get('request-id')) problems.push('innerError.request-id differs from the request-id header');
  return problems;
}

export function assertGraphError(r: Reply, status: number, code: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  assert.deepEqual(graphErrorShapeProblems(r), [], `${what}: Graph's error shape`);
  assert.equal(r.json.error.code, code, `${what}: error.code`);
}

/** A 503 as SPEC §6 has it: Graph's shape, and a Retry-After in whole seconds. */
export function assertServiceUnavailable(r: Reply, what: string): void {
  assertGraphError(r, 503, 'serviceNotAvailable', what);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After in whole seconds`);
}
