// A TCP proxy in the test process, in front of a real server (PostgreSQL): stopping it is the
// database going away for the service behind it (the port refuses connections, every open connection
// is cut), and starting it again on the same port is the database coming back.
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export interface Target {
  readonly host: string;
  readonly port: number;
}

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  private constructor(private readonly target: Target) {}

  /** Listens on 127.0.0.1 (`port` 0: any free port) and forwards every connection to `target`. */
  static async start(target: Target, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen(port);
    return proxy;
  }

  /** The port the proxy listens on; the same after a restart. */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.track(client);
      this.track(upstream);
      // Either side failing or ending ends the other: a cut connection, as when the database goes down.
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        this.boundPort = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Stops listening and cuts every open connection; safe to call when already stopped. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the port it had before. */
  async restart(): Promise<void> {
    if (this.server) return;
    await this.listen(this.boundPort);
  }
}
