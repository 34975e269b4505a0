// Hostile tenants: every attacker function below runs in the same shared JS
// processes as a victim of another account, before and after it. Whatever
// the attack, nothing of the victim's call or result may reach the attacker,
// the victim's result must be exactly its own, and the victim must never be
// blamed or disabled. Runs on whichever CouchDB the suite runs on, once per
// engine (tenants.test.ts, tenants-sandbox.test.ts).
import test, { type ExecutionContext } from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';
import { FUNCTION_FAULTS, type OutcomeKind } from '../../src/invoke/outcome.js';

let api: TestApi;
let attacker: Caller;
let victim: Caller;
let victimFn: string;

// The victim touches what attacks aim at: an implicit global, JSON, RegExp,
// hasOwnProperty, join, isArray, log, nested call keys.
const VICTIM = [
  "greeting = 'Your PIN is ' + call.PIN;",
  "var m = /PIN is (\\d+)/.exec(greeting);",
  "log('victim ran'); log.apply(null, ['PIN ' + call.PIN]); log.call(null, 'to ' + call.To);",
  // iterator helpers where the engine has them (not ES5: reached by computed names)
  "var digits = typeof [].values === 'function' && typeof []['values']()['map'] === 'function'",
  "  ? call.PIN.split('')['values']()['map'](function (d) { return d; })['toArray']().join('') : call.PIN;",
  "var copy = JSON.parse(JSON.stringify({text: [greeting, call['Custom-Application-Vars'].secret].join(' / ')}));",
  "return {module: 'tts', data: {text: copy.text, digits: m[1] === digits ? digits : 'hijacked', own: Object.prototype.hasOwnProperty.call(call, 'PIN'),",
  "  list: Array.isArray([1]), upper: 'x'.toUpperCase()}, children: {_: {module: 'transfer', data: {to: call.To}}}};"
].join('\n');

function victimCall(n: number) {
  return { PIN: `73${n}91`, To: `+1555000${n}`, 'Custom-Application-Vars': { secret: `vault-${n}-key` } };
}

function expected(n: number) {
  const call = victimCall(n);
  return {
    module: 'tts',
    data: { text: `Your PIN is ${call.PIN} / ${call['Custom-Application-Vars'].secret}`, digits: call.PIN, own: true, list: true, upper: 'X' },
    children: { _: { module: 'transfer', data: { to: call.To } } }
  };
}

const SECRETS = /73\d91|vault-\d-key|\+1555000\d|Your PIN/;

// Prototypes without a global name are shared too.
const GENERATORS = [
  "function generators() { try { return Object.getPrototypeOf(Function('return function* () {}')()); } catch (e) { return {}; } }",
  "function iterators() { try { return Object.getPrototypeOf([]['values']()['map'](function (x) { return x; })); } catch (e) { return {}; } }"
].join('\n');

// Read by every attacker when asked to collect: wherever a planted hook
// could have put what it saw (under a name of its own: LOOT).
const COLLECT = `
  var g = Function('return this')();
  var found = [];
  var places = [g, Object.prototype, Array.prototype, Function.prototype, JSON, String.prototype, Object, RegExp, generators(), log, sum, toJSON, isArray, iterators()];
  for (var i = 0; i < places.length; i++) {
    try { found.push(JSON.stringify(places[i][LOOT])); } catch (e) { found.push('!' + e); }
  }
  try { found.push(String(RegExp.$1), String(RegExp.input), String(RegExp.lastMatch), String(RegExp.leftContext)); } catch (e) {}
  try { found.push(String(greeting)); } catch (e) {}
  try { found.push(String(typeof stolen !== 'undefined' && JSON.stringify(stolen))); } catch (e) {}
  return {module: 'tts', data: {loot: found.join('|')}};`;

let attacks = 0;

// An attacker: plants with call.mode === 'plant', then reports what it got.
function attackerFn(plant: string): string {
  return [
    `var LOOT = '__loot${++attacks}';`,
    "if (call.mode === 'plant') {",
    '  var stash = [];',
    '  var keep = function (v) { try { stash.push(JSON.stringify(v)); } catch (e) { stash.push(String(v)); } };',
    "  var g = Function('return this')();",
    "  var places = [g, Object.prototype, Array.prototype, Function.prototype, JSON, String.prototype, Object, RegExp, generators(), log, sum, toJSON, isArray, iterators()];",
    "  for (var p = 0; p < places.length; p++) { try { Object.defineProperty(places[p], LOOT, {value: stash, configurable: false}); } catch (e) {} try { places[p][LOOT] = stash; } catch (e) {} }",
    plant,
    "  return {module: 'tts', data: {text: 'planted'}};",
    '}',
    GENERATORS,
    COLLECT
  ].join('\n');
}

