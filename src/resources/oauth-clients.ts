// /v2/accounts/{A}/oauth_clients[/{C}]: an account's API clients. The secret
// is in the creation answer only; deleting a client revokes its tokens.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import type { OAuthClientDoc } from '../auth/oauth-clients.js';
import { publicView } from '../couch/docs.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, embedded, requestBody } from '../http/schemas.js';
import { kazooId, oauthClientSchema } from '../schemas/index.js';

const clientParams = {
  type: 'object', required: ['accountId', 'clientId'],
  properties: { accountId: kazooId, clientId: kazooId }
} as const;

function clientView(doc: OAuthClientDoc) {
  const { id, ...rest } = publicView(doc);
  return { client_id: id, ...rest };
}

export function oauthClientsResource(app: FastifyInstance, { oauthClients }: Services): void {
  resource(app, '/v2/accounts/:accountId/oauth_clients', 'oauth', {
    GET: {
      schema: { summary: 'The account\'s API clients (without secrets)', params: accountParams },
      handler: async (request) => success(request, (await oauthClients.list(request.account!._id)).map(clientView))
    },
    PUT: {
      status: 201,
      schema: { summary: 'Create an API client; its client_secret is shown this once', params: accountParams, body: requestBody(embedded(oauthClientSchema)) },
      handler: async (request) => {
        const { name, scopes, token_seconds } = request.body.data;
        const { doc, secret } = await oauthClients.create(request.account!._id, { name, scopes, ...(token_seconds ? { token_seconds } : {}) });
        return success(request, { ...clientView(doc), client_secret: secret });
      }
    }
  });
  resource(app, '/v2/accounts/:accountId/oauth_clients/:clientId', 'oauth', {
    params: clientParams,
    exists: (request) => oauthClients.get(request.account!._id, request.params.clientId)
  }, {
    GET: {
      schema: { summary: 'One API client' },
      handler: async (request, client) => success(request, clientView(client))
    },
    DELETE: {
      schema: { summary: 'Revoke an API client and every token it was given' },
      handler: async (request, client) => {
        await oauthClients.revoke(client);
        return success(request, clientView(client));
      }
    }
  });
}
