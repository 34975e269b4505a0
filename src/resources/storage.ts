// /v2/storage: the system storage plan (Kazoo's cb_storage), master only.
// Changing where `functions` lives migrates them first (see storage/).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { mergePatch, publicFields } from '../couch/docs.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { anyObject, embedded, expectedRevision, requestBody } from '../http/schemas.js';
import { validator } from '../schemas/validate.js';
import { storageSchema } from '../schemas/index.js';
import { masked, unmasked, type StoragePlan } from '../storage/plan.js';

const checkPlan = validator<StoragePlan>(embedded(storageSchema));
const body = requestBody(embedded(storageSchema));

export function storageResource(app: FastifyInstance, { storage }: Services): void {
  const answer = (request: FastifyRequest, doc: (StoragePlan & { _rev?: string }) | null) =>
    success(request, doc ? masked(publicFields(doc) as StoragePlan) : {}, doc?._rev ? { revision: doc._rev } : {});
  const replace = async (request: FastifyRequest) => {
    const stored = await storage.read();
    const plan = unmasked(publicFields((request.body as { data: Record<string, unknown> }).data) as StoragePlan, stored);
    return answer(request, await storage.change(plan, expectedRevision(request.headers, request.body)));
  };

  resource(app, '/v2/storage', 'storage', {
    GET: {
      master: true,
      schema: { summary: 'The system storage plan (credentials masked)' },
      handler: async (request) => answer(request, await storage.read())
    },
    PUT: { master: true, schema: { summary: 'Set the system storage plan; moving `functions` migrates them first', body }, handler: replace },
    POST: { master: true, schema: { summary: 'Replace the system storage plan; moving `functions` migrates them first', body }, handler: replace },
    PATCH: {
      master: true,
      schema: { summary: 'Change part of the system storage plan (null removes a key)', body: requestBody(anyObject) },
      handler: async (request) => {
        const stored = await storage.read();
        const current = stored ? publicFields(stored) : {};
        const patch = unmasked(publicFields((request.body as { data: Record<string, unknown> }).data) as StoragePlan, stored);
        const plan = checkPlan(mergePatch(current, patch));
        return answer(request, await storage.change(plan, expectedRevision(request.headers, request.body)));
      }
    },
    DELETE: {
      master: true,
      schema: { summary: 'Remove the storage plan; `functions` move back to the main CouchDB' },
      handler: async (request) => answer(request, await storage.change(null, expectedRevision(request.headers, request.body)))
    }
  });
}
