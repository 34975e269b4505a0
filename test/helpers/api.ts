// The REST API on the test CouchDB, called in-process with inject.
import type { FastifyInstance } from 'fastify';
import { startCouchfn, type Couchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseRole } from '../../src/couch/names.js';
import { startTestCouch, type TestCouch } from './couch.js';

/** One master key for every test file, as they may share one CouchDB. */
export const MASTER_KEY = 'c0ffee'.repeat(10) + 'c0ff';

export interface Answer { status: number; body: any; text: string; headers: Record<string, unknown> }

export interface Caller { accountId: string; token: string; apiKey?: string }

export class TestApi {
  constructor(readonly couch: TestCouch, readonly couchfn: Couchfn) {}

  get app(): FastifyInstance { return this.couchfn.app; }

  /** The prefixed name of one of couchfn's databases. */
  db(role: DatabaseRole): string { return this.couchfn.services.names[role]; }

  async call(method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['x-auth-token'] = options.token;
    const res = await this.app.inject({
      method: method as 'GET', url, headers,
      ...(options.body === undefined ? {} : typeof options.body === 'string' ? { payload: options.body } : { payload: options.body as object })
    });
    let body: unknown;
    try { body = JSON.parse(res.body); } catch { body = undefined; }
    return { status: res.statusCode, body, text: res.body, headers: res.headers };
  }

  async login(apiKey: string): Promise<string> {
    const res = await this.call('PUT', '/v2/api_auth', { body: { data: { api_key: apiKey } } });
    if (res.status !== 201) throw new Error(`login failed: ${res.text}`);
    return res.body.auth_token;
  }

  async master(): Promise<Caller> {
    return { accountId: this.couchfn.master._id, token: await this.login(MASTER_KEY) };
  }

  /** A new sub-account of parent, logged in with its own API key. */
  async account(parent: Caller, name = 'test account'): Promise<Caller> {
    const created = await this.call('PUT', `/v2/accounts/${parent.accountId}`, { token: parent.token, body: { data: { name } } });
    if (created.status !== 201) throw new Error(`account not created: ${created.text}`);
    const id = created.body.data.id;
    const key = await this.call('GET', `/v2/accounts/${id}/api_key`, { token: parent.token });
    return { accountId: id, apiKey: key.body.data.api_key, token: await this.login(key.body.data.api_key) };
  }

  async createFunction(owner: Caller, data: Record<string, unknown>): Promise<string> {
    const res = await this.call('PUT', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token, body: { data: { name: 'fn', ...data } } });
    if (res.status !== 201) throw new Error(`function not created: ${res.text}`);
    return res.body.data.id;
  }

  invoke(owner: Caller, id: string, call: Record<string, unknown> = {}): Promise<Answer> {
    return this.call('POST', `/v2/accounts/${owner.accountId}/functions/${id}/invoke`, { token: owner.token, body: { data: call } });
  }

  async close(): Promise<void> {
    await this.couchfn.close();
    await this.couch.stop();
  }
}

/** A database prefix of its own, so that test files (and runs) sharing one CouchDB never meet. */
export function testPrefix(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}_`;
}

export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const couch = await startTestCouch();
  const config = loadConfig({ COUCHDB_URL: couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: testPrefix(), ...env });
  return new TestApi(couch, await startCouchfn(config));
}
