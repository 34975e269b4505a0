// GET /api/account/{A}/lambdas (V1, getLambdas) and /api/account/{A}/functions
// (V2, getFunctions): the account's functions as LivePerson lists them,
// filtered by eventId, state (Productive: enabled; Undeployed: not) and
// functionName. userId filters nothing: couchfn's functions have no author.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../http/services.js';
import { lambdaMatches, lambdaOf, type LambdaFilters } from '../../gateway/liveperson.js';
import { resource } from '../../http/resource.js';
import { lambdaSchema, lpAccountParams, lpErrorSchema } from './schemas.js';

const listQuery = {
  type: 'object',
  properties: {
    eventId: { type: 'string' }, state: { type: 'array', items: { type: 'string' } }, functionName: { type: 'string' },
    userId: { type: 'string' }, externalSystem: { type: 'string' }, v: { type: 'string' }, skillId: { type: 'string' }
  }
} as const;

export function lambdasResource(app: FastifyInstance, { functions }: Services): void {
  const list = async (request: FastifyRequest & { query: LambdaFilters }) => {
    const filters = request.query;
    const { items } = await functions.list(request.account!._id, { filters: {} });
    return items.map(lambdaOf).filter((lambda) => lambdaMatches(lambda, filters));
  };
  for (const [url, summary] of [
    ['/api/account/:accountId/lambdas', 'LivePerson getLambdas (V1): the account\'s functions'],
    ['/api/account/:accountId/functions', 'LivePerson getFunctions (V2): the account\'s functions']
  ]) {
    resource(app, url, 'liveperson', {
      GET: {
        scope: 'functions.read',
        raw: true,
        schema: { summary, params: lpAccountParams, querystring: listQuery, response: { 200: { type: 'array', items: lambdaSchema }, default: lpErrorSchema } },
        handler: list
      }
    });
  }
}
