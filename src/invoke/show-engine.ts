// The CouchDB show as a function engine: GET {db}/_design/functions/_show/wh/{id}
// on the functions database's connection, exactly as Kazoo's cf_function
// calls it, within a deadline and reading no more than a callflow may take.
import type { Connection } from '../couch/connection.js';
import { docPath } from '../couch/database.js';
import { CouchError, send } from '../couch/request.js';
import type { FunctionEngine, RunLimits } from './engine.js';
import { classifyShow, type Outcome } from './outcome.js';

export class ShowEngine implements FunctionEngine {
  constructor(private readonly connection: () => Connection, private readonly database: string) {}

  async run(functionId: string, query: string, limits: RunLimits): Promise<Outcome> {
    try {
      const { status, text, headers } = await send(this.connection(), {
        path: `${encodeURIComponent(this.database)}/_design/functions/_show/wh/${docPath(functionId)}`,
        query, timeoutMs: limits.deadlineMs, maxBytes: limits.maxResultBytes
      });
      const outcome = classifyShow(status, text);
      // the version whose code ran, read from the same answer: no second request
      const version = headers?.['x-function-version'];
      if (typeof version === 'string') outcome.version = version;
      return outcome;
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
