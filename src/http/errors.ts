// Every failure the API reports is an ApiError: an HTTP status, Kazoo's
// message word and its data. One handler turns it into the envelope.
export class ApiError extends Error {
  constructor(readonly status: number, readonly kazooMessage: string, readonly data: Record<string, unknown> = {}) {
    super(kazooMessage);
  }
}

export type FieldErrors = Record<string, Record<string, Record<string, unknown>>>;

export const badIdentifier = (id: string) => new ApiError(404, 'bad_identifier', { cause: id });
export const invalidCredentials = (cause?: string) => new ApiError(401, 'invalid_credentials', cause ? { cause } : {});
export const forbidden = (cause?: string) => new ApiError(403, 'forbidden', cause ? { cause } : {});
export const invalidMethod = (allowed: string[]) => new ApiError(405, 'invalid_method', { allowed });
export const conflict = (cause = 'the document changed since it was read') => new ApiError(409, 'datastore_conflict', { cause });
export const validationError = (fields: FieldErrors) => new ApiError(400, 'validation error', fields);
export const invalidRequest = (cause: string) => new ApiError(400, 'invalid request', { cause });
export const accountDisabled = (id: string) => new ApiError(423, 'account_disabled', { cause: id });
export const unavailable = (cause: string) => new ApiError(503, 'datastore_unreachable', { cause });
export const gatewayTimeout = (cause: string) => new ApiError(504, 'timeout', { cause });

/** One field and rule, in Kazoo's validation shape. */
export function fieldError(field: string, rule: string, message: string, extra: Record<string, unknown> = {}): ApiError {
  return validationError({ [field]: { [rule]: { message, ...extra } } });
}
