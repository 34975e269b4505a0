// Webhooks as Kazoo's: a real HTTP receiver gets each event kind with its
// payload and headers; retries, the disabler, re-enable and attempts; GET,
// form and JSON; include_subaccounts; and no request to a denied network.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';
import { Receiver, until } from '../helpers/receiver.js';

let api: TestApi;
let master: Caller;
let owner: Caller;
const receiver = new Receiver();

const EVENTS_ENV = {
  COUCHFN_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8', COUCHFN_WEBHOOK_BACKOFF_MS: '20', COUCHFN_WEBHOOK_TIMEOUT_MS: '2000', COUCHFN_EVENTS_POLL_MS: '50'
};

test.before(async () => {
  await receiver.start();
  api = await startApi(EVENTS_ENV);
  master = await api.master();
  owner = await api.account(master, 'hooks owner');
});
test.after.always(async () => {
  await api?.close();
  await receiver.stop();
});

async function createHook(who: Caller, data: Record<string, unknown>): Promise<string> {
  const res = await api.call('PUT', `/v2/accounts/${who.accountId}/webhooks`, { token: who.token, body: { data: { name: 'hook', ...data } } });
  if (res.status !== 201) throw new Error(`hook not created: ${res.text}`);
  return res.body.data.id;
}

const payloads = (path: string) => receiver.on(path).map(Receiver.payload);

test.serial('GET /v2/webhooks lists the hooks with their modifiers', async (t) => {
  const res = await api.call('GET', '/v2/webhooks', { token: owner.token });
  t.is(res.status, 200);
  const ids = res.body.data.map((h: { id: string }) => h.id);
  t.deepEqual(ids, ['all', 'object', 'function_invoked', 'function_failed', 'function_disabled', 'function_enabled']);
  const object = res.body.data.find((h: { id: string }) => h.id === 'object');
  t.deepEqual(object.modifiers.action.items, ['doc_created', 'doc_edited', 'doc_deleted', 'all']);
});

test.serial('a hook takes Kazoo\'s fields and defaults; a denied network address is refused at save', async (t) => {
  const created = await api.call('PUT', `/v2/accounts/${owner.accountId}/webhooks`, {
    token: owner.token, body: { data: { name: 'defaults', uri: receiver.url('/defaults'), hook: 'object' } }
  });
  t.is(created.status, 201);
  t.like(created.body.data, { http_verb: 'post', retries: 2, enabled: true, include_subaccounts: false, format: 'form-data' });
  for (const uri of ['http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8000/', 'http://192.168.1.1/']) {
    const refused = await api.call('PUT', `/v2/accounts/${owner.accountId}/webhooks`, { token: owner.token, body: { data: { name: 'x', uri, hook: 'all' } } });
    t.is(refused.status, 400, uri);
    t.regex(refused.body.data.uri.invalid.message, /COUCHFN_WEBHOOK_ALLOWED_NETWORKS/, uri);
  }
  const badRetries = await api.call('PUT', `/v2/accounts/${owner.accountId}/webhooks`, { token: owner.token, body: { data: { name: 'x', uri: receiver.url(), hook: 'all', retries: 5 } } });
  t.is(badRetries.status, 400);
  t.truthy(badRetries.body.data.retries.maximum);
  const badHook = await api.call('PUT', `/v2/accounts/${owner.accountId}/webhooks`, { token: owner.token, body: { data: { name: 'x', uri: receiver.url(), hook: 'nope' } } });
  t.truthy(badHook.body.data.hook.enum);
  // changing the URI to a denied one is refused too
  const patched = await api.call('PATCH', `/v2/accounts/${owner.accountId}/webhooks/${created.body.data.id}`, { token: owner.token, body: { data: { uri: 'http://10.0.0.1/' } } });
  t.is(patched.status, 400);
  await api.call('DELETE', `/v2/accounts/${owner.accountId}/webhooks/${created.body.data.id}`, { token: owner.token });
});

