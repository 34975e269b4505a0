// GET functions/_design/functions/_show/wh/{id}?{query} on the functions
// database's connection, as Kazoo's cf_function does, within a deadline.
import type { Connection } from '../couch/connection.js';
import { gatewayTimeout, unavailable } from '../http/errors.js';
import type { Outcome } from './outcome.js';
import { classifyShow } from './outcome.js';

export async function callShow(connection: Connection, functionId: string, query: string, deadlineMs: number): Promise<Outcome> {
  const path = `${connection.basePath}/functions/_design/functions/_show/wh/${encodeURIComponent(functionId)}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (connection.authorization) headers.authorization = connection.authorization;
  try {
    const res = await connection.pool.request({
      method: 'GET', path, headers, signal: AbortSignal.timeout(deadlineMs), headersTimeout: deadlineMs, bodyTimeout: deadlineMs
    });
    return classifyShow(functionId, res.statusCode, await res.body.text());
  } catch (err) {
    const e = err as { name?: string; code?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return { kind: 'timeout', error: gatewayTimeout(`no answer within ${deadlineMs} ms`), reason: `no answer within ${deadlineMs} ms` };
    }
    return { kind: 'unavailable', error: unavailable('the functions database cannot be reached'), reason: e.code ?? 'unreachable' };
  }
}
