// The invoke path asks CouchDB as little as it can: the show once, and the
// function document at most once (only while its owner is not known yet);
// a reseller's global function, through a descendant's route, no more.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import type { Connection } from '../../src/couch/connection.js';
import { eventually } from '../helpers/forwarder.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;

test.before(async () => {
  api = await startApi();
  owner = await api.account(await api.master());
});
test.after.always(async () => { await api?.close(); });

/** Every request the proxy sends to CouchDB while `run` runs, as "METHOD path". */
async function requestsDuring(connections: Connection[], run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const restore = [...new Set(connections)].map((c) => {
    const original = c.pool.request.bind(c.pool);
    c.pool.request = ((options: { method: string; path: string }) => {
      // the changes feeds every process polls in the background are not the invocation's
      if (!options.path.split('?')[0].endsWith('/_changes')) seen.push(`${options.method} ${options.path.split('?')[0]}`);
      return original(options as never);
    }) as never;
    return () => { c.pool.request = original as never; };
  });
  try {
    await run();
  } finally {
    for (const undo of restore) undo();
  }
  return seen;
}

test('a successful invocation is one show call; a failing one reads the function only when the threshold is reached', async (t) => {
  const { routing, functions } = api.couchfn.services;
  const good = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {}};" });
  const bad = await api.createFunction(owner, { function_js: "throw new Error('no');" });
  const connections = [routing.main, routing.functions()];
  const db = api.db('functions');
  const fnReads = (seen: string[], id: string) => seen.filter((r) => r === `GET /${db}/${id}`).length;
  const shows = (seen: string[], id: string) => seen.filter((r) => r === `GET /${db}/_design/functions/_show/wh/${id}`).length;

  const warm = await requestsDuring(connections, () => api.invoke(owner, good));
  t.deepEqual(warm, [`GET /${db}/_design/functions/_show/wh/${good}`], 'owner known since the function was created');

  // a process that has not seen the function yet reads it once
  (functions as unknown as { owners: { clear(): void } }).owners.clear();
  const cold = await requestsDuring(connections, () => api.invoke(owner, good));
  t.is(fnReads(cold, good), 1);
  t.is(shows(cold, good), 1);
  t.is(cold.length, 2);

  await api.invoke(owner, bad); // its owner known again
  await api.couchfn.services.attempts.flushAll();
  const failing = await requestsDuring(connections, async () => {
    await api.invoke(owner, bad);
    await api.couchfn.services.attempts.flushAll();
  });
  t.is(shows(failing, bad), 1);
  t.is(fnReads(failing, bad), 0, 'two failures are below the threshold: the function is not read');
  t.deepEqual(failing.filter((r) => r.includes(`/${api.db('function_attempts')}/`)).map((r) => r.split(' ')[0]), ['GET', 'PUT'], `the attempts doc: read, merged, written: ${failing.join(', ')}`);
});

test.serial('a function with published versions is still one show call: the version is read from the same answer', async (t) => {
  const { routing } = api.couchfn.services;
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {}};" });
  const published = await api.call('PUT', `/v2/accounts/${owner.accountId}/functions/${id}/versions`, {
    token: owner.token, body: { data: { version: '1.0.0', function_js: "return {module: 'tts', data: {v: 1}};" } }
  });
  t.is(published.status, 201);
  await api.invoke(owner, id); // the caller's account is read once, as for any request (it may have left the cache meanwhile)
  let answer: Awaited<ReturnType<TestApi['invoke']>> | undefined;
  const warm = await requestsDuring([routing.main, routing.functions()], async () => { answer = await api.invoke(owner, id); });
  t.deepEqual(warm, [`GET /${api.db('functions')}/_design/functions/_show/wh/${id}`]);
  t.is(answer!.headers['x-function-version'], '1.0.0');
});

test.serial('a descendant\'s warm call of a reseller\'s global function is one show call; an override made through another process takes over within seconds', async (t) => {
  const { routing } = api.couchfn.services;
  const master = await api.master();
  const reseller = await api.account(master, 'reseller');
  await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
  const customer = await api.account(reseller, 'customer');
  const say = (what: string) => `return {module: 'tts', data: {text: '${what}'}};`;
  const id = await api.createFunction(reseller, { name: 'greet', global: true, function_js: say('global') });
  const text = async () => (await api.invoke(customer, id)).body?.data?.data?.text;
  t.is(await text(), 'global');
  // warm: once this process has also seen its own writes come back on the changes feed
  const show = `GET /${api.db('functions')}/_design/functions/_show/wh/${id}`;
  let warm: string[] = [];
  t.true(await eventually(async () => {
    warm = await requestsDuring([routing.main, routing.functions()], text);
    return warm.length === 1;
  }, 5000), `a warm call still sent ${warm.join(', ')}`);
  t.deepEqual(warm, [show], 'neither the function nor the account\'s names are read again');

  const other = new TestApi(api.couch, await startCouchfn(loadConfig({
    COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: MASTER_KEY, COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix
  })));
  try {
    await other.createFunction(customer, { name: 'greet', function_js: say('own') });
    t.true(await eventually(async () => (await text()) === 'own', 5000), 'the override made elsewhere reaches this process');
  } finally {
    await other.couchfn.close();
  }
});
