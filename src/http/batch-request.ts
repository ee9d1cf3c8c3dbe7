// Reading a JSON batch (SPEC §5) into steps that can be replayed through the real routes. Every
// problem with the batch itself is collected and reported at once, as a 400 naming the request it is
// in; a problem with one step's body only fails that step (Graph answers it inside the batch).
import type { Limits } from '../config.ts';
import type { ErrorDetail } from '../errors/catalogue.ts';
import { GraphError, isGraphError } from '../errors/graph-error.ts';
import { clip } from '../model/quote.ts';
import { parseJsonBody } from './json-body.ts';

export const MAX_BATCH_STEPS = 20;
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type StepMethod = (typeof METHODS)[number];

export type StepBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly payload: Buffer }
  | { readonly kind: 'invalid'; readonly error: GraphError };

export interface BatchStep {
  readonly id: string;
  readonly method: StepMethod;
  /** Path and query under /beta, ready to be injected. */
  readonly url: string;
  /** Lower-case names; Content-Type is set whenever there is a body. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: StepBody;
  /** Positions in the batch of the steps this one waits for. */
  readonly dependsOn: readonly number[];
}

/**
 * Step headers never passed on: the outer token authorises every step (SPEC §5), and framing and
 * hop-by-hop headers describe the outer connection, not the step.
 */
const DROPPED_STEP_HEADERS = new Set([
  'authorization', 'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade',
  'te', 'trailer', 'expect', 'proxy-connection', 'proxy-authorization',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

type Problem = (code: ErrorDetail['code'], target: string, message: string) => void;
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string ("${clip(v, 40)}")`;
  return `a ${typeof v} (${String(v)})`;
}

/** Reads a parsed batch body; throws a 400 listing every problem with the batch itself. */
export function readBatch(payload: unknown, limits: Limits): BatchStep[] {
  const problems: ErrorDetail[] = [];
  const problem: Problem = (code, target, message) => {
    if (problems.length < limits.maxProblems) problems.push({ code, target, message });
  };
  const fail = () => {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}, listed in details)` : '';
    return new GraphError('badRequest', `Invalid batch request: ${first.message}${more}`, { details: problems });
  };

  if (!isObject(payload)) {
    problem('InvalidType', '', `the body must be a JSON object { "requests": [...] }, got ${describe(payload)}.`);
    throw fail();
  }
  const requests = payload.requests;
  if (requests === undefined) problem('InvalidValue', 'requests', `the body has no 'requests' member; expected { "requests": [...] }.`);
  else if (!Array.isArray(requests)) problem('InvalidType', 'requests', `'requests' must be an array, got ${describe(requests)}.`);
  else if (requests.length === 0) problem('InvalidValue', 'requests', `'requests' is empty; a batch holds 1 to ${MAX_BATCH_STEPS} requests.`);
  else if (requests.length > MAX_BATCH_STEPS) {
    problem('LimitExceeded', 'requests', `a batch holds at most ${MAX_BATCH_STEPS} requests; this one has ${requests.length}.`);
  }
  if (problems.length > 0) throw fail();

  const drafts = (requests as unknown[]).map((raw, i) => readStep(raw, i, problem, limits));
  const byId = new Map<string, number>();
  drafts.forEach((d, i) => {
    if (d.id === undefined) return;
    const key = d.id.toLowerCase();
    const first = byId.get(key);
    if (first === undefined) byId.set(key, i);
    else {
      problem('InvalidValue', `requests[${i}].id`, `${label(d.id, i)} repeats the id of ${label(drafts[first]!.id, first)}; ids must be unique, ignoring case.`);
    }
  });
  const dependsOn = drafts.map((d, i) =>
    d.dependsOn.flatMap((name, j) => {
      const at = byId.get(name.toLowerCase());
      if (at === undefined) {
        problem('InvalidValue', `requests[${i}].dependsOn[${j}]`, `${label(d.id, i)} depends on '${clip(name)}', which is not the id of a request in this batch.`);
        return [];
      }
      return [at];
    }),
  );
  if (problems.length > 0) throw fail();

  const cycle = findCycle(dependsOn);
  if (cycle) {
    const path = cycle.map((i) => `'${clip(drafts[i]!.id!)}'`).join(' → ');
    problem('InvalidValue', `requests[${cycle[0]}].dependsOn`, `requests ${path} depend on each other in a cycle, so none of them could run.`);
    throw fail();
  }
  return drafts.map((d, i) => ({
    id: d.id!,
    method: d.method!,
    url: d.url!,
    headers: d.headers,
    body: d.body,
    dependsOn: [...new Set(dependsOn[i])],
  }));
}

