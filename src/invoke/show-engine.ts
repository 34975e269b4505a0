// The CouchDB show as a function engine: GET {db}/_design/functions/_show/wh/{id}
// on the functions database's connection, exactly as Kazoo's cf_function
// calls it, within a deadline and reading no more than a callflow may take.
import { performance } from 'node:perf_hooks';
import type { Connection } from '../couch/connection.js';
import { docPath } from '../couch/database.js';
import { CouchError, send, type CouchAnswer } from '../couch/request.js';
import type { FunctionEngine, RunLimits } from './engine.js';
import { classifyShow, PROCESS_DIED, type Outcome } from './outcome.js';
import { LOG_LIMITS_HEADER, LOGS_HEADER, logLimitsHeader, parseLogsHeader } from './function-logs.js';
import { OWN_RUNTIME_HEADER } from '../embedded/show-response.js';

/** Which published version ran: the show answers it, and so does the API (names in lower case). */
export const VERSION_HEADER = 'x-function-version';

/** The show's answer as an outcome, with what its headers carry: the run's
 * log lines and, for a function with versions, which one ran. Every engine
 * that runs the show reads its answer here. */
export function showOutcome(status: number, text: string, headers: Record<string, unknown>, limits: RunLimits): Outcome {
  const outcome = inSharedProcess(classifyShow(status, text), headers[OWN_RUNTIME_HEADER] === 'own');
  const logs = parseLogsHeader(headers[LOGS_HEADER], limits.logLines, limits.logBytes);
  if (logs) outcome.logs = logs;
  // the version whose code ran, read from the same answer: no second request
  const version = headers[VERSION_HEADER];
  if (typeof version === 'string') outcome.version = version;
  return outcome;
}

// A process that other accounts' calls share (a real CouchDB's couchjs)
// keeps what they leave: compiled code, garbage QuickJS collects only when an
// object is made and its threshold is passed, never when memory runs out. So
// running out of memory there, or the process dying under the call, proves
// nothing against the function: it is the platform's, and not counted. The
// embedded engine runs such a call again in a runtime of its own and says so.
function inSharedProcess(outcome: Outcome, ownRuntime: boolean): Outcome {
  if (ownRuntime || outcome.kind !== 'function_error' || !RESOURCE_FAILURE.test(outcome.reason ?? '')) return outcome;
  return { ...outcome, kind: 'unavailable', reason: `${outcome.reason} (in a query server process other accounts share: not counted against the function)` };
}

// the reasons classifyShow gives these failures: the engine's own words, or
// what the show answers for what the function threw (which a function can
// imitate, and so keep itself from being disabled, and nothing more)
const RESOURCE_FAILURE = /^the function ran out of memory: |^the query server process running the function died: |^(InternalError: )?out of memory/;

// CouchDB's answer when the couchjs process serving the call died
// (`{"error":"os_process_error","reason":"{exit_status,1}"}`), or when the
// show ended it, out of memory ('out_of_memory'); the next call gets another
// process, a new one or an idle one of its pool.

function processEnded(status: number, text: string): boolean {
  if (status !== 500) return false;
  try {
    const body = JSON.parse(text) as { error?: unknown; reason?: unknown };
    return body.error === 'out_of_memory' || (body.error === 'os_process_error' && typeof body.reason === 'string' && PROCESS_DIED.test(body.reason));
  } catch {
    return false;
  }
}

/** The proxy stopped waiting: it cannot tell waiting from running, so it blames no one. */
export function deadlineOutcome(limits: RunLimits): Outcome {
  return { kind: 'deadline', reason: `no answer within ${limits.deadlineMs} ms (COUCHFN_INVOKE_TIMEOUT_MS); not counted against the function` };
}

export class ShowEngine implements FunctionEngine {
  constructor(private readonly connection: () => Connection, private readonly database: string) {}

  /** A couchjs process is shared by every account: what made it die or
   * fill up (memory another account filled, say) may not be this call's
   * doing. So a call whose process ended runs once more, in another process,
   * within what is left of the deadline (held by a timer: the client's own
   * are coarse). */
  async run(functionId: string, query: string, limits: RunLimits): Promise<Outcome> {
    const until = performance.now() + limits.deadlineMs;
    const first = await this.ask(functionId, query, limits, limits.deadlineMs);
    const left = Math.floor(until - performance.now());
    // an end in a runtime of its own (the embedded engine's, after its own rerun) is the function's: no retry
    if ('kind' in first || first.headers?.[OWN_RUNTIME_HEADER] === 'own' || !processEnded(first.status, first.text) || left <= 0) {
      return this.outcome(first, limits);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Outcome>((resolve) => { timer = setTimeout(() => resolve(deadlineOutcome(limits)), left); });
    try {
      return this.outcome(await Promise.race([this.ask(functionId, query, limits, left), late]), limits);
    } finally {
      clearTimeout(timer);
    }
  }

  private outcome(answer: Outcome | CouchAnswer, limits: RunLimits): Outcome {
    return 'kind' in answer ? answer : showOutcome(answer.status, answer.text, answer.headers ?? {}, limits);
  }

  private async ask(functionId: string, query: string, limits: RunLimits, timeoutMs: number): Promise<Outcome | CouchAnswer> {
    try {
      return await send(this.connection(), {
        path: `${encodeURIComponent(this.database)}/_design/functions/_show/wh/${docPath(functionId)}`,
        query, timeoutMs, maxBytes: limits.maxResultBytes,
        headers: { [LOG_LIMITS_HEADER]: logLimitsHeader(limits.logLines, limits.logBytes) }
      });
    } catch (err) {
      if (!(err instanceof CouchError)) throw err;
      if (err.error === 'too_large') return { kind: 'invalid_callflow', reason: `the callflow is larger than ${limits.maxResultBytes} bytes (COUCHFN_MAX_RESULT_BYTES)` };
      // The engine's own time limit, which starts when the code starts, is
      // what blames a function; the proxy's cannot tell waiting from running.
      if (err.error === 'timeout') return deadlineOutcome(limits);
      return { kind: 'unavailable', reason: 'the functions database cannot be reached' };
    }
  }
}
