// The SDK against a real proxy: every auth mode, refresh, invoke by id and by
// event, isImplemented caching, typed errors, safe retries only.
import test from 'ava';
import type { AddressInfo } from 'node:net';
import { Client, CouchfnError, FunctionError, type Metric } from '@couchfn/client';
import { openConnection } from '../../src/couch/connection.js';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
let baseUrl: string;

test.before(async () => {
  api = await startApi({ COUCHFN_OAUTH_TOKEN_SECONDS: '3', COUCHFN_INVOKE_TIMEOUT_MS: '2000' });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  owner = await api.account(await api.master());
});
test.after.always(async () => { await api?.close(); });

/** fetch that remembers what was asked and answered */
function spy() {
  const calls: { method: string; path: string; status?: number }[] = [];
  const fetchSpy: typeof fetch = async (input, init) => {
    const entry = { method: init?.method ?? 'GET', path: new URL(String(input)).pathname };
    calls.push(entry);
    const res = await fetch(input, init);
    Object.assign(entry, { status: res.status });
    return res;
  };
  return { calls, fetch: fetchSpy };
}

async function oauthClient(scopes?: string[]) {
  const res = await api.call('PUT', `/v2/accounts/${owner.accountId}/oauth_clients`, { token: owner.token, body: { data: { name: 'crm', ...(scopes ? { scopes } : {}) } } });
  return res.body.data as { client_id: string; client_secret: string; scopes: string[] };
}

const hello = { name: 'hello', function_js: "return {module: 'tts', data: {text: 'hello ' + call['Caller-ID-Name']}};" };

test('API key auth: CRUD and invoke by id', async (t) => {
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { apiKey: owner.apiKey! } });
  const created = await client.createFunction(hello);
  t.regex(created.id, /^[0-9a-f]{32}$/);
  t.regex(created.revision!, /^1-/);
  t.deepEqual(await client.invoke({ functionId: created.id, call: { 'Caller-ID-Name': 'Alice' } }), { module: 'tts', data: { text: 'hello Alice' } });
  const updated = await client.updateFunction(created.id, { name: 'renamed' }, { revision: created.revision });
  t.is(updated.name, 'renamed');
  const stale = await t.throwsAsync(client.updateFunction(created.id, { name: 'again' }, { revision: created.revision }), { instanceOf: CouchfnError });
  t.is(stale!.status, 409);
  t.is((await client.getFunction(created.id)).name, 'renamed');
  t.true((await client.listFunctions({ filter_name: 'renamed' })).some((f) => f.id === created.id));
  await client.deleteFunction(created.id);
  t.is((await t.throwsAsync(client.getFunction(created.id), { instanceOf: CouchfnError }))!.status, 404);
});