/** Registers the suite; `engine` is the engine's settings (none: CouchDB's show). */
export function tenantSuite(engine: Record<string, string> = {}): void {
test.before(async () => {
  api = await startApi({ COUCHFN_SHOW_TIMEOUT_MS: '2000', ...engine });
  const master = await api.master();
  attacker = await api.account(master, 'attacker');
  victim = await api.account(master, 'victim');
  victimFn = await api.createFunction(victim, { name: 'victim', function_js: VICTIM });
});
test.after.always(async () => { await api?.close(); });

test.serial('0. the suite runs on the engine it names', (t) => {
  const name = (engine.COUCHFN_ENGINE ?? 'show') as 'show' | 'sandbox';
  t.is(api.couchfn.services.config.engine, name);
  t.is(api.couchfn.services.functionEngine.constructor.name, name === 'sandbox' ? 'SandboxEngine' : 'ShowEngine');
});

async function victimIsUnharmed(t: ExecutionContext, id = victimFn): Promise<void> {
  await api.couchfn.services.attempts.flushAll();
  const fn = await api.call('GET', `/v2/accounts/${victim.accountId}/functions/${id}`, { token: victim.token });
  t.true(fn.body.data.enabled, 'the victim is never disabled');
  const attempts = await api.call('GET', `/v2/accounts/${victim.accountId}/functions/${id}/attempts`, { token: victim.token });
  t.deepEqual(attempts.body.data.filter((a: { result: string }) => a.result === 'failure'), [], 'the victim is never blamed');
}

/** Plants, lets the victim run, collects; on every engine process the calls meet. */
async function attack(t: ExecutionContext, plant: string, rounds = 4): Promise<void> {
  const fn = await api.createFunction(attacker, { name: 'attacker', function_js: attackerFn(plant) });
  for (let round = 0; round < rounds; round++) {
    await api.invoke(attacker, fn, { mode: 'plant' });
    const answer = await api.invoke(victim, victimFn, victimCall(round));
    t.is(answer.status, 200, `the victim answers (round ${round}): ${answer.text}`);
    t.deepEqual(answer.body.data, expected(round), 'the victim\'s result is exactly its own');
    const loot = await api.invoke(attacker, fn, { mode: 'collect' });
    t.notRegex(loot.text, SECRETS, 'nothing of the victim reaches the attacker');
  }
  await victimIsUnharmed(t);
}

// built-in methods first: a realm other attacks already touched could hide what these plant
test.serial('2. built-in methods cannot be changed or given properties', async (t) => {
  await attack(t, `
    var spy = function (owner, name) {
      try { var real = owner[name]; owner[name] = function () { keep(Array.prototype.slice.call(arguments)); return real.apply(this, arguments); }; } catch (e) {}
    };
    try { Object.prototype.hasOwnProperty.call = function (o, k) { keep(o); return Object.prototype.propertyIsEnumerable.apply(o, [k]); }; } catch (e) {}
    try { Object.defineProperty(Object.prototype.hasOwnProperty, 'call', {value: function (o) { keep(o); return true; }}); } catch (e) {}
    spy(Function.prototype, 'call'); spy(Function.prototype, 'apply'); spy(Array.prototype, 'push'); spy(Array.prototype, 'join');
    spy(String.prototype, 'replace'); spy(String.prototype, 'split'); spy(String.prototype, 'indexOf'); spy(String.prototype, 'toUpperCase');
    spy(RegExp.prototype, 'exec'); spy(JSON, 'parse'); spy(JSON, 'stringify'); spy(Array, 'isArray'); spy(Object, 'keys');
    try { Object.defineProperty(Object.prototype, 'text', {set: function (v) { keep(v); }, get: function () { return 'hijacked'; }}); } catch (e) {}
    try { Object.defineProperty(Object.prototype, 'module', {get: function () { return 'hangup'; }}); } catch (e) {}
    try { Object.prototype.polluted = 'yes'; Array.prototype.extra = 'yes'; } catch (e) {}
    try { Object.defineProperty(log, 'apply', {value: function (s, a) { keep(a); }}); } catch (e) {}
    try { Object.defineProperty(log, 'call', {value: function (s, a) { keep(a); }}); } catch (e) {}
    try { var it = iterators(); var next = it.next; Object.defineProperty(it, 'next', {value: function () { var r = next.call(this); keep(r.value); if (!r.done) r.value = 'H'; return r; }}); } catch (e) {}`);
});

test.serial('1. standard globals cannot be rebound, not even as non-configurable', async (t) => {
  await attack(t, `
    var names = ['JSON', 'Function', 'decodeURIComponent', 'escape', 'log', 'String', 'Object', 'Array', 'isArray', 'require', 'emit', 'RegExp'];
    for (var i = 0; i < names.length; i++) {
      (function (name) {
        var real = g[name];
        var fake = function () { keep([name].concat(Array.prototype.slice.call(arguments))); return real.apply(this, arguments); };
        try { Object.defineProperty(g, name, {value: fake, writable: false, configurable: false}); } catch (e) {}
        try { g[name] = fake; } catch (e) {}
        try { delete g[name]; } catch (e) {}
      })(names[i]);
    }
    try { g.JSON = {parse: function (s) { keep(s); return {text: 'hijacked'}; }, stringify: function (v) { keep(v); return '{"text":"hijacked"}'; }}; } catch (e) {}`);
});

test.serial('3. an accessor on the global cannot trap another call\'s sloppy assignment, nor can deleted globals stay deleted', async (t) => {
  await attack(t, `
    try { Object.defineProperty(g, 'greeting', {set: function (v) { keep(v); }, get: function () { return 'hijacked'; }, configurable: false}); } catch (e) {}
    try { greeting = 'planted'; } catch (e) {}
    try { delete g.Array; delete g.JSON; delete g.Object; delete g.decodeURIComponent; } catch (e) {}`);
});

test.serial('4. a global nobody can remove fails only its own call, and the next account is not blamed', async (t) => {
  await attack(t, `
    try { Object.defineProperty(g, 'stolen', {value: stash, writable: false, configurable: false}); } catch (e) {}
    try { Object.defineProperty(g, 'log', {value: function (line) { keep(line); }, configurable: false}); } catch (e) {}
    stolen = stash;`);
});

test.serial('5. the query server\'s own helpers are out of reach', async (t) => {
  const fn = await api.createFunction(attacker, {
    name: 'probe',
    function_js: `
      var g = Function('return this')();
      var seen = [typeof require, typeof send, typeof getRow, typeof start, typeof provides, typeof emit, typeof registerType, typeof print, typeof readline];
      var names = ['require', 'log', 'send', 'start', 'getRow', 'provides', 'registerType', 'emit', 'print', 'readline', 'evalcx', 'quit'];
      for (var i = 0; i < names.length; i++) {
        try { var f = g[names[i]]; seen.push(names[i] + '=' + (typeof f === 'function' ? String(f.call(null, 'x/y', 'z')) : typeof f)); } catch (e) { seen.push(names[i] + '!' + String(e && e.message || e)); }
      }
      try { seen.push(String(this.constructor.constructor('return typeof process')())); } catch (e) {}
      try { seen.push(String(log.constructor('return typeof Render + typeof State + typeof process')())); } catch (e) {}
      try { seen.push(String(JSON.parse.constructor('return typeof Render + typeof State + typeof process')())); } catch (e) {}
      try { seen.push(String(JSON.parse('[]').constructor.constructor('return typeof Render + typeof State')())); } catch (e) {}
      try { JSON.parse('{'); } catch (e) { try { seen.push(String(e.constructor.constructor('return typeof Render + typeof State')())); } catch (x) {} }
      return {module: 'tts', data: {text: seen.join(',')}};`
  });
  const answer = await api.invoke(attacker, fn);
  t.is(answer.status, 200, answer.text);
  const text: string = answer.body.data.data.text;
  t.true(text.startsWith('undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,'), text);
  t.notRegex(text, /validate_doc_update|crossbar_listing|_design|function_js/, 'no design document text');
  t.notRegex(text, /object|objectobject/, 'neither the query server\'s objects nor process');
  t.regex(text, /getRow!getRow is not available to functions|getRow=undefined/);
  // the process still serves everyone
  const after = await api.invoke(victim, victimFn, victimCall(7));
  t.deepEqual(after.body.data, expected(7));
  await victimIsUnharmed(t);
});

test.serial('7. one account\'s endless loops, direct or through an event, do not make another account time out or be blamed', async (t) => {
  const loops = await Promise.all(Array.from({ length: 4 }, (_, i) =>
    api.createFunction(attacker, { name: `loop${i}`, function_js: 'while (true) {}', events: ['flood'] })));
  const flood = [
    ...loops.map((id) => api.invoke(attacker, id)),
    ...loops.map((id) => api.invoke(attacker, id)),
    api.call('POST', `/v2/accounts/${attacker.accountId}/events/flood/invoke`, { token: attacker.token, body: { data: {} } })
  ];
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) {
    const answer = await api.invoke(victim, victimFn, victimCall(i));
    t.is(answer.status, 200, `the victim answers during the flood: ${answer.text}`);
    t.deepEqual(answer.body.data, expected(i));
  }
  const answers = await Promise.all(flood);
  for (const answer of answers.slice(0, -1)) t.true([429, 504].includes(answer.status), `${answer.status} ${answer.text}`);
  await victimIsUnharmed(t);
});

