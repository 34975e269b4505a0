// Account caches in several proxy processes follow CouchDB's changes feed.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, startApi, TestApi } from '../helpers/api.js';
import { eventually } from '../helpers/forwarder.js';

test('an account deleted through one process is refused by another within seconds', async (t) => {
  const first = await startApi();
  const second = new TestApi(first.couch, await startCouchfn(loadConfig({ COUCHDB_URL: first.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: first.couchfn.services.config.dbPrefix })));
  t.teardown(async () => { await second.couchfn.close(); await first.close(); });
  const master = await first.master();
  const child = await first.account(master);
  const url = `/v2/accounts/${child.accountId}`;
  t.is((await second.call('GET', url, { token: child.token })).status, 200, 'the second process has it cached');
  t.is((await first.call('DELETE', url, { token: master.token })).status, 200);
  const refused = await eventually(async () => (await second.call('GET', url, { token: child.token })).status === 401, 8000);
  t.true(refused, 'the second process no longer accepts its token');
});
