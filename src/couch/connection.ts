// A CouchDB server the proxy talks to: nano for documents, and a keep-alive
// pool for the show calls on the invocation path.
import nano, { type ServerScope } from 'nano';
import { Agent, Pool } from 'undici';

export interface Connection {
  /** "main", or a storage plan's connection id */
  id: string;
  url: string;
  /** scheme, host and port, without credentials */
  origin: string;
  /** a path prefix when CouchDB sits behind one ("" otherwise) */
  basePath: string;
  authorization?: string;
  server: ServerScope;
  pool: Pool;
  close(): Promise<void>;
}

/** `timeoutMs` bounds every document request: a hung CouchDB never hangs the API. */
export function openConnection(id: string, url: string, timeoutMs = 5000): Connection {
  const u = new URL(url);
  const authorization = u.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
    : undefined;
  const pool = new Pool(u.origin, { connections: 64, keepAliveTimeout: 30_000, pipelining: 1 });
  const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 3000) });
  return {
    id, url, origin: u.origin, basePath: u.pathname.replace(/\/$/, ''), authorization,
    // nano's types ask for a class, its code takes a dispatcher instance
    server: nano({ url, agentOptions: agent as never }), pool,
    close: async () => { await Promise.all([pool.close(), agent.close()]); }
  };
}
