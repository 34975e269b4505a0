// /v2/webhooks and /v2/accounts/{A}/webhooks[/{W}][/attempts]: Kazoo's
// cb_webhooks. A hook's URI must lead to a network webhooks may reach
// (checked here after DNS resolution, and again at every request).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { mergePatch, privateFields, publicFields, publicView } from '../couch/docs.js';
import { fieldError } from '../errors.js';
import { HOOK_CATALOG } from '../events/event.js';
import { hookEnabledAgain, type WebhookDoc } from '../events/webhooks.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams, anyObject, assertCurrent, embedded, requestBody } from '../http/schemas.js';
import { kazooId, webhookSchema } from '../schemas/index.js';
import { validator } from '../schemas/validate.js';

const hookParams = { type: 'object', required: ['accountId', 'webhookId'], properties: { accountId: kazooId, webhookId: kazooId } } as const;
const checkSchema = validator<Record<string, unknown>>(embedded(webhookSchema));
const limitQuery = { type: 'object', properties: { page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } };
const reenableBody = requestBody({ type: 'object', required: ['re-enable'], properties: { 're-enable': { type: 'boolean', const: true } } });

/** The hook as the API shows it: public fields, id, and why it is disabled. */
export function webhookView(doc: WebhookDoc) {
  const view = publicView(doc);
  if (doc.pvt_disable_reason) view.disable_reason = doc.pvt_disable_reason;
  return view;
}

function clientFields(request: FastifyRequest): Record<string, unknown> {
  const { disable_reason: _d, ...fields } = publicFields((request.body as { data: Record<string, unknown> }).data);
  return fields;
}

export function webhooksResource(app: FastifyInstance, { webhooks, webhookAttempts, networks }: Services): void {
  /** The rule a schema cannot say: the URI leads somewhere webhooks may go. */
  const checkUri = async (fields: Record<string, unknown>) => {
    const refusal = await networks.refusal(String(fields.uri));
    if (refusal) throw fieldError('uri', 'invalid', `webhooks may not send requests there: ${refusal}`, { value: fields.uri });
  };
  const current = (request: FastifyRequest) => {
    const { webhookId } = request.params as { webhookId: string };
    return webhooks.get(request.account!._id, webhookId);
  };
  const save = async (request: FastifyRequest, previous: WebhookDoc, fields: Record<string, unknown>) => {
    assertCurrent(request, previous);
    await checkUri(fields);
    let next = { ...privateFields(previous), ...fields } as WebhookDoc;
    // enabling a disabled hook clears why it was disabled, and its count
    if (previous.enabled === false && next.enabled !== false) next = hookEnabledAgain(next);
    if (next.enabled === false && previous.enabled !== false) {
      const { pvt_disable_reason: _r, pvt_disabled_by: _b, ...rest } = next;
      next = rest as WebhookDoc;
    }
    const saved = await webhooks.save(next);
    return success(request, webhookView(saved), { revision: saved._rev });
  };

  resource(app, '/v2/webhooks', 'webhooks', {
    GET: {
      schema: { summary: 'The hooks a webhook can listen to, with their modifiers' },
      handler: async (request) => success(request, HOOK_CATALOG)
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks', 'webhooks', {
    GET: {
      schema: { summary: 'List the account\'s webhooks', params: accountParams },
      handler: async (request) => success(request, (await webhooks.list(request.account!._id)).map(webhookView))
    },
    PUT: {
      status: 201,
      schema: { summary: 'Create a webhook', params: accountParams, body: requestBody(embedded(webhookSchema)) },
      handler: async (request) => {
        const fields = clientFields(request);
        await checkUri(fields);
        const created = await webhooks.create(request.account!._id, fields);
        return success(request, webhookView(created), { revision: created._rev });
      }
    },
    PATCH: {
      schema: { summary: 'Re-enable every webhook of the account that the disabler stopped', params: accountParams, body: reenableBody },
      handler: async (request) => success(request, { re_enabled: await webhooks.reenable(request.account!._id) })
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks/attempts', 'webhooks', {
    GET: {
      schema: { summary: 'The account\'s recent webhook requests over all its hooks, newest first', params: accountParams, querystring: limitQuery },
      handler: async (request) => {
        const { page_size: limit } = request.query as { page_size: number };
        return success(request, await webhookAttempts.listAccount(request.account!._id, limit));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks/:webhookId', 'webhooks', {
    GET: {
      schema: { summary: 'Read a webhook', params: hookParams },
      handler: async (request) => {
        const doc = await current(request);
        return success(request, webhookView(doc), { revision: doc._rev });
      }
    },
    POST: {
      schema: { summary: 'Replace a webhook', params: hookParams, body: requestBody(embedded(webhookSchema)) },
      handler: async (request) => save(request, await current(request), clientFields(request))
    },
    PATCH: {
      schema: { summary: 'Change some of a webhook\'s fields (null removes one), then check the whole', params: hookParams, body: requestBody(anyObject) },
      handler: async (request) => {
        const doc = await current(request);
        const { id: _id, disable_reason: _d, ...fields } = webhookView(doc);
        return save(request, doc, checkSchema(mergePatch(fields, clientFields(request))));
      }
    },
    DELETE: {
      schema: { summary: 'Delete a webhook', params: hookParams },
      handler: async (request) => {
        const doc = await current(request);
        assertCurrent(request, doc);
        await webhooks.remove(doc);
        await webhookAttempts.remove(doc._id);
        return success(request, webhookView(doc));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks/:webhookId/attempts', 'webhooks', {
    GET: {
      schema: { summary: 'A webhook\'s recent requests, newest first: result, reason, resp_status_code, try, retries_left', params: hookParams },
      handler: async (request) => {
        const doc = await current(request);
        return success(request, await webhookAttempts.list(doc._id));
      }
    }
  });
}
