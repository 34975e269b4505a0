// What an invocation came to. Only the function's own faults count against
// it (auto-disable); the platform's faults never do.
import { ApiError, badIdentifier, gatewayTimeout, unavailable } from '../http/errors.js';

export type OutcomeKind =
  | 'success'
  | 'function_error' | 'invalid_callflow' | 'timeout' // the function's fault
  | 'not_found' | 'disabled' // the caller's
  | 'busy' // the account has too many calls running; the code never ran
  | 'unavailable'; // the platform's

export const FUNCTION_FAULTS: ReadonlySet<OutcomeKind> = new Set(['function_error', 'invalid_callflow', 'timeout']);

export interface Outcome {
  kind: OutcomeKind;
  /** the callflow as JSON text, on success */
  callflow?: string;
  error?: ApiError;
  /** what went wrong, in a sentence */
  reason?: string;
}

function fault(kind: OutcomeKind, error: ApiError, reason: string): Outcome {
  return { kind, error, reason };
}

/** The show's answer (status and JSON body) as an outcome. */
export function classifyShow(functionId: string, status: number, text: string): Outcome {
  if (status === 200) return { kind: 'success', callflow: text };
  let body: { error?: string; reason?: string } = {};
  try { body = JSON.parse(text); } catch { /* not JSON: judged by status alone */ }
  const reason = body.reason ?? `status ${status}`;
  if (status === 404) return fault('not_found', badIdentifier(functionId), 'function not found');
  if (status === 429) return fault('busy', new ApiError(429, 'too_many_requests', { cause: reason }), reason);
  if (status === 423) return fault('disabled', new ApiError(423, 'function_disabled', { cause: reason }), reason);
  if (status === 500 && (body.error === 'function_error' || body.error === 'invalid_callflow')) {
    return fault(body.error, new ApiError(500, body.error, { message: reason }), reason);
  }
  if (status === 500 && body.error === 'os_process_error') {
    if (/time/i.test(reason)) return fault('timeout', gatewayTimeout('the function ran past its time limit'), 'ran past its time limit');
    return fault('function_error', new ApiError(500, 'function_error', { message: reason }), reason);
  }
  if (body.error === 'eval_blocked' || body.error === 'lockdown_failed') return fault('unavailable', unavailable(reason), reason);
  return fault('unavailable', unavailable(`the functions database answered ${status} ${body.error ?? ''}`.trim()), reason);
}
