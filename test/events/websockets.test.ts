// Blackhole's protocol with a real WebSocket client: subscribe, events in
// blackhole's shape, bindings with *, ping, unsubscribe; only a token allowed
// for the account may subscribe; an expired token ends the subscription; the
// REST views list live sockets; a socket that does not read is cut off.
import test from 'ava';
import type { AddressInfo } from 'node:net';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';
import { until } from '../helpers/receiver.js';
import { SocketClient } from '../helpers/socket.js';

let api: TestApi;
let master: Caller;
let url: string;
const clients: SocketClient[] = [];

test.before(async () => {
  api = await startApi({ COUCHFN_EVENTS_POLL_MS: '50', COUCHFN_WEBSOCKET_MAX_BUFFER_BYTES: '65536' });
  master = await api.master();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/v2/websocket`;
});
test.after.always(async () => {
  for (const c of clients) c.close();
  await api?.close();
});

async function connect(): Promise<SocketClient> {
  const client = await SocketClient.connect(url);
  clients.push(client);
  return client;
}

test('subscribe, then object events arrive in blackhole\'s shape', async (t) => {
  const account = await api.account(master, 'ws objects');
  const client = await connect();
  const reply = await client.subscribe(account.token, account.accountId, 'object.*.function');
  t.deepEqual(reply, { action: 'reply', request_id: reply.request_id, status: 'success', data: { subscribed: ['object.*.function'] } });
  const id = await api.createFunction(account, { name: 'live', function_js: "return {module:'tts',data:{text:'hi'}};" });
  const created = await client.event((e) => e.name === 'doc_created');
  t.is(created.action, 'event');
  t.is(created.subscribed_key, 'object.*.function');
  t.is(created.routing_key, 'object.doc_created.function');
  t.like(created.data, { event: 'object.doc_created.function', account_id: account.accountId, function_id: id, name: 'live', action: 'doc_created', type: 'function' });
  t.truthy(Date.parse(created.data.timestamp));
  await api.call('DELETE', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token });
  const deleted = await client.event((e) => e.name === 'doc_deleted');
  t.like(deleted.data, { function_id: id, name: 'live', account_id: account.accountId });
});

test('function.failed.* brings failures with kind and message; function.invoked.{id} one function\'s runs', async (t) => {
  const account = await api.account(master, 'ws failures');
  const client = await connect();
  const thrower = await api.createFunction(account, { name: 'thrower', function_js: "throw new Error('bad ' + call.To);" });
  const fine = await api.createFunction(account, { name: 'fine', function_js: "return {module:'tts',data:{text:'hi'}};" });
  await client.subscribe(account.token, account.accountId, ['function.failed.*', `function.invoked.${fine}`]);
  await api.invoke(account, thrower, { To: '7' });
  await api.invoke(account, fine);
  const failed = await client.event((e) => e.routing_key === `function.failed.${thrower}`);
  t.is(failed.name, 'failed');
  t.is(failed.subscribed_key, 'function.failed.*');
  t.like(failed.data, { event: 'function.failed', function_id: thrower, name: 'thrower', kind: 'function_error', account_id: account.accountId });
  t.regex(failed.data.message, /bad 7/);
  const invoked = await client.event((e) => e.routing_key === `function.invoked.${fine}`);
  t.like(invoked.data, { result: 'success', kind: 'success', function_id: fine, name: 'fine' });
  t.is(typeof invoked.data.duration_ms, 'number');
  await new Promise((r) => setTimeout(r, 300));
  // the thrower's invoked event and the fine one's nothing-failed were not subscribed to
  t.false(client.events().some((e) => e.routing_key === `function.invoked.${thrower}`));
  t.false(JSON.stringify(client.messages).includes(account.token));
});

test('ping, unsubscribe, and errors for what is not allowed', async (t) => {
  const account = await api.account(master, 'ws protocol');
  const client = await connect();
  t.like(await client.request({ action: 'ping' }), { status: 'success', data: { response: 'pong' } });
  const unknown = await client.subscribe(account.token, account.accountId, 'call.CHANNEL_CREATE.*');
  t.is(unknown.status, 'error');
  t.regex(unknown.data.errors[0], /unknown binding call\.CHANNEL_CREATE\.\*/);
  t.like(await client.request({ action: 'subscribe', data: { account_id: account.accountId, binding: 'object.*.function' } }), { status: 'error' });
  const badToken = await client.subscribe('not-a-token', account.accountId, 'object.*.function');
  t.is(badToken.status, 'error');
  t.regex(badToken.data.errors[0], /invalid_credentials/);
  t.like(await client.request({ action: 'dance' }), { status: 'error' });
  client.ws.send('not json');
  await until(() => client.messages.some((m) => m.status === 'error' && /one JSON object/.test(m.data.errors[0])), 2000, 'the JSON error');
  await client.subscribe(account.token, account.accountId, 'object.*.function');
  t.deepEqual((await client.request({ action: 'unsubscribe', data: { account_id: account.accountId, binding: 'object.*.function' } })).data, { unsubscribed: ['object.*.function'] });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  await new Promise((r) => setTimeout(r, 400));
  t.is(client.events().length, 0);
});

test('another account\'s token cannot subscribe; an ancestor\'s can', async (t) => {
  const parent = await api.account(master, 'ws parent');
  const child = await api.account(parent, 'ws child');
  const stranger = await api.account(master, 'ws stranger');
  const client = await connect();
  const refused = await client.subscribe(stranger.token, child.accountId, 'object.*.function');
  t.is(refused.status, 'error');
  t.regex(refused.data.errors[0], /forbidden/);
  const childToken = await client.subscribe(child.token, parent.accountId, 'object.*.function');
  t.is(childToken.status, 'error');
  const allowed = await client.subscribe(parent.token, child.accountId, 'object.doc_created.function');
  t.is(allowed.status, 'success');
  await api.createFunction(stranger, { function_js: "return {module:'tts',data:{text:'x'}};" });
  const id = await api.createFunction(child, { function_js: "return {module:'tts',data:{text:'y'}};" });
  const event = await client.event((e) => e.name === 'doc_created');
  t.is(event.data.function_id, id);
  await new Promise((r) => setTimeout(r, 300));
  t.is(client.events().length, 1);
});

test('an expired token ends the subscription', async (t) => {
  const account = await api.account(master, 'ws expiry');
  const { token } = await api.couchfn.services.tokens.issue(account.accountId, {}, 2);
  const client = await connect();
  t.is((await client.subscribe(token, account.accountId, 'object.*.function')).status, 'success');
  const ended = await until(() => client.messages.find((m) => m.action === 'unsubscribed'), 6000, 'the end of the subscription');
  t.deepEqual(ended.data.unsubscribed, ['object.*.function']);
  t.regex(ended.data.errors[0], /expired/);
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  await new Promise((r) => setTimeout(r, 400));
  t.is(client.events().length, 0);
  t.is(client.closed, undefined);
});

test('disabling the account, or revoking the OAuth client, ends the subscriptions made with its tokens', async (t) => {
  const account = await api.account(master, 'ws revoked');
  const client = await connect();
  t.is((await client.subscribe(account.token, account.accountId, 'object.*.function')).status, 'success');
  await api.call('PATCH', `/v2/accounts/${account.accountId}`, { token: master.token, body: { data: { enabled: false } } });
  const ended = await until(() => client.messages.find((m) => m.action === 'unsubscribed'), 6000, 'the end of the subscription');
  t.deepEqual(ended.data.unsubscribed, ['object.*.function']);
  t.regex(ended.data.errors[0], /disabled or deleted/);

  const other = await api.account(master, 'ws client');
  const created = await api.call('PUT', `/v2/accounts/${other.accountId}/oauth_clients`, { token: other.token, body: { data: { name: 'socket', scopes: ['functions.read'] } } });
  const { client_id: clientId, client_secret: secret } = created.body.data;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const issued = await api.call('POST', '/oauth/token', { headers: form, body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}` });
  const second = await connect();
  t.is((await second.subscribe(issued.body.access_token, other.accountId, 'object.*.function')).status, 'success');
  t.is((await api.call('DELETE', `/v2/accounts/${other.accountId}/oauth_clients/${clientId}`, { token: other.token })).status, 200);
  const revoked = await until(() => second.messages.find((m) => m.action === 'unsubscribed'), 6000, 'the end of the client\'s subscription');
  t.regex(revoked.data.errors[0], /revoked/);
});

