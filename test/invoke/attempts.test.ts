// Attempt storage stays bounded, and keeps successes when configured.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => {
  api = await startApi({ COUCHFN_DISABLE_AFTER_FAILURES: '0', COUCHFN_ATTEMPTS_PER_FUNCTION: '5', COUCHFN_RECORD_SUCCESSES: 'true' });
});
test.after.always(async () => { await api?.close(); });

test('each function keeps its newest failures and successes up to the cap, never more', async (t) => {
  const owner = await api.account(await api.master());
  const id = await api.createFunction(owner, { function_js: "if (call.fail === 'yes') throw new Error('n' + call['Call-ID']); return {module:'tts',data:{}};" });
  for (let i = 0; i < 12; i++) {
    await api.invoke(owner, id, { 'Call-ID': String(i), fail: i % 2 === 0 ? 'yes' : 'no' });
  }
  await api.couchfn.services.attempts.flushAll();
  const { body } = await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}/attempts`, { token: owner.token });
  const failures = body.data.filter((a: { result: string }) => a.result === 'failure').map((a: { call_id: string }) => a.call_id);
  const successes = body.data.filter((a: { result: string }) => a.result === 'success').map((a: { call_id: string }) => a.call_id);
  t.deepEqual(failures, ['10', '8', '6', '4', '2']);
  t.deepEqual(successes, ['11', '9', '7', '5', '3']);
  t.true((await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token })).body.data.enabled, 'never disabled when the threshold is 0');
});

test('deleting a function deletes its attempts', async (t) => {
  const owner = await api.account(await api.master());
  const id = await api.createFunction(owner, { function_js: "throw new Error('x');" });
  await api.invoke(owner, id);
  t.is((await api.couchfn.services.attempts.list(id)).length, 1);
  await api.call('DELETE', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token });
  t.deepEqual(await api.couchfn.services.attempts.list(id), []);
});
