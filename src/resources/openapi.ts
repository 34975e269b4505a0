// GET /v2/openapi.json: every route, from the schemas the routes validate with.
import type { FastifyInstance } from 'fastify';
import { resource } from '../http/resource.js';

export function openapiResource(app: FastifyInstance): void {
  resource(app, '/v2/openapi.json', 'meta', {
    GET: { auth: 'none', raw: true, schema: { hide: true }, handler: async () => app.swagger() }
  });
}
