// POST /sentinel/api/account/{A}/app/token?v=2.0: LivePerson's token service
// (its client uses simple-oauth2, client id and secret in the form body,
// `scope=` empty), answered by couchfn's OAuth clients of account A. The
// token is a JWT with `exp`, which the client reads to know when to fetch
// again (within 30 minutes of it: give such clients a token_seconds above
// 1800). Errors are RFC 6749's, as simple-oauth2 expects.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../http/services.js';
import { requestedScopes } from '../../auth/oauth-clients.js';
import { bodyFields } from '../../http/fields.js';
import { resource } from '../../http/resource.js';
import { lpAccountParams } from './schemas.js';

const tokenAnswer = {
  type: 'object',
  properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' }, scope: { type: 'string' } }
} as const;
const oauthError = { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } } } as const;

function refuse(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

export function appTokenResource(app: FastifyInstance, { oauthClients, tokens, config, guessing }: Services): void {
  resource(app, '/sentinel/api/account/:accountId/app/token', 'liveperson', {
    POST: {
      auth: 'none',
      raw: true,
      schema: {
        summary: 'LivePerson token service: client credentials of an OAuth client of the account, a JWT back',
        params: lpAccountParams,
        querystring: { type: 'object', properties: { v: { type: 'string' } } },
        response: { 200: tokenAnswer, '4xx': oauthError }
      },
      handler: async (request, _, reply) => {
        const wait = guessing.retryAfter(request.ip);
        if (wait > 0) return refuse(reply.header('retry-after', String(wait)), 429, 'too_many_requests', `too many failed attempts from this address; retry in ${wait} s`);
        const { accountId } = request.params;
        const body = bodyFields(request.body);
        if (body.grant_type !== 'client_credentials') return refuse(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
        const { client_id: id, client_secret: secret } = body;
        if (typeof id !== 'string' || typeof secret !== 'string' || !id || !secret) return refuse(reply, 401, 'invalid_client', 'client_id and client_secret are required');
        guessing.attempt(request.ip);
        const client = await oauthClients.authenticate(id, secret);
        // another account's client is as unknown as a wrong secret: ids cannot be probed
        if (!client || client.pvt_account_id !== accountId) return refuse(reply, 401, 'invalid_client', 'unknown client or wrong secret for this account');
        guessing.forgive(request.ip);
        const { scope, beyond } = requestedScopes(client.scopes, body.scope);
        if (beyond.length > 0) return refuse(reply, 400, 'invalid_scope', `not granted to this client: ${beyond.join(' ')}`);
        const seconds = client.token_seconds ?? config.oauthTokenSeconds;
        const { token } = await tokens.issue(client.pvt_account_id, { scope, client_id: client._id }, seconds);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
          .send({ access_token: token, token_type: 'Bearer', expires_in: seconds, scope });
      }
    }
  });
}
