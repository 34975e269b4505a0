// Running functions through /invoke and /pivot, and what each outcome answers.
import test from 'ava';
import { createServer, type Server } from 'node:net';
import { openConnection } from '../../src/couch/connection.js';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
const echo = "return {module: 'tts', data: {text: (call['Caller-ID-Name'] || '') + '|' + (call['Custom-SIP-Headers'] ? call['Custom-SIP-Headers']['X-Foo'] : '') + '|' + typeof call.auth_token}};";

test.before(async () => {
  api = await startApi({ COUCHFN_INVOKE_TIMEOUT_MS: '1500' });
  owner = await api.account(await api.master());
});
test.after.always(async () => { await api?.close(); });

const url = (id: string, route: string) => `/v2/accounts/${owner.accountId}/functions/${id}/${route}`;

test('invoke answers the callflow in the envelope', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const res = await api.invoke(owner, id, { 'Caller-ID-Name': 'Alice Smith', 'Custom-SIP-Headers': { 'X-Foo': 'a b' } });
  t.is(res.status, 200);
  t.like(res.body, { status: 'success', data: { module: 'tts', data: { text: 'Alice Smith|a b|undefined' } } });
  t.truthy(res.body.request_id);
});

test('pivot with GET query parameters answers the raw callflow', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const res = await api.call('GET', `${url(id, 'pivot')}?auth_token=${owner.token}&Caller-ID-Name=Bob+Jones&Custom-SIP-Headers[X-Foo]=x%26y`);
  t.is(res.status, 200);
  t.regex(String(res.headers['content-type']), /^application\/json/);
  t.deepEqual(res.body, { module: 'tts', data: { text: 'Bob Jones|x&y|undefined' } });
});

test('pivot with a form-encoded POST', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const res = await api.call('POST', url(id, 'pivot'), {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `Caller-ID-Name=Carol+King&auth_token=${owner.token}&Custom-SIP-Headers%5BX-Foo%5D=z`
  });
  t.is(res.status, 200, res.text);
  t.deepEqual(res.body, { module: 'tts', data: { text: 'Carol King|z|undefined' } });
});

test('pivot with a JSON POST and the token in a header', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const res = await api.call('POST', url(id, 'pivot'), { token: owner.token, body: { 'Caller-ID-Name': 'Dan', 'Custom-SIP-Headers': { 'X-Foo': 'w' } } });
  t.deepEqual(res.body, { module: 'tts', data: { text: 'Dan|w|undefined' } });
});

test('a disabled function answers 423 and does not run', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo, enabled: false });
  const res = await api.invoke(owner, id);
  t.is(res.status, 423);
  t.is(res.body.message, 'function_disabled');
  t.regex(res.body.data.fix, /PATCH .*"enabled":true/, 'it says how to re-enable');
  t.is((await api.call('GET', url(id, 'pivot'), { token: owner.token })).status, 423);
});

test('a throwing function answers 500 function_error with its own message', async (t) => {
  const id = await api.createFunction(owner, { function_js: "throw new Error('no route for ' + call.To);" });
  const res = await api.invoke(owner, id, { To: '2000' });
  t.is(res.status, 500);
  t.is(res.body.message, 'function_error');
  t.regex(res.body.data.cause, /^Error: no route for 2000( \(line 1\))?$/);
});

test('a result that is not a callflow answers 500 invalid_callflow', async (t) => {
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts'};" });
  const res = await api.invoke(owner, id);
  t.is(res.status, 500);
  t.like(res.body, { message: 'invalid_callflow', data: { cause: 'callflow.data must be an object, got undefined' } });
});

test('call data that is not an object is a validation error', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const res = await api.call('POST', url(id, 'invoke'), { token: owner.token, body: { data: 'To=2000' } });
  t.is(res.status, 400);
  t.is(res.body.data.data.type.target, 'object');
});

async function withFunctionsOn(connectionUrl: string, run: () => Promise<void>): Promise<void> {
  const routing = api.couchfn.services.routing;
  const before = routing.functions();
  routing.routeFunctions(openConnection('elsewhere', connectionUrl));
  try { await run(); } finally { routing.routeFunctions(before); }
}

// serial: they move the functions database for the whole app
test.serial('an unreachable functions database answers 503', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  await withFunctionsOn(`http://127.0.0.1:${port}`, async () => {
    const res = await api.invoke(owner, id);
    t.is(res.status, 503);
    t.is(res.body.message, 'datastore_unreachable');
  });
});

test.serial('a functions database that does not answer in time gives 504 within the deadline', async (t) => {
  const id = await api.createFunction(owner, { function_js: echo });
  const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((r) => silent.once('listening', r));
  t.teardown(() => { silent.close(); });
  await withFunctionsOn(`http://127.0.0.1:${(silent.address() as { port: number }).port}`, async () => {
    const started = Date.now();
    const res = await api.invoke(owner, id);
    t.is(res.status, 504);
    t.is(res.body.message, 'timeout');
    t.true(Date.now() - started < 4000, 'the 1.5 s deadline ended it, not the server');
  });
});
