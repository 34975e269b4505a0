// The views the API lists and counts functions with.
import test from 'ava';
import { deployedCouch, functionsDb, storeFunction, unique, type TestCouch } from '../helpers/couch.js';

let couch: TestCouch;
test.before(async () => { couch = await deployedCouch(); });
test.after.always(async () => { await couch?.stop(); });

test('crossbar_listing lists an account\'s functions with Kazoo\'s summary, and only that account\'s', async (t) => {
  const [mine, theirs] = [unique('acct'), unique('acct')];
  const a = await storeFunction(couch, mine, { name: 'a', function_js: 'return 1;' });
  const b = await storeFunction(couch, mine, { name: 'b', function_js: 'return 1;', enabled: false, pvt_disable_reason: 'too many failed attempts' });
  await storeFunction(couch, theirs, { name: 'c', function_js: 'return 1;' });
  const rows = (await functionsDb(couch).view('functions', 'crossbar_listing', { startkey: [mine], endkey: [mine, {}] })).rows;
  t.deepEqual(rows.map((r) => r.id).sort(), [a, b].sort());
  const byId = Object.fromEntries(rows.map((r) => [r.id, r.value as Record<string, unknown>]));
  t.like(byId[a], { name: 'a', enabled: true });
  t.like(byId[b], { name: 'b', enabled: false, disable_reason: 'too many failed attempts' });
  t.false('function_js' in byId[a]);
});

test('events_listing finds the enabled functions bound to an event', async (t) => {
  const account = unique('acct');
  const on = await storeFunction(couch, account, { function_js: 'return 1;', events: ['call.route', 'custom.one'] });
  await storeFunction(couch, account, { function_js: 'return 1;', events: ['call.route'], enabled: false });
  const { rows } = await functionsDb(couch).view('functions', 'events_listing', { key: [account, 'call.route'] });
  t.deepEqual(rows.map((r) => r.id), [on]);
});
