// Storage plans: move `functions` to a dedicated CouchDB, live, losing nothing.
import test from 'ava';
import { createServer } from 'node:net';
import nano from 'nano';
import { startCouchfn, type Couchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';
import { embedded, type TestCouch } from '../helpers/couch.js';
import { eventually } from '../helpers/forwarder.js';

let api: TestApi;
let other: TestApi;
let dedicated: TestCouch;
let noEval: TestCouch;
let master: Caller;
const DEDICATED = 'a'.repeat(32);
const NO_EVAL = 'b'.repeat(32);

function connection(couch: TestCouch) {
  const u = new URL(couch.url);
  return {
    driver: 'kazoo_couch', name: 'functions server',
    settings: { ip: u.hostname, port: Number(u.port), credentials: { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } }
  };
}
const functionsOn = (id: string) => ({ aggregate: { types: { function: { connection: id } } } });
const hi = (text: string) => ({ name: text, function_js: `return {module: 'tts', data: {text: '${text}'}};` });
const storedOn = async (couch: TestCouch, id: string) => nano(couch.url).use(api.db('functions')).get(id).then(() => true, () => false);

test.before(async () => {
  api = await startApi();
  dedicated = await embedded();
  noEval = await embedded({ allowEval: false });
  master = await api.master();
  // a second proxy process on the same main CouchDB, started before any plan
  other = new TestApi(api.couch, await startCouchfn(loadConfig({ COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix })));
});
test.after.always(async () => {
  await other?.couchfn.close();
  await api?.close();
  await dedicated?.stop();
  await noEval?.stop();
});

test.serial('only the master account may read or change storage', async (t) => {
  const owner = await api.account(master);
  for (const method of ['GET', 'PUT', 'POST', 'PATCH', 'DELETE']) {
    const res = await api.call(method, '/v2/storage', { token: owner.token, body: method === 'GET' || method === 'DELETE' ? undefined : { data: {} } });
    t.is(res.status, 403, method);
  }
});

test.serial('a plan naming a connection it does not define is refused as Kazoo does', async (t) => {
  const res = await api.call('PUT', '/v2/storage', { token: master.token, body: { data: { connections: {}, plan: functionsOn(DEDICATED) } } });
  t.is(res.status, 400);
  t.deepEqual(res.body.data, { 'plan.aggregate.types.function.connection': { invalid: { message: `invalid reference '${DEDICATED}' to connections` } } });
  const bad = await api.call('PUT', '/v2/storage', { token: master.token, body: { data: { connections: { 'not-an-id': connection(dedicated) } } } });
  t.is(bad.status, 400);
});

test.serial('a target that cannot run user code is refused with the fix, and nothing changes', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, hi('before'));
  const res = await api.call('PATCH', '/v2/storage', { token: master.token, body: { data: { connections: { [NO_EVAL]: connection(noEval) }, plan: functionsOn(NO_EVAL) } } });
  t.is(res.status, 400);
  t.like(res.body, { message: 'storage migration failed', data: { step: 'probe' } });
  t.regex(res.body.data.cause, /js_engine = quickjs.*--eval/);
  t.deepEqual((await api.call('GET', '/v2/storage', { token: master.token })).body.data, {});
  t.is(api.couchfn.services.routing.functions(), api.couchfn.services.routing.main);
  t.is((await api.invoke(owner, id)).body.data.data.text, 'before');
});

test.serial('an unreachable target is refused at the check step', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  const gone = { driver: 'kazoo_couch', settings: { ip: '127.0.0.1', port } };
  const res = await api.call('PUT', '/v2/storage', { token: master.token, body: { data: { connections: { [DEDICATED]: gone }, plan: functionsOn(DEDICATED) } } });
  t.is(res.status, 400);
  t.like(res.body.data, { step: 'check' });
  t.regex(res.body.data.cause, /cannot reach CouchDB/);
});

