// /v2/accounts/{A}/functions: Kazoo's CRUD with its bugs fixed.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
const hi = { name: 'hi', function_js: "return {module: 'tts', data: {text: 'hi'}};" };

test.before(async () => {
  api = await startApi({ COUCHFN_MAX_FUNCTION_BYTES: '2048' });
  owner = await api.account(await api.master());
});
test.after.always(async () => { await api?.close(); });

const base = () => `/v2/accounts/${owner.accountId}/functions`;

test('PUT creates (201) with defaults; GET reads it back without private fields', async (t) => {
  const created = await api.call('PUT', base(), { token: owner.token, body: { data: { ...hi, color: 'blue' } } });
  t.is(created.status, 201);
  t.like(created.body.data, { ...hi, enabled: true, language_pack: 'javascript', color: 'blue' });
  t.regex(created.body.revision, /^1-/);
  const read = await api.call('GET', `${base()}/${created.body.data.id}`, { token: owner.token });
  t.deepEqual(read.body.data, created.body.data);
  t.is(read.body.revision, created.body.revision);
  t.false(read.text.includes('pvt_') || read.text.includes('"_rev"') || read.text.includes('"_id"'));
});

test('clients cannot set private fields or disable_reason', async (t) => {
  const id = await api.createFunction(owner, { ...hi, pvt_account_id: 'someone else', _id: 'mine', disable_reason: 'made up' });
  const read = await api.call('GET', `${base()}/${id}`, { token: owner.token });
  t.is(read.status, 200);
  t.false('disable_reason' in read.body.data);
  t.is(await api.couchfn.services.functions.owner(id), owner.accountId);
});

test('POST replaces the function and is saved', async (t) => {
  const id = await api.createFunction(owner, { ...hi, color: 'blue' });
  const res = await api.call('POST', `${base()}/${id}`, { token: owner.token, body: { data: { name: 'bye', function_js: "return {module:'hangup',data:{}};" } } });
  t.is(res.status, 200);
  const read = await api.call('GET', `${base()}/${id}`, { token: owner.token });
  t.like(read.body.data, { name: 'bye', function_js: "return {module:'hangup',data:{}};", enabled: true });
  t.false('color' in read.body.data, 'a replace drops fields it does not name');
  t.regex(read.body.revision, /^2-/);
});

test('PATCH merges, null removes, then the whole function is checked', async (t) => {
  const id = await api.createFunction(owner, { ...hi, color: 'blue', meta: { a: 1, b: 2 } });
  const res = await api.call('PATCH', `${base()}/${id}`, { token: owner.token, body: { data: { name: 'patched', color: null, meta: { b: null, c: 3 } } } });
  t.is(res.status, 200);
  t.like(res.body.data, { name: 'patched', function_js: hi.function_js, meta: { a: 1, c: 3 } });
  t.false('color' in res.body.data);
  t.false('b' in res.body.data.meta);
  const broken = await api.call('PATCH', `${base()}/${id}`, { token: owner.token, body: { data: { name: null } } });
  t.is(broken.status, 400);
  t.deepEqual(broken.body.data, { name: { required: { message: 'Field is required but missing' } } });
  t.is((await api.call('GET', `${base()}/${id}`, { token: owner.token })).body.data.name, 'patched', 'nothing half-written');
});

test('a stale revision sent back gets 409 and changes nothing', async (t) => {
  const id = await api.createFunction(owner, hi);
  const first = await api.call('GET', `${base()}/${id}`, { token: owner.token });
  t.is((await api.call('PATCH', `${base()}/${id}`, { token: owner.token, body: { data: { name: 'one' }, revision: first.body.revision } })).status, 200);
  const stale = await api.call('PATCH', `${base()}/${id}`, { token: owner.token, body: { data: { name: 'two' }, revision: first.body.revision } });
  t.is(stale.status, 409);
  t.is(stale.body.message, 'datastore_conflict');
  const ifMatch = await api.call('POST', `${base()}/${id}`, { token: owner.token, headers: { 'if-match': first.body.revision }, body: { data: hi } });
  t.is(ifMatch.status, 409);
  t.is((await api.call('GET', `${base()}/${id}`, { token: owner.token })).body.data.name, 'one');
});

test('DELETE removes the function', async (t) => {
  const id = await api.createFunction(owner, hi);
  const res = await api.call('DELETE', `${base()}/${id}`, { token: owner.token });
  t.is(res.status, 200);
  t.is(res.body.data.id, id);
  t.is((await api.call('GET', `${base()}/${id}`, { token: owner.token })).status, 404);
});