test.serial('9. memory kept from call to call, or a runtime wedged by one account, does not reach the next account', async (t) => {
  await attack(t, `
    var kept = null, size = 1 << 22;
    for (var n = 0; n < 8; n++) { try { kept = {next: kept, block: new Array(size).join('x')}; } catch (e) { size = size >> 2; } }
    try { log.kept = kept; } catch (e) {}
    try { new Uint8Array(1 << 28); } catch (e) {}
    try { Function('return (async function () { return 1; })')()().then(function () { keep(kept); }); } catch (e) {}`, 3);
});

test.serial('11. a memory bomb of large strings ends as out of memory, not at the time limit, and the next account is not blamed', async (t) => {
  // each string is one block, which QuickJS under Emscripten counts as a few
  // bytes: only the cap on the worker's whole memory stops it in time
  const bomb = await api.createFunction(attacker, { name: 'bomb', function_js: "var s = new Array(1 << 20).join('x'), kept = []; while (true) { kept.push(s.slice(kept.length % 7)); }" });
  const res = await api.invoke(attacker, bomb);
  // Counted (500) where the engine ran it again in a runtime of its own. A
  // real CouchDB's couchjs is shared, so there it is not counted (503); and
  // SpiderMonkey bounds memory only by its time limit (504).
  if (process.env.COUCHDB_URL) t.true([500, 503, 504].includes(res.status), res.text);
  else t.is(res.status, 500, res.text);
  if (res.status !== 504) t.regex(res.body.data.cause, /out of memory/);
  const answer = await api.invoke(victim, victimFn, victimCall(9));
  t.is(answer.status, 200, answer.text);
  t.deepEqual(answer.body.data, expected(9));
  await victimIsUnharmed(t);
});

