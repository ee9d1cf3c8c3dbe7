// A request answered before its body was read to the end: a 413 for a Content-Length over the limit,
// or a body that passed the limit on its way in. Fastify marks such answers `Connection: close`, and
// Node then closes the socket with the rest of the body unread, which makes the kernel reset the
// connection: a client still sending sees EPIPE or ECONNRESET instead of the 413 that says why.
// Instead the connection stays open and the rest of the body is read and dropped (the "lingering
// close" of Apache and nginx), up to a bound in bytes and time; past it the connection is cut.
// Called from the error handler, so that requests whose bodies are read cost nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Of an unread body, this much is read and dropped at most (the larger of the two), for this long. */
const DRAIN_LIMIT_FACTOR = 16;
const DRAIN_MIN_BYTES = 32 * 1024 * 1024;
const DRAIN_MS = 10_000;

export function drainUnreadBody(req: FastifyRequest, reply: FastifyReply): void {
  const body = req.raw;
  if (body.complete || body.destroyed) return;
  const maxBytes = Math.max(DRAIN_MIN_BYTES, DRAIN_LIMIT_FACTOR * (req.routeOptions?.bodyLimit ?? 0));
  // The shutdown hook (http/shutdown.ts) says `close` again, on send, when the server is closing.
  if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
  const socket = body.socket;
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
  timer.unref();
  body.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) socket.destroy();
  });
  body.once('end', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}
