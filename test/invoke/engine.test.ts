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
import { ShowEngine as ShowPool } from '../../src/embedded/show-engine.js';
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
function sandbox(isolation: Isolation): SandboxEngine {
  const pool = new ShowPool({ workers: 2, isolation, timeoutMs: 2000 });
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
    t.like(await run("throw new Error('boom');"), { kind: 'function_error', reason: 'Error: boom' });
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
