// One webhook request, as Kazoo's webhooks_util sends it: GET puts the
// payload in the query string, POST and PUT in the body as a form
// (`format: form-data`, Kazoo's default) or JSON; headers X-Hook-ID and
// X-Account-ID; only 200 (201 for PUT) is a success. Connections go only to
// addresses the network policy allows (checked after DNS resolution), no
// redirect is followed, and the answer is read no further than its status.
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { kazooQuery, type CallValue } from '../invoke/encode.js';
import type { LiveEvent } from './event.js';
import type { NetworkPolicy } from './networks.js';
import type { WebhookDoc } from './webhooks.js';

export interface RequestResult { ok: boolean; status?: number; reason?: string; clientError?: string }

/** What the receiver gets: custom_data, then the event's fields (they win),
 * the hook, and the event's id (the same on every retry and redelivery). */
export function hookPayload(hook: WebhookDoc, event: LiveEvent): Record<string, unknown> {
  return { ...(hook.custom_data ?? {}), event: event.name, ...event.data, hook_event: hook.hook, hook_id: hook._id, event_id: event.id };
}

export class HookSender {
  private readonly agent: Agent;

  constructor(private readonly policy: NetworkPolicy, private readonly timeoutMs: number) {
    this.agent = new Agent({ connect: { lookup: policy.lookup(), timeout: timeoutMs }, keepAliveTimeout: 10_000, connections: 16 });
  }

  async send(hook: WebhookDoc, event: LiveEvent): Promise<RequestResult> {
    const payload = hookPayload(hook, event) as Record<string, CallValue>;
    const url = new URL(hook.uri);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // an address written in the URI is never looked up: check it here
    if (isIP(host) && !this.policy.allows(host)) {
      return { ok: false, reason: 'address not allowed', clientError: `${host} is outside COUCHFN_WEBHOOK_ALLOWED_NETWORKS (${this.policy.describe()})` };
    }
    const headers: Record<string, string> = { 'x-hook-id': hook._id, 'x-account-id': hook.pvt_account_id, 'user-agent': 'couchfn-webhooks' };
    const method = hook.http_verb ?? 'post';
    let target = hook.uri;
    let body: string | undefined;
    if (method === 'get') {
      const query = kazooQuery(payload);
      target = `${hook.uri}${url.search ? '&' : '?'}${query}`;
    } else if (hook.format === 'json') {
      body = JSON.stringify(payload);
      headers['content-type'] = 'application/json';
    } else {
      body = kazooQuery(payload);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    try {
      const res = await request(target, {
        method: method.toUpperCase() as 'GET', headers, body, dispatcher: this.agent,
        headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, signal: AbortSignal.timeout(this.timeoutMs)
      });
      // nothing of the answer is read: a receiver cannot make this process read a large body
      res.body.on('error', () => undefined);
      res.body.destroy();
      const success = method === 'put' ? res.statusCode === 201 || res.statusCode === 200 : res.statusCode === 200;
      return success ? { ok: true, status: res.statusCode } : { ok: false, status: res.statusCode, reason: 'bad response code' };
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
      const code = e.cause?.code ?? e.code;
      if (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        return { ok: false, reason: 'timeout', clientError: `no answer within ${this.timeoutMs} ms (COUCHFN_WEBHOOK_TIMEOUT_MS)` };
      }
      if (code === 'ENETNOTALLOWED') return { ok: false, reason: 'address not allowed', clientError: e.cause?.message ?? e.message };
      return { ok: false, reason: 'kazoo http client error', clientError: code ? `${code}` : (e.message ?? String(err)) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
