// LivePerson Functions' words for couchfn's things: a function id as a UUID,
// an invocation body as a call, a function as a "lambda" in a listing.
import type { FunctionSummary } from '../functions/store.js';
import type { CallValue } from '../invoke/encode.js';
import { badIdentifier, invalidRequest } from '../errors.js';

/** A couchfn id (32 hex) as LivePerson's UUID with dashes: the same 128 bits, nothing stored. */
export function uuidOf(id: string): string {
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

/** The couchfn id of a UUID (with or without dashes, any case). */
export function idOfUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw badIdentifier(uuid);
  return hex;
}

/** What LivePerson's client posts to invoke: `{timestamp, headers: [{key, value}], payload}`. */
export interface InvocationBody { timestamp?: number; headers?: unknown; payload?: unknown }

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LivePerson's header list as one object (a repeated key keeps its last value). */
export function headerObject(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (!Array.isArray(headers)) throw invalidRequest('headers must be a list of {key, value}');
  const out: Record<string, string> = {};
  for (const header of headers) {
    if (!isPlainObject(header) || typeof header.key !== 'string') throw invalidRequest('headers must be a list of {key, value}');
    out[header.key] = header.value === undefined || header.value === null ? '' : String(header.value);
  }
  return out;
}

/**
 * The call a function receives from the gateway. A Kazoo function keeps its
 * call: an object payload's fields are the call's own (`call['To']`). A
 * function written for LivePerson finds its input beside them:
 * `call.payload` (the payload as sent) and `call.headers` (the header list
 * as an object). So an object payload travels twice and counts twice
 * against COUCHFN_MAX_CALL_BYTES. `payload` and `headers` win over payload
 * fields of the same name.
 */
export function callOf(body: InvocationBody): Record<string, CallValue> {
  const headers = headerObject(body.headers);
  const payload = body.payload === undefined ? {} : body.payload;
  const own = isPlainObject(payload) ? payload : {};
  return { ...own, payload, headers } as Record<string, CallValue>;
}

/** A function as LivePerson lists it ("lambdas", V1, and "functions", V2: the same fields here). */
export interface Lambda {
  uuid: string;
  name: string;
  /** Productive when enabled, Undeployed when not */
  state: 'Productive' | 'Undeployed';
  /** the first event it is bound to, as LivePerson binds one */
  eventId?: string;
  events: string[];
  runtime: { name: 'couchfn'; language: 'ES5' };
  disableReason?: string;
}

export function lambdaOf(summary: FunctionSummary): Lambda {
  return {
    uuid: uuidOf(summary.id), name: summary.name, state: summary.enabled ? 'Productive' : 'Undeployed',
    ...(summary.events[0] ? { eventId: summary.events[0] } : {}), events: summary.events,
    runtime: { name: 'couchfn', language: 'ES5' }, ...(summary.disable_reason ? { disableReason: summary.disable_reason } : {})
  };
}

export interface LambdaFilters { eventId?: string; state?: string[]; functionName?: string }

/** LivePerson's listing filters (its client sends unset ones empty); userId has no meaning here (functions have no author) and filters nothing. */
export function lambdaMatches(lambda: Lambda, given: LambdaFilters): boolean {
  const filters = { ...given, state: given.state?.filter(Boolean) };
  if (filters.eventId && !lambda.events.includes(filters.eventId)) return false;
  if (filters.state?.length && !filters.state.some((s) => s.toLowerCase() === lambda.state.toLowerCase())) return false;
  if (filters.functionName && lambda.name !== filters.functionName) return false;
  return true;
}
