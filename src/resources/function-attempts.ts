// GET .../functions/{F}/attempts and .../functions/attempts: recent attempts,
// newest first (Kazoo's webhook attempts, for functions).
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, functionParams } from '../http/schemas.js';

const limitQuery = { type: 'object', properties: { page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } };

export function functionAttemptsResource(app: FastifyInstance, { functions, attempts }: Services): void {
  resource(app, '/v2/accounts/:accountId/functions/:functionId/attempts', 'attempts', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'A function\'s recent attempts, newest first', params: functionParams },
      handler: async (request) => {
        const { functionId } = request.params as { functionId: string };
        const doc = await functions.get(request.account!._id, functionId);
        return success(request, await attempts.list(doc._id));
      }
    }
  });
  resource(app, '/v2/accounts/:accountId/functions/attempts', 'attempts', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'The account\'s recent attempts over all its functions, newest first', params: accountParams, querystring: limitQuery },
      handler: async (request) => {
        const { page_size: limit } = request.query as { page_size: number };
        return success(request, await attempts.listAccount(request.account!._id, limit));
      }
    }
  });
}
