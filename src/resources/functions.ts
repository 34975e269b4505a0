// /v2/accounts/{A}/functions[/{F}]: Kazoo's cb_functions, with its bugs fixed:
// POST is saved, the owner is checked on every verb, lists show disable_reason.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { mergePatch, privateFields, publicFields, publicView } from '../couch/docs.js';
import { checkFunction } from '../functions/rules.js';
import { enabledAgain, matchesFilters, type FunctionDoc } from '../functions/store.js';
import { fieldError, forbidden } from '../errors.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, embedded, functionParams, requestBody } from '../http/schemas.js';
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
} as const;

/** The function as the API shows it: public fields, id, why it is disabled,
 * and the version that runs (functions with versions). */
export function functionView(doc: FunctionDoc) {
  const view = publicView(doc);
  if (doc.pvt_disable_reason) view.disable_reason = doc.pvt_disable_reason;
  if (doc.pvt_version) view.version = doc.pvt_version;
  return view;
}

/** A reseller's global function as an account below it sees it: read-only,
 * its code only when the reseller shows it. */
function globalView(doc: FunctionDoc) {
  const { function_js: code, ...view } = functionView(doc);
  return { ...view, ...(doc.code_visible === true ? { function_js: code } : {}), reseller_id: doc.pvt_account_id, read_only: true };
}

/** Fields a client may set: public ones, less the read-only disable_reason
 * (and version, once the function has versions). */
function clientFields(data: Record<string, unknown>, current?: FunctionDoc): Record<string, unknown> {
  const { disable_reason: _d, ...fields } = publicFields(data);
  if (current?.pvt_versions?.length) delete fields.version;
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
} as const);

export function functionsResource(app: FastifyInstance, { functions, accounts, attempts, config, versions, globals }: Services): void {
  /** Rules a schema cannot say about global functions: only a reseller's, one of a name. */
  const checkGlobal = async (request: FastifyRequest, fields: Record<string, unknown>, id?: string) => {
    if (fields.global !== true) return;
    if (!accounts.isReseller(request.account!)) throw fieldError('global', 'forbidden', 'only a reseller\'s functions may be global (the master promotes resellers)');
    const named = await functions.named(request.account!._id, String(fields.name));
    if (named.some((row) => row.global && row.id !== id)) throw fieldError('name', 'unique', `another global function of this account is named ${String(fields.name)}`);
  };
  /** The whole function is checked (PATCH's only once merged), then stored. */
  const save = async (request: FastifyRequest, current: FunctionDoc, fields: Record<string, unknown>, schemaChecked: boolean) => {
    checkFunction(fields, config.maxFunctionBytes, schemaChecked);
    await checkGlobal(request, fields, current._id);
    const merged = withEnabledState(current, { ...privateFields(current), ...fields } as FunctionDoc);
    // a function with versions runs the chosen one's code: pinning (or unpinning) a version changes it
    const next = await versions.withChosen(current, merged);
    const saved = await functions.save(next, current);
    return success(request, functionView(saved), { revision: saved._rev });
  };
  /** The account's own function, or a reseller's global one it may use, else 404. */
  const readable = async (request: FastifyRequest & { params: { functionId: string } }): Promise<FunctionDoc> => {
    try {
      return await functions.get(request.account!._id, request.params.functionId);
    } catch (err) {
      const visible = await globals.visibleTo(request.account!, request.params.functionId);
      if (visible) return visible;
      throw err;
    }
  };
  const isOwn = (request: FastifyRequest, doc: FunctionDoc) => doc.pvt_account_id === request.account!._id;
  /** A reseller's global function is read-only here (403). */
  const own = (request: FastifyRequest, doc: FunctionDoc) => {
    if (!isOwn(request, doc)) throw forbidden('this is a reseller\'s global function: read-only here; define a function of the same name to override it');
  };

  resource(app, '/v2/accounts/:accountId/functions', 'functions', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'List the account\'s functions', params: accountParams, querystring: listQuery },
      handler: async (request) => {
        const { page_size: pageSize, start_key: startKey, paginate, ...rest } = request.query;
        const filters = Object.fromEntries(Object.entries(rest)
          .filter(([k]) => k.startsWith('filter_') || ['has_key', 'key_missing', 'created_from', 'created_to'].includes(k))
          .map(([k, v]) => [k, String(v)]));
        const start = typeof startKey === 'string' ? Buffer.from(startKey, 'base64url').toString('utf8') : undefined;
        const page = await functions.list(request.account!._id, { pageSize: paginate ? pageSize : undefined, startKey: start, filters });
        // the resellers' global functions the account may use follow its own, on the last page
        const items = page.next ? page.items : [...page.items, ...(await globals.listedTo(request.account!)).filter((g) => matchesFilters(g, filters))];
        return success(request, items, {
          page_size: items.length,
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
        const fields = clientFields(request.body.data);
        checkFunction(fields, config.maxFunctionBytes, true);
        if (fields.pinned_version !== undefined) throw fieldError('pinned_version', 'invalid', 'a new function has no versions yet: publish one first (PUT .../versions)');
        await checkGlobal(request, fields);
        const created = await functions.create(request.account!._id, fields);
        return success(request, functionView(created), { revision: created._rev });
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId', 'functions', { params: functionParams, exists: readable }, {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'Read a function' },
      handler: async (request, doc) => (isOwn(request, doc)
        ? success(request, functionView(doc), { revision: doc._rev })
        : success(request, globalView(doc)))
    },
    POST: {
      scope: 'functions.write',
      schema: { summary: 'Replace a function', body: requestBody(embedded(functionSchema)) },
      rules: [own],
      revision: true,
      handler: async (request, doc) => save(request, doc, clientFields(request.body.data, doc), true)
    },
    PATCH: {
      scope: 'functions.write',
      schema: { summary: 'Change some of a function\'s fields (null removes one), then check the whole', body: requestBody(anyObject) },
      rules: [own],
      revision: true,
      handler: async (request, doc) => {
        const { id: _id, disable_reason: _d, ...fields } = functionView(doc);
        if (doc.pvt_versions?.length) delete fields.version;
        // PATCH's body is any object: the merged whole is checked in save
        return save(request, doc, mergePatch(fields, clientFields(request.body.data, doc)), false);
      }
    },
    DELETE: {
      scope: 'functions.write',
      schema: { summary: 'Delete a function' },
      rules: [own],
      revision: true,
      handler: async (request, doc) => {
        await functions.remove(doc);
        await versions.removeAll(doc._id);
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
