// /v2/storage: the system storage plan (Kazoo's cb_storage), master only.
// A plan that sends `functions` elsewhere is checked at once, then answered
// 202 while the move runs as a job; GET shows its state under `migration`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { mergePatch, publicFields } from '../couch/docs.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { anyObject, embedded, expectedRevision, requestBody } from '../http/schemas.js';
import { validator } from '../schemas/validate.js';
import { storageSchema } from '../schemas/index.js';
import { masked, unmasked, type StoragePlan } from '../storage/plan.js';
import { moveView, type MoveDoc } from '../storage/move.js';
import type { PlanChange, PlanDoc } from '../storage/service.js';

const checkPlan = validator<StoragePlan>(embedded(storageSchema));
const body = requestBody(embedded(storageSchema));

/** The plan a client sent: `migration` is shown by GET and read-only, so a plan sent back as shown is accepted. */
function sentPlan(data: Record<string, unknown>): StoragePlan {
  const { migration: _shown, ...plan } = publicFields(data);
  return plan as StoragePlan;
}

export function storageResource(app: FastifyInstance, { storage }: Services): void {
  const answer = (request: FastifyRequest, doc: PlanDoc | null, move: MoveDoc | null) => success(request, {
    ...(doc ? masked(publicFields(doc) as StoragePlan) : {}),
    ...(move ? { migration: moveView(move) } : {})
  }, doc?._rev ? { revision: doc._rev } : {});
  const show = async (request: FastifyRequest) => {
    const [doc, move] = await Promise.all([storage.read(), storage.move()]);
    return answer(request, doc, move);
  };
  const changed = async (request: FastifyRequest, reply: FastifyReply, change: PlanChange) => {
    if ('saved' in change) return answer(request, change.saved, await storage.move());
    reply.code(202).header('location', '/v2/storage');
    return answer(request, await storage.read(), change.moving);
  };
  const replace = async (request: FastifyRequest & { body: { data: Record<string, unknown> } }, _: unknown, reply: FastifyReply) => {
    const plan = unmasked(sentPlan(request.body.data), await storage.read());
    return changed(request, reply, await storage.change(plan, expectedRevision(request.headers, request.body)));
  };
  const moves = 'moving `functions` is checked at once, then answered 202 while they move; GET shows the move under `migration`';

  resource(app, '/v2/storage', 'storage', {
    GET: {
      master: true,
      schema: { summary: 'The system storage plan (credentials masked), and the last storage move under `migration`' },
      handler: show
    },
    PUT: { master: true, accepted: true, schema: { summary: `Set the system storage plan; ${moves}`, body }, handler: replace },
    POST: { master: true, accepted: true, schema: { summary: `Replace the system storage plan; ${moves}`, body }, handler: replace },
    PATCH: {
      master: true, accepted: true,
      schema: { summary: `Change part of the system storage plan (null removes a key); ${moves}`, body: requestBody(anyObject) },
      handler: async (request, _, reply) => {
        const stored = await storage.read();
        const current = stored ? publicFields(stored) : {};
        const plan = checkPlan(mergePatch(current, unmasked(sentPlan(request.body.data), stored)));
        return changed(request, reply, await storage.change(plan, expectedRevision(request.headers, request.body)));
      }
    },
    DELETE: {
      master: true, accepted: true,
      schema: { summary: 'Remove the storage plan; `functions` move back to the main CouchDB (202 while they move)' },
      handler: async (request, _, reply) => changed(request, reply, await storage.change(null, expectedRevision(request.headers, request.body)))
    }
  });
}
