// The one place any error becomes a response: Kazoo's error envelope.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { couchFailure } from '../couch/docs.js';
import { failure } from './envelope.js';
import { ApiError, validationError } from './errors.js';
import { fieldErrors } from './validation.js';

function apiErrorOf(err: FastifyError): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    const where = err.validationContext;
    const fields = fieldErrors(err.validation as never, where === 'body' ? '/data' : '');
    if (where === 'body' && err.validation.some((e) => e.instancePath === '' && (e.params as { missingProperty?: string }).missingProperty === 'data')) {
      return validationError({ data: { required: { message: 'Field is required but missing' } } });
    }
    return validationError(where === 'body' ? fields : Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${where}.${k}`, v])));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ApiError(413, 'too large', { cause: 'the request body is too large' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ApiError(415, 'unsupported media type', { cause: 'send application/json' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new ApiError(400, 'invalid json', { cause: err.message });
  }
  if (err instanceof SyntaxError || err.statusCode === 400) return new ApiError(400, 'invalid json', { cause: err.message });
  if ('statusCode' in err && (err as { scope?: string }).scope === 'couch') return couchFailure(err);
  return new ApiError(500, 'unspecified', {});
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const error = apiErrorOf(err);
  if (error.status === 500 && error.kazooMessage === 'unspecified') request.log.error({ err }, 'unexpected failure');
  else if (error.status >= 503) request.log.warn({ cause: error.data.cause }, error.kazooMessage);
  void reply.code(error.status).type('application/json').send(failure(request, error));
}
