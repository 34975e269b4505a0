// Shared by the gateway's two invocation resources: the call from
// LivePerson's body, and the exactly-once rule around a run.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../http/services.js';
import { callOf, type InvocationBody } from '../../gateway/liveperson.js';
import { REQUEST_ID, type WorkAnswer } from '../../gateway/requests.js';
import { callWithoutToken, kazooQuery } from '../../invoke/encode.js';
import type { CallRequest } from '../../invoke/invoker.js';
import { sendAnswer } from './errors.js';

/** The LivePerson body as a Kazoo call (the request's token never reaches a function). */
export function callRequestOf(request: FastifyRequest & { body: InvocationBody | undefined }): CallRequest {
  const call = callWithoutToken(callOf(request.body ?? {}), request.authToken);
  const callId = typeof call['Call-ID'] === 'string' ? call['Call-ID'] : undefined;
  return { query: kazooQuery(call), callId };
}

/** Runs `work` once per X-Request-ID for this account and target (a function
 * or an event) within the window; a repeat gets the first answer. Without a
 * usable X-Request-ID it simply runs. */
export async function answerOnce(
  { lpRequests }: Services, request: FastifyRequest, reply: FastifyReply, target: string, work: () => Promise<WorkAnswer>
): Promise<FastifyReply> {
  const given = request.headers['x-request-id'];
  if (typeof given !== 'string' || !REQUEST_ID.test(given)) {
    const { keep: _keep, ...answer } = await work();
    return sendAnswer(reply, answer);
  }
  return sendAnswer(reply, await lpRequests.once({ accountId: request.account!._id, target, requestId: given }, work));
}
