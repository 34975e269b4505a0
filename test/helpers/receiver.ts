// A real HTTP server that webhooks are sent to: it records every request and
// answers with whatever status the test says.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Received { method: string; url: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; body: string; json?: any; form?: URLSearchParams; at: number }

export class Receiver {
  readonly requests: Received[] = [];
  /** the status for the next requests, by path; default 200 */
  status: (req: Received) => number | 'hang' = () => 200;
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://x');
        const received: Received = { method: req.method ?? '', url: req.url ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, at: Date.now() };
        if ((req.headers['content-type'] ?? '').includes('json')) { try { received.json = JSON.parse(body); } catch { /* left as text */ } }
        if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) received.form = new URLSearchParams(body);
        this.requests.push(received);
        const status = this.status(received);
        if (status === 'hang') return; // never answers: the sender's timeout decides
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** The payload of a request, whatever its format. */
  static payload(r: Received): Record<string, unknown> {
    if (r.json) return r.json;
    const params = r.form ?? r.query;
    return Object.fromEntries(params.entries());
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Polls until check() is truthy, at most `ms`. */
export async function until<T>(check: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
