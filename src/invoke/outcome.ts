// What an invocation came to, in the domain's words. Only the function's own
// faults count against it (auto-disable); nothing else ever does.
export type OutcomeKind =
  | 'success'
  | 'function_error' | 'invalid_callflow' | 'timeout' // the function's fault
  | 'not_found' | 'disabled' | 'account_disabled' | 'too_large' // the caller's
  | 'busy' // its account had too many calls waiting: the code never ran
  | 'deadline' // the proxy stopped waiting: it cannot tell waiting from running
  | 'unavailable'; // the platform's

import type { FunctionLogs } from './function-logs.js';

export const FUNCTION_FAULTS: ReadonlySet<OutcomeKind> = new Set(['function_error', 'invalid_callflow', 'timeout']);

export interface Outcome {
  kind: OutcomeKind;
  /** the callflow as JSON text, on success */
  callflow?: string;
  /** what went wrong, in a sentence */
  reason?: string;
  /** busy: when to try again, in seconds */
  retryAfter?: number;
  /** what the function logged, when it ran and logged anything */
  logs?: FunctionLogs;
  /** the published version that ran (the show's X-Function-Version), for functions that have versions */
  version?: string;
}

/** CouchDB's reason when the couchjs process serving a call died. */
export const PROCESS_DIED = /^\{exit_status,\d+\}$/;

/** The show's answer (status and JSON body) as an outcome. */
export function classifyShow(status: number, text: string): Outcome {
  // CouchDB ends a show's JSON with a newline; the embedded engine does not: trimmed, every engine answers alike
  if (status === 200) return { kind: 'success', callflow: text.trimEnd() };
  let body: { error?: string; reason?: string } = {};
  try { body = JSON.parse(text); } catch { /* not JSON: judged by status alone */ }
  const reason = body.reason ?? `status ${status}`;
  // the show's own 404 (no such function); a 404 from CouchDB itself (no
  // design doc, no database) is the platform's
  if (status === 404 && body.error === 'not_found' && /function/.test(reason)) return { kind: 'not_found', reason: 'function not found' };
  if (status === 423) return { kind: 'disabled', reason };
  if (status === 429) return { kind: 'busy', reason };
  if (status === 500 && (body.error === 'function_error' || body.error === 'invalid_callflow')) return { kind: body.error, reason };
  // the show ended its query server process, left full by what outlived the call
  if (status === 500 && body.error === 'out_of_memory') return { kind: 'function_error', reason: `the function ran out of memory: ${reason}` };
  if (status === 500 && body.error === 'os_process_error') {
    if (/timed out|timeout|time limit/i.test(reason)) return { kind: 'timeout', reason: 'the function ran past the engine\'s time limit' };
    if (/out of memory/i.test(reason)) return { kind: 'function_error', reason: `the function ran out of memory: ${reason}` };
    if (PROCESS_DIED.test(reason)) return { kind: 'function_error', reason: `the query server process running the function died: ${reason}` };
    return { kind: 'function_error', reason };
  }
  if (body.error === 'eval_blocked' || body.error === 'lockdown_failed') return { kind: 'unavailable', reason };
  return { kind: 'unavailable', reason: `the functions database answered ${status}${body.error ? ` ${body.error}` : ''}: ${reason}` };
}
