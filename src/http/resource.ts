// A REST resource in Kazoo's fixed shape: the verbs it allows (any other gets
// 405), who may call (a token, its scope, the master account only), the
// route's schemas (request and the success envelope), then one handler per
// verb. Handlers are typed entries in one object, so a verb cannot be
// declared without its handler, and the rules are declared, not repeated.
import type { FastifyInstance, FastifyRequest, FastifySchema, RouteHandlerMethod } from 'fastify';
import type { Scope } from '../auth/oauth-clients.js';
import { forbidden } from '../errors.js';
import { invalidMethod } from './errors.js';
import { successEnvelope } from './schemas.js';

export type Verb = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
const VERBS: Verb[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export type Auth = 'token' | 'none';
/** What a scoped (OAuth) token must hold for the route; routes without one need a full account token. */
export type RouteScope = Scope;
export interface Operation {
  schema?: FastifySchema;
  /** who may call: a token (default) or anyone */
  auth?: Auth;
  scope?: RouteScope;
  /** only the master account may call */
  master?: true;
  /** the status of success (201 for creates); the envelope's schema goes with it */
  status?: 200 | 201;
  /** may also answer 202 Accepted (work goes on after the answer), with the same envelope */
  accepted?: true;
  /** set when the answer is not Kazoo's envelope (Pivot's raw callflow, /healthz) */
  raw?: true;
  /** a body limit of the route's own (a public route reads less than the API), and the setting that sets it */
  bodyLimit?: { bytes: number; setting: string };
  handler: RouteHandlerMethod;
}

declare module 'fastify' {
  interface FastifyContextConfig { auth?: Auth; scope?: RouteScope; bodyLimitSetting?: string }
}

async function masterOnly(request: FastifyRequest): Promise<void> {
  if (!request.caller?.pvt_superduper_admin) throw forbidden('only the master account may do this');
}

export function resource(app: FastifyInstance, url: string, tag: string, operations: Partial<Record<Verb, Operation>>): void {
  const allowed = VERBS.filter((verb) => operations[verb]);
  for (const verb of allowed) {
    const { schema, auth, scope, master, status = 200, accepted, raw, bodyLimit, handler } = operations[verb]!;
    app.route({
      method: verb, url, config: { auth, scope, ...(bodyLimit ? { bodyLimitSetting: bodyLimit.setting } : {}) },
      ...(bodyLimit ? { bodyLimit: bodyLimit.bytes } : {}),
      schema: {
        tags: [tag], ...(scope ? { description: `scope: ${scope}` } : {}),
        ...(auth === 'none' ? { security: [] } : {}),
        ...(raw ? {} : { response: { [status]: successEnvelope, ...(accepted ? { 202: successEnvelope } : {}) } }),
        ...schema
      },
      ...(master ? { preHandler: masterOnly } : {}),
      handler: status === 201 ? async function (this: FastifyInstance, request, reply) {
        reply.code(201);
        return handler.call(this, request, reply);
      } : handler
    });
  }
  const refused = VERBS.filter((verb) => !operations[verb]);
  if (refused.length > 0) {
    app.route({
      method: refused, url, schema: { hide: true } as FastifySchema, config: { auth: 'none' },
      handler: async () => { throw invalidMethod(allowed); }
    });
  }
}
