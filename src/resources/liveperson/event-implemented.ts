// GET /api/account/{A}/events/{eventId}/isImplemented: whether any enabled
// function listens ({"implemented": bool}), from the events_listing view.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../http/services.js';
import { resource } from '../../http/resource.js';
import { lpErrorSchema, lpEventParams } from './schemas.js';

export function eventImplementedResource(app: FastifyInstance, { events }: Services): void {
  resource(app, '/api/account/:accountId/events/:eventId/isImplemented', 'liveperson', {
    GET: {
      scope: 'functions.invoke',
      raw: true,
      schema: {
        summary: 'LivePerson isImplemented: whether any enabled function is bound to the event',
        params: lpEventParams,
        querystring: { type: 'object', properties: { v: { type: 'string' }, skillId: { type: 'string' }, externalSystem: { type: 'string' }, userId: { type: 'string' } } },
        response: { 200: { type: 'object', required: ['implemented'], properties: { implemented: { type: 'boolean' } } }, default: lpErrorSchema }
      },
      handler: async (request) => ({ implemented: (await events.listeners(request.account!, request.params.eventId)).length > 0 })
    }
  });
}
