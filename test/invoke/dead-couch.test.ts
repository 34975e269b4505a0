// CouchDB going away mid-run: quick 503s, no crash, and back to 200 without a restart.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, TestApi, testPrefix } from '../helpers/api.js';
import { startTestCouch } from '../helpers/couch.js';
import { eventually, Forwarder } from '../helpers/forwarder.js';

test('stopping CouchDB gives quick 503s; bringing it back brings back 200s', async (t) => {
  const couch = await startTestCouch();
  const forwarder = new Forwarder(new URL(couch.url));
  await forwarder.start();
  const couchfn = await startCouchfn(loadConfig({ COUCHDB_URL: forwarder.url(), COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: testPrefix() }));
  const api = new TestApi(couch, couchfn);
  t.teardown(async () => { await couchfn.close(); await forwarder.stop(); await couch.stop(); });
  const master = await api.master();
  const owner = await api.account(master);
  const id = await api.createFunction(owner, { function_js: "return {module:'tts',data:{text:'up'}};" });
  t.is((await api.invoke(owner, id)).status, 200);
  t.is((await api.call('GET', '/healthz')).status, 200);

  await forwarder.stop();
  for (const request of [
    () => api.invoke(owner, id),
    () => api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token }),
    () => api.call('PUT', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token, body: { data: { name: 'x', function_js: 'return 1;' } } })
  ]) {
    const started = Date.now();
    const res = await request();
    t.is(res.status, 503, res.text);
    t.true(Date.now() - started < 5000, 'never past the CouchDB deadline (COUCHFN_COUCH_TIMEOUT_MS)');
  }
  const health = await api.call('GET', '/healthz');
  t.is(health.status, 503);
  t.is(health.body.connections[0].state, 'down');

  await forwarder.start();
  t.is((await eventually(async () => (await api.invoke(owner, id)).status === 200 && 200)), 200);
  t.is((await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token })).status, 200);
  t.is((await api.call('GET', '/healthz')).status, 200);
});
