// Storage plans: move `functions` to a dedicated CouchDB, live, losing nothing,
// as a job that survives its client and its process.
import test from 'ava';
import { request } from 'node:http';
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
const moveBody = (id: string, couch: TestCouch) => ({ data: { connections: { [id]: connection(couch) }, plan: functionsOn(id) } });

/** Waits until the storage move has ended, and returns the plan as GET shows it. */
async function moved(through: TestApi = api): Promise<Record<string, any>> {
  let shown: Record<string, any> = {};
  await eventually(async () => {
    shown = (await through.call('GET', '/v2/storage', { token: master.token })).body.data;
    return shown.migration?.state !== 'running';
  }, 40_000);
  return shown;
}
/** What a failed assertion on a move prints: how it ended and why. */
const story = (move: Record<string, any>) => JSON.stringify({ state: move.state, step: move.step, error: move.error, outcome: move.outcome });
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
  const shown = (await api.call('GET', '/v2/storage', { token: master.token })).body.data;
  t.is(shown.connections, undefined, 'no plan was saved');
  t.like(shown.migration, { state: 'failed', step: 'probe', from: 'main', to: NO_EVAL }, story(shown.migration));
  t.regex(shown.migration.error.cause, /js_engine = quickjs/);
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

test.serial('PATCH answers 202 once the target is checked, moves the functions as a job, and every process follows', async (t) => {
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
  const res = await api.call('PATCH', '/v2/storage', { token: master.token, body: moveBody(DEDICATED, dedicated) });
  t.is(res.status, 202, res.text);
  t.is(res.headers.location, '/v2/storage');
  t.like(res.body.data.migration, { state: 'running', from: 'main', to: DEDICATED });
  t.is(res.body.data.connections, undefined, 'the plan is saved at the switch, not before');
  // written while the move runs: lands on the old place and is caught up
  const duringId = await api.createFunction(owner, hi('during'));
  const shown = await moved();
  t.like(shown.migration, { state: 'done', step: 'catch-up', resumed: 0, outcome: 'finished' }, story(shown.migration));
  t.true(shown.migration.copied >= 604, `${shown.migration.copied} revisions copied`);
  t.is(shown.connections[DEDICATED].settings.credentials.password, '********');

  t.true(await eventually(() => storedOn(dedicated, duringId), 10_000), 'the function written during the move was caught up');
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

  const again = await api.call('GET', '/v2/storage', { token: master.token });
  t.false(again.text.includes(new URL(dedicated.url).password));
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
  t.is(removed.status, 202, removed.text);
  const shown2 = await moved();
  t.like(shown2.migration, { state: 'done', from: DEDICATED, to: 'main' }, story(shown2.migration));
  t.is(shown2.connections, undefined);
  t.true(await storedOn(api.couch, id), 'copied back to the main CouchDB');
  t.is(api.couchfn.services.routing.functions(), api.couchfn.services.routing.main);
  t.is((await api.invoke(owner, id)).body.data.data.text, 'made on the dedicated server');
});

const system = () => nano(api.couch.url).use<Record<string, any>>(api.db('system_data'));
/** Writes the move record as a process that stopped would have left it. */
async function plantMove(fields: Record<string, unknown>): Promise<void> {
  const last = await system().get('storage_migration');
  await system().insert({ ...last, state: 'running', owner: 'a process that died', lease_until: Date.now() - 1, resumed: 0, since: 0, copied: 0, error: undefined, outcome: undefined, finished: undefined, ...fields });
}

test.serial('while a move runs, no process changes the plan', async (t) => {
  const last = await system().get('storage_migration');
  await system().insert({ ...last, state: 'running', step: 'replicate', owner: 'a live process', lease_until: Date.now() + 60_000 });
  for (const through of [api, other]) {
    const res = await through.call('PATCH', '/v2/storage', { token: master.token, body: { data: { name: 'meanwhile' } } });
    t.is(res.status, 409, res.text);
    t.regex(res.body.data.cause, /a storage move is under way \(step replicate\)/);
  }
  await system().insert({ ...(await system().get('storage_migration')), state: 'failed', lease_until: 0 });
  t.is((await api.call('PATCH', '/v2/storage', { token: master.token, body: { data: { name: 'afterwards' } } })).status, 200);
});

test.serial('a client that disconnects mid-move does not stop it', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, hi('made before the move'));
  const before = (await system().get('storage_migration')).move_id;
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as { port: number };
  const payload = JSON.stringify(moveBody(DEDICATED, dedicated));
  const req = request({ port, method: 'PATCH', path: '/v2/storage', headers: { 'content-type': 'application/json', 'x-auth-token': master.token } });
  req.on('error', () => undefined);
  req.end(payload);
  // the client gives up as soon as the move has begun, before reading any answer
  t.true(await eventually(async () => (await system().get('storage_migration')).move_id !== before, 10_000));
  req.destroy();
  const shown = await moved();
  t.like(shown.migration, { state: 'done', to: DEDICATED }, story(shown.migration));
  t.true(await storedOn(dedicated, id));
  t.is((await api.invoke(owner, id)).body.data.data.text, 'made before the move');
});

