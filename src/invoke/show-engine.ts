// The CouchDB show as a function engine: GET {db}/_design/functions/_show/wh/{id}
// on the functions database's connection, exactly as Kazoo's cf_function
// calls it, within a deadline and reading no more than a callflow may take.
import type { Connection } from '../couch/connection.js';
import { docPath } from '../couch/database.js';
import { CouchError, send } from '../couch/request.js';
import type { FunctionEngine, RunLimits } from './engine.js';
import { classifyShow, type Outcome } from './outcome.js';
import { LOG_LIMITS_HEADER, LOGS_HEADER, logLimitsHeader, parseLogsHeader } from './function-logs.js';

/** Which published version ran: the show answers it, and so does the API (names in lower case). */
export const VERSION_HEADER = 'x-function-version';

/** The show's answer as an outcome, with what its headers carry: the run's
 * log lines and, for a function with versions, which one ran. Every engine
 * that runs the show reads its answer here. */
export function showOutcome(status: number, text: string, headers: Record<string, unknown>, limits: RunLimits): Outcome {
  const outcome = classifyShow(status, text);
  const logs = parseLogsHeader(headers[LOGS_HEADER], limits.logLines, limits.logBytes);
  if (logs) outcome.logs = logs;
  // the version whose code ran, read from the same answer: no second request
  const version = headers[VERSION_HEADER];
  if (typeof version === 'string') outcome.version = version;
  return outcome;
}

export class ShowEngine implements FunctionEngine {
  constructor(private readonly connection: () => Connection, private readonly database: string) {}

  async run(functionId: string, query: string, limits: RunLimits): Promise<Outcome> {
    try {
      const { status, text, headers } = await send(this.connection(), {
        path: `${encodeURIComponent(this.database)}/_design/functions/_show/wh/${docPath(functionId)}`,
        query, timeoutMs: limits.deadlineMs, maxBytes: limits.maxResultBytes,
        headers: { [LOG_LIMITS_HEADER]: logLimitsHeader(limits.logLines, limits.logBytes) }
      });
      return showOutcome(status, text, headers ?? {}, limits);
    } catch (err) {
      if (!(err instanceof CouchError)) throw err;
      if (err.error === 'too_large') return { kind: 'invalid_callflow', reason: `the callflow is larger than ${limits.maxResultBytes} bytes (COUCHFN_MAX_RESULT_BYTES)` };
      // The engine's own time limit, which starts when the code starts, is
      // what blames a function; the proxy's cannot tell waiting from running.
      if (err.error === 'timeout') {
        return { kind: 'deadline', reason: `no answer within ${limits.deadlineMs} ms (COUCHFN_INVOKE_TIMEOUT_MS); not counted against the function` };
      }
      return { kind: 'unavailable', reason: 'the functions database cannot be reached' };
    }
  }
}
