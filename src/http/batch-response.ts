// One step's answer inside a batch response, `{ id, status, headers, body }`, shaped as Graph shapes
// it: header names in Graph's casing (the v3 SDK reads a step body as JSON only under `Content-Type`),
// JSON bodies inline, other bodies as base64 (as Graph does), none for 204 and 304.
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { type GraphError, serializeError } from '../errors/graph-error.ts';
import { ODATA_JSON, clientRequestIdOf } from './headers.ts';

export interface StepResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** Headers of the step's own connection, meaningless once its answer is inside another response. */
const NOT_COPIED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length', 'upgrade', 'trailer', 'te', 'proxy-connection']);

/** Names Graph writes in a casing that title case would not give. */
const GRAPH_CASING: Readonly<Record<string, string>> = {
  etag: 'ETag',
  'www-authenticate': 'WWW-Authenticate',
  'odata-version': 'OData-Version',
  'request-id': 'request-id',
  'client-request-id': 'client-request-id',
  'x-ms-ags-diagnostic': 'x-ms-ags-diagnostic',
};

export function graphHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return GRAPH_CASING[lower] ?? lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function isJson(contentType: string | undefined): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

export function injectedStepResponse(id: string, status: number, headers: OutgoingHttpHeaders, payload: Buffer): StepResponse {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_COPIED.has(name.toLowerCase())) continue;
    out[graphHeaderName(name)] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (status === 204 || status === 304 || payload.length === 0) return { id, status, headers: out };
  return { id, status, headers: out, body: stepBody(out['Content-Type'], payload) };
}

function stepBody(contentType: string | undefined, payload: Buffer): unknown {
  if (isJson(contentType)) {
    try {
      return JSON.parse(payload.toString('utf8'));
    } catch {
      // Not what it says it is: pass the bytes on untouched rather than lose them.
    }
  }
  return payload.toString('base64');
}

/** The answer of a step that was not run (a failed prerequisite, an unreadable body), in Graph's error shape. */
export function errorStepResponse(id: string, err: GraphError, clientRequestId: string | undefined): StepResponse {
  const requestId = randomUUID();
  const ids = { requestId, clientRequestId: clientRequestIdOf(clientRequestId, requestId) };
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    'Content-Type': ODATA_JSON,
    'OData-Version': '4.0',
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
  };
  for (const [name, value] of Object.entries(err.headers)) headers[graphHeaderName(name)] = value;
  return { id, status: err.status, headers, body: serializeError(err, ids) };
}
