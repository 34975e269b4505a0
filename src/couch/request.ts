// The one way couchfn speaks HTTP to CouchDB, as nano's relax is nano's:
// stores, show calls, the changes feed, deploy and migration all come
// through `send`. It owns the deadline, the answer's size limit, and what a
// failure becomes: one CouchError (status, error, reason), with no answer
// at all reported as status 0, and never a credential in it.
import type { Connection } from './connection.js';

export class CouchError extends Error {
  /** status 0: CouchDB gave no answer (error "unreachable" or "timeout"; `code` says why) */
  constructor(readonly status: number, readonly error: string, readonly reason: string, readonly code?: string) {
    super(`${status ? `CouchDB answered ${status} ${error}` : `CouchDB ${error}`}: ${reason}`);
  }
}

export interface CouchRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** below the server root, segments already encoded: `functions/_design/functions/_view/x` */
  path: string;
  query?: Record<string, unknown> | string;
  body?: unknown;
  headers?: Record<string, string>;
  /** default: the connection's */
  timeoutMs?: number;
  /** larger answers fail with error "too_large" */
  maxBytes?: number;
}

export interface CouchAnswer {
  status: number;
  text: string;
  /** response headers, names in lower case (a show may set its own) */
  headers?: Record<string, string | string[] | undefined>;
}

// View parameters CouchDB reads as JSON even when they are strings.
const JSON_PARAMS = new Set(['key', 'keys', 'startkey', 'endkey', 'start_key', 'end_key']);

export function queryString(query: CouchRequest['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query;
  return Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => {
    const text = typeof v === 'string' && !JSON_PARAMS.has(k) ? v : JSON.stringify(v);
    return `${encodeURIComponent(k)}=${encodeURIComponent(text)}`;
  }).join('&');
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function noAnswer(err: unknown, connection: Connection, timeoutMs: number): CouchError {
  const e = err as { name?: string; code?: string };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return new CouchError(0, 'timeout', `${connection.origin} did not answer within ${timeoutMs} ms`);
  }
  const code = e.code ?? e.name ?? 'no answer';
  return new CouchError(0, 'unreachable', `cannot reach ${connection.origin} (${code})`, code);
}

/** Any answer, whatever its status; only no answer (or one too large) throws. */
export async function send(connection: Connection, request: CouchRequest): Promise<CouchAnswer> {
  const timeoutMs = request.timeoutMs ?? connection.timeoutMs;
  const query = queryString(request.query);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (connection.authorization) headers.authorization = connection.authorization;
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  let res;
  try {
    res = await connection.pool.request({
      method: request.method ?? 'GET', path: `${connection.basePath}/${request.path}${query ? `?${query}` : ''}`, headers, body,
      headersTimeout: timeoutMs, bodyTimeout: timeoutMs
    });
  } catch (err) {
    throw noAnswer(err, connection, timeoutMs);
  }
  let text: string | null;
  try {
    text = await readLimited(res.body, request.maxBytes ?? Infinity);
  } catch (err) {
    throw noAnswer(err, connection, timeoutMs);
  }
  if (text === null) throw new CouchError(res.statusCode, 'too_large', `the answer is larger than ${request.maxBytes} bytes`);
  return { status: res.statusCode, text, headers: res.headers };
}

/** An answer's JSON, or undefined when it is not JSON. */
export function parsed<T>(text: string): T | undefined {
  try { return text ? JSON.parse(text) as T : undefined; } catch { return undefined; }
}

/** The error an answer that is not a success stands for. */
export function errorOf({ status, text }: CouchAnswer): CouchError {
  const body = parsed<{ error?: string; reason?: string }>(text);
  return new CouchError(status, body?.error ?? 'unknown_error', body?.reason ?? text.slice(0, 200));
}

/** The parsed JSON of a 2xx answer; any other status throws CouchError. */
export async function sendJson<T>(connection: Connection, request: CouchRequest): Promise<T> {
  const answer = await send(connection, request);
  if (answer.status >= 200 && answer.status < 300) return parsed<T>(answer.text) as T;
  throw errorOf(answer);
}
