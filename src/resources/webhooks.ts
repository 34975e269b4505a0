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
import { accountParams, anyObject, embedded, requestBody } from '../http/schemas.js';
import { kazooId, webhookSchema } from '../schemas/index.js';
import { validator } from '../schemas/validate.js';

const hookParams = { type: 'object', required: ['accountId', 'webhookId'], properties: { accountId: kazooId, webhookId: kazooId } } as const;
const checkSchema = validator<Record<string, unknown>>(embedded(webhookSchema));
const limitQuery = { type: 'object', properties: { page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } } as const;
const reenableBody = requestBody({ type: 'object', required: ['re-enable'], properties: { 're-enable': { type: 'boolean', const: true } } } as const);

/** The hook as the API shows it: public fields, id, and why it is disabled. */
export function webhookView(doc: WebhookDoc) {
  const view = publicView(doc);
  if (doc.pvt_disable_reason) view.disable_reason = doc.pvt_disable_reason;
  return view;
}

function clientFields(data: Record<string, unknown>): Record<string, unknown> {
  const { disable_reason: _d, ...fields } = publicFields(data);
  return fields;
}

export function webhooksResource(app: FastifyInstance, { webhooks, webhookAttempts, networks }: Services): void {
  /** The rule a schema cannot say: the URI leads somewhere webhooks may go. */
  const checkUri = async (fields: Record<string, unknown>) => {
    const refusal = await networks.refusal(String(fields.uri));
    if (refusal) throw fieldError('uri', 'invalid', `webhooks may not send requests there: ${refusal}`, { value: fields.uri });
  };
  /** The hook with a PATCH applied: its body is any object, so the whole is checked. */
  const patched = (hook: WebhookDoc, data: Record<string, unknown>) => {
    const { id: _id, disable_reason: _d, ...fields } = webhookView(hook);
    return checkSchema(mergePatch(fields, clientFields(data)));
  };
  const save = async (request: FastifyRequest, previous: WebhookDoc, fields: Record<string, unknown>) => {
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
  const hook = { params: hookParams, exists: (request: FastifyRequest & { params: { webhookId: string } }) => webhooks.get(request.account!._id, request.params.webhookId) };

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
        const fields = clientFields(request.body.data);
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
      handler: async (request) => success(request, await webhookAttempts.listAccount(request.account!._id, request.query.page_size))
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks/:webhookId', 'webhooks', hook, {
    GET: {
      schema: { summary: 'Read a webhook' },
      handler: async (request, doc) => success(request, webhookView(doc), { revision: doc._rev })
    },
    POST: {
      schema: { summary: 'Replace a webhook', body: requestBody(embedded(webhookSchema)) },
      revision: true,
      handler: async (request, doc) => save(request, doc, clientFields(request.body.data))
    },
    PATCH: {
      schema: { summary: 'Change some of a webhook\'s fields (null removes one), then check the whole', body: requestBody(anyObject) },
      // the merged whole is checked before the revision, as a replacement's schema is
      rules: [(request, doc) => void patched(doc, request.body.data)],
      revision: true,
      handler: async (request, doc) => save(request, doc, patched(doc, request.body.data))
    },
    DELETE: {
      schema: { summary: 'Delete a webhook' },
      revision: true,
      handler: async (request, doc) => {
        await webhooks.remove(doc);
        await webhookAttempts.remove(doc._id);
        return success(request, webhookView(doc));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/webhooks/:webhookId/attempts', 'webhooks', hook, {
    GET: {
      schema: { summary: 'A webhook\'s recent requests, newest first: result, reason, resp_status_code, try, retries_left' },
      handler: async (request, doc) => success(request, await webhookAttempts.list(doc._id))
    }
  });
}
