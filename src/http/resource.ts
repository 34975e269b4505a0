// A REST resource answers a fixed set of verbs (Kazoo's allowed_methods);
// any other verb gets 405. Handlers are typed entries in one object, so a
// verb cannot be declared without its handler.
import type { FastifyInstance, FastifySchema, RouteHandlerMethod } from 'fastify';
import { invalidMethod } from './errors.js';

export type Verb = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
const VERBS: Verb[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export type Auth = 'token' | 'none';
/** What a scoped (OAuth) token must hold for the route; routes without one need a full account token. */
export type RouteScope = 'functions.invoke' | 'functions.read' | 'functions.write';
export interface Operation {
  schema?: FastifySchema;
  /** who may call: a token (default) or anyone */
  auth?: Auth;
  scope?: RouteScope;
  handler: RouteHandlerMethod;
}

declare module 'fastify' {
  interface FastifyContextConfig { auth?: Auth; scope?: RouteScope }
}

export function resource(app: FastifyInstance, url: string, tag: string, operations: Partial<Record<Verb, Operation>>): void {
  const allowed = VERBS.filter((verb) => operations[verb]);
  for (const verb of allowed) {
    const { schema, auth, scope, handler } = operations[verb]!;
    app.route({ method: verb, url, schema: { tags: [tag], ...(scope ? { description: `scope: ${scope}` } : {}), ...schema }, config: { auth, scope }, handler });
  }
  const refused = VERBS.filter((verb) => !operations[verb]);
  if (refused.length > 0) {
    app.route({
      method: refused, url, schema: { hide: true } as FastifySchema, config: { auth: 'none' },
      handler: async () => { throw invalidMethod(allowed); }
    });
  }
}