test.serial('12. code that keeps megabytes once compiled, filling a shared process, does not make another account\'s call run out of memory or be blamed', async (t) => {
  // each nested function keeps a copy of its source: 40 KB, 100 deep, about
  // 4 MB per function, and 20 of them more than a process's 64 MB; each call
  // also leaves a cycle of garbage that holds its code, so that dropping the
  // compiled functions frees nothing until a collection
  let source = `var table = "${'y'.repeat(40_000)}";\n`;
  for (let depth = 0; depth < 100; depth++) source = `function level${depth}() { ${source} }\n`;
  source = `var held = {code: arguments.callee, inner: level99}; held.self = held;\n${source}`;
  const heavy = await Promise.all(Array.from({ length: 20 }, (_, n) =>
    api.createFunction(attacker, { name: `heavy${n}`, function_js: `${source}return {module: 'tts', data: {text: 'heavy ${n}'}};` })));
  const needy = await api.createFunction(victim, {
    name: 'needy',
    function_js: "var block = new Array(1 << 18).join('xxxxxxxx'); return {module: 'tts', data: {text: call.To + ' ' + block.length}};"
  });
  for (const [n, fn] of heavy.entries()) {
    t.is((await api.invoke(attacker, fn)).status, 200);
    if (n % 5 !== 4) continue;
    const answer = await api.invoke(victim, needy, { To: `+1555000${n}` });
    t.is(answer.status, 200, answer.text);
    t.deepEqual(answer.body.data, { module: 'tts', data: { text: `+1555000${n} 2097144` } });
  }
  await victimIsUnharmed(t, needy);
});

