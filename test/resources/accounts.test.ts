// /v2/accounts: the tree, who may act where, API keys, deletion.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('an account creates a sub-account that logs in with its own key', async (t) => {
  const master = await api.master();
  const res = await api.call('PUT', `/v2/accounts/${master.accountId}`, { token: master.token, body: { data: { name: 'Acme', realm: 'acme.example.com' } } });
  t.is(res.status, 201);
  t.like(res.body.data, { name: 'Acme', realm: 'acme.example.com', enabled: true, parent_id: master.accountId });
  t.regex(res.body.data.id, /^[0-9a-f]{32}$/);
  t.false(Object.keys(res.body.data).some((k) => k.startsWith('pvt_') || k.startsWith('_')));
  const key = await api.call('GET', `/v2/accounts/${res.body.data.id}/api_key`, { token: master.token });
  t.regex(key.body.data.api_key, /^[0-9a-f]{64}$/);
  t.is(typeof await api.login(key.body.data.api_key), 'string');
});

test('children lists the direct sub-accounts', async (t) => {
  const master = await api.master();
  const parent = await api.account(master, 'parent');
  const a = await api.account(parent, 'a');
  const b = await api.account(parent, 'b');
  await api.account(a, 'grandchild');
  const res = await api.call('GET', `/v2/accounts/${parent.accountId}/children`, { token: parent.token });
  t.deepEqual(res.body.data.map((c: { id: string }) => c.id).sort(), [a.accountId, b.accountId].sort());
});

test('an ancestor reads, replaces and patches a descendant; PATCH null removes a field', async (t) => {
  const master = await api.master();
  const parent = await api.account(master);
  const child = await api.account(parent, 'before');
  const url = `/v2/accounts/${child.accountId}`;
  const replaced = await api.call('POST', url, { token: parent.token, body: { data: { name: 'after', realm: 'r.example.com' } } });
  t.is(replaced.status, 200);
  t.like(replaced.body.data, { name: 'after', realm: 'r.example.com' });
  const patched = await api.call('PATCH', url, { token: parent.token, body: { data: { realm: null, timezone: 'Europe/Paris' } } });
  t.like(patched.body.data, { name: 'after', timezone: 'Europe/Paris' });
  t.false('realm' in patched.body.data);
  t.is((await api.call('GET', url, { token: parent.token })).body.data.timezone, 'Europe/Paris');
  t.is((await api.call('GET', `/v2/accounts/${child.accountId}/api_key`, { token: parent.token })).status, 200);
});

test('a descendant or a sibling cannot act on another branch: 403', async (t) => {
  const master = await api.master();
  const parent = await api.account(master);
  const child = await api.account(parent);
  const sibling = await api.account(master);
  for (const [caller, target] of [[child, parent], [sibling, parent], [sibling, child]] as const) {
    t.is((await api.call('GET', `/v2/accounts/${target.accountId}`, { token: caller.token })).status, 403);
    t.is((await api.call('GET', `/v2/accounts/${target.accountId}/api_key`, { token: caller.token })).status, 403);
    t.is((await api.call('PUT', `/v2/accounts/${target.accountId}`, { token: caller.token, body: { data: { name: 'x' } } })).status, 403);
  }
  // an id that does not exist looks the same as one of another branch
  t.is((await api.call('GET', `/v2/accounts/${'0'.repeat(32)}`, { token: child.token })).status, 403);
  t.is((await api.call('GET', `/v2/accounts/${'0'.repeat(32)}`, { token: master.token })).status, 404);
});

test('deleting an account deletes its functions and webhooks; one with sub-accounts is refused', async (t) => {
  const master = await api.master();
  const parent = await api.account(master);
  const child = await api.account(parent);
  const fn = await api.createFunction(child, { function_js: "return {module:'tts',data:{}};" });
  const hook = await api.call('PUT', `/v2/accounts/${child.accountId}/webhooks`, { token: child.token, body: { data: { name: 'h', uri: 'https://8.8.8.8/hook', hook: 'object' } } });
  t.is(hook.status, 201, hook.text);
  const refused = await api.call('DELETE', `/v2/accounts/${parent.accountId}`, { token: master.token });
  t.is(refused.status, 400);
  t.is((await api.call('DELETE', `/v2/accounts/${child.accountId}`, { token: child.token })).status, 403, 'not itself');
  t.is((await api.call('DELETE', `/v2/accounts/${child.accountId}`, { token: parent.token })).status, 200);
  t.is((await api.call('GET', `/v2/accounts/${child.accountId}`, { token: master.token })).status, 404);
  t.is(await api.couchfn.services.functions.owner(fn).catch(() => 'error'), null, 'its function is gone');
  t.deepEqual(await api.couchfn.services.webhooks.list(child.accountId), [], 'and its webhooks');
});

test('an invalid account is refused in Kazoo\'s shape', async (t) => {
  const master = await api.master();
  const res = await api.call('PUT', `/v2/accounts/${master.accountId}`, { token: master.token, body: { data: { name: 7 } } });
  t.is(res.status, 400);
  t.deepEqual(res.body.data, { name: { type: { message: 'Value is not of type string', target: 'string' } } });
});

test('the master account cannot be deleted and its key is not readable', async (t) => {
  const master = await api.master();
  const deleted = await api.call('DELETE', `/v2/accounts/${master.accountId}`, { token: master.token });
  t.is(deleted.status, 403);
  t.is((await api.call('GET', `/v2/accounts/${master.accountId}`, { token: master.token })).status, 200, 'still there');
  t.is((await api.call('GET', `/v2/accounts/${master.accountId}/api_key`, { token: master.token })).status, 403);
});

test('deleting an account with a stale If-Match is 409, and nothing is deleted', async (t) => {
  const master = await api.master();
  const child = await api.account(master);
  const read = await api.call('GET', `/v2/accounts/${child.accountId}`, { token: master.token });
  await api.call('PATCH', `/v2/accounts/${child.accountId}`, { token: master.token, body: { data: { name: 'renamed' } } });
  const stale = await api.call('DELETE', `/v2/accounts/${child.accountId}`, { token: master.token, headers: { 'if-match': read.body.revision } });
  t.is(stale.status, 409);
  t.is((await api.call('GET', `/v2/accounts/${child.accountId}`, { token: master.token })).status, 200);
});