test.serial('PATCH moves the functions: all still listed and invoked, new ones land on the new server, in every process', async (t) => {
  const owner = await api.account(master);
  const before = [await api.createFunction(owner, hi('one')), await api.createFunction(owner, hi('two'))];
  // a few hundred more, one with a history and one deleted: every revision travels
  const functions = nano(api.couch.url).use<Record<string, unknown>>(api.db('functions'));
  const fillers = Array.from({ length: 600 }, (_, i) => ({ _id: `filler${String(i).padStart(26, '0')}` /* as long as a real id */, pvt_type: 'function', pvt_account_id: 'filler', name: `f${i}`, function_js: 'return 1;' }));
  await functions.bulk({ docs: fillers });
  const edited = await api.createFunction(owner, hi('first'));
  const { revision } = (await api.call('PATCH', `/v2/accounts/${owner.accountId}/functions/${edited}`, { token: owner.token, body: { data: { name: 'edited' } } })).body;
  const removed = await api.createFunction(owner, hi('removed'));
  t.is((await api.call('DELETE', `/v2/accounts/${owner.accountId}/functions/${removed}`, { token: owner.token })).status, 200);
  before.push(edited);
  const moving = api.call('PATCH', '/v2/storage', {
    token: master.token, body: { data: { connections: { [DEDICATED]: connection(dedicated) }, plan: functionsOn(DEDICATED) } }
  });
  // written while the move runs: held, then written where the functions now live
  const during = api.createFunction(owner, hi('during'));
  const res = await moving;
  t.is(res.status, 200, res.text);
  const duringId = await during;

  const listed = await api.call('GET', `/v2/accounts/${owner.accountId}/functions`, { token: owner.token });
  t.true(Array.isArray(listed.body.data), listed.text);
  t.deepEqual(listed.body.data.map((f: { id: string }) => f.id).sort(), [...before, duringId].sort());
  t.is((await api.invoke(owner, before[0])).body.data.data.text, 'one');
  for (const id of [...before, duringId]) t.true(await storedOn(dedicated, id), `${id} is on the new server`);
  const there = nano(dedicated.url).use<Record<string, unknown>>(api.db('functions'));
  t.is((await there.get(edited))._rev, revision, 'with its revision');
  t.is((await there.fetchRevs({ keys: fillers.map((f) => f._id) })).rows.filter((r) => 'value' in r).length, 600);
  t.false(await storedOn(dedicated, removed), 'a deleted function stays deleted');
  t.true(await storedOn(api.couch, before[0]), 'the old copy is left in place');

  const after = await api.createFunction(owner, hi('after'));
  t.true(await storedOn(dedicated, after));
  t.false(await storedOn(api.couch, after));

  // the other process follows the plan without a restart
  t.true(await eventually(async () => other.couchfn.services.routing.functions().url === api.couchfn.services.routing.functions().url, 5000));
  t.is((await other.invoke(owner, after)).body.data.data.text, 'after');
  const fromOther = await other.createFunction(owner, hi('from the other process'));
  t.true(await storedOn(dedicated, fromOther));

  const shown = await api.call('GET', '/v2/storage', { token: master.token });
  t.is(shown.body.data.connections[DEDICATED].settings.credentials.password, '********');
  t.false(shown.text.includes(new URL(dedicated.url).password));
});

test.serial('masked credentials sent back keep the stored ones; DELETE brings the functions home', async (t) => {
  const owner = await api.account(master);
  const shown = await api.call('GET', '/v2/storage', { token: master.token });
  const resent = await api.call('PUT', '/v2/storage', { token: master.token, body: { data: { ...shown.body.data, name: 'renamed' } } });
  t.is(resent.status, 200, resent.text);
  const id = await api.createFunction(owner, hi('made on the dedicated server'));
  t.true(await storedOn(dedicated, id), 'still routed with working credentials');
  const stale = await api.call('DELETE', '/v2/storage', { token: master.token, headers: { 'if-match': shown.body.revision } });
  t.is(stale.status, 409, 'DELETE honours If-Match: the plan changed since it was read');
  t.true(await storedOn(dedicated, id), 'and nothing moved');
  const removed = await api.call('DELETE', '/v2/storage', { token: master.token, headers: { 'if-match': resent.body.revision } });
  t.is(removed.status, 200, removed.text);
  t.true(await storedOn(api.couch, id), 'copied back to the main CouchDB');
  t.is(api.couchfn.services.routing.functions(), api.couchfn.services.routing.main);
  t.is((await api.invoke(owner, id)).body.data.data.text, 'made on the dedicated server');
});