test('OAuth client credentials: the token endpoint speaks RFC 6749', async (t) => {
  const { client_id: id, client_secret: secret, scopes } = await oauthClient();
  t.deepEqual(scopes, ['functions.invoke', 'functions.read']);
  const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const ok = await api.call('POST', '/oauth/token', { headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials&scope=functions.invoke' });
  t.is(ok.status, 200);
  t.like(ok.body, { token_type: 'Bearer', expires_in: 3, scope: 'functions.invoke' });
  t.is(ok.headers['cache-control'], 'no-store');
  const inBody = await api.call('POST', '/oauth/token', { headers: form, body: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}` });
  t.is(inBody.status, 200);
  t.is(inBody.body.scope, 'functions.invoke functions.read');
  const wrong = await api.call('POST', '/oauth/token', { headers: { ...form, authorization: `Basic ${Buffer.from(`${id}:nope`).toString('base64')}` }, body: 'grant_type=client_credentials' });
  t.is(wrong.status, 401);
  t.is(wrong.body.error, 'invalid_client');
  t.truthy(wrong.headers['www-authenticate']);
  t.is((await api.call('POST', '/oauth/token', { headers: { ...form, authorization: basic }, body: 'grant_type=password' })).body.error, 'unsupported_grant_type');
  t.is((await api.call('POST', '/oauth/token', { headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials&scope=functions.write' })).body.error, 'invalid_scope');
  t.is((await api.call('POST', '/oauth/token', { headers: form, body: 'scope=x' })).body.error, 'invalid_request');
});

test('OAuth auth in the SDK: fetched once for concurrent calls, refreshed before it expires', async (t) => {
  const fn = await api.createFunction(owner, hello);
  const { client_id: clientId, client_secret: clientSecret } = await oauthClient();
  const { calls, fetch } = spy();
  let skew = 0; // the client's clock, moved on instead of waiting
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { clientId, clientSecret }, fetch, now: () => Date.now() + skew });
  await Promise.all(Array.from({ length: 5 }, () => client.invoke({ functionId: fn, call: { 'Caller-ID-Name': 'Bo' } })));
  t.is(calls.filter((c) => c.path === '/oauth/token').length, 1, 'one refresh at a time');
  skew = 2600; // 3 s tokens: within the last fifth of their life
  t.is((await client.invoke({ functionId: fn, call: { 'Caller-ID-Name': 'Cy' } })).data.text, 'hello Cy');
  t.is(calls.filter((c) => c.path === '/oauth/token').length, 2, 'refreshed before expiry');
  t.false(calls.some((c) => c.status === 401), 'never refused for an expired token');
});

test('getAuthorizationHeader is asked for every request', async (t) => {
  const fn = await api.createFunction(owner, hello);
  const asked: string[] = [];
  const client = new Client({
    baseUrl, accountId: owner.accountId,
    auth: { getAuthorizationHeader: async ({ method, url }) => { asked.push(`${method} ${new URL(url).pathname}`); return `Bearer ${owner.token}`; } }
  });
  await client.invoke({ functionId: fn });
  await client.getFunction(fn);
  t.deepEqual(asked, [`POST /v2/accounts/${owner.accountId}/functions/${fn}/invoke`, `GET /v2/accounts/${owner.accountId}/functions/${fn}`]);
});

test('invoke by event runs every enabled listener; isImplemented answers from a view and is cached', async (t) => {
  const account = await api.account(await api.master());
  const a = await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'a'}};", events: ['call.route'] });
  const b = await api.createFunction(account, { function_js: "throw new Error('b failed');", events: ['call.route', 'other'] });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'off'}};", events: ['call.route'], enabled: false });
  const { calls, fetch } = spy();
  const metrics: Metric[] = [];
  const client = new Client({ baseUrl, accountId: account.accountId, auth: { apiKey: account.apiKey! }, fetch, onMetric: (m) => metrics.push(m) });
  const results = await client.invoke({ event: 'call.route', call: { To: '1' } });
  const byId = Object.fromEntries(results.map((r) => [r.id, r]));
  t.deepEqual(Object.keys(byId).sort(), [a, b].sort());
  t.deepEqual(byId[a].result, { module: 'tts', data: { text: 'a' } });
  t.is(byId[b].error?.code, 'function_error');
  t.regex(byId[b].error!.message, /^Error: b failed( \(line 1\))?$/);
  t.is(typeof byId[a].duration_ms, 'number');
  t.true(await client.isImplemented({ event: 'call.route' }));
  t.true(await client.isImplemented({ event: 'call.route' }));
  t.false(await client.isImplemented({ event: 'nobody.listens' }));
  t.is(calls.filter((c) => c.path.endsWith('/call.route/is_implemented')).length, 1, 'the second answer came from the cache');
  t.deepEqual(metrics.filter((m) => m.operation === 'isImplemented').map((m) => m.fromCache), [false, true, false]);
});

test('a throwing function is a FunctionError; a missing one a CouchfnError; metrics see both', async (t) => {
  const metrics: Metric[] = [];
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { apiKey: owner.apiKey! }, onMetric: (m) => metrics.push(m) });
  const fn = await api.createFunction(owner, { function_js: "throw new Error('no route');" });
  const failed = await t.throwsAsync(client.invoke({ functionId: fn }));
  t.true(failed instanceof FunctionError);
  t.like(failed, { status: 500, code: 'function_error' });
  t.regex(failed!.message, /^function_error: Error: no route( \(line 1\))?$/);
  t.regex((failed as FunctionError).requestId!, /^[0-9a-f]{32}$/);
  const missing = await t.throwsAsync(client.invoke({ functionId: 'f'.repeat(32) }));
  t.false(missing instanceof FunctionError);
  t.true(missing instanceof CouchfnError);
  t.like(missing, { status: 404, code: 'bad_identifier' });
  const invokes = metrics.filter((m) => m.operation === 'invoke');
  t.deepEqual(invokes.map((m) => m.status), [500, 404]);
  t.true(invokes.every((m) => m.error && m.durationMs > 0 && !m.fromCache));
});

test.serial('an invoke that got a 5xx is never sent again; a read is retried', async (t) => {
  const fn = await api.createFunction(owner, { function_js: "throw new Error('once');" });
  const { calls, fetch } = spy();
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { apiKey: owner.apiKey! }, fetch, retries: 2 });
  await t.throwsAsync(client.invoke({ functionId: fn }), { instanceOf: FunctionError });
  await api.couchfn.services.attempts.flushAll();
  t.is((await api.couchfn.services.attempts.list(fn)).length, 1, 'the function ran once');
  const routing = api.couchfn.services.routing;
  const before = routing.functions();
  routing.routeFunctions(openConnection('dead', 'http://127.0.0.1:9'));
  try {
    calls.length = 0;
    const down = await t.throwsAsync(client.invoke({ functionId: fn }), { instanceOf: CouchfnError });
    t.is(down!.status, 503);
    t.is(calls.filter((c) => c.path.endsWith('/invoke')).length, 1, 'no second execution after a 5xx');
    calls.length = 0;
    await t.throwsAsync(client.getFunction(fn), { instanceOf: CouchfnError });
    t.is(calls.filter((c) => c.method === 'GET').length, 3, 'a read is tried three times');
  } finally {
    routing.routeFunctions(before);
  }
});

test('a request that never left is retried, invoke included', async (t) => {
  let refused = 0;
  const flaky: typeof fetch = async (input, init) => {
    if (refused++ === 0 && String(input).endsWith('/invoke')) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    return fetch(input, init);
  };
  const fn = await api.createFunction(owner, hello);
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { apiKey: owner.apiKey! }, fetch: flaky });
  t.is((await client.invoke({ functionId: fn, call: { 'Caller-ID-Name': 'Di' } })).data.text, 'hello Di');
});

test('an invoke-only token can invoke but not edit or read', async (t) => {
  const fn = await api.createFunction(owner, hello);
  const { client_id: clientId, client_secret: clientSecret } = await oauthClient(['functions.invoke']);
  const client = new Client({ baseUrl, accountId: owner.accountId, auth: { clientId, clientSecret } });
  t.is((await client.invoke({ functionId: fn, call: { 'Caller-ID-Name': 'Ed' } })).data.text, 'hello Ed');
  for (const attempt of [client.createFunction(hello), client.updateFunction(fn, { name: 'x' }), client.deleteFunction(fn), client.listFunctions()]) {
    const err = await t.throwsAsync(attempt, { instanceOf: CouchfnError });
    t.is(err!.status, 403);
  }
  t.is((await api.call('GET', `/v2/accounts/${owner.accountId}/oauth_clients`, { token: owner.token })).status, 200);
});

test('a revoked client\'s tokens stop working', async (t) => {
  const fn = await api.createFunction(owner, hello);
  const { client_id: id, client_secret: secret } = await oauthClient();
  const token = await api.call('POST', '/oauth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}` });
  const bearer = { authorization: `Bearer ${token.body.access_token}` };
  t.is((await api.call('POST', `/v2/accounts/${owner.accountId}/functions/${fn}/invoke`, { headers: bearer, body: { data: {} } })).status, 200);
  const listed = await api.call('GET', `/v2/accounts/${owner.accountId}/oauth_clients`, { token: owner.token });
  t.false(listed.text.includes(secret), 'the secret is never shown again');
  t.is((await api.call('DELETE', `/v2/accounts/${owner.accountId}/oauth_clients/${id}`, { token: owner.token })).status, 200);
  t.is((await api.call('POST', `/v2/accounts/${owner.accountId}/functions/${fn}/invoke`, { headers: bearer, body: { data: {} } })).status, 401);
});

test('timeouts and AbortSignal end a call', async (t) => {
  // an account of its own: its loops keep running past the client's wait,
  // and an account's running calls are capped
  const looper = await api.account(await api.master());
  const loop = await api.createFunction(looper, { function_js: 'while (true) {}' });
  const client = new Client({ baseUrl, accountId: looper.accountId, auth: { apiKey: looper.apiKey! } });
  // 300 ms on the client, 2 s on the server: only the client's own timeout gives code 'timeout'
  const timedOut = await t.throwsAsync(client.invoke({ functionId: loop, timeoutMs: 300 }), { instanceOf: CouchfnError });
  t.is(timedOut!.code, 'timeout');
  t.is(timedOut!.status, undefined, 'no answer came: the client stopped waiting');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const aborted = await t.throwsAsync(client.invoke({ functionId: loop, signal: controller.signal }), { instanceOf: CouchfnError });
  t.is(aborted!.code, 'aborted');
});
