// POST /oauth/token: OAuth 2.0 client credentials grant (RFC 6749 4.4).
// Answers and errors are RFC 6749's (5.1, 5.2), not Kazoo's envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { requestedScopes } from '../auth/oauth-clients.js';
import { bodyFields } from '../http/fields.js';
import { resource } from '../http/resource.js';

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

function refuse(reply: FastifyReply, error: OAuthError, description: string, basic: boolean) {
  const status = error === 'invalid_client' ? 401 : 400;
  if (status === 401 && basic) void reply.header('www-authenticate', 'Basic realm="couchfn"');
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

/** client_id and client_secret from HTTP Basic (RFC 6749 2.3.1) or the body. */
function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined; // not valid percent-encoding: no credentials
  }
}

function credentials(request: FastifyRequest, body: Record<string, unknown>): { id?: string; secret?: string; basic: boolean; both: boolean } {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const inBody = typeof body.client_id === 'string' || typeof body.client_secret === 'string';
  if (basic) {
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return { id: decoded(text.slice(0, colon)), secret: decoded(text.slice(colon + 1)), basic: true, both: inBody };
  }
  return { id: body.client_id as string | undefined, secret: body.client_secret as string | undefined, basic: false, both: false };
}

export function oauthTokenResource(app: FastifyInstance, { oauthClients, tokens, config, guessing }: Services): void {
  resource(app, '/oauth/token', 'oauth', {
    POST: {
      auth: 'none',
      raw: true,
      schema: { summary: 'OAuth 2.0 client credentials: a short-lived bearer token (RFC 6749)' },
      handler: async (request, _, reply) => {
        const wait = guessing.retryAfter(request.ip);
        if (wait > 0) {
          return reply.code(429).header('retry-after', String(wait)).header('cache-control', 'no-store')
            .send({ error: 'too_many_requests', error_description: `too many failed attempts from this address; retry in ${wait} s` });
        }
        const body = bodyFields(request.body);
        const { id, secret, basic, both } = credentials(request, body);
        if (body.grant_type === undefined) return refuse(reply, 'invalid_request', 'grant_type is required', basic);
        if (body.grant_type !== 'client_credentials') return refuse(reply, 'unsupported_grant_type', 'only client_credentials is supported', basic);
        if (both) return refuse(reply, 'invalid_request', 'send the client credentials one way, not in both the header and the body', basic);
        if (!id || !secret) return refuse(reply, 'invalid_client', 'client authentication is required', basic);
        guessing.attempt(request.ip);
        const client = await oauthClients.authenticate(id, secret);
        if (!client) return refuse(reply, 'invalid_client', 'unknown client or wrong secret', basic);
        guessing.forgive(request.ip);
        const { scope, beyond } = requestedScopes(client.scopes, body.scope);
        if (beyond.length > 0) return refuse(reply, 'invalid_scope', `not granted to this client: ${beyond.join(' ')}`, basic);
        const seconds = client.token_seconds ?? config.oauthTokenSeconds;
        const { token } = await tokens.issue(client.pvt_account_id, { scope, client_id: client._id }, seconds);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
          .send({ access_token: token, token_type: 'Bearer', expires_in: seconds, scope });
      }
    }
  });
}
