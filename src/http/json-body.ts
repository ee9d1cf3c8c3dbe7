// Reading a request body as strict JSON (SPEC §3): application/json only (415), UTF-8 only, nesting
// depth bounded before anything is built, and syntax errors reported with line and column.
import type { Limits } from '../config.ts';
import { GraphError } from '../errors/graph-error.ts';
import { decodeBody, tooLarge } from './content-encoding.ts';
import { findExcessiveDepth, findJsonSyntaxError, lineAndColumn } from './json-syntax.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [essence, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (essence !== 'application/json') return false;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

export interface BodyHeaders {
  readonly contentType: string | undefined;
  readonly contentEncoding?: string | undefined;
}

export function parseJsonBody(headers: BodyHeaders, raw: Buffer | undefined, limits: Limits): unknown {
  const { contentType } = headers;
  if (!isJsonContentType(contentType)) {
    const got = contentType ? `'${contentType}'` : 'no Content-Type header';
    throw new GraphError('unsupportedMediaType', `The request body must be sent with Content-Type: application/json (UTF-8); got ${got}.`);
  }
  if (raw !== undefined && raw.length > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes);
  const body = raw === undefined ? Buffer.alloc(0) : decodeBody(headers.contentEncoding, raw, limits.maxBodyBytes);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new GraphError('badRequest', 'Unable to read JSON request payload: the body is not valid UTF-8.');
  }
  const deepAt = findExcessiveDepth(text, limits.maxJsonDepth);
  if (deepAt !== undefined) {
    const { line, column } = lineAndColumn(text, deepAt);
    throw new GraphError(
      'badRequest',
      `Unable to read JSON request payload: objects and arrays are nested more than ${limits.maxJsonDepth} levels deep (at line ${line}, column ${column}).`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const found = findJsonSyntaxError(text);
    const where = found ? `${found.reason} (at line ${found.line}, column ${found.column})` : (e as Error).message;
    throw new GraphError('badRequest', `Unable to read JSON request payload: ${where}.`);
  }
}

/** What of a request's headers says how to read its body. */
export const bodyHeaders = (req: { headers: Record<string, string | string[] | undefined> }): BodyHeaders => {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
  return { contentType: one(req.headers['content-type']), contentEncoding: one(req.headers['content-encoding']) };
};