test('GET /v2/websockets lists bindings by category; the account\'s sockets and one socket\'s bindings', async (t) => {
  const bindings = await api.call('GET', '/v2/websockets', { token: master.token });
  t.deepEqual(Object.keys(bindings.body.data), ['object', 'function']);
  t.true(bindings.body.data.function.some((b: { binding: string }) => b.binding === 'function.failed.*'));
  const account = await api.account(master, 'ws listing');
  const other = await api.account(master, 'ws other');
  const client = await connect();
  await client.subscribe(account.token, account.accountId, ['object.*.function', 'function.disabled.*']);
  const id = client.socketId!;
  t.regex(id, /^[0-9a-f]{32}$/);
  const listed = await api.call('GET', `/v2/accounts/${account.accountId}/websockets`, { token: account.token });
  t.deepEqual(listed.body.data, [id]);
  const one = await api.call('GET', `/v2/accounts/${account.accountId}/websockets/${id}`, { token: account.token });
  t.deepEqual(one.body.data.bindings, ['object.*.function', 'function.disabled.*']);
  t.deepEqual((await api.call('GET', `/v2/accounts/${other.accountId}/websockets`, { token: other.token })).body.data, []);
  t.is((await api.call('GET', `/v2/accounts/${other.accountId}/websockets/${id}`, { token: other.token })).status, 404);
  t.is((await api.call('GET', `/v2/accounts/${account.accountId}/websockets`, { token: other.token })).status, 403);
  client.close();
  await until(async () => (await api.call('GET', `/v2/accounts/${account.accountId}/websockets`, { token: account.token })).body.data.length === 0, 5000, 'the closed socket gone');
  t.pass();
});

test('a socket that does not read is cut off, not buffered without bound', async (t) => {
  const account = await api.account(master, 'ws slow');
  const client = await connect();
  await client.subscribe(account.token, account.accountId, 'function.invoked.*');
  // the client stops reading: the kernel's buffers fill, then the server's
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = 'x'.repeat(32 * 1024);
  const { sockets } = api.couchfn.services;
  for (let i = 0; i < 2000 && sockets.sessionsOf(account.accountId).length > 0; i++) {
    sockets.deliver({
      id: `flood${i}`, name: 'function.invoked', routing_key: 'function.invoked.0123456789abcdef0123456789abcdef', account_id: account.accountId,
      account_tree: [], timestamp: new Date().toISOString(), data: { filler: big }
    });
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await until(() => sockets.sessionsOf(account.accountId).length === 0, 5000, 'the slow socket cut off');
  (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await until(() => client.closed, 5000, 'the client to see the close');
  t.pass();
});
