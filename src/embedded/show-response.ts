// CouchDB 3.x's rules for what a show returns, as a plain answer (status,
// headers, body): the embedded server sends it, the sandbox engine reads it,
// so both answer exactly as a CouchDB would.
import type { ShowOutcome } from './show-protocol.js';

const RESPONSE_KEYS = new Set(['code', 'headers', 'json', 'body', 'base64', 'stop']);

export interface ShowAnswer { status: number; headers: Record<string, string>; body: string | Buffer }

/** Set on an answer whose call ran in a runtime no other call had used (a
 * real CouchDB's couchjs never says so): only there does running out of
 * memory prove anything against the function. */
export const OWN_RUNTIME_HEADER = 'x-couchfn-runtime';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ShowAnswer =>
  ({ status, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const html = (status: number, body: string | Buffer, headers: Record<string, string> = {}): ShowAnswer =>
  ({ status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body });

/** `docMissing`: the show was asked for a doc that is not there. */
export function showAnswer(outcome: ShowOutcome, docMissing: boolean): ShowAnswer {
  const answer = answerOf(outcome, docMissing);
  if (outcome.own) answer.headers[OWN_RUNTIME_HEADER] = 'own';
  return answer;
}

function answerOf(outcome: ShowOutcome, docMissing: boolean): ShowAnswer {
  if (!outcome.ok) {
    if (outcome.failure === 'busy') return json(429, { error: 'too_many_requests', reason: outcome.message });
    if (outcome.failure === 'closed' || outcome.failure === 'setup' || outcome.failure === 'rerun') return json(503, { error: 'service_unavailable', reason: outcome.message });
    if (outcome.failure === 'fatal') return json(500, { error: outcome.error ?? 'unknown_error', reason: outcome.message });
    if (outcome.failure === 'render_error' && docMissing) return json(404, { error: 'not_found', reason: 'missing' });
    if (outcome.failure === 'render_error' || outcome.failure === 'compilation_error') {
      return json(500, { error: outcome.failure, reason: `function raised error: ${outcome.message}` });
    }
    return json(500, { error: 'os_process_error', reason: outcome.message });
  }
  const value = outcome.result === undefined ? undefined : JSON.parse(outcome.result);
  if (value === undefined || value === null) return html(200, '');
  if (typeof value === 'string') return html(200, value, { 'Content-Security-Policy': 'sandbox' });
  const unknown = Object.keys(value).filter((key) => !RESPONSE_KEYS.has(key));
  if (typeof value !== 'object' || unknown.length > 0) return json(500, { error: 'render_error', reason: `invalid response keys: ${unknown.join(', ')}` });
  const code = typeof value.code === 'number' ? value.code : 200;
  const headers: Record<string, string> = { ...value.headers };
  if (value.json !== undefined) return json(code, JSON.stringify(value.json), headers);
  const body = value.base64 !== undefined ? Buffer.from(String(value.base64), 'base64') : String(value.body ?? '');
  return html(code, body, { 'Content-Security-Policy': 'sandbox', ...headers });
}