const label = (id: string | undefined, i: number) => (id === undefined ? `requests[${i}]` : `request '${clip(id)}' (requests[${i}])`);

interface Draft {
  id?: string;
  method?: StepMethod;
  url?: string;
  headers: Record<string, string>;
  body: StepBody;
  dependsOn: string[];
}

function readStep(raw: unknown, i: number, problem: Problem, limits: Limits): Draft {
  const draft: Draft = { headers: {}, body: { kind: 'none' }, dependsOn: [] };
  const at = `requests[${i}]`;
  if (!isObject(raw)) {
    problem('InvalidType', at, `${at} must be an object { "id", "method", "url", ... }, got ${describe(raw)}.`);
    return draft;
  }
  const { id, method, url, headers, body, dependsOn } = raw;
  if (typeof id === 'string' && id.trim() !== '') draft.id = id;
  else if (id === undefined) problem('InvalidValue', `${at}.id`, `${at} has no 'id'; every request needs a unique string id.`);
  else problem('InvalidType', `${at}.id`, `the 'id' of ${at} must be a non-empty string, got ${describe(id)}.`);
  const who = label(draft.id, i);

  const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
  if (METHODS.includes(upper as StepMethod)) draft.method = upper as StepMethod;
  else problem(typeof method === 'string' ? 'InvalidValue' : 'InvalidType', `${at}.method`, `the 'method' of ${who} must be one of ${METHODS.join(', ')}, got ${describe(method)}.`);

  if (typeof url !== 'string') problem('InvalidType', `${at}.url`, `the 'url' of ${who} must be a string, got ${describe(url)}.`);
  else {
    const path = stepPath(url);
    if ('problem' in path) problem('InvalidValue', `${at}.url`, `the url of ${who} ('${clip(url)}') ${path.problem}.`);
    else draft.url = path.path;
  }

  if (headers !== undefined && headers !== null) {
    if (!isObject(headers)) problem('InvalidType', `${at}.headers`, `the 'headers' of ${who} must be an object of names and string values, got ${describe(headers)}.`);
    else draft.headers = readHeaders(headers, `${at}.headers`, who, problem);
  }

  if (dependsOn !== undefined && dependsOn !== null) {
    if (Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === 'string')) draft.dependsOn = dependsOn;
    else problem('InvalidType', `${at}.dependsOn`, `the 'dependsOn' of ${who} must be an array of request ids (strings), got ${describe(dependsOn)}.`);
  }

  if (body !== undefined && body !== null) draft.body = stepBody(body, draft.headers, draft.id ?? at, limits);
  return draft;
}

function readHeaders(headers: JsonObject, at: string, who: string, problem: Problem): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) problem('InvalidValue', at, `the header name '${clip(name)}' of ${who} is not a valid HTTP header name.`);
    else if (typeof value !== 'string') problem('InvalidType', `${at}.${name}`, `the header '${clip(name)}' of ${who} must have a string value, got ${describe(value)}.`);
    else if (HEADER_CONTROL.test(value)) problem('InvalidValue', `${at}.${name}`, `the header '${clip(name)}' of ${who} has a control character in its value.`);
    else if (Object.hasOwn(out, lower)) problem('InvalidValue', `${at}.${name}`, `${who} has the header '${clip(name)}' more than once (header names ignore case).`);
    else out[lower] = value;
  }
  for (const name of DROPPED_STEP_HEADERS) delete out[name];
  return out;
}

const BASE = 'http://batch-step.invalid';
export const MAX_STEP_URL_LENGTH = 8192;
const ABSOLUTE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|[\\/]{2})/;

function decodedLower(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '').toLowerCase();
  } catch {
    return (segment ?? '').toLowerCase();
  }
}

