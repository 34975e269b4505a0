// GET /v2/functions and /v2/functions/samples: what this system offers to
// write functions with. No token needed.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../http/services.js';
import { samples } from '../catalog/samples.js';
import { templates } from '../catalog/templates.js';
import { success } from '../http/envelope.js';
import { badIdentifier } from '../errors.js';
import { resource } from '../http/resource.js';

const sampleParams = { type: 'object', required: ['sampleId'], properties: { sampleId: { type: 'string' } } } as const;

export function functionCatalogResource(app: FastifyInstance, { engine }: Services): void {
  resource(app, '/v2/functions', 'catalog', {
    GET: {
      auth: 'none',
      schema: { summary: 'Language packs and starter templates' },
      handler: async (request) => success(request, {
        language_packs: [{ id: 'javascript', name: 'JavaScript', syntax: 'ECMAScript 5', engine: await engine.engine() }],
        templates
      })
    }
  });
  resource(app, '/v2/functions/samples', 'catalog', {
    GET: {
      auth: 'none',
      schema: { summary: 'Sample call payloads' },
      handler: async (request) => success(request, samples.map(({ id, name, description }) => ({ id, name, description })))
    }
  });
  resource(app, '/v2/functions/samples/:sampleId', 'catalog', {
    GET: {
      auth: 'none',
      schema: { summary: 'One sample call payload', params: sampleParams },
      handler: async (request) => {
        const { sampleId } = request.params;
        const sample = samples.find((s) => s.id === sampleId);
        if (!sample) throw badIdentifier(sampleId);
        return success(request, sample);
      }
    }
  });
}