test('validation errors come in Kazoo\'s shape, every field at once', async (t) => {
  const res = await api.call('PUT', base(), { token: owner.token, body: { data: { enabled: 'yes', language_pack: 'lua' } } });
  t.is(res.status, 400);
  t.is(res.body.message, 'validation error');
  t.deepEqual(Object.keys(res.body.data).sort(), ['enabled', 'function_js', 'language_pack', 'name']);
  t.deepEqual(res.body.data.name, { required: { message: 'Field is required but missing' } });
  t.like(res.body.data.enabled, { type: { target: 'boolean' } });
  t.truthy(res.body.data.language_pack.enum);
});

test('function_js that is not ES5 is refused with the line and column of the problem', async (t) => {
  const res = await api.call('PUT', base(), { token: owner.token, body: { data: { name: 'x', function_js: "var a = 1;\nlet b = () => a;\nreturn b;" } } });
  t.is(res.status, 400);
  t.like(res.body.data.function_js.invalid, { line: 2, column: 1 });
  t.is(res.body.data.function_js.invalid.message, 'not valid ES5 at line 2, column 1: `let` and `const` are ES2015: declare with `var`');
  for (const [body, hint] of [
    ['var f = function () {};\nreturn [1].map((x) => x);', /line 2, column 16: arrow functions are ES2015: write `function \(x\) \{ return \.\.\.; \}`/],
    ['return {module: `tts`, data: {}};', /template literals are ES2015: join strings with `\+`/],
    ['var o = call?.To;', /`\?\.` is ES2020/],
    ['return Object.assign({}, call);', /line 1, column 8: \.assign\(\) is ES2015\+/],
    ['var m = new Map();', /Map is ES2015\+/]
  ] as const) {
    const refused = await api.call('PUT', base(), { token: owner.token, body: { data: { name: 'x', function_js: body } } });
    t.regex(refused.body.data.function_js.invalid.message, hint, body);
  }
  const unclosed = await api.call('PUT', base(), { token: owner.token, body: { data: { name: 'x', function_js: 'return {module: "tts",' } } });
  t.truthy(unclosed.body.data.function_js.invalid);
});

test('function_js over the size limit is refused', async (t) => {
  const res = await api.call('PUT', base(), { token: owner.token, body: { data: { name: 'x', function_js: `return 1; //${'x'.repeat(2100)}` } } });
  t.is(res.status, 400);
  t.like(res.body.data.function_js.maxLength, { target: 2048 });
});

test('an id of another account, or none at all, is 404 bad_identifier for every verb', async (t) => {
  const other = await api.account(await api.master());
  const theirs = await api.createFunction(other, hi);
  for (const id of [theirs, 'f'.repeat(32)]) {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      const res = await api.call(method, `${base()}/${id}`, { token: owner.token, body: method === 'GET' || method === 'DELETE' ? undefined : { data: hi } });
      t.is(res.status, 404, `${method} ${id}`);
      t.deepEqual(res.body.data, { cause: id });
    }
  }
  t.is((await api.call('GET', `/v2/accounts/${other.accountId}/functions/${theirs}`, { token: other.token })).status, 200, 'still there');
});

test('lists page with opaque keys and filter', async (t) => {
  const lister = await api.account(await api.master());
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await api.createFunction(lister, { ...hi, name: `f${i}`, enabled: i % 2 === 0 }));
  const url = `/v2/accounts/${lister.accountId}/functions`;
  const first = await api.call('GET', `${url}?page_size=2`, { token: lister.token });
  t.is(first.body.page_size, 2);
  t.truthy(first.body.next_start_key);
  const second = await api.call('GET', `${url}?page_size=2&start_key=${first.body.next_start_key}`, { token: lister.token });
  const third = await api.call('GET', `${url}?page_size=2&start_key=${second.body.next_start_key}`, { token: lister.token });
  t.is(third.body.data.length, 1);
  t.false('next_start_key' in third.body);
  const all = [...first.body.data, ...second.body.data, ...third.body.data].map((f: { id: string }) => f.id);
  t.deepEqual(all, [...ids].sort());
  t.deepEqual(Object.keys(first.body.data[0]).sort(), ['enabled', 'events', 'id', 'language_pack', 'name']);
  const disabled = await api.call('GET', `${url}?filter_enabled=false`, { token: lister.token });
  t.deepEqual(disabled.body.data.map((f: { name: string }) => f.name).sort(), ['f1', 'f3']);
  const unpaged = await api.call('GET', `${url}?paginate=false&page_size=1`, { token: lister.token });
  t.is(unpaged.body.data.length, 5);
});

test('verbs a resource does not support get 405', async (t) => {
  const id = await api.createFunction(owner, hi);
  const res = await api.call('PUT', `${base()}/${id}`, { token: owner.token, body: { data: hi } });
  t.is(res.status, 405);
  t.deepEqual(res.body.data.allowed, ['GET', 'POST', 'PATCH', 'DELETE']);
  t.is((await api.call('DELETE', base(), { token: owner.token })).status, 405);
});
