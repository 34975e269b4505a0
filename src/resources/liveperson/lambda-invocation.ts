// POST /api/account/{A}/lambdas/{uuid}/invoke: run one function, as
// LivePerson's client asks (V1: ?v=1&externalSystem=..., V2: LP-EventSource).
// The function's result is the whole answer body; its own failure answers
// 901, which the client does not retry, and a retried request (same
// X-Request-ID) gets the first answer without a second run.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../http/services.js';
import { idOfUuid } from '../../gateway/liveperson.js';
import { resource } from '../../http/resource.js';
import { modeOf, outcomeFailure } from './errors.js';
import { answerOnce, callRequestOf } from './invocation.js';
import { invocationBody, lpErrorSchema, lpLambdaParams } from './schemas.js';

const invokeQuery = { type: 'object', properties: { v: { type: 'string' }, skillId: { type: 'string' }, externalSystem: { type: 'string' } } } as const;

export function lambdaInvocationResource(app: FastifyInstance, services: Services): void {
  resource(app, '/api/account/:accountId/lambdas/:uuid/invoke', 'liveperson', {
    POST: {
      scope: 'functions.invoke',
      raw: true,
      schema: {
        summary: 'LivePerson invoke by id: {headers, payload} in, the function\'s result (a callflow) out',
        params: lpLambdaParams, querystring: invokeQuery, body: invocationBody,
        response: { 200: { description: 'the function\'s result, as it returned it' }, default: lpErrorSchema }
      },
      handler: async (request, _, reply) => {
        const id = idOfUuid(request.params.uuid);
        const call = callRequestOf(request);
        const mode = modeOf(request);
        return answerOnce(services, request, reply, id, async () => {
          const outcome = await services.invoker.run(request.account!, id, call);
          if (outcome.kind === 'success') return { status: 200, body: outcome.callflow!, keep: true };
          // the code never ran (busy, or CouchDB away): a retry may run it
          return { ...outcomeFailure(outcome).answer(mode), keep: outcome.kind !== 'busy' && outcome.kind !== 'unavailable' };
        });
      }
    }
  });
}