test.serial('a process that closes mid-move hands it over: another resumes it, says so, and loses nothing', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, hi('only on the dedicated server'));
  t.false(await storedOn(api.couch, id));
  const third = new TestApi(api.couch, await startCouchfn(loadConfig({ COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix })));
  const res = await third.call('DELETE', '/v2/storage', { token: master.token });
  t.is(res.status, 202, res.text);
  await third.couchfn.close();
  const shown = await moved();
  t.like(shown.migration, { state: 'done', from: DEDICATED, to: 'main', resumed: 1 }, story(shown.migration));
  t.regex(shown.migration.outcome, /resumed by another process/);
  t.is(shown.connections, undefined);
  t.true(await storedOn(api.couch, id), 'the function made on the dedicated server came home');
  for (const through of [api, other]) {
    t.true(await eventually(async () => through.couchfn.services.routing.functions() === through.couchfn.services.routing.main, 5000));
    t.is((await through.invoke(owner, id)).body.data.data.text, 'only on the dedicated server');
  }
});

test.serial('a move whose process died before the switch is resumed from its record by another process', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, hi('on the main CouchDB'));
  const target = moveBody(DEDICATED, dedicated).data;
  await plantMove({ step: 'replicate', from: 'main', to: DEDICATED, plan: target, source_plan: null, plan_rev: null });
  const shown = await moved();
  t.like(shown.migration, { state: 'done', to: DEDICATED, resumed: 1 }, story(shown.migration));
  t.regex(shown.migration.outcome, /resumed by another process/);
  t.truthy(shown.connections[DEDICATED], 'the plan was saved at the switch');
  t.true(await storedOn(dedicated, id));
  t.true(await eventually(async () => other.couchfn.services.routing.functions().url === api.couchfn.services.routing.functions().url, 5000));
  t.is((await other.invoke(owner, id)).body.data.data.text, 'on the main CouchDB');
});

test.serial('a move whose process died after the switch is finished by another: the catch-up still runs', async (t) => {
  const owner = await api.account(master);
  const stored = await system().get('system');
  // a write a lagging process made at the old place after the copy
  const late = 'fa11'.repeat(8);
  await nano(api.couch.url).use<Record<string, unknown>>(api.db('functions')).insert({ _id: late, pvt_type: 'function', pvt_account_id: owner.accountId, name: 'late', function_js: "return {module: 'tts', data: {text: 'late'}};" });
  const { _id, _rev, ...plan } = stored;
  await plantMove({ step: 'switch', from: 'main', to: DEDICATED, plan, source_plan: null, plan_rev: null });
  const shown = await moved();
  t.like(shown.migration, { state: 'done', step: 'catch-up', resumed: 1 }, story(shown.migration));
  t.regex(shown.migration.outcome, /finished by another process/);
  t.is((await system().get('system'))._rev, _rev, 'the switch is not made twice');
  t.true(await eventually(() => storedOn(dedicated, late), 5000), 'the late write was caught up');
  const ran = await api.invoke(owner, late);
  t.is(ran.body.data?.data?.text, 'late', ran.text);
});

test.serial('a probe left alive at the source and deleted at the target neither fails the move nor comes back', async (t) => {
  const owner = await api.account(master);
  const id = await api.createFunction(owner, hi('moved past a stray probe'));
  // what a late catch-up racing a probe can leave: the target's throwaway, copied alive to the source before the target deleted it
  const probe = 'couchfn-probe-0123456789abcdef';
  const home = nano(api.couch.url).use<Record<string, unknown>>(api.db('functions'));
  const made = await home.insert({ _id: probe, pvt_type: 'function', pvt_account_id: 'couchfn-probe', name: 'probe', function_js: "return {module: 'tts', data: {text: 'probe'}};" });
  const alive = await home.get(probe, { revs: true });
  await home.destroy(probe, made.rev);
  await nano(dedicated.url).use(api.db('functions')).bulk({ docs: [alive], new_edits: false });
  const res = await api.call('DELETE', '/v2/storage', { token: master.token });
  t.is(res.status, 202, res.text);
  const shown = await moved();
  t.like(shown.migration, { state: 'done', from: DEDICATED, to: 'main' }, story(shown.migration));
  t.false(await storedOn(api.couch, probe), 'the probe stays deleted');
  t.is((await api.invoke(owner, id)).body.data.data.text, 'moved past a stray probe');
});
