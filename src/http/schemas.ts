// Route schema pieces: Kazoo's request body {"data": ..., "auth_token"?}, the
// path parameters (from the same JSON Schemas the stores are checked with),
// the success envelope, and the revision rule.
import { checkRevision } from '../couch/docs.js';
import { kazooId } from '../schemas/index.js';
import { textOf } from './fields.js';

const KAZOO_ID = kazooId;

/** A schema without its $id, to embed in a route schema. */
export function embedded<const S extends { $id?: unknown; type?: unknown }>(schema: S): Omit<S, '$id'> {
  const { $id: _id, ...rest } = schema;
  return rest;
}

/** Kazoo's request body around a schema of its `data`; `as const`, so the body's type comes from it. */
export function requestBody<const D extends { type?: unknown; $defs?: unknown }>(schema: D) {
  // `#/$defs/...` references resolve from the root, so the defs move there
  const { $defs, ...data } = schema;
  return {
    type: 'object', required: ['data'],
    properties: { data, auth_token: { type: 'string' }, revision: { type: 'string', description: 'the revision last read; 409 when it is stale' } },
    ...($defs ? { $defs } : {})
  } as const;
}

export const anyObject = { type: 'object', additionalProperties: true } as const;

export const accountParams = { type: 'object', required: ['accountId'], properties: { accountId: KAZOO_ID } } as const;
export const functionParams = {
  type: 'object', required: ['accountId', 'functionId'], properties: { accountId: KAZOO_ID, functionId: KAZOO_ID }
} as const;

/** Kazoo's success envelope; `data` is the resource's own. */
export const successEnvelope = {
  description: 'Kazoo\'s envelope',
  type: 'object', required: ['data', 'status'],
  properties: {
    data: {}, status: { type: 'string', enum: ['success'] }, revision: { type: 'string' }, request_id: { type: 'string' },
    auth_token: { type: 'string' }, timestamp: { type: 'string' }, version: { type: 'string' }, node: { type: 'string' },
    page_size: { type: 'integer' }, start_key: { type: 'string' }, next_start_key: { type: 'string' }
  },
  additionalProperties: true
} as const;

/** A write must name the revision it replaces, when it names one at all: If-Match or `revision` (409 otherwise). */
export function assertCurrent(request: { headers: Record<string, unknown>; body?: unknown }, entity: unknown): void {
  checkRevision(expectedRevision(request.headers, request.body), textOf(entity, '_rev'));
}

/** The revision a client says it last read: If-Match, or `revision` in the body. */
export function expectedRevision(headers: Record<string, unknown>, body: unknown): string | undefined {
  const header = headers['if-match'];
  if (typeof header === 'string' && header) return header.replace(/^"|"$/g, '');
  return textOf(body, 'revision');
}