/**
 * A step URL as the path under /beta that the router will see. Resolved with WHATWG URL rules, as the
 * injected request will be, so that dot segments, backslashes or percent-encoding cannot lead a step
 * outside /beta or into another $batch.
 */
export function stepPath(raw: string): { path: string } | { problem: string } {
  const absolute = { problem: 'must be relative to the service root (/me/..., /users/..., optionally after /beta), not an absolute URL' };
  if (raw.trim() === '') return { problem: 'is empty' };
  // A direct request's line is bounded by Node's header limits; a step's URL gets a like bound.
  if (raw.length > MAX_STEP_URL_LENGTH) return { problem: `is ${raw.length} characters long; at most ${MAX_STEP_URL_LENGTH} are allowed` };
  if (ABSOLUTE.test(raw)) return absolute;
  // A fragment means nothing to a server: a '#' is taken as part of the query, as a client most likely meant.
  raw = raw.replace(/#/g, '%23');
  let parsed: URL;
  try {
    parsed = new URL(raw.startsWith('/') || raw.startsWith('\\') ? raw : `/${raw}`, BASE);
  } catch {
    return { problem: 'is not a valid URL' };
  }
  if (parsed.origin !== BASE) return absolute;
  const segments = parsed.pathname.split('/').slice(1);
  const skipEmpty = (from: number) => {
    while (from < segments.length && segments[from] === '') from++;
    return from;
  };
  let start = skipEmpty(0);
  const version = decodedLower(segments[start]);
  if (version === 'beta') start = skipEmpty(start + 1);
  else if (version === 'v1.0') return { problem: 'targets /v1.0; this batch endpoint serves the beta API: use a url under /beta, or one without a version' };
  if (decodedLower(segments[start]) === '$batch') return { problem: 'is itself a $batch; a batch cannot contain another batch' };
  return { path: `/beta/${segments.slice(start).join('/')}${parsed.search}` };
}

/**
 * A step body as bytes to send. Objects and arrays are JSON. A string with a Content-Type header is
 * sent as it is; without one it is base64 of JSON, which is how the Kiota SDKs send every body.
 */
function stepBody(body: unknown, headers: Record<string, string>, who: string, limits: Limits): StepBody {
  if (typeof body !== 'string') {
    headers['content-type'] ??= 'application/json';
    return { kind: 'bytes', payload: Buffer.from(JSON.stringify(body), 'utf8') };
  }
  if (headers['content-type'] !== undefined) return { kind: 'bytes', payload: Buffer.from(body, 'utf8') };
  const decoded = base64(body);
  if (decoded === undefined) {
    const message =
      `The body of request '${clip(who)}' is a string without a Content-Type header, so it is read as base64-encoded JSON ` +
      '(as the Kiota SDKs send it), but it is not valid base64. Send a JSON body, or give the step a Content-Type header.';
    return { kind: 'invalid', error: new GraphError('badRequest', message) };
  }
  try {
    parseJsonBody({ contentType: 'application/json' }, decoded, limits);
  } catch (e) {
    if (isGraphError(e)) return { kind: 'invalid', error: new GraphError(e.kind, `The base64-decoded body of request '${clip(who)}': ${e.message}`) };
    throw e;
  }
  headers['content-type'] = 'application/json';
  return { kind: 'bytes', payload: decoded };
}

/** Standard or URL-safe base64, padded or not; undefined when the text is anything else. */
function base64(text: string): Buffer | undefined {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/').replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(normal) || normal.length % 4 === 1) return undefined;
  return Buffer.from(normal, 'base64');
}

/** A dependency cycle as the positions along it (first repeated at the end), if there is one. */
function findCycle(dependsOn: readonly (readonly number[])[]): number[] | undefined {
  const state = new Array<0 | 1 | 2>(dependsOn.length).fill(0); // unvisited, on the path, done
  const path: number[] = [];
  const visit = (i: number): number[] | undefined => {
    if (state[i] === 2) return undefined;
    if (state[i] === 1) return [...path.slice(path.indexOf(i)), i];
    state[i] = 1;
    path.push(i);
    for (const next of dependsOn[i]!) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state[i] = 2;
    return undefined;
  };
  for (let i = 0; i < dependsOn.length; i++) {
    const found = visit(i);
    if (found) return found;
  }
  return undefined;
}
