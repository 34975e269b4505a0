// The sandbox engine (COUCHFN_ENGINE=sandbox) beside CouchDB's show on the
// same data: switching needs no data change, edits made through any process
// reach it within about a second (its own at once), and a warm call asks
// CouchDB nothing at all.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { eventually } from '../helpers/forwarder.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';

let showProcess: TestApi;
let sandboxProcess: TestApi;
let owner: Caller;

const say = (text: string) => `return {module: 'tts', data: {text: '${text} ' + call['Caller-ID-Name']}};`;
const text = (answer: { body: any }) => answer.body?.data?.data?.text;

test.before(async () => {
  showProcess = await startApi();
  sandboxProcess = new TestApi(showProcess.couch, await startCouchfn(loadConfig({
    COUCHDB_URL: showProcess.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: showProcess.couchfn.services.config.dbPrefix, COUCHFN_ENGINE: 'sandbox'
  })));
  owner = await showProcess.account(await showProcess.master());
});
test.after.always(async () => {
  await sandboxProcess?.couchfn.close();
  await showProcess?.close();
});

test.serial('a function made through the show process answers alike through the sandbox process', async (t) => {
  const id = await showProcess.createFunction(owner, { function_js: say('Hello') });
  const [viaShow, viaSandbox] = [await showProcess.invoke(owner, id, { 'Caller-ID-Name': 'Ann' }), await sandboxProcess.invoke(owner, id, { 'Caller-ID-Name': 'Ann' })];
  t.is(viaSandbox.status, 200, viaSandbox.text);
  t.deepEqual(viaSandbox.body.data, viaShow.body.data);
  t.is(text(viaSandbox), 'Hello Ann');
});

test.serial('edits, disabling and deletion made through another process reach the sandbox within seconds; its own at once', async (t) => {
  const id = await showProcess.createFunction(owner, { function_js: say('One') });
  t.is(text(await sandboxProcess.invoke(owner, id, { 'Caller-ID-Name': 'Bo' })), 'One Bo', 'cached now');
  const url = `/v2/accounts/${owner.accountId}/functions/${id}`;
  await showProcess.call('PATCH', url, { token: owner.token, body: { data: { function_js: say('Two') } } });
  t.true(await eventually(async () => text(await sandboxProcess.invoke(owner, id, { 'Caller-ID-Name': 'Bo' })) === 'Two Bo', 5000), 'an edit elsewhere arrives');

  await sandboxProcess.call('PATCH', url, { token: owner.token, body: { data: { function_js: say('Three') } } });
  t.is(text(await sandboxProcess.invoke(owner, id, { 'Caller-ID-Name': 'Bo' })), 'Three Bo', 'its own edit at once');

  await showProcess.call('PATCH', url, { token: owner.token, body: { data: { enabled: false } } });
  t.true(await eventually(async () => (await sandboxProcess.invoke(owner, id)).status === 423, 5000), 'disabled elsewhere');

  await showProcess.call('DELETE', url, { token: owner.token });
  t.true(await eventually(async () => (await sandboxProcess.invoke(owner, id)).status === 404, 5000), 'deleted elsewhere');
});

test.serial('a warm call through the sandbox asks CouchDB nothing', async (t) => {
  const id = await sandboxProcess.createFunction(owner, { function_js: say('Warm') });
  await sandboxProcess.invoke(owner, id);
  const { routing } = sandboxProcess.couchfn.services;
  const seen: string[] = [];
  const pool = routing.functions().pool;
  const original = pool.request.bind(pool);
  pool.request = ((options: { method: string; path: string }) => {
    if (!options.path.includes('_changes')) seen.push(`${options.method} ${options.path}`);
    return original(options as never);
  }) as never;
  try {
    t.is(text(await sandboxProcess.invoke(owner, id, { 'Caller-ID-Name': 'Cy' })), 'Warm Cy');
  } finally {
    pool.request = original as never;
  }
  t.deepEqual(seen, []);
});
