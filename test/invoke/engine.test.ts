// Every function engine must pass this suite: the CouchDB show (on whichever
// CouchDB the tests run on) and the proxy's sandbox, in both isolations; a
// new engine joins ENGINES and must pass it unchanged.
import test from 'ava';
import { openConnection, type Connection } from '../../src/couch/connection.js';
import type { FunctionEngine } from '../../src/invoke/engine.js';
import { kazooQuery } from '../../src/invoke/encode.js';
import { ShowEngine } from '../../src/invoke/show-engine.js';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { Routing } from '../../src/couch/routing.js';
import { ShowEngine as ShowPool, type ShowEngineOptions } from '../../src/embedded/show-engine.js';
import type { Isolation } from '../../src/embedded/show-protocol.js';
import { FunctionStore } from '../../src/functions/store.js';
import { SandboxEngine, whShow } from '../../src/invoke/sandbox-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';
import { deployedCouch, storeFunction, unique, type TestCouch } from '../helpers/couch.js';

let couch: TestCouch;
let connection: Connection;
const account = unique('acct');
const limits = { deadlineMs: 10_000, maxResultBytes: 4096, logLines: 50, logBytes: 4096 };

const pools: ShowPool[] = [];
function sandbox(isolation: Isolation, options: ShowEngineOptions = {}): SandboxEngine {
  const pool = new ShowPool({ workers: 2, isolation, timeoutMs: 2000, ...options });
  pools.push(pool);
  return new SandboxEngine(new FunctionStore(new Routing(connection), 'functions'), pool, whShow(readDesignDocs(compiledDesignDocs)), 'functions');
}

const ENGINES: [string, () => FunctionEngine][] = [
  ['show', () => new ShowEngine(() => connection, 'functions')],
  ['sandbox, a context per function', () => sandbox('function')],
  ['sandbox, a context per call', () => sandbox('call')]
];

test.before(async () => {
  couch = await deployedCouch();
  connection = openConnection('engine-suite', couch.url);
});
test.after.always(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await connection?.close();
  await couch?.stop();
});

for (const [name, make] of ENGINES) {
  const run = async (functionJs: string, call: Record<string, string> = {}, fields: Record<string, unknown> = {}) => {
    const id = await storeFunction(couch, account, { function_js: functionJs, ...fields });
    return make().run(id, kazooQuery(call), limits);
  };

  test(`${name}: a callflow comes back as JSON text, the call as Kazoo sent it`, async (t) => {
    const outcome = await run("return {module: 'tts', data: {text: 'Hi ' + call['Caller-ID-Name']}};", { 'Caller-ID-Name': 'Alice Smith' });
    t.is(outcome.kind, 'success');
    t.deepEqual(JSON.parse(outcome.callflow!), { module: 'tts', data: { text: 'Hi Alice Smith' } });
  });

  test(`${name}: outcomes of every kind, with the function's own message`, async (t) => {
    const thrown = await run("throw new Error('boom');");
    t.is(thrown.kind, 'function_error');
    // QuickJS says on which line of the function; other engines may not
    t.regex(thrown.reason!, /^Error: boom( \(line 1\))?$/);
    t.like(await run('return 42;'), { kind: 'invalid_callflow' });
    t.like(await run('return {module: '), { kind: 'function_error' });
    t.like(await run("return {module: 'tts', data: {}};", {}, { enabled: false, pvt_disable_reason: 'by hand' }), { kind: 'disabled', reason: 'by hand' });
    t.like(await run(`return {module: 'tts', data: {text: new Array(5000).join('x')}};`), { kind: 'invalid_callflow' });
    t.is((await make().run(unique('missing'), '', limits)).kind, 'not_found');
  });

  test(`${name}: one function's pollution never reaches the next function's result`, async (t) => {
    await run("try { Object.prototype.x = 1; Array.prototype.join = function () { return 'hijacked'; }; } catch (e) {} return {module: 'tts', data: {}};");
    const outcome = await run("return {module: 'tts', data: {text: ['a', 'b'].join('-') + ({}).x}};");
    t.deepEqual(JSON.parse(outcome.callflow!), { module: 'tts', data: { text: 'a-bundefined' } });
  });
}

// QuickJS (the sandbox engine, and CouchDB's own QuickJS) tells where in the
// function a runtime error happened; a syntax error is caught at save time.
test('on QuickJS a runtime error names the line of the function where it happened', async (t) => {
  const engine = sandbox('function');
  const reasonOf = async (functionJs: string) => {
    const id = await storeFunction(couch, account, { function_js: functionJs });
    const outcome = await engine.run(id, kazooQuery({ To: '2000' }), limits);
    t.is(outcome.kind, 'function_error');
    return outcome.reason;
  };
  t.is(await reasonOf("var to = call.To;\n\nthrow new Error('no route for ' + to);"), 'Error: no route for 2000 (line 3)');
  t.is(await reasonOf("var a = 1;\nreturn call.Missing.deeper;"), "TypeError: cannot read property 'deeper' of undefined (line 2)");
  // the innermost line of the function's own code: inside the helper it called
  t.is(await reasonOf("function pick(x) { return x.y.z; }\n\nreturn pick(call);"), "TypeError: cannot read property 'z' of undefined (line 1)");
  t.is(await reasonOf("throw 'plain text';"), 'plain text');
  // a stack the function wrote itself says nothing of the server
  t.is(await reasonOf("var e = new Error('mine'); e.stack = 'at /opt/couchdb/x.js:9'; throw e;"), 'Error: mine');
});

// A worker keeps a context, and its function's document, per function
// revision, all on one runtime's memory limit: what an account adds to its
// documents must not be kept there, or it would fill the memory another
// account's call needs (which would then fail, blamed on that account).
test('fields an account adds to its functions cannot use up the memory another account\'s call runs in', async (t) => {
  const engine = sandbox('function', { workers: 1, timeoutMs: 5000, memoryLimitBytes: 16 * 1024 * 1024 });
  const attacker = unique('attacker');
  for (let i = 0; i < 30; i++) {
    // 30 functions of 150 KB each, several MB each once parsed, if the worker kept them whole
    const id = await storeFunction(couch, attacker, { function_js: "return {module: 'tts', data: {}};", pad: new Array(50_000).fill({}) });
    t.is((await engine.run(id, '', limits)).kind, 'success');
  }
  const victim = await storeFunction(couch, unique('victim'), {
    function_js: "var list = []; for (var i = 0; i < 20000; i++) list.push({n: i}); return {module: 'tts', data: {text: 'kept ' + list.length}};"
  });
  const outcome = await engine.run(victim, '', limits);
  t.is(outcome.kind, 'success', outcome.reason);
  t.deepEqual(JSON.parse(outcome.callflow!), { module: 'tts', data: { text: 'kept 20000' } });
});

// A call nested deeper than Node's JSON.stringify goes (thousands of levels,
// as a raw Pivot form can send) is decoded by the show, as on CouchDB: it
// runs, rather than failing in the proxy.
test('the sandbox runs a call nested thousands of levels deep', async (t) => {
  const id = await storeFunction(couch, account, {
    function_js: "var depth = 0, node = call.a; while (typeof node === 'object') { node = node.x; depth++; } return {module: 'tts', data: {text: 'depth ' + depth}};"
  });
  const outcome = await sandbox('function').run(id, `a${'[x]'.repeat(8000)}=1`, limits);
  t.is(outcome.kind, 'success', outcome.reason);
  t.deepEqual(JSON.parse(outcome.callflow!), { module: 'tts', data: { text: 'depth 8000' } });
});
