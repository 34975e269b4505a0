// Route schema pieces of the LivePerson gateway: its path parameters and the
// answers LivePerson's clients read.

/** LivePerson account ids are not Kazoo's; the gateway checks the account like every route (403 when not the caller's). */
export const lpAccountParams = {
  type: 'object', required: ['accountId'], properties: { accountId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }
} as const;

const eventId = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;

export const lpEventParams = {
  type: 'object', required: ['accountId', 'eventId'], properties: { ...lpAccountParams.properties, eventId }
} as const;

export const lpLambdaParams = {
  type: 'object', required: ['accountId', 'uuid'],
  properties: { ...lpAccountParams.properties, uuid: { type: 'string', description: 'the function id as a UUID (8-4-4-4-12), or its 32 hex digits' } }
} as const;

/** What LivePerson's client posts to run a function. */
export const invocationBody = {
  type: 'object',
  properties: {
    timestamp: { type: 'number' },
    headers: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, value: {} } } },
    payload: { description: 'any JSON; an object\'s fields are also the call\'s own' }
  }
} as const;

/** V1 {errorCode, errorMsg} or V2 {code, message} (a V2 client sends LP-EventSource). */
export const lpErrorSchema = {
  description: 'LivePerson\'s error: V1 {errorCode, errorMsg}, V2 {code, message}; a function\'s own failure answers 901',
  type: 'object', additionalProperties: false,
  properties: { errorCode: { type: 'string' }, errorMsg: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } }
} as const;

export const lambdaSchema = {
  type: 'object',
  properties: {
    uuid: { type: 'string' }, name: { type: 'string' }, state: { type: 'string', enum: ['Productive', 'Undeployed'] },
    eventId: { type: 'string' }, events: { type: 'array', items: { type: 'string' } },
    runtime: { type: 'object', properties: { name: { type: 'string' }, language: { type: 'string' } } },
    disableReason: { type: 'string' }
  }
} as const;
