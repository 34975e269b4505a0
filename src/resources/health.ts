// GET /healthz: is each CouchDB connection answering? 200 when all are, else 503.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { resource } from '../http/resource.js';
import { answers } from '../couch/server.js';

export function healthResource(app: FastifyInstance, { routing }: Services): void {
  let lastSummary = '';
  resource(app, '/healthz', 'meta', {
    GET: {
      auth: 'none',
      raw: true,
      schema: { summary: 'The state of each CouchDB connection' },
      handler: async (request, _, reply) => {
        const connections = [...new Set([routing.main, routing.functions()])];
        const states = await Promise.all(connections.map(async (c) => ({
          id: c.id, functions: c === routing.functions(), state: (await answers(c)) ? 'up' : 'down'
        })));
        const up = states.every((s) => s.state === 'up');
        // logged when the state changes, not on every poll
        const summary = states.map((s) => `${s.id} ${s.state}`).join(', ');
        if (summary !== lastSummary) {
          if (up) request.log.info({ connections: states }, 'CouchDB connections up');
          else request.log.warn({ connections: states }, `CouchDB connection down: ${summary}`);
          lastSummary = summary;
        }
        reply.code(up ? 200 : 503);
        return { status: up ? 'ok' : 'degraded', connections: states };
      }
    }
  });
}
