// /v2/accounts/{A}/events/{event}: run every function bound to an event, or
// ask whether any is (LivePerson's invoke-by-event and isImplemented).
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { requestBody } from '../http/schemas.js';
import { callWithoutToken, kazooQuery, type CallValue } from '../invoke/encode.js';
import { kazooId } from '../schemas/index.js';

const eventParams = {
  type: 'object', required: ['accountId', 'event'],
  properties: { accountId: kazooId, event: { type: 'string', pattern: '^[a-z0-9_.]{1,64}$' } }
} as const;

export function eventsResource(app: FastifyInstance, { events }: Services): void {
  resource(app, '/v2/accounts/:accountId/events/:event/invoke', 'events', {
    POST: {
      scope: 'functions.invoke',
      schema: { summary: 'Run every enabled function bound to the event; one entry per function', params: eventParams, body: requestBody({ type: 'object' } as const) },
      handler: async (request) => {
        const { event } = request.params;
        // parsed JSON: call values all (a schema of any JSON derives only `unknown`)
        const call = callWithoutToken(request.body.data as Record<string, CallValue>, request.authToken);
        const callId = typeof call['Call-ID'] === 'string' ? call['Call-ID'] : undefined;
        return success(request, await events.invoke(request.account!, event, { query: kazooQuery(call), callId }));
      }
    }
  });
  resource(app, '/v2/accounts/:accountId/events/:event/is_implemented', 'events', {
    GET: {
      scope: 'functions.invoke',
      schema: { summary: 'Whether any enabled function listens to the event', params: eventParams },
      handler: async (request) => {
        const { event } = request.params;
        return success(request, { event, implemented: (await events.listeners(request.account!, event)).length > 0 });
      }
    }
  });
}
