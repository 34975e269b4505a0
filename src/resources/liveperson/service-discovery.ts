// GET /api/account/{A}/service/baseURI.json: LivePerson's service discovery
// (CSDS), answered for this couchfn: the gateway (faasGW, faasUI) and the
// token service (sentinel). LivePerson's client builds gateway URLs from a
// bare host (a port in it breaks them), so the gateway is on 443;
// the token URL is https://{sentinel}/..., where a port is fine.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../http/services.js';
import { resource } from '../../http/resource.js';
import { lpAccountParams, lpErrorSchema } from './schemas.js';

const baseUri = {
  type: 'object', properties: { service: { type: 'string' }, account: { type: 'string' }, baseURI: { type: 'string' } }
} as const;

export function serviceDiscoveryResource(app: FastifyInstance, { config }: Services): void {
  resource(app, '/api/account/:accountId/service/baseURI.json', 'liveperson', {
    GET: {
      auth: 'none',
      raw: true,
      schema: {
        summary: 'LivePerson service discovery: where the gateway and its token service are (COUCHFN_LP_GATEWAY_HOST)',
        params: lpAccountParams,
        querystring: { type: 'object', properties: { version: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { baseURIs: { type: 'array', items: baseUri } } }, default: lpErrorSchema }
      },
      handler: async (request) => {
        const { accountId } = request.params;
        // unset: the host this request came to, without its port (the gateway is on 443), and with it for the token service
        const gateway = config.lpGatewayHost ?? request.hostname;
        const sentinel = config.lpGatewayHost ?? request.host;
        return {
          baseURIs: [
            { service: 'faasGW', account: accountId, baseURI: gateway },
            { service: 'faasUI', account: accountId, baseURI: gateway },
            { service: 'sentinel', account: accountId, baseURI: sentinel }
          ]
        };
      }
    }
  });
}
