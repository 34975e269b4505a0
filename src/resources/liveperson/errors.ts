// The one place the gateway's failures get LivePerson's shapes: V1
// `{errorCode, errorMsg}`, V2 `{code, message}` (a V2 client sends
// LP-EventSource). LivePerson's client raises FaaSLambdaError (the
// function's own fault) only for a V1 code starting
// com.liveperson.faas.handler or a V2 code starting
// com.customer.faas.function.threw-error, and it retries 408, 413, 429, 500,
// 502-504, 521, 522 and 524 up to three times; so a function's own failure
// answers 901 (as LivePerson's platform does), which it never retries.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CouchError } from '../../couch/request.js';
import { DomainError, type ErrorKind } from '../../errors.js';
import { ApiError } from '../../http/errors.js';
import type { Outcome, OutcomeKind } from '../../invoke/outcome.js';
import { redactUrl } from '../../http/redact.js';
import { CallTooDeep } from '../../invoke/encode.js';
import type { RecordedAnswer } from '../../gateway/requests.js';

export type LpMode = 'v1' | 'v2';

/** V2 clients name their event source in a header; V1 clients in the query. */
export function modeOf(request: FastifyRequest): LpMode {
  return request.headers['lp-eventsource'] !== undefined ? 'v2' : 'v1';
}

export const FUNCTION_FAILED = 901;

interface LpCode { status: number; v1: string; v2: string; functionFault?: true }

const ES = 'com.liveperson.faas.es.';
const code = (status: number, v1: string, v2: string, functionFault?: true): LpCode => ({ status, v1, v2, ...(functionFault ? { functionFault } : {}) });

// what each failure answers, by its cause
const MISSING = code(404, `${ES}missinglambda`, 'com.liveperson.faas.function.not-found');
const BAD_INPUT = code(400, `${ES}badinput`, 'com.liveperson.faas.evg.invalid');
const UNAVAILABLE = code(503, `${ES}unavailable`, 'com.liveperson.faas.evg.general');
const BUSY = code(429, `${ES}unavailable`, 'com.liveperson.faas.evg.general');
const UNAUTHORIZED = code(401, `${ES}unauthorized`, 'com.liveperson.faas.evg.unauthorized');
const FORBIDDEN = code(403, `${ES}forbidden`, 'com.liveperson.faas.evg.forbidden');
const NOT_DEPLOYED = code(423, `${ES}notdeployed`, 'com.liveperson.faas.function.not-deployed');
const TIMEOUT = code(504, `${ES}unavailable`, 'com.liveperson.faas.evg.general');

const OUTCOMES: Record<Exclude<OutcomeKind, 'success'>, LpCode> = {
  function_error: code(FUNCTION_FAILED, 'com.liveperson.faas.handler.custom-failure', 'com.customer.faas.function.threw-error', true),
  invalid_callflow: code(FUNCTION_FAILED, 'com.liveperson.faas.handler.custom-failure', 'com.customer.faas.function.threw-error', true),
  timeout: code(FUNCTION_FAILED, 'com.liveperson.faas.handler.executiontime-exceeded', 'com.customer.faas.function.execution-exceeded', true),
  not_found: MISSING,
  disabled: NOT_DEPLOYED,
  account_disabled: FORBIDDEN,
  // nothing ran: 400, not 413, which the client would send three more times
  too_large: BAD_INPUT,
  busy: BUSY,
  deadline: TIMEOUT,
  unavailable: UNAVAILABLE
};

const DOMAIN: Record<ErrorKind, LpCode> = {
  'bad_identifier': MISSING, 'invalid_credentials': UNAUTHORIZED, 'forbidden': FORBIDDEN, 'datastore_conflict': UNAVAILABLE,
  'validation error': BAD_INPUT, 'invalid request': BAD_INPUT, 'account_disabled': FORBIDDEN, 'function_disabled': NOT_DEPLOYED,
  'too large': BAD_INPUT, 'too_many_requests': BUSY, 'function_error': OUTCOMES.function_error, 'invalid_callflow': OUTCOMES.invalid_callflow,
  'timeout': TIMEOUT, 'datastore_unreachable': UNAVAILABLE, 'datastore_fault': UNAVAILABLE, 'storage migration failed': BAD_INPUT
};

/** A failure on its way to a LivePerson client. */
export class LpError extends Error {
  constructor(readonly lp: LpCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }

  body(mode: LpMode): Record<string, string> {
    return mode === 'v2' ? { code: this.lp.v2, message: this.message } : { errorCode: this.lp.v1, errorMsg: this.message };
  }

  /** As an answer to record and replay (exactly-once). */
  answer(mode: LpMode): RecordedAnswer {
    return { status: this.lp.status, body: JSON.stringify(this.body(mode)), ...(Object.keys(this.headers).length ? { headers: this.headers } : {}) };
  }
}

export function outcomeFailure(outcome: Outcome): LpError {
  const kind = outcome.kind as Exclude<OutcomeKind, 'success'>;
  const headers: Record<string, string> = outcome.retryAfter ? { 'retry-after': String(outcome.retryAfter) } : {};
  return new LpError(OUTCOMES[kind], outcome.reason ?? kind, headers);
}

function lpErrorOf(err: FastifyError): LpError {
  if (err instanceof LpError) return err;
  if (err instanceof DomainError) {
    return new LpError(DOMAIN[err.kind], typeof err.data.cause === 'string' ? err.data.cause : err.kind);
  }
  if (err instanceof ApiError) {
    const known = Object.values(DOMAIN).find((c) => c.status === err.status);
    return new LpError(known ?? code(err.status, `${ES}general`, 'com.liveperson.faas.evg.general'), String(err.data.cause ?? err.kazooMessage), err.headers);
  }
  if (err instanceof CouchError) return new LpError(err.status === 0 && err.error === 'timeout' ? TIMEOUT : UNAVAILABLE, 'the datastore cannot be reached');
  if (err.validation || err instanceof CallTooDeep) return new LpError(BAD_INPUT, err.message);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new LpError(BAD_INPUT, 'the request body is too large (COUCHFN_BODY_LIMIT_BYTES)');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new LpError(BAD_INPUT, err.message);
  return new LpError(code(500, `${ES}general`, 'com.liveperson.faas.evg.general'), 'unexpected failure');
}

/** Sends a recorded answer (a first one, or its replay). 901 is past what fastify allows, so it is set on the raw response. */
export function sendAnswer(reply: FastifyReply, answer: RecordedAnswer): FastifyReply {
  void reply.headers(answer.headers ?? {}).type('application/json');
  if (answer.status > 599) reply.raw.statusCode = answer.status;
  else void reply.code(answer.status);
  return reply.send(answer.body);
}

/** The gateway's error handler (its routes only; the rest of the API keeps Kazoo's envelope). */
export function handleLpError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const error = lpErrorOf(err);
  const where = { url: redactUrl(request.url), status: error.lp.status, cause: error.message };
  if (error.lp.status === 500) request.log.error({ ...where, err }, 'unexpected failure');
  else if (error.lp.functionFault) request.log.info(where, 'function failed');
  else if (error.lp.status >= 503) request.log.warn(where, 'gateway failure');
  void sendAnswer(reply, error.answer(modeOf(request)));
}