test.serial('13. garbage another account leaves in cycles cannot get a victim blamed that catches running out of memory and fails in its own words', async (t) => {
  // many small objects first, which raises QuickJS's threshold for collecting
  // garbage, then the memory filled with blocks held only by cycles
  const filler = await api.createFunction(attacker, {
    name: 'cycles',
    function_js: `
      var many = []; for (var i = 0; i < 400000; i++) many.push({}); many = null;
      var pad = 'p'; while (pad.length < 65536) pad += pad;
      var held = [], n = 0;
      try { while (true) { var o = {}; o.self = o; o.pad = [pad, n].join(''); held.push(o); n++; } } catch (e) {}
      try { while (true) { var o = {}; o.self = o; held.push(o); n++; } } catch (e) {}
      held = null;
      return {module: 'tts', data: {text: 'filled'}};`
  });
  const proud = await api.createFunction(victim, {
    name: 'proud',
    function_js: "var parts = []; try { for (var i = 0; i < 2000; i++) parts.push({n: i}); } catch (e) { throw new Error('menu could not be built'); } return {module: 'tts', data: {text: call.To + ' ' + parts.length}};"
  });
  for (let round = 0; round < 3; round++) {
    t.is((await api.invoke(victim, proud, { To: `+1555000${round}` })).status, 200);
    t.is((await api.invoke(attacker, filler)).status, 200);
    // run again in a fresh worker, which a loaded machine may start past the
    // proxy's deadline: then a 504 that counts against no one
    const answer = await api.invoke(victim, proud, { To: `+1555000${round}` });
    if (answer.status === 504) t.regex(answer.body.data.cause, /not counted against the function/);
    else t.deepEqual([answer.status, answer.body.data], [200, { module: 'tts', data: { text: `+1555000${round} 2000` } }], answer.text);
  }
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `/v2/accounts/${victim.accountId}/functions/${proud}/attempts`, { token: victim.token });
  t.deepEqual(attempts.body.data.filter((a: { kind: string }) => FUNCTION_FAULTS.has(a.kind as OutcomeKind)), [], 'the victim is never blamed');
  const fn = await api.call('GET', `/v2/accounts/${victim.accountId}/functions/${proud}`, { token: victim.token });
  t.true(fn.body.data.enabled, 'the victim is never disabled');
});

test.serial('14. garbage another account leaves in cycles cannot make a victim that catches running out of memory answer its fallback', async (t) => {
  // as 13, but the heap is left with a few KB free: enough for the victim's
  // call to start, not for what it builds, and the victim does not fail: it
  // catches that and answers its fallback, which no failure check can see
  const starver = await api.createFunction(attacker, {
    name: 'starver',
    function_js: `
      var many = []; for (var i = 0; i < 400000; i++) many.push({}); many = null;
      var pad = 'p'; while (pad.length < 65536) pad += pad;
      var small = 'q'; while (small.length < 4096) small += small;
      var reserve = []; for (var r = 0; r < 8; r++) reserve.push([small, r].join(''));
      var held = [], n = 0;
      try { while (true) { var o = {}; o.self = o; o.pad = [pad, n].join(''); held.push(o); n++; } } catch (e) {}
      try { while (true) { var o = {}; o.self = o; o.pad = [small, n].join(''); held.push(o); n++; } } catch (e) {}
      try { while (true) { var o = {}; o.self = o; held.push(o); n++; } } catch (e) {}
      held = null; reserve = null;
      return {module: 'tts', data: {text: 'filled'}};`
  });
  const vip = await api.createFunction(victim, {
    name: 'vip',
    function_js: `
      var vip;
      try { vip = call['Custom-Application-Vars'].vip === 'yes'; var menu = []; for (var i = 0; i < 2000; i++) menu.push({n: i}); } catch (e) { vip = false; }
      return vip ? {module: 'transfer', data: {to: 'vip-desk', caller: call.From}} : {module: 'voicemail', data: {id: 'general'}};`
  });
  // couchfn's own engines check the heap before every call; a real
  // CouchDB's couchjs cannot be asked, and there the victim may get its
  // fallback (the README says so): it is still never blamed
  const ours = engine.COUCHFN_ENGINE === 'sandbox' || api.couch.kind === 'embedded';
  const vipCall = async (round: number) => {
    const answer = await api.invoke(victim, vip, { From: `+1555000${round}`, 'Custom-Application-Vars': { vip: 'yes' } });
    t.is(answer.status, 200, answer.text);
    if (ours) t.deepEqual(answer.body.data, { module: 'transfer', data: { to: 'vip-desk', caller: `+1555000${round}` } }, `round ${round}`);
  };
  for (let round = 0; round < 4; round++) {
    // first on a heap with room: the victim's context is ready (calls one at
    // a time go to the same worker), so what fills the heap next meets the
    // victim's own code, not the building of its context
    await vipCall(round);
    t.is((await api.invoke(attacker, starver)).status, 200);
    await vipCall(round);
  }
  await victimIsUnharmed(t, vip);
});

