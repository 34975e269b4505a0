// Two kinds of failure. FunctionError: the customer's function itself failed
// (threw, returned a bad callflow, ran too long): not worth paging anyone.
// CouchfnError: everything else (auth, not found, unavailable, network).

export class CouchfnError extends Error {
  override readonly name: string = 'CouchfnError';
  constructor(
    message: string,
    /** HTTP status, when there was an answer */
    readonly status: number | undefined,
    /** Kazoo's message word (bad_identifier, invalid_credentials...) or network, timeout, aborted */
    readonly code: string,
    readonly requestId?: string,
    readonly data?: unknown
  ) {
    super(message);
  }
}

export class FunctionError extends CouchfnError {
  override readonly name = 'FunctionError';
}

const FUNCTION_FAULTS = new Set(['function_error', 'invalid_callflow']);

interface ErrorEnvelope { message?: string; data?: { message?: string; cause?: string }; request_id?: string }

/** The error an answer stands for; `invocation` says whether a function ran. */
export function errorOf(status: number, body: unknown, invocation: boolean): CouchfnError {
  const envelope = (body && typeof body === 'object' ? body : {}) as ErrorEnvelope;
  const code = envelope.message ?? `http_${status}`;
  const detail = envelope.data?.message ?? envelope.data?.cause;
  const message = detail ? `${code}: ${detail}` : code;
  const isFunctionFault = invocation && (FUNCTION_FAULTS.has(code) || (status === 504 && code === 'timeout'));
  const Kind = isFunctionFault ? FunctionError : CouchfnError;
  return new Kind(message, status, code, envelope.request_id, envelope.data);
}
