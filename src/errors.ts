// What can go wrong, in the domain's words (Kazoo's error names), without
// HTTP: stores and services throw DomainError; the HTTP layer alone decides
// statuses and envelopes (http/errors.ts).
export type ErrorKind =
  | 'bad_identifier' | 'invalid_credentials' | 'forbidden' | 'datastore_conflict' | 'validation error' | 'invalid request'
  | 'account_disabled' | 'function_disabled' | 'too large' | 'too_many_requests' | 'function_error' | 'invalid_callflow'
  | 'timeout' | 'datastore_unreachable' | 'datastore_fault' | 'storage migration failed';

export type FieldErrors = Record<string, Record<string, Record<string, unknown>>>;

export class DomainError extends Error {
  constructor(readonly kind: ErrorKind, readonly data: Record<string, unknown> = {}) {
    super(typeof data.cause === 'string' ? `${kind}: ${data.cause}` : kind);
  }
}

export const badIdentifier = (id: string) => new DomainError('bad_identifier', { cause: id });
export const invalidCredentials = (cause?: string) => new DomainError('invalid_credentials', cause ? { cause } : {});
export const forbidden = (cause?: string) => new DomainError('forbidden', cause ? { cause } : {});
export const conflict = (cause = 'the document changed since it was read') => new DomainError('datastore_conflict', { cause });
export const validationError = (fields: FieldErrors) => new DomainError('validation error', fields);
export const invalidRequest = (cause: string) => new DomainError('invalid request', { cause });
export const accountDisabled = (id: string) => new DomainError('account_disabled', { cause: id });
export const tooLarge = (cause: string) => new DomainError('too large', { cause });
export const unavailable = (cause: string) => new DomainError('datastore_unreachable', { cause });
export const timedOut = (cause: string) => new DomainError('timeout', { cause });

/** One field and rule, in Kazoo's validation shape. */
export function fieldError(field: string, rule: string, message: string, extra: Record<string, unknown> = {}): DomainError {
  return validationError({ [field]: { [rule]: { message, ...extra } } });
}
