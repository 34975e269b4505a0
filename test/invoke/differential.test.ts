// The sandbox engine answers exactly as CouchDB's show: a corpus of functions
// (every template, Kazoo's sloppy habits, errors, odd results, hostile code)
// runs on every sample call and on Kazoo-encoded edge cases through both, and
// the outcomes must be the same bytes.
import test from 'ava';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { samples } from '../../src/catalog/samples.js';
import { templates } from '../../src/catalog/templates.js';
import { openConnection, type Connection } from '../../src/couch/connection.js';
import { Routing } from '../../src/couch/routing.js';
import { ShowEngine as ShowPool } from '../../src/embedded/show-engine.js';
import { FunctionStore } from '../../src/functions/store.js';
import { kazooQuery, type CallValue } from '../../src/invoke/encode.js';
import { SandboxEngine, whShow } from '../../src/invoke/sandbox-engine.js';
import { ShowEngine } from '../../src/invoke/show-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';
import { deployedCouch, storeFunction, unique, type TestCouch } from '../helpers/couch.js';

let couch: TestCouch;
let connection: Connection;
let pool: ShowPool;
const limits = { deadlineMs: 10_000, maxResultBytes: 65536, logLines: 5, logBytes: 300 };

const corpus: [string, string, Record<string, unknown>?][] = [
  ...templates.map((t): [string, string] => [`template ${t.id}`, t.function_js]),
  ['echo of the call', "return {module: 'tts', data: {call: call}};"],
  ['Kazoo\'s sloppy globals', "greeting = 'Hi ' + call['Caller-ID-Name']; return {module: 'tts', data: {text: greeting}};"],
  ['every value a string', "var k = []; for (var x in call) k.push(x + ':' + typeof call[x]); k.sort(); return {module: 'tts', data: {text: k.join(',')}};"],
  ['a throw', "throw new Error('boom at ' + call.To);"],
  ['a thrown string', "throw 'plain';"],
  ['a syntax error', 'return {module: '],
  ['a ReferenceError', 'return {module: nothing};'],
  ['a number', 'return 42;'],
  ['undefined', 'var x = 1;'],
  ['an array', 'return [1, 2];'],
  ['a function inside', "return {module: 'tts', data: {f: function () {}}};"],
  ['a cycle', "var a = {module: 'tts', data: {}}; a.data.self = a; return a;"],
  ['NaN', "return {module: 'tts', data: {n: 0 / 0}};"],
  ['too large', "return {module: 'tts', data: {text: new Array(70000).join('x')}};"],
  ['disabled', "return {module: 'tts', data: {}};", { enabled: false, pvt_disable_reason: 'failed 6 times in 60 s' }],
  ['an endless loop', 'while (true) {}'],
  ['the host', "return {module: 'tts', data: {text: typeof process + typeof require + typeof globalThis}};"],
  ['the realm', "return {module: 'tts', data: {text: String(Function('return this')() === this)}};"],
  ['built-in pollution', "Array.prototype.join = function () { return 'x'; }; return {module: 'tts', data: {text: ['a', 'b'].join('-')}};"],
  ['console lines, bounded', "console.log('to', call.To); console.warn({a: [1]}); log('alias'); for (var i = 0; i < 9; i++) console.error(new Array(60).join('x')); return {module: 'tts', data: {}};"],
  ['lines before a throw', "console.info('about to fail'); throw new Error('late');"],
  ['ES5 library', "return {module: 'tts', data: {text: JSON.stringify({a: [1, 'b', null]}) + ' ' + 'Aa'.toLowerCase() + ' ' + new Date(0).toISOString()}};"]
];

const calls: [string, Record<string, CallValue> | string][] = [
  ...samples.map((s): [string, Record<string, CallValue>] => [`sample ${s.id}`, s.call]),
  ['nothing', {}],
  ['Kazoo-encoded edge cases', 'Caller-ID-Name=Alice+Smith&Custom-Application-Vars[foo]=bar&&User-ID[]=u1&User-ID[]=u2&Digits=1&Digits=2&Note=caf%C3%A9+%26+%2B&bad=%E0%A4%A&=empty']
];

test.before(async () => {
  couch = await deployedCouch();
  connection = openConnection('differential', couch.url);
  pool = new ShowPool({ workers: 2, timeoutMs: 1000, isolation: 'function' });
});
test.after.always(async () => {
  await pool?.close();
  await connection?.close();
  await couch?.stop();
});

test('every function on every call: the sandbox answers the bytes the show answers', async (t) => {
  const show = new ShowEngine(() => connection, 'functions');
  const sandbox = new SandboxEngine(new FunctionStore(new Routing(connection), 'functions'), pool, whShow(readDesignDocs(compiledDesignDocs)), 'functions');
  const account = unique('acct');
  let compared = 0;
  for (const [what, code, fields] of corpus) {
    const id = await storeFunction(couch, account, { function_js: code, enabled: true, ...fields });
    const loops = what === 'an endless loop';
    for (const [name, call] of loops ? calls.slice(0, 1) : calls) {
      const query = typeof call === 'string' ? call : kazooQuery(call);
      const [viaShow, viaSandbox] = [await show.run(id, query, limits), await sandbox.run(id, query, limits)];
      if (loops) {
        // each engine's own time limit stops it; only the words of the reason differ
        t.is(viaSandbox.kind, viaShow.kind, what);
        continue;
      }
      t.is(JSON.stringify(viaSandbox), JSON.stringify(viaShow), `${what} on ${name}`);
      compared++;
    }
  }
  t.true(compared > corpus.length * 3, `${compared} pairs compared`);
});
