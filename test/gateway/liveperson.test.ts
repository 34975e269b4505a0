// The LivePerson-compatible gateway, called as LivePerson's client calls it:
// discovery, tokens, invoke by id and by event, isImplemented, listings, its
// error shapes (V1 and V2), and exactly-once under retried X-Request-IDs,
// in one process and across two.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { CouchDatabase } from '../../src/couch/database.js';
import { RequestLog, type RequestDoc } from '../../src/gateway/requests.js';
import { uuidOf } from '../../src/gateway/liveperson.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
let bearer: string;

test.before(async () => {
  api = await startApi({ COUCHFN_RECORD_SUCCESSES: 'true' });
  owner = await api.account(await api.master());
  const client = await api.call('PUT', `/v2/accounts/${owner.accountId}/oauth_clients`, { token: owner.token, body: { data: { name: 'lp', token_seconds: 7200 } } });
  const form = `grant_type=client_credentials&scope=&client_id=${client.body.data.client_id}&client_secret=${client.body.data.client_secret}`;
  const token = await api.call('POST', `/sentinel/api/account/${owner.accountId}/app/token?v=2.0`, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  bearer = token.body.access_token;
});
test.after.always(async () => { await api?.close(); });

const V2 = { 'lp-eventsource': 'Unknown' };

function lp(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  return api.call(method, `/api/account/${owner.accountId}${path}`, { ...options, headers: { authorization: `Bearer ${bearer}`, ...options.headers } });
}

const invoke = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  lp('POST', `/lambdas/${uuidOf(id)}/invoke?v=1&externalSystem=test`, { body: { timestamp: Date.now(), headers: [], ...(body as object) }, headers });

async function failuresOf(id: string): Promise<number> {
  await api.couchfn.services.invoker.idle();
  await api.couchfn.services.attempts.flushAll();
  return (await api.couchfn.services.attempts.list(id)).length;
}

test('discovery names this host for the gateway (no port) and the token service (with it)', async (t) => {
  const res = await api.call('GET', `/api/account/${owner.accountId}/service/baseURI.json?version=1.0`, { headers: { host: 'fn.example.com:8443' } });
  t.is(res.status, 200);
  const byService = Object.fromEntries(res.body.baseURIs.map((b: { service: string; baseURI: string }) => [b.service, b.baseURI]));
  t.deepEqual(byService, { faasGW: 'fn.example.com', faasUI: 'fn.example.com', sentinel: 'fn.example.com:8443' });
});

test('the token service gives a JWT that lives as long as its client says, and refuses another account\'s client', async (t) => {
  const claims = JSON.parse(Buffer.from(bearer.split('.')[1], 'base64url').toString());
  t.is(claims.exp - claims.iat, 7200);
  const other = await api.account(await api.master(), 'other');
  const client = await api.call('PUT', `/v2/accounts/${other.accountId}/oauth_clients`, { token: other.token, body: { data: { name: 'x' } } });
  const form = `grant_type=client_credentials&scope=&client_id=${client.body.data.client_id}&client_secret=${client.body.data.client_secret}`;
  const refused = await api.call('POST', `/sentinel/api/account/${owner.accountId}/app/token?v=2.0`, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(refused.status, 401);
  t.is(refused.body.error, 'invalid_client');
  const own = await api.call('POST', `/sentinel/api/account/${other.accountId}/app/token?v=2.0`, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(own.status, 200);
  t.is(own.body.expires_in, 900, 'a client without token_seconds gets COUCHFN_OAUTH_TOKEN_SECONDS');
});

test('invoke by UUID: the payload\'s fields are the call, payload and headers are there too, the result is the whole body', async (t) => {
  const id = await api.createFunction(owner, {
    function_js: "return {module: 'tts', data: {text: call.payload.greeting + ' ' + call['To'] + ' ' + call.headers['X-Foo']}};"
  });
  const res = await invoke(id, { headers: [{ key: 'X-Foo', value: 'bar' }], payload: { greeting: 'hi', To: '2000' } });
  t.is(res.status, 200);
  t.deepEqual(res.body, { module: 'tts', data: { text: 'hi 2000 bar' } });
  // the same in V2 mode, by the bare hex id too
  const v2 = await lp('POST', `/lambdas/${id}/invoke`, { body: { headers: [{ key: 'X-Foo', value: 'v2' }], payload: { greeting: 'yo', To: '1' } }, headers: V2 });
  t.deepEqual(v2.body, { module: 'tts', data: { text: 'yo 1 v2' } });
});

test('a function\'s own failure answers 901 in the shape of each client mode; a missing one 404', async (t) => {
  const id = await api.createFunction(owner, { function_js: "throw new Error('boom');" });
  const v1 = await invoke(id, { payload: {} });
  t.is(v1.status, 901);
  t.is(v1.body.errorCode, 'com.liveperson.faas.handler.custom-failure');
  t.regex(v1.body.errorMsg, /boom/);
  const v2 = await invoke(id, { payload: {} }, V2);
  t.is(v2.status, 901);
  t.is(v2.body.code, 'com.customer.faas.function.threw-error');
  const missing = await invoke('0123456789abcdef0123456789abcdef', { payload: {} });
  t.is(missing.status, 404);
  t.is(missing.body.errorCode, 'com.liveperson.faas.es.missinglambda');
  const missingV2 = await invoke('0123456789abcdef0123456789abcdef', { payload: {} }, V2);
  t.is(missingV2.body.code, 'com.liveperson.faas.function.not-found');
  const noToken = await api.call('POST', `/api/account/${owner.accountId}/lambdas/${uuidOf(id)}/invoke`, { body: {} });
  t.is(noToken.status, 401);
  t.truthy(noToken.body.errorCode, 'auth failures too are in LivePerson\'s shape');
});

test('a repeated X-Request-ID gets the first answer without a second run; another id runs again', async (t) => {
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {text: String(Math.random())}};" });
  const first = await invoke(id, { payload: {} }, { 'x-request-id': 'req-1' });
  const repeat = await invoke(id, { payload: {} }, { 'x-request-id': 'req-1' });
  t.is(first.status, 200);
  t.is(repeat.text, first.text, 'the same random number: it did not run again');
  const other = await invoke(id, { payload: {} }, { 'x-request-id': 'req-2' });
  t.not(other.text, first.text);
  t.is(await failuresOf(id), 2, 'two runs recorded');
});

test('a throwing function retried with its X-Request-ID, even at once, runs once', async (t) => {
  const id = await api.createFunction(owner, { function_js: "throw new Error('once');" });
  const answers = await Promise.all([1, 2, 3, 4].map(() => invoke(id, { payload: {} }, { 'x-request-id': 'same' })));
  t.deepEqual(answers.map((a) => a.status), [901, 901, 901, 901]);
  t.is(await failuresOf(id), 1);
  const fn = await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token });
  t.true(fn.body.data.enabled, 'one failure, not four: far from auto-disable');
});

