// /v2/accounts/{A}/reseller: the master promotes a sub-account to reseller
// (PUT) or demotes it (DELETE), as Kazoo's master does. A reseller's global
// functions are usable by every account below it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, assertCurrent } from '../http/schemas.js';
import { accountView } from './accounts.js';

export function accountResellerResource(app: FastifyInstance, { accounts }: Services): void {
  const set = (reseller: boolean) => async (request: FastifyRequest) => {
    const account = request.account!;
    assertCurrent(request, account);
    const saved = await accounts.setReseller(account, reseller);
    return success(request, await accountView(saved, accounts), { revision: saved._rev });
  };
  resource(app, '/v2/accounts/:accountId/reseller', 'accounts', {
    PUT: { master: true, schema: { summary: 'Promote the account to reseller (master only)', params: accountParams }, handler: set(true) },
    DELETE: { master: true, schema: { summary: 'Demote a reseller to an ordinary account (master only; the master stays one)', params: accountParams }, handler: set(false) }
  });
}
