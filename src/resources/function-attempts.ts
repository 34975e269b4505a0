// GET .../functions/{F}/attempts and .../functions/attempts: recent attempts,
// newest first (Kazoo's webhook attempts, for functions).
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, functionParams } from '../http/schemas.js';

const limitQuery = { type: 'object', properties: { page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } } as const;

export function functionAttemptsResource(app: FastifyInstance, { functions, attempts }: Services): void {
  resource(app, '/v2/accounts/:accountId/functions/:functionId/attempts', 'attempts', {
    params: functionParams,
    exists: (request) => functions.get(request.account!._id, request.params.functionId)
  }, {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'A function\'s recent attempts, newest first' },
      handler: async (request, fn) => success(request, await attempts.list(fn._id))
    }
  });
  resource(app, '/v2/accounts/:accountId/functions/attempts', 'attempts', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'The account\'s recent attempts over all its functions, newest first', params: accountParams, querystring: limitQuery },
      handler: async (request) => success(request, await attempts.listAccount(request.account!._id, request.query.page_size))
    }
  });
}