test('exactly once across processes: another process answers a repeat from the record in CouchDB', async (t) => {
  const second = new TestApi(api.couch, await startCouchfn(loadConfig({
    COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix, COUCHFN_RECORD_SUCCESSES: 'true'
  })));
  t.teardown(() => second.couchfn.close());
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {text: String(Math.random())}};" });
  const first = await invoke(id, { payload: {} }, { 'x-request-id': 'cross-1' });
  const elsewhere = await second.call('POST', `/api/account/${owner.accountId}/lambdas/${uuidOf(id)}/invoke?v=1`, {
    body: { payload: {} }, headers: { authorization: `Bearer ${bearer}`, 'x-request-id': 'cross-1' }
  });
  t.is(elsewhere.status, 200);
  t.is(elsewhere.text, first.text);
  t.is(await failuresOf(id), 1);
});

test('the record window: a repeat after it runs again, a run whose process vanished is taken over, old records are swept', async (t) => {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const db = new CouchDatabase<RequestDoc>(() => api.couchfn.services.routing.main, api.db('lp_requests'));
  const log = new RequestLog(db, { windowMs: 60_000, leaseMs: 10_000, now: () => clock });
  let runs = 0;
  const work = async () => ({ status: 200, body: String(++runs), keep: true });
  const key = { accountId: owner.accountId, target: 'f', requestId: 'window' };
  t.is((await log.once(key, work)).body, '1');
  clock += 59_000;
  t.is((await log.once(key, work)).body, '1', 'within the window: replayed');
  clock += 2000;
  t.is((await log.once(key, work)).body, '2', 'past the window: run again');
  // a claim left running by a process that stopped
  const vanished = { accountId: owner.accountId, target: 'f', requestId: 'vanished' };
  await db.put({ _id: RequestLog.docId(vanished), pvt_type: 'lp_request', state: 'running', owner: 'gone', started: clock, lease_until: clock + 10_000, expires: clock + 60_000 });
  clock += 10_001;
  t.is((await log.once(vanished, work)).body, '3', 'taken over once its lease ran out');
  // nothing was kept for an answer marked not to keep: a repeat runs
  const loose = { accountId: owner.accountId, target: 'f', requestId: 'busy' };
  t.is((await log.once(loose, async () => ({ status: 429, body: 'busy', keep: false }))).body, 'busy');
  t.is((await log.once(loose, work)).body, '4');
  clock += 120_000;
  t.true((await log.sweep()) >= 3);
  t.is(await db.get(RequestLog.docId(key)), null);
});