test.serial('10. Math.random cannot be replayed: one call learns nothing of another\'s numbers', async (t) => {
  const random = await api.createFunction(victim, { name: 'random', function_js: "return {module: 'tts', data: {r: Math.random()}};" });
  // xorshift64* state recovery from two outputs (QuickJS's generator), then
  // a walk forward over what other calls drew in between
  const replay = await api.createFunction(attacker, {
    name: 'replay',
    function_js: [
      "var B = Function('return BigInt')();",
      "var M = B('0x2545F4914F6CDD1D'), MASK = (B(1) << B(64)) - B(1);",
      'function inv(a) { var x = a; for (var i = 0; i < 6; i++) x = (x * (B(2) - a * x)) & MASK; return x; }',
      'var MINV = inv(M);',
      'function step(x) { x ^= x >> B(12); x ^= (x << B(25)) & MASK; x ^= x >> B(27); return x; }',
      'function out(x) { return Number((x * M & MASK) >> B(12)) / 4503599627370496; }',
      "if (call.mode === 'plant') {",
      "  var r1 = Math.random(), r2 = Math.random(), found = '';",
      '  for (var lo = 0; lo < 4096 && !found; lo++) {',
      '    var x2 = step((((B(r1 * 4503599627370496) << B(12)) | B(lo)) * MINV) & MASK);',
      '    if (out(x2) === r2) found = x2.toString(16);',
      '  }',
      "  return {module: 'tts', data: {state: found}};",
      '}',
      "var s = B('0x' + (call.state || '1')), r = Math.random(), seen = [];",
      'for (var k = 0; k < 64; k++) { s = step(s); if (out(s) === r) break; seen.push(out(s)); }',
      "return {module: 'tts', data: {seen: seen}};"
    ].join('\n')
  });
  for (let round = 0; round < 3; round++) {
    const planted = await api.invoke(attacker, replay, { mode: 'plant' });
    const drawn = await api.invoke(victim, random);
    t.is(drawn.status, 200);
    const collected = await api.invoke(attacker, replay, { mode: 'collect', state: planted.body?.data?.data?.state ?? '' });
    const seen: number[] = collected.body?.data?.data?.seen ?? [];
    t.false(seen.includes(drawn.body.data.data.r), 'the victim\'s number is not among what the attacker replays');
  }
});

test.serial('8. results answer alike on every engine: arrays, functions, symbols and cycles are not callflows', async (t) => {
  for (const [body, problem] of [
    ["return {module: 'tts', data: []};", /callflow\.data must be an object, got an array/],
    ['return function () {};', /callflow is a function/],
    ["return {module: 'tts', data: {f: function () {}}};", /callflow\.data\.f is a function/],
    ["var s = Function('return Symbol')(); return {module: 'tts', data: {s: s('x')}};", /callflow\.data\.s is a symbol/],
    ["var d = {}; d.self = d; return {module: 'tts', data: d};", /refers back to itself/],
    ["return {module: 'tts', data: {n: 1 / 0}};", /Infinity/],
    ['return;', /got undefined \(did the function return a value\?\)/]
  ] as const) {
    const fn = await api.createFunction(attacker, { name: 'odd', function_js: body });
    const answer = await api.invoke(attacker, fn);
    t.is(answer.status, 500, body);
    t.is(answer.body.message, 'invalid_callflow', body);
    t.regex(JSON.stringify(answer.body.data), problem, body);
  }
});

test.serial('8. error messages name what failed without the server\'s paths', async (t) => {
  const fn = await api.createFunction(attacker, {
    name: 'paths', function_js: "throw new Error('failed at /opt/couchdb/share/server/main.js:1234:5 and C:\\\\couch\\\\main.js');"
  });
  const answer = await api.invoke(attacker, fn);
  t.is(answer.status, 500);
  t.regex(answer.body.data.cause, /^Error: failed at <server> and <server>( \(line 1\))?$/);
  const undeclared = await api.createFunction(attacker, { name: 'undeclared', function_js: 'return {module: nothing, data: {}};' });
  const missing = await api.invoke(attacker, undeclared);
  t.regex(missing.body.data.cause, /nothing.*not defined.*declare it with var/);
});
}
