// A REST resource answers a fixed set of verbs (Kazoo's allowed_methods);
// any other verb gets 405. Handlers are typed entries in one object, so a
// verb cannot be declared without its handler.
import type { FastifyInstance, FastifySchema, RouteHandlerMethod } from 'fastify';
import { invalidMethod } from './errors.js';

export type Verb = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
const VERBS: Verb[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export type Auth = 'token' | 'none';
export interface Operation {
  schema?: FastifySchema;
  /** who may call: a token (default) or anyone */
  auth?: Auth;
  handler: RouteHandlerMethod;
}

declare module 'fastify' {
  interface FastifyContextConfig { auth?: Auth }
}

export function resource(app: FastifyInstance, url: string, tag: string, operations: Partial<Record<Verb, Operation>>): void {
  const allowed = VERBS.filter((verb) => operations[verb]);
  for (const verb of allowed) {
    const { schema, auth, handler } = operations[verb]!;
    app.route({ method: verb, url, schema: { tags: [tag], ...schema }, config: { auth }, handler });
  }
  const refused = VERBS.filter((verb) => !operations[verb]);
  if (refused.length > 0) {
    app.route({
      method: refused, url, schema: { hide: true } as FastifySchema, config: { auth: 'none' },
      handler: async () => { throw invalidMethod(allowed); }
    });
  }
}
