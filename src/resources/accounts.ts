// /v2/accounts/{A}: the account tree (Kazoo's cb_accounts, cut to what couchfn needs).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountDirectory, AccountDoc } from '../accounts/directory.js';
import type { Services } from '../http/services.js';
import { mergePatch, privateFields, publicFields, publicView } from '../couch/docs.js';
import { success } from '../http/envelope.js';
import { forbidden } from '../errors.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, embedded, requestBody } from '../http/schemas.js';
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

/** The account the URL names, which http/auth.ts loaded once the caller may act on it. */
export const account = { params: accountParams, exists: async (request: FastifyRequest) => request.account! };

export function accountsResource(app: FastifyInstance, { accounts, functions, versions, globals, webhooks }: Services): void {
  async function replace(request: FastifyRequest, current: AccountDoc, fields: Record<string, unknown>) {
    const saved = await accounts.save({ ...privateFields(current), ...checkAccount(fields) } as AccountDoc);
    return success(request, await accountView(saved, accounts), { revision: saved._rev });
  }

  resource(app, '/v2/accounts/:accountId', 'accounts', account, {
    GET: {
      schema: { summary: 'Read an account' },
      handler: async (request, doc) => success(request, await accountView(doc, accounts), { revision: doc._rev })
    },
    PUT: {
      status: 201,
      schema: { summary: 'Create a sub-account of this account', body: requestBody(embedded(accountSchema)) },
      handler: async (request, parent) => {
        const child = await accounts.create(parent, publicFields(request.body.data));
        return success(request, await accountView(child, accounts), { revision: child._rev });
      }
    },
    POST: {
      schema: { summary: 'Replace an account\'s fields', body: requestBody(embedded(accountSchema)) },
      revision: true,
      handler: async (request, doc) => replace(request, doc, publicFields(request.body.data))
    },
    PATCH: {
      schema: { summary: 'Change some of an account\'s fields (null removes one)', body: requestBody(anyObject) },
      revision: true,
      handler: async (request, doc) => {
        const { id: _id, parent_id: _p, superduper_admin: _s, is_reseller: _r, reseller_id: _ri, ...current } = await accountView(doc, accounts);
        return replace(request, doc, mergePatch(current, publicFields(request.body.data)));
      }
    },
    DELETE: {
      schema: { summary: 'Delete an account and its functions (it must have no sub-accounts)' },
      rules: [(request, doc) => {
        if (doc._id === request.caller!._id) throw forbidden('an account cannot delete itself');
      }],
      revision: true,
      handler: async (request, doc) => {
        for (const id of await functions.removeAll(doc._id)) await versions.removeAll(id);
        await accounts.remove(doc);
        await globals.installations.removeAll(doc._id);
        // its webhooks go with it
        for (const hook of await webhooks.list(doc._id)) await webhooks.remove(hook);
        return success(request, await accountView(doc, accounts));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/children', 'accounts', account, {
    GET: {
      schema: { summary: 'List an account\'s direct sub-accounts' },
      handler: async (request, doc) => success(request, await accounts.children(doc._id))
    }
  });

  resource(app, '/v2/accounts/:accountId/api_key', 'accounts', account, {
    GET: {
      schema: { summary: 'Read a sub-account\'s API key (the account and its ancestors)' },
      handler: async (request, doc) => {
        if (!doc.pvt_api_key) throw forbidden('the master account\'s key is shown only once, at first start or when rotated (PUT)');
        return success(request, { api_key: doc.pvt_api_key });
      }
    },
    PUT: {
      schema: { summary: 'Rotate the account\'s API key: a new one, shown this once; the old one stops working everywhere' },
      revision: true,
      handler: async (request, doc) => {
        const { account: rotated, apiKey } = await accounts.rotateKey(doc);
        return success(request, { api_key: apiKey }, { revision: rotated._rev });
      }
    }
  });
}
