// POST /api/account/{A}/events/{eventId}/invoke: run every enabled function
// bound to the event; a bare list of {uuid, timestamp, result} back ([] when
// none listens), a failed one with `error` {code, message} in LivePerson's
// words instead of `result`. Exactly once per X-Request-ID, as by id.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../http/services.js';
import { uuidOf } from '../../gateway/liveperson.js';
import { resource } from '../../http/resource.js';
import type { OutcomeKind } from '../../invoke/outcome.js';
import { modeOf, outcomeFailure } from './errors.js';
import { answerOnce, callRequestOf } from './invocation.js';
import { invocationBody, lpErrorSchema, lpEventParams } from './schemas.js';

const eventResult = {
  type: 'object',
  properties: {
    uuid: { type: 'string' }, timestamp: { type: 'number' }, result: {},
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } }
  }
} as const;

export function eventInvocationResource(app: FastifyInstance, services: Services): void {
  resource(app, '/api/account/:accountId/events/:eventId/invoke', 'liveperson', {
    POST: {
      scope: 'functions.invoke',
      raw: true,
      schema: {
        summary: 'LivePerson invoke by event: every enabled function bound to it, one entry each',
        params: lpEventParams, body: invocationBody,
        response: { 200: { type: 'array', items: eventResult }, default: lpErrorSchema }
      },
      handler: async (request, _, reply) => {
        const { eventId } = request.params;
        const call = callRequestOf(request);
        const mode = modeOf(request);
        return answerOnce(services, request, reply, `event:${eventId}`, async () => {
          const results = await services.events.invoke(request.account!, eventId, call);
          const timestamp = Date.now();
          const entries = results.map((r) => r.error
            ? { uuid: uuidOf(r.id), timestamp, error: outcomeFailure({ kind: r.error.code as OutcomeKind, reason: r.error.message }).body(mode) }
            : { uuid: uuidOf(r.id), timestamp, result: r.result });
          return { status: 200, body: JSON.stringify(entries), keep: true };
        });
      }
    }
  });
}
