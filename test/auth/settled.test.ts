// Documents written once at first start (the token signing key, the master
// pointer) can end as conflicting revisions on a cluster when two processes
// start together; every process settles on CouchDB's winner.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { openConnection } from '../../src/couch/connection.js';
import { CouchDatabase } from '../../src/couch/database.js';
import { MASTER_KEY, startApi, TestApi } from '../helpers/api.js';

test('a token signed with the key CouchDB kept is accepted by a process that loaded the other one', async (t) => {
  const first = await startApi();
  t.teardown(() => first.close());
  const connection = openConnection('probe', first.couch.url);
  t.teardown(() => connection.close());
  const system = new CouchDatabase<{ _id: string; _rev?: string; key?: string; _revisions?: { start: number; ids: string[] } }>(() => connection, first.db('system_data'));
  const current = (await system.get('token_signing_key', { revs: true }))!;
  // the other process's key, as a sibling revision that wins
  const start = current._revisions!.start;
  await system.bulk([{ _id: current._id, key: Buffer.alloc(32, 7).toString('base64'), _rev: `${start}-${'f'.repeat(32)}`, _revisions: { start, ids: ['f'.repeat(32), ...current._revisions!.ids.slice(1)] } }], false);

  const second = new TestApi(first.couch, await startCouchfn(loadConfig({
    COUCHDB_URL: first.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: first.couchfn.services.config.dbPrefix
  })));
  t.teardown(() => second.couchfn.close());
  const fromSecond = await second.login(MASTER_KEY);
  const master = first.couchfn.master._id;
  t.is((await first.call('GET', `/v2/accounts/${master}`, { token: fromSecond })).status, 200, 'the first process reloads the kept key');
  t.falsy((await system.get('token_signing_key', { conflicts: true }))!._conflicts?.length, 'the losing key is gone');
  const fromFirst = await first.login(MASTER_KEY);
  t.is((await second.call('GET', `/v2/accounts/${master}`, { token: fromFirst })).status, 200, 'and both sign with the same key now');
});
