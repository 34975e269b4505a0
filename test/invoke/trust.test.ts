// Invocation you can trust: limits, auto-disable, attempts, a dead CouchDB.
import test from 'ava';
import { openConnection } from '../../src/couch/connection.js';
import { CouchDatabase } from '../../src/couch/database.js';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';
import { eventually } from '../helpers/forwarder.js';

let api: TestApi;
let master: Caller;
const thrower = "throw new Error('boom ' + call['Call-ID']);";
const good = "return {module: 'tts', data: {text: 'ok'}};";

test.before(async () => {
  api = await startApi({ COUCHFN_INVOKE_TIMEOUT_MS: '1000', COUCHFN_MAX_RESULT_BYTES: '1024', COUCHFN_MAX_CALL_BYTES: '1024' });
  master = await api.master();
});
test.after.always(async () => { await api?.close(); });

const fnUrl = (owner: Caller, id: string) => `/v2/accounts/${owner.accountId}/functions/${id}`;
const isDisabled = (owner: Caller, id: string) => async () => (await api.call('GET', fnUrl(owner, id), { token: owner.token })).body.data.enabled === false;

async function failTimes(owner: Caller, id: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await api.invoke(owner, id, { 'Call-ID': `call-${i}` });
}

test('six failures within a minute disable the function with its reason; it then answers 423', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: thrower });
  await failTimes(owner, id, 5);
  await api.couchfn.services.attempts.flushAll();
  t.true((await api.call('GET', fnUrl(owner, id), { token: owner.token })).body.data.enabled, 'five are not enough');
  await failTimes(owner, id, 1);
  t.true(await eventually(isDisabled(owner, id)));
  const read = await api.call('GET', fnUrl(owner, id), { token: owner.token });
  t.regex(read.body.data.disable_reason, /^too many failed attempts: 6 failures within 60 s; last: Error: boom call-0/);
  const listed = await api.call('GET', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token });
  t.is(listed.body.data[0].disable_reason, read.body.data.disable_reason);
  const refused = await api.invoke(owner, id);
  t.is(refused.status, 423);
});

test('PATCH enabled:true re-enables, clears the reason and the count', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: thrower });
  await failTimes(owner, id, 6);
  t.true(await eventually(isDisabled(owner, id)));
  const patched = await api.call('PATCH', fnUrl(owner, id), { token: owner.token, body: { data: { enabled: true } } });
  t.is(patched.status, 200);
  t.false('disable_reason' in patched.body.data);
  await failTimes(owner, id, 1);
  await api.couchfn.services.attempts.flushAll();
  t.true((await api.call('GET', fnUrl(owner, id), { token: owner.token })).body.data.enabled, 'old failures no longer count');
});

test('bulk re-enable touches only automatically disabled functions, of the account or of its descendants', async (t) => {
  const parent = await api.account(master);
  const child = await api.account(parent);
  const auto = await api.createFunction(parent, { function_js: thrower });
  const byOwner = await api.createFunction(parent, { function_js: good, enabled: false });
  const childAuto = await api.createFunction(child, { function_js: thrower });
  await failTimes(parent, auto, 6);
  await failTimes(child, childAuto, 6);
  t.true(await eventually(isDisabled(parent, auto)));
  t.true(await eventually(isDisabled(child, childAuto)));
  const bulk = await api.call('PATCH', `/v2/accounts/${parent.accountId}/functions`, { token: parent.token, body: { data: { 're-enable': true } } });
  t.deepEqual(bulk.body.data.re_enabled, [auto]);
  t.true((await api.call('GET', fnUrl(parent, auto), { token: parent.token })).body.data.enabled);
  t.false((await api.call('GET', fnUrl(parent, byOwner), { token: parent.token })).body.data.enabled, 'the owner\'s choice stands');
  t.false((await api.call('GET', fnUrl(child, childAuto), { token: child.token })).body.data.enabled);
  const down = await api.call('PATCH', `/v2/accounts/${parent.accountId}/descendants/functions`, { token: parent.token, body: { data: { 're-enable': true } } });
  t.deepEqual(down.body.data.re_enabled, [childAuto]);
  t.true((await api.call('GET', fnUrl(child, childAuto), { token: child.token })).body.data.enabled);
});

test.serial('platform failures never disable a function', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: good });
  const routing = api.couchfn.services.routing;
  const before = routing.functions();
  routing.routeFunctions(openConnection('dead', 'http://127.0.0.1:9'));
  try {
    for (let i = 0; i < 8; i++) t.is((await api.invoke(owner, id)).status, 503);
  } finally {
    routing.routeFunctions(before);
  }
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `${fnUrl(owner, id)}/attempts`, { token: owner.token });
  t.is(attempts.body.data.length, 8);
  t.true(attempts.body.data.every((a: { kind: string; result: string }) => a.kind === 'unavailable' && a.result === 'failure'));
  t.true((await api.call('GET', fnUrl(owner, id), { token: owner.token })).body.data.enabled);
  t.is((await api.invoke(owner, id)).status, 200);
});

