// POST /v2/accounts/{A}/functions/validate: checks a function as a save
// would (schema, ES5 at line and column, size) and saves nothing, so an
// editor can show the server's own verdict as the code is typed.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { publicFields } from '../couch/docs.js';
import { checkFunction } from '../functions/rules.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, requestBody } from '../http/schemas.js';

export function functionValidationResource(app: FastifyInstance, { config }: Services): void {
  resource(app, '/v2/accounts/:accountId/functions/validate', 'functions', {
    POST: {
      scope: 'functions.write',
      schema: { summary: 'Check a function without saving it: 400 with each problem (function_js at line and column), else valid', params: accountParams, body: requestBody(anyObject) },
      handler: async (request) => {
        // a draft may have no name yet: only what it has is judged
        const fields = { name: 'draft', ...publicFields(request.body.data) };
        checkFunction(fields, config.maxFunctionBytes);
        return success(request, { valid: true });
      }
    }
  });
}
