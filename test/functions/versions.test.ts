// Versions: publish immutable versions, the choice rule (OCP's), a pinned
// rollback, and every way to run the function runs the chosen version's code.
import test from 'ava';
import { chooseVersion } from '../../src/functions/versions.js';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';
import { send } from '../../src/couch/request.js';

test('the choice rule: the highest full release; only pre-releases: the highest pre-release', (t) => {
  t.is(chooseVersion(['1.0.0', '1.1.0', '1.2.0']), '1.2.0');
  t.is(chooseVersion(['1.2.0', '1.0.0', '1.1.0']), '1.2.0', 'publication order does not matter');
  t.is(chooseVersion(['1.0.0-dev.1', '1.0.0-dev.2', '1.1.0-dev.1']), '1.1.0-dev.1');
  t.is(chooseVersion(['1.0.0', '2.0.0-beta.1']), '1.0.0', 'a newer pre-release does not beat a release');
  t.is(chooseVersion(['1.9.0', '1.10.0']), '1.10.0', 'semver order, not text order');
  t.is(chooseVersion(['1.0.0', '1.1.0'], '1.0.0'), '1.0.0', 'a pin wins');
  t.is(chooseVersion(['1.0.0', '1.1.0'], '3.0.0'), '1.1.0', 'a pin to nothing published is no pin');
  t.is(chooseVersion([]), null);
});

let api: TestApi;
let owner: Caller;

test.before(async () => {
  api = await startApi({ COUCHFN_MAX_FUNCTION_BYTES: '2048', COUCHFN_RECORD_SUCCESSES: 'true' });
  owner = await api.account(await api.master());
});
test.after.always(async () => { await api?.close(); });

const says = (text: string) => `return {module: 'tts', data: {text: '${text}'}};`;
const fnUrl = (id: string) => `/v2/accounts/${owner.accountId}/functions/${id}`;
const publish = (id: string, version: string, text = version, notes?: string) =>
  api.call('PUT', `${fnUrl(id)}/versions`, { token: owner.token, body: { data: { version, function_js: says(text), ...(notes ? { notes } : {}) } } });

/** What an invocation runs: the text it says and the version header. */
async function runs(id: string): Promise<{ text: string; version: unknown }> {
  const res = await api.invoke(owner, id);
  return { text: res.body?.data?.data?.text, version: res.headers['x-function-version'] };
}

/** What Kazoo's cf_function gets from the show directly. */
async function direct(id: string): Promise<{ text: string; version: unknown }> {
  const { routing } = api.couchfn.services;
  const res = await send(routing.functions(), { path: `${api.db('functions')}/_design/functions/_show/wh/${id}`, query: 'To=2000' });
  return { text: JSON.parse(res.text).data.text, version: res.headers?.['x-function-version'] };
}

test('releases: the highest runs, through invoke, pivot and the direct show, each saying which', async (t) => {
  const id = await api.createFunction(owner, { name: 'greeter', function_js: says('draft') });
  t.deepEqual(await runs(id), { text: 'draft', version: undefined }, 'no versions: as before, no header');
  for (const v of ['1.0.0', '1.2.0', '1.1.0']) t.is((await publish(id, v)).status, 201, v);
  t.deepEqual(await runs(id), { text: '1.2.0', version: '1.2.0' });
  t.deepEqual(await direct(id), { text: '1.2.0', version: '1.2.0' }, 'the show runs the chosen code');
  const pivot = await api.call('GET', `${fnUrl(id)}/pivot?auth_token=${owner.token}`);
  t.is(pivot.headers['x-function-version'], '1.2.0');
  const read = await api.call('GET', fnUrl(id), { token: owner.token });
  t.like(read.body.data, { version: '1.2.0', function_js: says('1.2.0') });
  const list = await api.call('GET', `${fnUrl(id)}/versions`, { token: owner.token });
  t.deepEqual(list.body.data.map((v: { version: string }) => v.version), ['1.1.0', '1.2.0', '1.0.0'], 'newest published first');
  t.deepEqual(list.body.data.map((v: { running: boolean }) => v.running), [false, true, false]);
  const listed = await api.call('GET', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token });
  t.is(listed.body.data.find((f: { id: string }) => f.id === id).version, '1.2.0');
});

