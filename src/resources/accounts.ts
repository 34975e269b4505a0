// /v2/accounts/{A}: the account tree (Kazoo's cb_accounts, cut to what couchfn needs).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountDirectory, AccountDoc } from '../accounts/directory.js';
import type { Services } from '../http/services.js';
import { mergePatch, privateFields, publicFields, publicView } from '../couch/docs.js';
import { success } from '../http/envelope.js';
import { forbidden } from '../errors.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, assertCurrent, embedded, requestBody } from '../http/schemas.js';
import { validator } from '../schemas/validate.js';
import { accountSchema } from '../schemas/index.js';

const checkAccount = validator<Record<string, unknown>>(embedded(accountSchema));

/** The account as the API shows it, with Kazoo's is_reseller and reseller_id. */
export async function accountView(doc: AccountDoc, accounts: AccountDirectory): Promise<Record<string, unknown>> {
  return {
    ...publicView(doc), parent_id: doc.pvt_tree[doc.pvt_tree.length - 1] ?? null, superduper_admin: doc.pvt_superduper_admin === true,
    is_reseller: accounts.isReseller(doc), reseller_id: await accounts.resellerOf(doc)
  };
}

function target(request: FastifyRequest): AccountDoc {
  return request.account!;
}

export function accountsResource(app: FastifyInstance, { accounts, functions, versions, globals, webhooks }: Services): void {
  async function replace(request: FastifyRequest, fields: Record<string, unknown>) {
    const current = target(request);
    assertCurrent(request, current);
    const saved = await accounts.save({ ...privateFields(current), ...checkAccount(fields) } as AccountDoc);
    return success(request, await accountView(saved, accounts), { revision: saved._rev });
  }

  resource(app, '/v2/accounts/:accountId', 'accounts', {
    GET: {
      schema: { summary: 'Read an account', params: accountParams },
      handler: async (request) => success(request, await accountView(target(request), accounts), { revision: target(request)._rev })
    },
    PUT: {
      status: 201,
      schema: { summary: 'Create a sub-account of this account', params: accountParams, body: requestBody(embedded(accountSchema)) },
      handler: async (request) => {
        const child = await accounts.create(target(request), publicFields((request.body as { data: Record<string, unknown> }).data));
        return success(request, await accountView(child, accounts), { revision: child._rev });
      }
    },
    POST: {
      schema: { summary: 'Replace an account\'s fields', params: accountParams, body: requestBody(embedded(accountSchema)) },
      handler: async (request) => replace(request, publicFields((request.body as { data: Record<string, unknown> }).data))
    },
    PATCH: {
      schema: { summary: 'Change some of an account\'s fields (null removes one)', params: accountParams, body: requestBody(anyObject) },
      handler: async (request) => {
        const { id: _id, parent_id: _p, superduper_admin: _s, is_reseller: _r, reseller_id: _ri, ...current } = await accountView(target(request), accounts);
        return replace(request, mergePatch(current, publicFields((request.body as { data: Record<string, unknown> }).data)));
      }
    },
    DELETE: {
      schema: { summary: 'Delete an account and its functions (it must have no sub-accounts)', params: accountParams },
      handler: async (request) => {
        const doc = target(request);
        if (doc._id === request.caller!._id) throw forbidden('an account cannot delete itself');
        assertCurrent(request, doc);
        for (const id of await functions.removeAll(doc._id)) await versions.removeAll(id);
        await accounts.remove(doc);
        await globals.installations.removeAll(doc._id);
        // its webhooks go with it
        for (const hook of await webhooks.list(doc._id)) await webhooks.remove(hook);
        return success(request, await accountView(doc, accounts));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/children', 'accounts', {
    GET: {
      schema: { summary: 'List an account\'s direct sub-accounts', params: accountParams },
      handler: async (request) => success(request, await accounts.children(target(request)._id))
    }
  });

  resource(app, '/v2/accounts/:accountId/api_key', 'accounts', {
    GET: {
      schema: { summary: 'Read a sub-account\'s API key (the account and its ancestors)', params: accountParams },
      handler: async (request) => {
        const key = target(request).pvt_api_key;
        if (!key) throw forbidden('the master account\'s key is shown only once, at first start or when rotated (PUT)');
        return success(request, { api_key: key });
      }
    },
    PUT: {
      schema: { summary: 'Rotate the account\'s API key: a new one, shown this once; the old one stops working everywhere', params: accountParams },
      handler: async (request) => {
        assertCurrent(request, target(request));
        const { account, apiKey } = await accounts.rotateKey(target(request));
        return success(request, { api_key: apiKey }, { revision: account._rev });
      }
    }
  });
}