test('invoke by event: one {uuid, timestamp, result} each, [] when none listens; isImplemented; listings with filters', async (t) => {
  const ok = await api.createFunction(owner, { name: 'router', events: ['call.route'], function_js: "return {module: 'tts', data: {text: call['To']}};" });
  const bad = await api.createFunction(owner, { name: 'broken', events: ['call.route'], function_js: "throw new Error('no');" });
  const res = await lp('POST', '/events/call.route/invoke?v=1', { body: { payload: { To: '42' } } });
  t.is(res.status, 200);
  const byUuid = Object.fromEntries(res.body.map((e: { uuid: string }) => [e.uuid, e]));
  t.deepEqual(byUuid[uuidOf(ok)].result, { module: 'tts', data: { text: '42' } });
  t.is(typeof byUuid[uuidOf(ok)].timestamp, 'number');
  t.is(byUuid[uuidOf(bad)].error.errorCode, 'com.liveperson.faas.handler.custom-failure');
  t.deepEqual((await lp('POST', '/events/nobody.listens/invoke', { body: { payload: {} }, headers: V2 })).body, []);
  t.deepEqual((await lp('GET', '/events/call.route/isImplemented?v=1')).body, { implemented: true });
  t.deepEqual((await lp('GET', '/events/nobody.listens/isImplemented', { headers: V2 })).body, { implemented: false });

  const v1 = await lp('GET', '/lambdas/?eventId=call.route&state=Productive&v=1');
  t.deepEqual(v1.body.map((l: { name: string }) => l.name).sort(), ['broken', 'router']);
  t.like(v1.body.find((l: { name: string }) => l.name === 'router'), { uuid: uuidOf(ok), state: 'Productive', eventId: 'call.route' });
  const v2 = await lp('GET', '/functions?functionName=router&state=Productive&state=Undeployed');
  t.deepEqual(v2.body.map((l: { uuid: string }) => l.uuid), [uuidOf(ok)]);
  t.deepEqual((await lp('GET', '/functions?state=Undeployed')).body, []);
});

test('the gateway\'s routes are in the OpenAPI with their answers', async (t) => {
  const doc = (await api.call('GET', '/v2/openapi.json')).body;
  const invokePath = doc.paths['/api/account/{accountId}/lambdas/{uuid}/invoke'];
  t.truthy(invokePath?.post?.responses?.['200']);
  t.truthy(doc.paths['/sentinel/api/account/{accountId}/app/token']?.post?.responses?.['200']);
});
