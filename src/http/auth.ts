// Who is calling, and may they act on the account in the URL? Runs before
// validation, as Kazoo authenticates before it looks at a request.
import type { FastifyRequest } from 'fastify';
import type { AccountDirectory, AccountDoc } from '../accounts/directory.js';
import type { OAuthClients } from '../auth/oauth-clients.js';
import type { Tokens } from '../auth/tokens.js';
import { accountDisabled, forbidden, invalidCredentials } from '../errors.js';
import { textOf } from './fields.js';

declare module 'fastify' {
  interface FastifyRequest {
    authToken: string | null;
    caller: AccountDoc | null;
    /** the account named by :accountId, once the caller may act on it */
    account: AccountDoc | null;
  }
}

/** X-Auth-Token, else auth_token in the query or body, else Authorization: Bearer. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-auth-token'];
  if (typeof header === 'string' && header) return header;
  const query = textOf(request.query, 'auth_token');
  if (query) return query;
  const body = textOf(request.body, 'auth_token');
  if (body) return body;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return bearer?.[1];
}

export function authenticate(tokens: Tokens, accounts: AccountDirectory, clients: OAuthClients) {
  return async (request: FastifyRequest): Promise<void> => {
    if (request.is404 || request.routeOptions.config?.auth === 'none') return;
    const token = tokenOf(request);
    if (!token) throw invalidCredentials('no auth token');
    const { accountId, scope, clientId } = await tokens.verify(token);
    if (clientId && !(await clients.isActive(clientId))) throw invalidCredentials('the client was revoked');
    const needed = request.routeOptions.config?.scope;
    if (scope && (!needed || !scope.includes(needed))) throw forbidden(`the token's scope does not allow this (it needs ${needed ?? 'an account token'})`);
    const caller = await accounts.find(accountId);
    if (!caller) throw invalidCredentials('the token\'s account no longer exists');
    if (caller.enabled === false) throw accountDisabled(caller._id);
    request.authToken = token;
    request.caller = caller;
    const target = textOf(request.params, 'accountId');
    if (target !== undefined) request.account = await accounts.authorize(caller, target);
  };
}
