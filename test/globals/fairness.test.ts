// A reseller's global function runs for many accounts: on the embedded engine
// and on the sandbox engine each of them takes its own turn, so one account
// flooding it with endless calls does not make another account's calls of it
// wait until they time out.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

for (const engine of ['show', 'sandbox']) {
  let api: TestApi;
  let reseller: Caller;
  let flooder: Caller;
  let neighbour: Caller;

  test.before(async () => {
    // failures are not what this is about: nothing gets disabled
    api = await startApi({ COUCHFN_SHOW_TIMEOUT_MS: '1000', COUCHFN_INVOKE_TIMEOUT_MS: '2500', COUCHFN_DISABLE_AFTER_FAILURES: '0', COUCHFN_ENGINE: engine });
    const master = await api.master();
    reseller = await api.account(master, 'reseller');
    await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
    flooder = await api.account(reseller, 'flooder');
    neighbour = await api.account(reseller, 'neighbour');
  });
  test.after.always(async () => { await api?.close(); });

  test(`${engine}: one account's endless calls of a global function do not hold it for another account`, async (t) => {
  if (engine === 'show' && api.couch.kind !== 'embedded') return t.pass('per-account turns are the embedded engine\'s; CouchDB has none');
  const id = await api.createFunction(reseller, {
    name: 'shared', global: true, function_js: "if (call.mode === 'loop') { while (true) {} } return {module: 'tts', data: {text: 'ok ' + call['Account-ID']}};"
  });
  const flood = Array.from({ length: 8 }, () => api.invoke(flooder, id, { mode: 'loop' }));
  await new Promise((r) => setTimeout(r, 300)); // the flood is queued
  for (let i = 0; i < 2; i++) {
    const answer = await api.invoke(neighbour, id);
    t.is(answer.status, 200, `the neighbour answers during the flood: ${answer.text}`);
    t.is(answer.body.data.data.text, `ok ${neighbour.accountId}`);
  }
  for (const answer of await Promise.all(flood)) t.true([429, 504].includes(answer.status), `${answer.status}`);
});
}
