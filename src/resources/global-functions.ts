// GET|POST /v2/global/{reseller_id}/{name}: the public entry point of a
// reseller's global function, a webhook receiver for providers that send one
// hook for every account (no token). The request becomes the call: query,
// form or JSON fields, and a few request headers under `Request-Headers`.
// The function's installation_resolution finds the account the request is
// for (Optimizely Connect Platform's rule); that account's own function of the
// same name runs if it has one, else the global one in its name; no match runs
// the global one with no Account-ID, and it may refuse the request itself.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import type { FunctionDoc } from '../functions/store.js';
import { badIdentifier, invalidRequest } from '../errors.js';
import { fieldOf, textOf } from '../http/fields.js';
import { rawForm } from '../http/form.js';
import { tooManyRequests } from '../http/errors.js';
import { resource } from '../http/resource.js';
import { callWithoutToken, kazooQuery, malformedQuery, withAccountId, withoutAuthToken, type CallValue } from '../invoke/encode.js';
import { kazooId } from '../schemas/index.js';
import { callflowOf } from './function-invocation.js';

const globalParams = {
  type: 'object', required: ['resellerId', 'name'],
  properties: { resellerId: kazooId, name: { type: 'string', minLength: 1, maxLength: 128 } }
} as const;

/** Where the request's headers go in the call: call['Request-Headers']['x-signature']. */
export const HEADERS_KEY = 'Request-Headers';
// what a webhook's function may need (signatures, event names, content type); never credentials or proxy hops
const PASSED_HEADER = /^(?:x-(?!auth-token$|forwarded-|real-ip$|request-id$).+|content-type|user-agent)$/;
const MAX_HEADERS = 32;
const MAX_HEADER_BYTES = 1024;

function passedHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (Object.keys(headers).length === MAX_HEADERS) break;
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === 'string' && PASSED_HEADER.test(name) && Buffer.byteLength(text) <= MAX_HEADER_BYTES) headers[name] = text;
  }
  return headers;
}

/** A field of a JSON body by dotted path (`account.id`), as text; undefined when absent or not a scalar. */
function bodyField(body: unknown, path: string): string | undefined {
  let value: unknown = body;
  for (const part of path.split('.')) value = fieldOf(value, part);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** The value that names an installation in this request, as the function says where to find it. */
function resolutionValue(request: FastifyRequest, { type, key }: NonNullable<FunctionDoc['installation_resolution']>): string | undefined {
  const fromQuery = textOf(request.query, key);
  switch (type) {
    case 'HEADER': {
      const header = request.headers[key.toLowerCase()];
      return Array.isArray(header) ? header[0] : header;
    }
    case 'QUERY_PARAM': return fromQuery;
    case 'JSON_BODY_FIELD': return bodyField(request.body, key);
    case 'GUID': return fromQuery ?? bodyField(request.body, key);
  }
}

/** The call as Kazoo would encode it: the raw query as sent, then the form as
 * sent or the JSON body's fields (a provider may put some in each). */
function callQuery(request: FastifyRequest): string {
  const query = request.url.split('?')[1] ?? '';
  const body = request.body;
  if (request.method === 'GET' || body === undefined || body === null) return query;
  let fields = rawForm(body);
  if (fields === undefined) {
    if (typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the body must be a JSON object, or a form');
    fields = kazooQuery(callWithoutToken(body as Record<string, CallValue>, null));
  }
  return [query, fields].filter(Boolean).join('&');
}

/** `{"module":"response","data":{"code":404}}` answers with that HTTP status: the function may refuse a request. */
function statusOf(callflow: string): number {
  try {
    const node = JSON.parse(callflow) as { module?: unknown; data?: { code?: unknown } };
    const code = node.module === 'response' ? node.data?.code : undefined;
    return typeof code === 'number' && Number.isInteger(code) && code >= 200 && code <= 599 ? code : 200;
  } catch {
    return 200;
  }
}

export function globalFunctionsResource(app: FastifyInstance, { globals, invoker, globalRate, config }: Services): void {
  const run = async (request: FastifyRequest & { params: { resellerId: string; name: string } }, _: unknown, reply: FastifyReply) => {
    const { resellerId, name } = request.params;
    const wait = globalRate.take(resellerId);
    if (wait > 0) throw tooManyRequests(`this reseller's global functions take more calls a second than they may (COUCHFN_GLOBAL_CALLS_PER_SECOND)`, wait);
    const entry = await globals.byName(resellerId, name);
    if (!entry) throw badIdentifier(name);
    const raw = callQuery(request);
    const malformed = malformedQuery(raw);
    if (malformed) throw invalidRequest(malformed);
    const { reseller, fn } = entry;
    const resolution = fn.installation_resolution;
    const account = resolution ? await globals.installedAccount(reseller, fn, resolutionValue(request, resolution)) : null;
    const target = account ? await globals.runFor(account, fn) : { functionId: fn._id, ownerId: fn.pvt_account_id, global: true };
    const headers = kazooQuery({ [HEADERS_KEY]: passedHeaders(request) });
    const call = [withoutAuthToken(raw), headers].filter(Boolean).join('&');
    // the account is the one the installation names, never one the request claims
    const query = withAccountId(call, account?._id ?? null);
    const outcome = await invoker.runResolved(account, target, { query, callId: new URLSearchParams(query).get('Call-ID') ?? undefined });
    const callflow = callflowOf(reply, target.functionId, outcome);
    return reply.code(statusOf(callflow)).type('application/json').send(callflow);
  };
  const limit = { bytes: config.globalBodyLimitBytes, setting: 'COUCHFN_GLOBAL_BODY_LIMIT_BYTES' };
  resource(app, '/v2/global/:resellerId/:name', 'global functions', {
    GET: { auth: 'none', raw: true, schema: { summary: 'Run a reseller\'s global function on a request (query parameters); answers its raw result', params: globalParams }, handler: run },
    POST: { auth: 'none', raw: true, bodyLimit: limit, schema: { summary: 'Run a reseller\'s global function on a request (form or JSON body); answers its raw result', params: globalParams }, handler: run }
  });
}
