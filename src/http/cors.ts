// CORS for browsers (the couchfn client runs in them): the configured
// origins (COUCHFN_CORS_ORIGINS) get the headers, preflights are answered
// here, before auth. Tokens travel in headers, never cookies: no credentials.
import type { FastifyReply, FastifyRequest } from 'fastify';

const ALLOWED_HEADERS = 'authorization, content-type, x-auth-token, x-request-id, if-match, lp-eventsource';
const EXPOSED_HEADERS = 'retry-after, x-request-id';
const METHODS = 'GET, PUT, POST, PATCH, DELETE';
const PREFLIGHT_CACHE_SECONDS = '600';

export function cors(origins: string[]) {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) return undefined;
    void reply.header('access-control-allow-origin', any ? '*' : origin).header('vary', 'Origin')
      .header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      // answered here: a preflight carries no token and has no route of its own
      return reply.code(204).header('access-control-allow-methods', METHODS).header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', PREFLIGHT_CACHE_SECONDS).send();
    }
    return undefined;
  };
}
