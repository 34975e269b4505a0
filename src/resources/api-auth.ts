// PUT /v2/api_auth: an account's API key -> an auth token (Kazoo's cb_api_auth).
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { invalidCredentials } from '../errors.js';
import { tooManyRequests } from '../http/errors.js';
import { resource } from '../http/resource.js';
import { requestBody } from '../http/schemas.js';

const body = requestBody({
  type: 'object', required: ['api_key'], properties: { api_key: { type: 'string', minLength: 1, maxLength: 128 } }
} as const);

export function apiAuthResource(app: FastifyInstance, { accounts, tokens, guessing }: Services): void {
  resource(app, '/v2/api_auth', 'auth', {
    PUT: {
      auth: 'none',
      status: 201,
      schema: { summary: 'Trade an API key for an auth token (one hour)', body },
      handler: async (request) => {
        const { api_key: apiKey } = request.body.data;
        const wait = guessing.retryAfter(request.ip);
        if (wait > 0) throw tooManyRequests(`too many failed attempts from this address; retry in ${wait} s`, wait);
        guessing.attempt(request.ip);
        const account = await accounts.byApiKey(apiKey);
        if (!account) throw invalidCredentials('unknown API key');
        guessing.forgive(request.ip);
        const { token, exp } = await tokens.issue(account._id);
        request.authToken = token;
        return success(request, {
          account_id: account._id, account_name: account.name, owner_id: null, expires_at: new Date(exp * 1000).toISOString(),
          is_reseller: accounts.isReseller(account), reseller_id: await accounts.resellerOf(account)
        });
      }
    }
  });
}
