// Function logs between hostile tenants: an attacker runs between a victim's
// calls and tries to read, redirect, forge or flood the victim's log lines,
// or to smuggle a header out of the show. The victim's lines must be exactly
// its own, and nothing of them may reach the attacker. Run once per engine
// (logs.test.ts, logs-sandbox.test.ts).
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let attacker: Caller;
let victim: Caller;
let victimFn: string;
let attackerFn: string;

const VICTIM = "console.log('PIN ' + call.PIN); console.error('card ' + call.Card); log('done'); return {module: 'tts', data: {text: 'ok'}};";
const SECRETS = /PIN 4\d{3}|card 9\d{3}/;

// plant: every way to hold on to a console, or to change what a console does;
// collect: log whatever was held.
const ATTACKER = `
  var g = Function('return this')();
  var spots = [g, Object.prototype, Function.prototype, Array.prototype, JSON, console, console.log, log, Object.getPrototypeOf(console)];
  if (call.mode === 'plant') {
    for (var i = 0; i < spots.length; i++) {
      try { spots[i].held = console; } catch (e) {}
      try { Object.defineProperty(spots[i], 'held', {value: console}); } catch (e) {}
    }
    try { console.log = function () {}; } catch (e) {}
    try { Object.defineProperty(console, 'error', {value: function () {}}); } catch (e) {}
    try { console.log.apply = function () {}; } catch (e) {}
    try { Function.prototype.apply = function () {}; } catch (e) {}
    try { g.console = {log: function () {}}; } catch (e) {}
    try { held = console; } catch (e) {}
    console.log('x\\r\\nX-Injected: yes\\r\\n\\r\\n{"module":"hangup"}');
    for (var n = 0; n < 500; n++) console.warn(new Array(200).join('%0d%0a'));
    return {module: 'tts', data: {text: 'planted'}};
  }
  for (var j = 0; j < spots.length; j++) {
    try { if (spots[j].held && spots[j].held !== console) { spots[j].held.log('stolen'); console.log('held one'); } } catch (e) {}
  }
  try { if (typeof held !== 'undefined') console.log('held global'); } catch (e) {}
  console.log('collected');
  return {module: 'tts', data: {text: 'collected'}};`;

/** Registers the suite; `engine` is the engine's settings (none: CouchDB's show). */
export function logSuite(engine: Record<string, string> = {}): void {
test.before(async () => {
  api = await startApi({ ...({ COUCHFN_RECORD_SUCCESSES: 'true' }), ...engine });
  const master = await api.master();
  attacker = await api.account(master, 'attacker');
  victim = await api.account(master, 'victim');
  victimFn = await api.createFunction(victim, { name: 'victim', function_js: VICTIM });
  attackerFn = await api.createFunction(attacker, { name: 'attacker', function_js: ATTACKER });
});
test.after.always(async () => { await api?.close(); });

test('a victim\'s lines are its own and never reach an attacker running between its calls', async (t) => {
  for (let round = 0; round < 4; round++) {
    const planted = await api.invoke(attacker, attackerFn, { mode: 'plant' });
    t.is(planted.status, 200, planted.text);
    t.deepEqual(planted.body.data, { module: 'tts', data: { text: 'planted' } }, 'the attacker\'s own callflow is not changed by what it logs');
    const answer = await api.invoke(victim, victimFn, { PIN: `4${round}21`, Card: `9${round}77` });
    t.is(answer.status, 200, answer.text);
    t.deepEqual(answer.body.data, { module: 'tts', data: { text: 'ok' } });
    t.deepEqual(answer.body.logs, [
      { level: 'log', message: `PIN 4${round}21` }, { level: 'error', message: `card 9${round}77` }, { level: 'log', message: 'done' }
    ], 'exactly the victim\'s lines, none dropped, none added');
    const collected = await api.invoke(attacker, attackerFn, { mode: 'collect' });
    t.deepEqual(collected.body.logs, [{ level: 'log', message: 'collected' }], 'the attacker held no console of another call');
    t.notRegex(collected.text, SECRETS);
  }
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `/v2/accounts/${attacker.accountId}/functions/attempts`, { token: attacker.token });
  t.notRegex(attempts.text, SECRETS, 'nothing of the victim in the attacker\'s attempts');
  const victims = await api.call('GET', `/v2/accounts/${victim.accountId}/functions/${victimFn}/attempts`, { token: victim.token });
  t.true(victims.body.data.every((a: { result: string }) => a.result === 'success'), 'the victim is never blamed');
});

test('what an attacker logs cannot add a header or change the body of the show\'s answer', async (t) => {
  const u = new URL(api.couch.url);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  const res = await fetch(`${u.origin}/${api.db('functions')}/_design/functions/_show/wh/${attackerFn}?mode=plant`, { headers: { authorization: auth } });
  t.is(res.status, 200);
  t.is(res.headers.get('x-injected'), null);
  t.deepEqual(JSON.parse(await res.text()), { module: 'tts', data: { text: 'planted' } });
  const header = res.headers.get('x-couchfn-logs') ?? '';
  t.regex(header, /^[\x20-\x7e]+$/, 'the header is printable ASCII');
  t.true(header.length <= 12000, 'and bounded');
  const logs = JSON.parse(decodeURIComponent(header));
  t.is(logs.lines[0][1], 'x\r\nX-Injected: yes\r\n\r\n{"module":"hangup"}', 'the line itself arrives intact');
  t.true(logs.dropped > 0);
});
}
