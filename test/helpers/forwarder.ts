// A TCP forwarder in front of CouchDB that a test can cut and restore, on the
// same port, to see what the proxy does while CouchDB is gone.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class Forwarder {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 80), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** As if CouchDB went away: the port refuses and open connections drop. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The target URL, through the forwarder. */
  url(): string {
    const u = new URL(this.target.toString());
    u.host = `127.0.0.1:${this.port}`;
    return u.toString().replace(/\/$/, '');
  }
}

/** Polls until check() is truthy, at most `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
