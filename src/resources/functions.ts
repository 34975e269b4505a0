// /v2/accounts/{A}/functions[/{F}]: Kazoo's cb_functions, with its bugs fixed:
// POST is saved, the owner is checked on every verb, lists show disable_reason.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { mergePatch, privateFields, publicFields, publicView } from '../couch/docs.js';
import { checkFunction } from '../functions/rules.js';
import { enabledAgain, type FunctionDoc } from '../functions/store.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, assertCurrent, embedded, functionParams, requestBody } from '../http/schemas.js';
import { functionSchema } from '../schemas/index.js';

const listQuery = {
  type: 'object',
  properties: {
    page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    start_key: { type: 'string', maxLength: 200 },
    paginate: { type: 'boolean', default: true },
    has_key: { type: 'string' },
    key_missing: { type: 'string' },
    created_from: { type: 'integer' },
    created_to: { type: 'integer' }
  },
  additionalProperties: true
};

/** The function as the API shows it: public fields, id, and why it is disabled. */
export function functionView(doc: FunctionDoc) {
  const view = publicView(doc);
  if (doc.pvt_disable_reason) view.disable_reason = doc.pvt_disable_reason;
  return view;
}

/** Fields a client may set: public ones, less the read-only disable_reason. */
function clientFields(request: FastifyRequest): Record<string, unknown> {
  const { disable_reason: _d, ...fields } = publicFields((request.body as { data: Record<string, unknown> }).data);
  return fields;
}

/** Enabling a disabled function clears why it was disabled, and its count;
 * disabling it by hand records no automatic reason. */
function withEnabledState(previous: FunctionDoc, next: FunctionDoc): FunctionDoc {
  if (next.enabled === false) {
    if (previous.enabled === false) return next;
    const { pvt_disable_reason: _r, pvt_disabled_by: _b, ...rest } = next;
    return { ...rest, pvt_disabled_by: 'owner' } as FunctionDoc;
  }
  return previous.enabled === false ? enabledAgain(next) : next;
}

const reenableBody = requestBody({
  type: 'object', required: ['re-enable'], properties: { 're-enable': { type: 'boolean', const: true } }
});

export function functionsResource(app: FastifyInstance, { functions, accounts, attempts, config }: Services): void {
  const save = async (request: FastifyRequest, current: FunctionDoc, fields: Record<string, unknown>, schemaChecked: boolean) => {
    assertCurrent(request, current);
    checkFunction(fields, config.maxFunctionBytes, schemaChecked);
    const next = withEnabledState(current, { ...privateFields(current), ...fields } as FunctionDoc);
    const saved = await functions.save(next, current);
    return success(request, functionView(saved), { revision: saved._rev });
  };
  const current = (request: FastifyRequest) => {
    const { functionId } = request.params as { functionId: string };
    return functions.get(request.account!._id, functionId);
  };

  resource(app, '/v2/accounts/:accountId/functions', 'functions', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'List the account\'s functions', params: accountParams, querystring: listQuery },
      handler: async (request) => {
        const { page_size: pageSize, start_key: startKey, paginate, ...rest } = request.query as Record<string, unknown>;
        const filters = Object.fromEntries(Object.entries(rest)
          .filter(([k]) => k.startsWith('filter_') || ['has_key', 'key_missing', 'created_from', 'created_to'].includes(k))
          .map(([k, v]) => [k, String(v)]));
        const start = typeof startKey === 'string' ? Buffer.from(startKey, 'base64url').toString('utf8') : undefined;
        const page = await functions.list(request.account!._id, { pageSize: paginate ? (pageSize as number) : undefined, startKey: start, filters });
        return success(request, page.items, {
          page_size: page.items.length,
          ...(typeof startKey === 'string' ? { start_key: startKey } : {}),
          ...(page.next ? { next_start_key: Buffer.from(page.next).toString('base64url') } : {})
        });
      }
    },
    PATCH: {
      scope: 'functions.write',
      schema: { summary: 'Re-enable every function of the account that was disabled automatically', params: accountParams, body: reenableBody },
      handler: async (request) => success(request, { re_enabled: await functions.reenableAutoDisabled(request.account!._id) })
    },
    PUT: {
      scope: 'functions.write',
      status: 201,
      schema: { summary: 'Create a function', params: accountParams, body: requestBody(embedded(functionSchema)) },
      handler: async (request) => {
        // the route schema has filled in the defaults (enabled, language_pack)
        const fields = clientFields(request);
        checkFunction(fields, config.maxFunctionBytes, true);
        const created = await functions.create(request.account!._id, fields);
        return success(request, functionView(created), { revision: created._rev });
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId', 'functions', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'Read a function', params: functionParams },
      handler: async (request) => {
        const doc = await current(request);
        return success(request, functionView(doc), { revision: doc._rev });
      }
    },
    POST: {
      scope: 'functions.write',
      schema: { summary: 'Replace a function', params: functionParams, body: requestBody(embedded(functionSchema)) },
      handler: async (request) => save(request, await current(request), clientFields(request), true)
    },
    PATCH: {
      scope: 'functions.write',
      schema: { summary: 'Change some of a function\'s fields (null removes one), then check the whole', params: functionParams, body: requestBody(anyObject) },
      handler: async (request) => {
        const doc = await current(request);
        const { id: _id, disable_reason: _d, ...fields } = functionView(doc);
        // PATCH's body is any object: the merged whole is checked here
        return save(request, doc, mergePatch(fields, clientFields(request)), false);
      }
    },
    DELETE: {
      scope: 'functions.write',
      schema: { summary: 'Delete a function', params: functionParams },
      handler: async (request) => {
        const doc = await current(request);
        assertCurrent(request, doc);
        await functions.remove(doc);
        await attempts.remove(doc._id);
        return success(request, functionView(doc));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/descendants/functions', 'functions', {
    PATCH: {
      scope: 'functions.write',
      schema: { summary: 'Re-enable the automatically disabled functions of every descendant account', params: accountParams, body: reenableBody },
      handler: async (request) => {
        const reenabled: string[] = [];
        for (const id of await accounts.descendants(request.account!._id)) reenabled.push(...await functions.reenableAutoDisabled(id));
        return success(request, { re_enabled: reenabled });
      }
    }
  });
}