test('an endless loop gets 504 within the deadline while other functions keep answering', async (t) => {
  const owner = await api.account(master);
  const loop = await api.createFunction(owner, { function_js: 'while (true) {}' });
  const fine = await api.createFunction(owner, { function_js: good });
  let loopAnswered = false;
  const started = Date.now();
  const looping = api.invoke(owner, loop).finally(() => { loopAnswered = true; });
  await new Promise((r) => setTimeout(r, 100));
  t.is((await api.invoke(owner, fine)).status, 200);
  t.false(loopAnswered, 'the other function answered while the loop was still running');
  const res = await looping;
  t.is(res.status, 504);
  t.is(res.body.message, 'timeout');
  // the proxy's deadline is 1 s here; the engine's own limit (5 s) must not be what ended it
  t.true(Date.now() - started < 4000);
});

test('attempts: newest first, with what a person needs, bounded, and only the account\'s own', async (t) => {
  const owner = await api.account(master);
  const other = await api.account(master);
  const id = await api.createFunction(owner, { function_js: thrower });
  const theirs = await api.createFunction(other, { function_js: thrower });
  await failTimes(other, theirs, 2);
  for (let i = 0; i < 5; i++) {
    await api.invoke(owner, id, { 'Call-ID': `c${i}` });
    await api.couchfn.services.attempts.flushAll();
  }
  const res = await api.call('GET', `${fnUrl(owner, id)}/attempts`, { token: owner.token });
  t.is(res.status, 200);
  t.deepEqual(res.body.data.map((a: { call_id: string }) => a.call_id), ['c4', 'c3', 'c2', 'c1', 'c0']);
  t.like(res.body.data[0], { function_id: id, result: 'failure', kind: 'function_error' });
  t.regex(res.body.data[0].error, /^Error: boom c4( \(line 1\))?$/);
  t.is(typeof res.body.data[0].duration_ms, 'number');
  t.false(Number.isNaN(Date.parse(res.body.data[0].timestamp)));
  const all = await api.call('GET', `/v2/accounts/${owner.accountId}/functions/attempts`, { token: owner.token });
  t.true(all.body.data.length >= 5);
  t.true(all.body.data.every((a: { function_id: string }) => a.function_id === id));
  t.is((await api.call('GET', `/v2/accounts/${other.accountId}/functions/${theirs}/attempts`, { token: owner.token })).status, 403);
  t.is((await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${theirs}/attempts`, { token: owner.token })).status, 404);
});

test('successes are not kept unless configured', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: good });
  await api.invoke(owner, id);
  await api.couchfn.services.attempts.flushAll();
  t.deepEqual((await api.call('GET', `${fnUrl(owner, id)}/attempts`, { token: owner.token })).body.data, []);
});

test('a call too large is 413; a callflow too large is 500 invalid_callflow', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {text: new Array(2000).join('x')}};" });
  const big = await api.invoke(owner, id, { Note: 'y'.repeat(2000) });
  t.is(big.status, 413);
  const res = await api.invoke(owner, id, {});
  t.is(res.status, 500);
  t.like(res.body, { message: 'invalid_callflow', data: { cause: 'the callflow is larger than 1024 bytes (COUCHFN_MAX_RESULT_BYTES)' } });
});

test('the threshold holds across two proxy processes sharing a CouchDB', async (t) => {
  const second = await startCouchfn(loadConfig({ COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix }));
  t.teardown(() => second.close());
  const other = new TestApi(api.couch, second);
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: thrower });
  for (let i = 0; i < 3; i++) {
    await api.invoke(owner, id);
    await other.invoke(owner, id);
  }
  t.true(await eventually(isDisabled(owner, id)), 'three failures on each make six');
});

test.serial('a graceful stop while a function runs still records its attempt', async (t) => {
  const couchfn = await startCouchfn(loadConfig({ COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix }));
  const other = new TestApi(api.couch, couchfn);
  const owner = await other.account(await other.master());
  const id = await other.createFunction(owner, { function_js: "var t = Date.now(); while (Date.now() - t < 1000) {} throw new Error('late');" });
  const running = other.invoke(owner, id, { 'Call-ID': 'during-stop' });
  await new Promise((r) => setTimeout(r, 300));
  await couchfn.close(); // what SIGTERM and Ctrl-C do
  t.is((await running).status, 500);
  const attempts = new CouchDatabase<{ _id: string; failures: { call_id: string }[] }>(() => probe, other.db('function_attempts'));
  const probe = openConnection('probe', api.couch.url);
  t.teardown(() => probe.close());
  t.deepEqual((await attempts.get(`attempts:${id}`))?.failures.map((a) => a.call_id), ['during-stop']);
});
