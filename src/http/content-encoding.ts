// Request bodies sent compressed (SPEC §3): the Go and .NET Kiota clients gzip theirs by default.
// `gzip` and `deflate` are decoded, within the same size limit as a plain body, so that a small
// compressed body cannot make the service hold a large one (a decompression bomb is a 413). Any
// other coding is a 415, and a body that does not decode is a 400.
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { GraphError } from '../errors/graph-error.ts';
import { clip } from '../model/quote.ts';

const SUPPORTED = 'gzip, deflate or identity';

export const tooLarge = (limit: number, decoded = false) =>
  new GraphError('requestEntityTooLarge', `The request body is larger than ${limit} bytes (MAX_BODY_BYTES)${decoded ? ', once decoded' : ''}.`);

/** The body as sent before its Content-Encoding was applied. */
export function decodeBody(header: string | undefined, raw: Buffer, maxBytes: number): Buffer {
  // Codings are listed in the order they were applied; they are undone from the last.
  const codings = (header ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  let body = raw;
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') body = decode(() => gunzipSync(body, { maxOutputLength: maxBytes }), coding, maxBytes);
    else if (coding === 'deflate') body = decode(() => inflateDeflate(body, maxBytes), coding, maxBytes);
    else {
      throw new GraphError('unsupportedMediaType', `Content-Encoding '${clip(coding)}' is not supported; send the body as ${SUPPORTED}.`);
    }
  }
  return body;
}

/** HTTP's deflate is the zlib format; some clients send bare deflate data, which is read too. */
function inflateDeflate(body: Buffer, maxBytes: number): Buffer {
  try {
    return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code === 'Z_DATA_ERROR') return inflateRawSync(body, { maxOutputLength: maxBytes });
    throw e;
  }
}

function decode(run: () => Buffer, coding: string, maxBytes: number): Buffer {
  try {
    return run();
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw tooLarge(maxBytes, true);
    throw new GraphError('badRequest', `Unable to read the request body: it is not valid ${coding} data (Content-Encoding: ${coding}).`);
  }
}
