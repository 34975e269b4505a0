// GET functions/_design/functions/_show/wh/{id}?{query} on the functions
// database's connection, as Kazoo's cf_function does, within a deadline and
// reading no more of the answer than a callflow may take.
import type { Connection } from '../couch/connection.js';
import { ApiError, gatewayTimeout, unavailable } from '../http/errors.js';
import { classifyShow, type Outcome } from './outcome.js';

export interface ShowLimits { deadlineMs: number; maxResultBytes: number }

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

export async function callShow(connection: Connection, functionId: string, query: string, limits: ShowLimits): Promise<Outcome> {
  const path = `${connection.basePath}/functions/_design/functions/_show/wh/${encodeURIComponent(functionId)}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (connection.authorization) headers.authorization = connection.authorization;
  const { deadlineMs } = limits;
  try {
    // headersTimeout and bodyTimeout bound the wait (a callflow arrives with
    // its headers); an AbortSignal per request would cost more than it adds
    const res = await connection.pool.request({ method: 'GET', path, headers, headersTimeout: deadlineMs, bodyTimeout: deadlineMs });
    const text = await readLimited(res.body, limits.maxResultBytes);
    if (text === null) {
      const reason = `the callflow is larger than ${limits.maxResultBytes} bytes`;
      return { kind: 'invalid_callflow', error: new ApiError(500, 'invalid_callflow', { message: reason }), reason };
    }
    return classifyShow(functionId, res.statusCode, text);
  } catch (err) {
    const e = err as { name?: string; code?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      // The engine's own time limit, which starts when the code starts, is
      // what blames a function; the proxy's cannot tell waiting from running.
      const reason = `no answer within ${deadlineMs} ms; not counted against the function`;
      return { kind: 'unavailable', error: gatewayTimeout(reason), reason };
    }
    return { kind: 'unavailable', error: unavailable('the functions database cannot be reached'), reason: e.code ?? 'unreachable' };
  }
}

/** Does the connection's CouchDB answer at all? */
export async function answers(connection: Connection, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await connection.pool.request({
      method: 'GET', path: `${connection.basePath}/`, headers: connection.authorization ? { authorization: connection.authorization } : {},
      signal: AbortSignal.timeout(timeoutMs)
    });
    await res.body.dump();
    return res.statusCode < 500;
  } catch {
    return false;
  }
}
