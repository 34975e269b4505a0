// Kazoo's response envelopes.
import { hostname } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { version } from '../version.js';
import type { ApiError } from './errors.js';

const node = hostname();

declare module 'fastify' {
  // Kazoo repeats the request's token in every envelope (clients written for it may read it there); COUCHFN_ECHO_AUTH_TOKEN=false leaves it out
  interface FastifyInstance { echoAuthToken?: boolean }
}

export interface ListPage { page_size: number; start_key?: string; next_start_key?: string }

function common(request: FastifyRequest) {
  // a token the request brought (it was authenticated with it) is echoed only if configured; one it was issued (api_auth) always
  const echo = request.server.echoAuthToken !== false || request.caller === null;
  return { request_id: request.id, ...(echo ? { auth_token: request.authToken ?? '' } : {}), timestamp: new Date().toISOString(), version, node };
}

export function success(request: FastifyRequest, data: unknown, extra: { revision?: string } & Partial<ListPage> = {}) {
  return { data, ...extra, status: 'success', ...common(request) };
}

/** The envelope around JSON text that is passed through unparsed; `extra` goes beside data (e.g. logs). */
export function successRaw(request: FastifyRequest, json: string, extra: Record<string, unknown> = {}): string {
  return `{"data":${json},${JSON.stringify({ ...extra, status: 'success', ...common(request) }).slice(1)}`;
}

export function failure(request: FastifyRequest, error: ApiError) {
  return { data: error.data, error: String(error.status), message: error.kazooMessage, status: 'error', ...common(request) };
}
