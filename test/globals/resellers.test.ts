// Resellers as Kazoo has them: the master promotes and demotes; is_reseller
// and reseller_id follow in the account and in api_auth.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let master: Caller;
test.before(async () => {
  api = await startApi();
  master = await api.master();
});
test.after.always(async () => { await api?.close(); });

const account = (of: Caller, by: Caller = of) => api.call('GET', `/v2/accounts/${of.accountId}`, { token: by.token });
const auth = async (of: Caller) => (await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: of.apiKey } } })).body.data;

test('the master is a reseller; a promoted account becomes its descendants\' reseller until demoted', async (t) => {
  t.like((await account(master)).body.data, { is_reseller: true, reseller_id: master.accountId });
  const reseller = await api.account(master, 'reseller');
  const customer = await api.account(reseller, 'customer');
  t.like((await account(customer)).body.data, { is_reseller: false, reseller_id: master.accountId });

  const promoted = await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
  t.is(promoted.status, 200, promoted.text);
  t.like(promoted.body.data, { is_reseller: true, reseller_id: reseller.accountId });
  t.like((await account(customer)).body.data, { is_reseller: false, reseller_id: reseller.accountId });
  t.like(await auth(customer), { is_reseller: false, reseller_id: reseller.accountId });
  t.like(await auth(reseller), { is_reseller: true, reseller_id: reseller.accountId });

  const demoted = await api.call('DELETE', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
  t.is(demoted.status, 200);
  t.like(demoted.body.data, { is_reseller: false, reseller_id: master.accountId });
  t.like(await auth(customer), { reseller_id: master.accountId });
});

test('only the master promotes or demotes, and the master stays a reseller', async (t) => {
  const reseller = await api.account(master, 'reseller');
  const customer = await api.account(reseller, 'customer');
  t.is((await api.call('PUT', `/v2/accounts/${customer.accountId}/reseller`, { token: reseller.token })).status, 403);
  t.is((await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: reseller.token })).status, 403, 'not even itself');
  t.false((await account(customer)).body.data.is_reseller);
  const master_ = await api.call('DELETE', `/v2/accounts/${master.accountId}/reseller`, { token: master.token });
  t.is(master_.status, 400);
  t.true((await account(master)).body.data.is_reseller);
});

test('only a reseller\'s functions may be global', async (t) => {
  const plain = await api.account(master, 'plain');
  const refused = await api.call('PUT', `/v2/accounts/${plain.accountId}/functions`, {
    token: plain.token, body: { data: { name: 'g', global: true, function_js: "return {module:'tts',data:{}};" } }
  });
  t.is(refused.status, 400);
  t.truthy(refused.body.data.global);
  await api.call('PUT', `/v2/accounts/${plain.accountId}/reseller`, { token: master.token });
  t.truthy(await api.createFunction(plain, { name: 'g', global: true, function_js: "return {module:'tts',data:{}};" }));
  const twin = await api.call('PUT', `/v2/accounts/${plain.accountId}/functions`, {
    token: plain.token, body: { data: { name: 'g', global: true, function_js: "return {module:'tts',data:{}};" } }
  });
  t.is(twin.status, 400, 'one global function of a name per reseller: the public route finds it by name');
});
