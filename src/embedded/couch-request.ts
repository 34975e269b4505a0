// The `req` object CouchDB 3.x hands a show function, built from an HTTP
// request (query values are strings, a repeated key keeps its last value,
// Authorization and Cookie are scrubbed as in 3.4).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SCRUBBED = new Set(['authorization', 'cookie']);

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

export function couchQuery(rawPath: string): Record<string, string> {
  const query: Record<string, string> = {};
  const start = rawPath.indexOf('?');
  if (start < 0) return query;
  for (const pair of rawPath.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    Object.defineProperty(query, key, { value: eq < 0 ? '' : decode(pair.slice(eq + 1)), enumerable: true, writable: true, configurable: true });
  }
  return query;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!SCRUBBED.has(req.rawHeaders[i].toLowerCase())) headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
  }
  return headers;
}

export interface ShowTarget { db: string; ddoc: string; show: string; docId: string | null }

/** What a show's `req` is built from: the HTTP request as CouchDB received it. */
export interface ShowRequestParts { method: string; rawPath: string; headers: Record<string, string>; body?: string; peer?: string; user: string }

function showRequest(target: ShowTarget, parts: ShowRequestParts): object {
  const path = parts.rawPath.split('?')[0].split('/').filter(Boolean).map(decode);
  return {
    info: { db_name: target.db },
    id: target.docId,
    uuid: randomUUID().replace(/-/g, ''),
    method: parts.method,
    requested_path: path,
    path,
    raw_path: parts.rawPath,
    query: couchQuery(parts.rawPath),
    headers: parts.headers,
    body: parts.body ?? 'undefined',
    peer: parts.peer,
    form: {},
    cookie: {},
    userCtx: { db: target.db, name: parts.user, roles: ['_admin'] },
    secObj: {}
  };
}

export function couchRequest(req: IncomingMessage, target: ShowTarget, body: string | undefined, user: string): object {
  return showRequest(target, { method: req.method ?? 'GET', rawPath: req.url ?? '/', headers: headersOf(req), body, peer: req.socket.remoteAddress, user });
}
