// A CouchDB server the proxy talks to: where it is, its credentials as a
// header (never in a message), and one keep-alive pool for every request.
import { Pool } from 'undici';

export interface Connection {
  /** "main", or a storage plan's connection id */
  id: string;
  /** with credentials: for replication and storage plans only, never logged */
  url: string;
  /** scheme, host and port, without credentials */
  origin: string;
  /** a path prefix when CouchDB sits behind one ("" otherwise) */
  basePath: string;
  authorization?: string;
  /** how long a request may take, unless it says otherwise */
  timeoutMs: number;
  pool: Pool;
  close(): Promise<void>;
}

/** `timeoutMs` bounds every request: a hung CouchDB never hangs the API. */
export function openConnection(id: string, url: string, timeoutMs = 5000): Connection {
  const u = new URL(url);
  const authorization = u.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
    : undefined;
  const pool = new Pool(u.origin, { connections: 64, keepAliveTimeout: 30_000, pipelining: 1, connectTimeout: Math.min(timeoutMs, 3000) });
  return {
    id, url, origin: u.origin, basePath: u.pathname.replace(/\/$/, ''), authorization, timeoutMs, pool,
    close: () => pool.close()
  };
}