test.serial('object events: created, edited and deleted arrive as JSON with the headers, custom_data merged', async (t) => {
  const account = await api.account(master, 'object events');
  const hook = await createHook(account, { uri: receiver.url('/object'), hook: 'object', format: 'json', custom_data: { crm: 'x1' } });
  const id = await api.createFunction(account, { name: 'greeter', function_js: "return {module:'tts',data:{text:'hi'}};" });
  await api.call('PATCH', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token, body: { data: { name: 'greeter 2' } } });
  await api.call('DELETE', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token });
  await until(() => receiver.on('/object').length >= 3, 10_000, 'three object events');
  const requests = receiver.on('/object');
  // deliveries run side by side, as Kazoo's: each arrives once, not necessarily in order
  t.deepEqual(requests.map((r) => r.json.action).sort(), ['doc_created', 'doc_deleted', 'doc_edited']);
  for (const r of requests) {
    t.is(r.method, 'POST');
    t.is(r.headers['x-hook-id'], hook);
    t.is(r.headers['x-account-id'], account.accountId);
    t.like(r.json, { account_id: account.accountId, function_id: id, id, type: 'function', crm: 'x1', hook_event: 'object', event_category: 'object' });
    t.truthy(Date.parse(r.json.timestamp));
    t.truthy(r.json.event_id);
    t.false('function_js' in r.json);
  }
  const byAction = Object.fromEntries(requests.map((r) => [r.json.action, r.json]));
  t.deepEqual([byAction.doc_created.name, byAction.doc_edited.name, byAction.doc_deleted.name], ['greeter', 'greeter 2', 'greeter 2']);
  t.is(byAction.doc_created.event, 'object.doc_created.function');
});

test.serial('custom_data type and action filter the object hook, as Kazoo\'s', async (t) => {
  const account = await api.account(master, 'object filter');
  await createHook(account, { uri: receiver.url('/deleted-only'), hook: 'object', format: 'json', custom_data: { type: 'function', action: 'doc_deleted' } });
  const id = await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  await api.call('DELETE', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token });
  await until(() => receiver.on('/deleted-only').length >= 1, 10_000, 'the deleted event');
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(receiver.on('/deleted-only').map((r) => r.json.action), ['doc_deleted']);
});

test.serial('function.invoked by GET: the payload is in the query string, as Kazoo encodes it', async (t) => {
  const account = await api.account(master, 'invoked');
  await createHook(account, { uri: receiver.url('/invoked?static=1'), hook: 'function_invoked', http_verb: 'get' });
  const id = await api.createFunction(account, { name: 'ok', function_js: "return {module:'tts',data:{text:'hi'}};" });
  t.is((await api.invoke(account, id, { 'Call-ID': 'call-42' })).status, 200);
  const [req] = await until(() => receiver.on('/invoked').length >= 1 && receiver.on('/invoked'), 10_000, 'the invoked event');
  t.is(req.method, 'GET');
  t.is(req.body, '');
  t.is(req.query.get('static'), '1');
  t.is(req.query.get('event'), 'function.invoked');
  t.is(req.query.get('function_id'), id);
  t.is(req.query.get('account_id'), account.accountId);
  t.is(req.query.get('name'), 'ok');
  t.is(req.query.get('result'), 'success');
  t.is(req.query.get('kind'), 'success');
  t.is(req.query.get('call_id'), 'call-42');
  t.truthy(req.query.get('duration_ms'));
  t.falsy(req.query.get('auth_token'));
  t.false(req.url.includes(account.token));
});

test.serial('function.failed as a form: its kind and message', async (t) => {
  const account = await api.account(master, 'failed');
  await createHook(account, { uri: receiver.url('/failed'), hook: 'function_failed' });
  const id = await api.createFunction(account, { name: 'thrower', function_js: "throw new Error('no route for ' + call.To);" });
  t.is((await api.invoke(account, id, { To: '2000' })).status, 500);
  const [req] = await until(() => receiver.on('/failed').length >= 1 && receiver.on('/failed'), 10_000, 'the failed event');
  t.is(req.headers['content-type'], 'application/x-www-form-urlencoded');
  const form = req.form!;
  t.is(form.get('event'), 'function.failed');
  t.is(form.get('kind'), 'function_error');
  t.regex(form.get('message') ?? '', /no route for 2000/);
  t.is(form.get('function_id'), id);
  t.is(form.get('name'), 'thrower');
});

