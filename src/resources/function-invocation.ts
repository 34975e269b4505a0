// Running a function: /invoke answers in the envelope; /pivot speaks Kazoo's
// Pivot, so a Pivot callflow node can use a couchfn function as voice_url.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../app/services.js';
import { successRaw } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { functionParams, requestBody } from '../http/schemas.js';
import { kazooQuery, withoutAuthToken, type CallValue } from '../invoke/encode.js';
import { rawForm } from '../http/form.js';

const callSchema = { type: 'object', additionalProperties: true, description: 'The call parameters Kazoo\'s Pivot sends' };

export function functionInvocationResource(app: FastifyInstance, { invoker }: Services): void {
  const run = async (request: FastifyRequest, query: string, callId: () => string | undefined): Promise<string> => {
    const { functionId } = request.params as { functionId: string };
    const outcome = await invoker.run(request.account!, functionId, query, callId);
    if (outcome.error) throw outcome.error;
    return outcome.callflow!;
  };
  const pivot = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body;
    const raw = request.method === 'GET' ? request.url.split('?')[1] ?? ''
      : rawForm(body) ?? kazooQuery((body ?? {}) as Record<string, CallValue>);
    const query = withoutAuthToken(raw);
    return reply.type('application/json').send(await run(request, query, () => new URLSearchParams(query).get('Call-ID') ?? undefined));
  };

  resource(app, '/v2/accounts/:accountId/functions/:functionId/invoke', 'invocation', {
    POST: {
      scope: 'functions.invoke',
      schema: { summary: 'Run a function on a call; data is the callflow', params: functionParams, body: requestBody(callSchema) },
      handler: async (request, reply) => {
        const call = (request.body as { data: Record<string, CallValue> }).data;
        const callId = () => (typeof call['Call-ID'] === 'string' ? call['Call-ID'] : undefined);
        return reply.type('application/json').send(successRaw(request, await run(request, kazooQuery(call), callId)));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId/pivot', 'invocation', {
    GET: { scope: 'functions.invoke', schema: { summary: 'Pivot: call parameters in the query string; answers the raw callflow', params: functionParams }, handler: pivot },
    POST: { scope: 'functions.invoke', schema: { summary: 'Pivot: call parameters as a form or JSON body; answers the raw callflow', params: functionParams }, handler: pivot }
  });
}
