// /v2/accounts/{A}/reseller: the master promotes a sub-account to reseller
// (PUT) or demotes it (DELETE), as Kazoo's master does. A reseller's global
// functions are usable by every account below it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountDoc } from '../accounts/directory.js';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { account, accountView } from './accounts.js';

export function accountResellerResource(app: FastifyInstance, { accounts }: Services): void {
  const set = (reseller: boolean) => async (request: FastifyRequest, doc: AccountDoc) => {
    const saved = await accounts.setReseller(doc, reseller);
    return success(request, await accountView(saved, accounts), { revision: saved._rev });
  };
  resource(app, '/v2/accounts/:accountId/reseller', 'accounts', account, {
    PUT: { master: true, revision: true, schema: { summary: 'Promote the account to reseller (master only)' }, handler: set(true) },
    DELETE: { master: true, revision: true, schema: { summary: 'Demote a reseller to an ordinary account (master only; the master stays one)' }, handler: set(false) }
  });
}