test.serial('function.disabled (with disable_reason) and function.enabled, by hand and by the auto-disabler', async (t) => {
  const account = await api.account(master, 'states');
  await createHook(account, { uri: receiver.url('/states'), hook: 'all', format: 'json', modifiers: { event: ['function.disabled', 'function.enabled'] } });
  const id = await api.createFunction(account, { name: 'flaky', function_js: "throw new Error('boom');" });
  await api.call('PATCH', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token, body: { data: { enabled: false } } });
  await api.call('PATCH', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token, body: { data: { enabled: true } } });
  for (let i = 0; i < 6; i++) await api.invoke(account, id);
  await until(async () => (await api.call('GET', `/v2/accounts/${account.accountId}/functions/${id}`, { token: account.token })).body.data.enabled === false, 10_000, 'the auto-disable');
  await api.call('PATCH', `/v2/accounts/${account.accountId}/functions`, { token: account.token, body: { data: { 're-enable': true } } });
  await until(() => receiver.on('/states').length >= 4, 10_000, 'four state events');
  // deliveries may cross on the way: put them in the order they happened
  const events = payloads('/states').sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)) || Number(a.rev_number ?? 0) - Number(b.rev_number ?? 0));
  t.deepEqual(events.map((e) => e.event), ['function.disabled', 'function.enabled', 'function.disabled', 'function.enabled']);
  t.like(events[0], { disabled_by: 'owner', function_id: id, name: 'flaky', account_id: account.accountId });
  t.like(events[2], { disabled_by: 'auto' });
  t.regex(String(events[2].disable_reason), /too many failed attempts.*boom/);
});

test.serial('retries: a failed request is tried again, each try an attempt with try and retries_left; only 200 succeeds', async (t) => {
  const account = await api.account(master, 'retries');
  let calls = 0;
  receiver.status = (r) => (r.path === '/retry' ? (++calls <= 2 ? (calls === 1 ? 500 : 204) : 200) : 200);
  const hook = await createHook(account, { uri: receiver.url('/retry'), hook: 'object', retries: 3 });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  await until(() => receiver.on('/retry').length >= 3, 10_000, 'three tries');
  const attempts = await until(async () => {
    const res = await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${hook}/attempts`, { token: account.token });
    return res.body.data.length >= 3 && res.body.data;
  }, 5000, 'three attempts');
  receiver.status = () => 200;
  const byTry = [...attempts].sort((a: { try: number }, b: { try: number }) => a.try - b.try);
  t.like(byTry[0], { result: 'failure', reason: 'bad response code', resp_status_code: '500', try: 1, retries_left: 3, hook_id: hook, event: 'object.doc_created.function' });
  t.like(byTry[1], { result: 'failure', resp_status_code: '204', try: 2, retries_left: 2 });
  t.like(byTry[2], { result: 'success', resp_status_code: '200', try: 3 });
  t.truthy(Date.parse(byTry[0].timestamp));
  // the same event each time
  t.is(new Set(receiver.on('/retry').map((r) => Receiver.payload(r).event_id)).size, 1);
  const all = await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/attempts`, { token: account.token });
  t.is(all.body.data.length, 3);
});

test.serial('PUT succeeds on 201; a connection refused is a failure with the client error', async (t) => {
  const account = await api.account(master, 'put');
  receiver.status = (r) => (r.path === '/put' ? 201 : 200);
  const put = await createHook(account, { uri: receiver.url('/put'), hook: 'object', http_verb: 'put', retries: 0 });
  const closed = new Receiver();
  await closed.start();
  const refusedUri = closed.url('/gone');
  await closed.stop();
  const refused = await createHook(account, { uri: refusedUri, hook: 'object', retries: 0 });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  const ok = await until(async () => (await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${put}/attempts`, { token: account.token })).body.data[0], 10_000, 'the PUT attempt');
  receiver.status = () => 200;
  t.like(ok, { result: 'success', resp_status_code: '201', method: 'put' });
  t.is(receiver.on('/put')[0].method, 'PUT');
  const failed = await until(async () => (await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${refused}/attempts`, { token: account.token })).body.data[0], 10_000, 'the refused attempt');
  t.like(failed, { result: 'failure', try: 1, retries_left: 0 });
  t.regex(failed.client_error, /ECONNREFUSED/);
});

