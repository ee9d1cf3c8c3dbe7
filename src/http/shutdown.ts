// Closing without keeping anyone waiting (SPEC §6). Once the app begins to close, every response
// says `Connection: close`, so that a keep-alive connection busy with a request when closing began
// ends with that answer instead of idling until its keep-alive timeout (Node closes only the
// connections idle at the moment the server closes). New requests meanwhile get 503
// (`return503OnClosing`); the process bounds the whole wait (server.ts).
import type { FastifyInstance } from 'fastify';

export function registerConnectionCloseOnShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