test('only pre-releases: the highest pre-release runs; a release then wins', async (t) => {
  const id = await api.createFunction(owner, { name: 'dev', function_js: says('draft') });
  for (const v of ['1.0.0-dev.1', '1.0.0-dev.2', '1.1.0-dev.1']) await publish(id, v);
  t.deepEqual(await runs(id), { text: '1.1.0-dev.1', version: '1.1.0-dev.1' });
  await publish(id, '1.0.0');
  t.deepEqual(await runs(id), { text: '1.0.0', version: '1.0.0' }, 'a full release beats every pre-release');
});

test('a pinned version is a rollback in one PATCH; unpinning follows the rule again', async (t) => {
  const id = await api.createFunction(owner, { name: 'pinned', function_js: says('draft') });
  await publish(id, '1.0.0', 'good');
  await publish(id, '1.1.0', 'bad');
  t.is((await runs(id)).text, 'bad');
  const pin = await api.call('PATCH', fnUrl(id), { token: owner.token, body: { data: { pinned_version: '1.0.0' } } });
  t.is(pin.status, 200, pin.text);
  t.like(pin.body.data, { pinned_version: '1.0.0', version: '1.0.0', function_js: says('good') });
  t.deepEqual(await runs(id), { text: 'good', version: '1.0.0' });
  t.deepEqual(await direct(id), { text: 'good', version: '1.0.0' });
  await publish(id, '1.2.0', 'newer');
  t.is((await runs(id)).text, 'good', 'a new version does not move a pin');
  await api.call('PATCH', fnUrl(id), { token: owner.token, body: { data: { pinned_version: null } } });
  t.deepEqual(await runs(id), { text: 'newer', version: '1.2.0' });
});

test('versions are immutable and checked like any function', async (t) => {
  const id = await api.createFunction(owner, { name: 'strict', function_js: says('draft') });
  t.is((await publish(id, '1.0.0', 'one', 'first')).status, 201);
  const again = await publish(id, '1.0.0', 'other');
  t.is(again.status, 409);
  t.is(again.body.message, 'datastore_conflict');
  const es6 = await api.call('PUT', `${fnUrl(id)}/versions`, { token: owner.token, body: { data: { version: '1.0.1', function_js: 'let x = 1; return x;' } } });
  t.is(es6.status, 400);
  t.regex(es6.body.data.function_js.invalid.message, /not valid ES5 at line 1, column 1: `let`/);
  const bad = await api.call('PUT', `${fnUrl(id)}/versions`, { token: owner.token, body: { data: { version: 'v1', function_js: says('x') } } });
  t.is(bad.status, 400);
  t.truthy(bad.body.data.version);
  const one = await api.call('GET', `${fnUrl(id)}/versions/1.0.0`, { token: owner.token });
  t.like(one.body.data, { version: '1.0.0', function_js: says('one'), notes: 'first', running: true });
  t.is((await api.call('GET', `${fnUrl(id)}/versions/9.9.9`, { token: owner.token })).status, 404);
  const edit = await api.call('PATCH', fnUrl(id), { token: owner.token, body: { data: { function_js: says('sneaky') } } });
  t.is(edit.status, 400, 'a versioned function\'s code changes only by publishing');
  const pinNothing = await api.call('PATCH', fnUrl(id), { token: owner.token, body: { data: { pinned_version: '2.0.0' } } });
  t.is(pinNothing.status, 400);
  t.is((await runs(id)).text, 'one');
  // the version documents never show up as functions
  const list = await api.call('GET', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token });
  t.false(list.text.includes('version:'));
});

test('attempts say which version ran', async (t) => {
  const id = await api.createFunction(owner, { name: 'attempted', function_js: says('draft') });
  await publish(id, '2.0.0');
  await api.invoke(owner, id);
  const attempts = await api.call('GET', `${fnUrl(id)}/attempts`, { token: owner.token });
  t.is(attempts.body.data[0].version, '2.0.0');
});

test('deleting a function deletes its versions', async (t) => {
  const id = await api.createFunction(owner, { name: 'gone', function_js: says('draft') });
  await publish(id, '1.0.0');
  t.is((await api.call('DELETE', fnUrl(id), { token: owner.token })).status, 200);
  const { routing } = api.couchfn.services;
  const left = await send(routing.functions(), { path: `${api.db('functions')}/version%3A${id}%3A1.0.0` });
  t.is(left.status, 404);
});