test.serial('the disabler: 6 failures within 60 s disable the hook; enabled:true and PATCH re-enable bring it back', async (t) => {
  const account = await api.account(master, 'disabler');
  receiver.status = (r) => (r.path === '/down' ? 503 : 200);
  const hook = await createHook(account, { uri: receiver.url('/down'), hook: 'object', retries: 2 });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'a'}};" });
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'b'}};" });
  const disabled = await until(async () => {
    const res = await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${hook}`, { token: account.token });
    return res.body.data.enabled === false && res.body.data;
  }, 15_000, 'the hook disabled');
  t.is(disabled.disable_reason, 'too many failed attempts');
  const listed = await api.call('GET', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token });
  t.is(listed.body.data.find((h: { id: string }) => h.id === hook).disable_reason, 'too many failed attempts');
  // a disabled hook gets nothing
  await new Promise((r) => setTimeout(r, 300));
  const before = receiver.on('/down').length;
  t.is(before, 6);
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'c'}};" });
  await new Promise((r) => setTimeout(r, 500));
  t.is(receiver.on('/down').length, before);
  // Kazoo's bulk re-enable
  const reenabled = await api.call('PATCH', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token, body: { data: { 're-enable': true } } });
  t.deepEqual(reenabled.body.data.re_enabled, [hook]);
  const after = await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${hook}`, { token: account.token });
  t.true(after.body.data.enabled);
  t.false('disable_reason' in after.body.data);
  // disabled again by hand, then enabled:true clears it
  await api.call('PATCH', `/v2/accounts/${account.accountId}/webhooks/${hook}`, { token: account.token, body: { data: { enabled: false } } });
  const byHand = await api.call('PATCH', `/v2/accounts/${account.accountId}/webhooks/${hook}`, { token: account.token, body: { data: { enabled: true } } });
  t.true(byHand.body.data.enabled);
  // re-enabling forgives the failures before it: one more failure does not disable it again
  receiver.status = (r) => (r.path === '/down' ? 200 : 200);
  await api.createFunction(account, { function_js: "return {module:'tts',data:{text:'d'}};" });
  await until(() => receiver.on('/down').length > before, 10_000, 'a delivery after re-enable');
  t.true((await api.call('GET', `/v2/accounts/${account.accountId}/webhooks/${hook}`, { token: account.token })).body.data.enabled);
});

test.serial('include_subaccounts: a parent\'s hook gets its descendants\' events; without it, only its own', async (t) => {
  const parent = await api.account(master, 'parent');
  const child = await api.account(parent, 'child');
  await createHook(parent, { uri: receiver.url('/tree'), hook: 'object', format: 'json', include_subaccounts: true });
  await createHook(parent, { uri: receiver.url('/own'), hook: 'object', format: 'json' });
  const id = await api.createFunction(child, { function_js: "return {module:'tts',data:{text:'hi'}};" });
  await until(() => receiver.on('/tree').length >= 1, 10_000, 'the child\'s event');
  await new Promise((r) => setTimeout(r, 300));
  t.is(receiver.on('/tree')[0].json.function_id, id);
  t.is(receiver.on('/tree')[0].json.account_id, child.accountId);
  t.is(receiver.on('/tree')[0].headers['x-account-id'], parent.accountId);
  t.is(receiver.on('/own').length, 0);
});

test.serial('another account cannot read, change or list a hook; the master can', async (t) => {
  const a = await api.account(master, 'a');
  const b = await api.account(master, 'b');
  const hook = await createHook(a, { uri: receiver.url('/private'), hook: 'object' });
  t.is((await api.call('GET', `/v2/accounts/${a.accountId}/webhooks/${hook}`, { token: b.token })).status, 403);
  t.is((await api.call('GET', `/v2/accounts/${b.accountId}/webhooks/${hook}`, { token: b.token })).status, 404);
  t.is((await api.call('GET', `/v2/accounts/${a.accountId}/webhooks/${hook}`, { token: master.token })).status, 200);
  const deleted = await api.call('DELETE', `/v2/accounts/${a.accountId}/webhooks/${hook}`, { token: a.token });
  t.is(deleted.status, 200);
  t.is((await api.call('GET', `/v2/accounts/${a.accountId}/webhooks/${hook}`, { token: a.token })).status, 404);
});

test.serial('an account has at most 50 webhooks: each event costs a request per hook', async (t) => {
  const account = await api.account(master, 'many hooks');
  for (let i = 0; i < 50; i++) await createHook(account, { uri: receiver.url(`/many/${i}`), hook: 'object', enabled: false });
  const refused = await api.call('PUT', `/v2/accounts/${account.accountId}/webhooks`, { token: account.token, body: { data: { name: 'one more', uri: receiver.url('/many/50'), hook: 'object' } } });
  t.is(refused.status, 400);
  t.regex(refused.body.data.cause, /at most 50 webhooks/);
});
