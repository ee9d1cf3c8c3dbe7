// A request answered before its body was read to the end: a 413 for a Content-Length over the limit,
// or a body that passed the limit on its way in. Fastify marks such answers `Connection: close`, and
// Node then closes the socket with the rest of the body unread, which makes the kernel reset the
// connection: a client still sending sees EPIPE or ECONNRESET instead of the 413 that says why.
// Instead the connection stays open and the rest of the body is read and dropped (the "lingering
// close" of Apache and nginx), up to a bound in bytes and time; past it the connection is cut.
import type { FastifyInstance } from 'fastify';

export interface DrainLimits {
  /** Bytes of an unread body read and dropped at most, after the answer. */
  readonly maxBytes: number;
  readonly maxMs: number;
}

export function registerUnreadBodyDraining(app: FastifyInstance, limits: DrainLimits): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    // Registered before the shutdown hook, which says `close` again when the server is closing.
    if (!req.raw.complete && reply.getHeader('connection') === 'close') reply.removeHeader('connection');
    done(null, payload);
  });
  app.addHook('onResponse', (req, _reply, done) => {
    const body = req.raw;
    if (!body.complete && !body.destroyed) {
      const socket = body.socket;
      let dropped = 0;
      const timer = setTimeout(() => socket.destroy(), limits.maxMs);
      timer.unref();
      body.on('data', (chunk: Buffer) => {
        dropped += chunk.length;
        if (dropped > limits.maxBytes) socket.destroy();
      });
      body.once('end', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    }
    done();
  });
}
