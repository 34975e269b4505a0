// The one place any error becomes a response: Kazoo's error envelope.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CouchError } from '../couch/request.js';
import { CallTooDeep } from '../invoke/encode.js';
import { DomainError, validationError } from '../errors.js';
import { fieldErrors } from '../schemas/validate.js';
import { failure } from './envelope.js';
import { redactUrl } from './redact.js';
import { ApiError, fromDomain } from './errors.js';

/** A CouchDB failure nobody below handled, as the API reports it. */
function fromCouch(err: CouchError): ApiError {
  if (err.status === 0 && err.error === 'timeout') return new ApiError(504, 'timeout', { cause: 'the datastore did not answer in time' });
  if (err.status === 0) return new ApiError(503, 'datastore_unreachable', { cause: 'the datastore cannot be reached' });
  if (err.status === 409) return new ApiError(409, 'datastore_conflict', { cause: 'the document changed since it was read' });
  // validate_doc_update refused the document
  if (err.status === 403) return new ApiError(400, 'validation error', { cause: err.reason });
  return new ApiError(503, 'datastore_fault', { cause: `the datastore answered ${err.status} ${err.error}` });
}

function fromValidation(err: FastifyError, validation: NonNullable<FastifyError['validation']>): ApiError {
  const where = err.validationContext;
  const fields = fieldErrors(validation, where === 'body' ? '/data' : '');
  if (where === 'body' && validation.some((e) => e.instancePath === '' && e.params.missingProperty === 'data')) {
    return fromDomain(validationError({ data: { required: { message: 'Field is required but missing' } } }));
  }
  return fromDomain(validationError(where === 'body' ? fields : Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${where}.${k}`, v]))));
}

function apiErrorOf(err: FastifyError, request: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return fromDomain(err);
  if (err instanceof CouchError) return fromCouch(err);
  if (err instanceof CallTooDeep) return new ApiError(400, 'invalid request', { cause: err.message });
  if (err.validation) return fromValidation(err, err.validation);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'too large', {
        cause: `the request body is larger than ${request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit} bytes (${request.routeOptions.config?.bodyLimitSetting ?? 'COUCHFN_BODY_LIMIT_BYTES'})`
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ApiError(415, 'unsupported media type', { cause: 'send the body as JSON with Content-Type: application/json' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new ApiError(400, 'invalid json', { cause: err.message });
  }
  if (err instanceof SyntaxError || err.statusCode === 400) return new ApiError(400, 'invalid json', { cause: err.message });
  return new ApiError(500, 'unspecified', {});
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const error = apiErrorOf(err, request);
  const where = { url: redactUrl(request.url), status: error.status, cause: error.data.cause };
  if (error.status === 500 && error.kazooMessage === 'unspecified') request.log.error({ ...where, err }, 'unexpected failure');
  // a function's own failure is its owner's business, not the service's error
  else if (error.functionFault) request.log.info(where, `function failed: ${error.kazooMessage}`);
  else if (error.status >= 503) request.log.warn(where, error.kazooMessage);
  void reply.code(error.status).headers(error.headers).type('application/json').send(failure(request, error));
}
