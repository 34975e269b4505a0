// Every failure the API reports becomes an ApiError: an HTTP status, Kazoo's
// message word and its data. Domain errors get their status here, and only
// here; one handler turns any of them into the envelope.
import { DomainError, type ErrorKind } from '../errors.js';

export class ApiError extends Error {
  constructor(
    readonly status: number, readonly kazooMessage: string, readonly data: Record<string, unknown> = {},
    /** e.g. Retry-After */
    readonly headers: Record<string, string> = {},
    /** the function's own failure, not the service's (logged at info) */
    readonly functionFault = false
  ) {
    super(kazooMessage);
  }
}

export const tooManyRequests = (cause: string, retryAfter: number) =>
  new ApiError(429, 'too_many_requests', { cause, retry_after: retryAfter }, { 'retry-after': String(retryAfter) });

const STATUS: Record<ErrorKind, number> = {
  'bad_identifier': 404, 'invalid_credentials': 401, 'forbidden': 403, 'datastore_conflict': 409, 'validation error': 400,
  'invalid request': 400, 'account_disabled': 423, 'function_disabled': 423, 'too large': 413, 'too_many_requests': 429,
  'function_error': 500, 'invalid_callflow': 500, 'timeout': 504, 'datastore_unreachable': 503, 'datastore_fault': 503,
  'storage migration failed': 400
};

export function fromDomain(err: DomainError): ApiError {
  return new ApiError(STATUS[err.kind], err.kind, err.data);
}

export const invalidMethod = (allowed: string[]) => new ApiError(405, 'invalid_method', { allowed });
