// GET /healthz: is each CouchDB connection answering? 200 when all are, else 503.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { resource } from '../http/resource.js';
import { answers } from '../couch/server.js';

export function healthResource(app: FastifyInstance, { routing }: Services): void {
  resource(app, '/healthz', 'meta', {
    GET: {
      auth: 'none',
      raw: true,
      schema: { summary: 'The state of each CouchDB connection' },
      handler: async (_request, reply) => {
        const connections = [...new Set([routing.main, routing.functions()])];
        const states = await Promise.all(connections.map(async (c) => ({
          id: c.id, functions: c === routing.functions(), state: (await answers(c)) ? 'up' : 'down'
        })));
        const up = states.every((s) => s.state === 'up');
        reply.code(up ? 200 : 503);
        return { status: up ? 'ok' : 'degraded', connections: states };
      }
    }
  });
}
