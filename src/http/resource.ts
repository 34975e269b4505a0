// A REST resource in Kazoo's fixed shape: the verbs it allows (any other gets
// 405), who may call (a token, its scope, the master account only), the
// route's schemas (request and the success envelope), whether the thing the
// URL names exists, the rules a schema cannot say, then one handler per verb.
// Handlers are typed entries in one object, so a verb cannot be declared
// without its handler, and the rules are declared, not repeated. Request types
// come from the route's schemas (json-schema-to-ts), so schemas are `as const`.
//
// The phases run in one order for every route, Kazoo's: token and scope
// (http/auth.ts), the request schema (400), master-only (403), exists (404),
// the rules (400, or 403 for what the caller may read but not change), the
// revision (409, as a save that came too late), then the verb.
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type {
  FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface
} from 'fastify';
import type { Scope } from '../auth/oauth-clients.js';
import { forbidden } from '../errors.js';
import { invalidMethod } from './errors.js';
import { assertCurrent, successEnvelope } from './schemas.js';

export type Verb = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
const VERBS: Verb[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'];

export type Auth = 'token' | 'none';
/** What a scoped (OAuth) token must hold for the route; routes without one need a full account token. */
export type RouteScope = Scope;

/** A request whose params, query and body have the types of the route's schemas. */
export type ApiRequest<S = FastifySchema> =
  FastifyRequest<RouteGenericInterface, RawServerDefault, RawRequestDefaultExpression, S & FastifySchema, JsonSchemaToTsProvider>;
/** A request on a route with schema S on a URL whose parameters are P. */
type RouteRequest<S, P> = ApiRequest<S & { params: P }>;

/** A rule a schema cannot say (a lookup, a limit, a cross-field rule): it throws when the request breaks it. */
export type Rule<S, P, E> = (request: RouteRequest<S, P>, entity: E) => void | Promise<void>;

export interface Operation<S, P = unknown, E = undefined> {
  schema?: S & FastifySchema;
  /** who may call: a token (default) or anyone */
  auth?: Auth;
  scope?: RouteScope;
  /** only the master account may call */
  master?: true;
  /** the request may name the revision it replaces (If-Match or `revision`): 409 when the entity has another */
  revision?: true;
  /** the rules a schema cannot say, in order, once the entity is loaded */
  rules?: Rule<S, P, E>[];
  /** the status of success (201 for creates); the envelope's schema goes with it */
  status?: 200 | 201;
  /** may also answer 202 Accepted (work goes on after the answer), with the same envelope */
  accepted?: true;
  /** set when the answer is not Kazoo's envelope (Pivot's raw callflow, /healthz) */
  raw?: true;
  /** a body limit of the route's own (a public route reads less than the API), and the setting that sets it */
  bodyLimit?: { bytes: number; setting: string };
  /** the verb itself, given the entity `exists` loaded */
  handler(request: RouteRequest<S, P>, entity: E, reply: FastifyReply): Promise<unknown>;
}

/** What the URL names: its path parameters (for every verb), and how to load it. */
export interface Entity<P, E> {
  params: P;
  /** loads the entity, or throws: 404 when it is not there */
  exists?(request: ApiRequest<{ params: NoInfer<P> }>): Promise<E>;
}

type Verbs = Partial<Record<Verb, unknown>>;
interface RouteEntity { params?: unknown; exists?(request: FastifyRequest): Promise<unknown> }
/** One operation per verb, each with its own schema S[verb]. */
type Operations<S extends Verbs, P, E> = { [V in keyof S]: Operation<S[V], P, E> };
// An operation as the routes run it. Its request is any route's: fastify has
// checked it against the route's schema, which is what makes the typed views
// above true; methods, so that each typed operation is one of these.
interface RouteOperation extends Omit<Operation<FastifySchema, unknown, unknown>, 'rules' | 'handler' | 'revision'> {
  revision?: true;
  rules?: { check(request: FastifyRequest, entity: unknown): void | Promise<void> }['check'][];
  handler(request: FastifyRequest, entity: unknown, reply: FastifyReply): Promise<unknown>;
}
type Table = Partial<Record<Verb, RouteOperation>>;

declare module 'fastify' {
  interface FastifyContextConfig { auth?: Auth; scope?: RouteScope; bodyLimitSetting?: string }
}

/** Routes on a URL that names an entity: `exists` loads it, and every handler is given it. */
export function resource<P, E, const S extends Verbs>(
  app: FastifyInstance, url: string, tag: string, entity: Entity<P, E>, operations: Operations<S, P, E>): void;
/** Routes on a URL that names no entity (a collection, an action). */
export function resource<const S extends Verbs>(app: FastifyInstance, url: string, tag: string, operations: Operations<S, unknown, undefined>): void;
export function resource(
  app: FastifyInstance, url: string, tag: string,
  ...args: [RouteEntity, Table] | [Table]
): void {
  const [entity, operations] = args.length === 2 ? args : [{}, args[0]];
  const allowed = VERBS.filter((verb) => operations[verb]);
  for (const verb of allowed) {
    const { schema, auth, scope, status = 200, accepted, raw, bodyLimit } = operations[verb]!;
    app.route({
      method: verb, url, config: { auth, scope, ...(bodyLimit ? { bodyLimitSetting: bodyLimit.setting } : {}) },
      ...(bodyLimit ? { bodyLimit: bodyLimit.bytes } : {}),
      schema: {
        tags: [tag], ...(scope ? { description: `scope: ${scope}` } : {}),
        ...(auth === 'none' ? { security: [] } : {}),
        ...(raw ? {} : { response: { [status]: successEnvelope, ...(accepted ? { 202: successEnvelope } : {}) } }),
        ...(entity.params ? { params: entity.params } : {}),
        ...schema
      },
      handler: phases(operations[verb]!, entity.exists)
    });
  }
  const refused = VERBS.filter((verb) => !operations[verb]);
  if (refused.length > 0) {
    app.route({
      method: refused, url, schema: { hide: true }, config: { auth: 'none' },
      handler: async () => { throw invalidMethod(allowed); }
    });
  }
}

/** Kazoo's fixed phases after the schema: who may, does it exist, is it valid, is it current, then the verb. */
function phases(operation: RouteOperation, exists: RouteEntity['exists']) {
  const { master, revision, rules = [], status, handler } = operation;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (master && !request.caller?.pvt_superduper_admin) throw forbidden('only the master account may do this');
    const entity = exists ? await exists(request) : undefined;
    for (const rule of rules) await rule(request, entity);
    if (revision) assertCurrent(request, entity);
    if (status === 201) reply.code(201);
    return handler(request, entity, reply);
  };
}
