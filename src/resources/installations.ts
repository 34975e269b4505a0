// /v2/accounts/{A}/installations[/{id}]: an account registers the value that
// names it in requests to a reseller's global function (OCP's installations),
// so that the function's public route runs in this account's name.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import type { InstallationDoc } from '../globals/installations.js';
import { fieldError, forbidden } from '../errors.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, embedded, requestBody } from '../http/schemas.js';
import { installationSchema, kazooId } from '../schemas/index.js';

const installationParams = {
  type: 'object', required: ['accountId', 'installationId'], properties: { accountId: kazooId, installationId: kazooId }
} as const;

function installationView(doc: InstallationDoc) {
  return { id: doc._id, function: doc.function, value: doc.value, function_id: doc.pvt_function_id, reseller_id: doc.pvt_reseller_id };
}

export function installationsResource(app: FastifyInstance, { globals }: Services): void {
  const { installations } = globals;

  resource(app, '/v2/accounts/:accountId/installations', 'installations', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'The account\'s installations of its resellers\' global functions', params: accountParams },
      handler: async (request) => success(request, (await installations.list(request.account!._id)).map(installationView))
    },
    PUT: {
      scope: 'functions.write',
      status: 201,
      schema: { summary: 'Install a reseller\'s global function: the value that names this account in its requests (409 when taken)', params: accountParams, body: requestBody(embedded(installationSchema)) },
      handler: async (request) => {
        const { function: name, value } = request.body.data;
        const fn = await globals.installable(request.account!, name);
        if (!fn) throw fieldError('function', 'invalid', `none of this account's resellers has a global function named ${name}`);
        // a value routes a provider's requests, secrets and all, to this account: only
        // the reseller (or the master) can vouch that a value is this account's; the
        // account itself may install only its own id
        const vouched = request.caller?._id === fn.pvt_account_id || request.caller?.pvt_superduper_admin === true;
        if (!vouched && value !== undefined && value !== request.account!._id) {
          throw forbidden(`only the reseller that owns ${name} can install a value other than the account's own id: ask it to install this one`);
        }
        const created = await installations.create(request.account!, fn, value);
        return success(request, installationView(created), { revision: created._rev });
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/installations/:installationId', 'installations', {
    params: installationParams,
    exists: (request) => installations.get(request.account!._id, request.params.installationId)
  }, {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'Read an installation' },
      handler: async (request, installation) => success(request, installationView(installation), { revision: installation._rev })
    },
    DELETE: {
      scope: 'functions.write',
      revision: true,
      schema: { summary: 'Remove an installation: its value no longer names this account' },
      handler: async (request, installation) => {
        await installations.remove(installation);
        return success(request, installationView(installation));
      }
    }
  });
}
