// Running a function: /invoke answers in the envelope; /pivot speaks Kazoo's
// Pivot, so a Pivot callflow node can use a couchfn function as voice_url.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../http/services.js';
import { successRaw } from '../http/envelope.js';
import { ApiError, tooManyRequests } from '../http/errors.js';
import { resource } from '../http/resource.js';
import { functionParams, requestBody } from '../http/schemas.js';
import { callWithoutToken, kazooQuery, malformedQuery, withoutAuthToken, type CallValue } from '../invoke/encode.js';
import { invalidRequest } from '../errors.js';
import type { Outcome, OutcomeKind } from '../invoke/outcome.js';
import { VERSION_HEADER } from '../invoke/show-engine.js';
import type { FunctionLogs } from '../invoke/function-logs.js';
import { rawForm } from '../http/form.js';

const callSchema = { type: 'object', additionalProperties: true, description: 'The call parameters Kazoo\'s Pivot sends' } as const;

/** A request on a function's URL. */
type InvocationRequest = FastifyRequest & { params: { functionId: string } };

// How each outcome but success answers.
const ANSWERS: Record<Exclude<OutcomeKind, 'success'>, (id: string, reason: string, outcome: Outcome) => ApiError> = {
  not_found: (id) => new ApiError(404, 'bad_identifier', { cause: id }),
  disabled: (id, reason) => new ApiError(423, 'function_disabled', {
    cause: reason, fix: `re-enable it with PATCH /v2/accounts/{account}/functions/${id} {"data":{"enabled":true}}`
  }),
  account_disabled: (_id, reason) => new ApiError(423, 'account_disabled', { cause: reason }),
  too_large: (_id, reason) => new ApiError(413, 'too large', { cause: reason }),
  busy: (_id, reason, outcome) => tooManyRequests(reason, outcome.retryAfter ?? 1),
  function_error: (_id, reason) => new ApiError(500, 'function_error', { cause: reason }, {}, true),
  invalid_callflow: (_id, reason) => new ApiError(500, 'invalid_callflow', { cause: reason }, {}, true),
  timeout: (_id, reason) => new ApiError(504, 'timeout', { cause: reason }, {}, true),
  deadline: (_id, reason) => new ApiError(504, 'timeout', { cause: reason }),
  unavailable: (_id, reason) => new ApiError(503, 'datastore_unreachable', { cause: reason })
};

/** A run's lines as the API shows them: `logs`, and `logs_dropped` when some were past the limits. */
function logsOf(logs: FunctionLogs): Record<string, unknown> {
  return { logs: logs.lines, ...(logs.dropped ? { logs_dropped: logs.dropped } : {}) };
}

export function outcomeError(functionId: string, outcome: Outcome): ApiError {
  const error = ANSWERS[outcome.kind as Exclude<OutcomeKind, 'success'>](functionId, outcome.reason ?? outcome.kind, outcome);
  if (outcome.version) error.headers[VERSION_HEADER] = outcome.version;
  // the caller sees what its function logged, beside the cause
  if (outcome.logs) Object.assign(error.data, logsOf(outcome.logs));
  return error;
}


/** The callflow of a successful outcome (the version header set), or the error it answers. */
export function callflowOf(reply: FastifyReply, functionId: string, outcome: Outcome): string {
  if (outcome.kind !== 'success') throw outcomeError(functionId, outcome);
  if (outcome.version) void reply.header(VERSION_HEADER, outcome.version);
  return outcome.callflow!;
}

export function functionInvocationResource(app: FastifyInstance, { invoker }: Services): void {
  const run = async (request: InvocationRequest, reply: FastifyReply, query: string, callId: string | undefined): Promise<Outcome> => {
    const { functionId } = request.params;
    const outcome = await invoker.run(request.account!, functionId, { query, callId });
    callflowOf(reply, functionId, outcome);
    return outcome;
  };
  const pivot = async (request: InvocationRequest, _: unknown, reply: FastifyReply) => {
    const raw = request.method === 'GET' ? request.url.split('?')[1] ?? ''
      : rawForm(request.body) ?? kazooQuery(callWithoutToken((request.body ?? {}) as Record<string, CallValue>, request.authToken));
    const malformed = malformedQuery(raw);
    if (malformed) throw invalidRequest(malformed);
    const query = withoutAuthToken(raw, request.authToken);
    // Pivot answers the raw callflow, as Kazoo reads it: the lines are in the attempts
    return reply.type('application/json').send((await run(request, reply, query, new URLSearchParams(query).get('Call-ID') ?? undefined)).callflow!);
  };

  resource(app, '/v2/accounts/:accountId/functions/:functionId/invoke', 'invocation', {
    POST: {
      scope: 'functions.invoke',
      schema: { summary: 'Run a function on a call; data is the callflow', params: functionParams, body: requestBody(callSchema) },
      handler: async (request, _, reply) => {
        // parsed JSON: call values all (a schema of any JSON derives only `unknown`)
        const call = callWithoutToken(request.body.data as Record<string, CallValue>, request.authToken);
        const callId = typeof call['Call-ID'] === 'string' ? call['Call-ID'] : undefined;
        const outcome = await run(request, reply, kazooQuery(call), callId);
        return reply.type('application/json').send(successRaw(request, outcome.callflow!, outcome.logs ? logsOf(outcome.logs) : {}));
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId/pivot', 'invocation', {
    GET: { scope: 'functions.invoke', raw: true, schema: { summary: 'Pivot: call parameters in the query string; answers the raw callflow', params: functionParams }, handler: pivot },
    POST: { scope: 'functions.invoke', raw: true, schema: { summary: 'Pivot: call parameters as a form or JSON body; answers the raw callflow', params: functionParams }, handler: pivot }
  });
}
