// The sandbox engine's fast lane (COUCHFN_SANDBOX_FAST_LANE_MS): a call runs
// on the proxy's thread only while it stays within the lane's budget and
// memory. Past either, the answer is the worker pool's, exactly what the
// function always answered; and the proxy's thread is never held for others.
import test from 'ava';
import { readDesignDocs } from '../../src/build/designdocs.js';
import { openConnection, type Connection } from '../../src/couch/connection.js';
import { Routing } from '../../src/couch/routing.js';
import { ShowEngine as ShowPool } from '../../src/embedded/show-engine.js';
import { FunctionStore } from '../../src/functions/store.js';
import { kazooQuery } from '../../src/invoke/encode.js';
import { FastLane } from '../../src/invoke/fast-lane.js';
import { SandboxEngine, whShow } from '../../src/invoke/sandbox-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';
import { deployedCouch, storeFunction, unique, type TestCouch } from '../helpers/couch.js';

let couch: TestCouch;
let connection: Connection;
let pool: ShowPool;
let lane: FastLane;
let engine: SandboxEngine;
const show = whShow(readDesignDocs(compiledDesignDocs));
const limits = { deadlineMs: 10_000, maxResultBytes: 4096, logLines: 50, logBytes: 4096 };
const say = (text: string) => `return {module: 'tts', data: {text: ${JSON.stringify(text)}}};`;

test.before(async () => {
  couch = await deployedCouch();
  connection = openConnection('fast-lane', couch.url);
  pool = new ShowPool({ workers: 2, isolation: 'function', timeoutMs: 1500 });
  // an account's runtime in the lane smaller than the pool's, to see a call outgrow it
  lane = await FastLane.open({ budgetMs: 5, memoryLimitBytes: 8 * 1024 * 1024 });
  engine = new SandboxEngine(new FunctionStore(new Routing(connection), 'functions'), pool, show, 'functions', lane);
});
test.after.always(async () => {
  await engine?.close();
  await connection?.close();
  await couch?.stop();
});

const callflow = async (id: string, call: Record<string, string> = {}) => {
  const outcome = await engine.run(id, kazooQuery(call), limits);
  return outcome.kind === 'success' ? JSON.parse(outcome.callflow!) : outcome.kind;
};

test('a function that runs past the lane budget answers what it always answered, from the pool', async (t) => {
  const account = unique('slow');
  // about 60 ms of work on every call: far past the lane's 5 ms, well within the pool's limit
  const id = await storeFunction(couch, account, {
    function_js: "var until = Date.now() + 60; while (Date.now() < until) {} return {module: 'tts', data: {text: 'slow ' + call.To}};"
  });
  for (const to of ['2000', '2001']) t.deepEqual(await callflow(id, { To: to }), { module: 'tts', data: { text: `slow ${to}` } });
});

test('a function that needs more memory than the lane gives answers from the pool, with its full limit', async (t) => {
  const account = unique('big');
  // a million strings: out of memory in the lane's 8 MB, which the show
  // would answer as the function's error; within the pool's 64 MB
  const id = await storeFunction(couch, account, {
    function_js: "var s = 'x'; for (var i = 0; i < 20; i++) s = s + s; var parts = s.split(''); return {module: 'tts', data: {text: 'parts ' + parts.length}};"
  });
  t.deepEqual(await callflow(id), { module: 'tts', data: { text: 'parts 1048576' } });
});

test("one account's endless loop never holds another account's calls", async (t) => {
  const looping = await storeFunction(couch, unique('loop'), { function_js: 'while (true) {}' });
  const quick = await storeFunction(couch, unique('quick'), { function_js: say('quick') });
  t.deepEqual(await callflow(quick), { module: 'tts', data: { text: 'quick' } });
  let loopEnded = false;
  const loop = engine.run(looping, '', limits).then((outcome) => { loopEnded = true; return outcome; });
  for (let i = 0; i < 20; i++) t.deepEqual(await callflow(quick), { module: 'tts', data: { text: 'quick' } });
  t.false(loopEnded, "the other account's 20 calls answered while the loop still ran (in the pool, until its limit)");
  t.is((await loop).kind, 'timeout');
});

test("an account whose functions keep leaving the lane runs in the pool; another account's stay in the lane", async (t) => {
  const own = await FastLane.open({ budgetMs: 5 });
  t.teardown(() => own.close());
  const doc = (id: string, code: string) => JSON.stringify({ _id: id, _rev: '1-a', pvt_type: 'function', function_js: code, enabled: true });
  const req = JSON.stringify({ headers: {}, uuid: 'u', peer: '127.0.0.1', couchfn_call: { To: '2000' } });
  const laneCall = (owner: string, id: string, code: string) => own.run({ owner, context: `${owner}/${id}/1-a`, key: show.key, source: show.source, doc: doc(id, code), req });
  const answered = (owner: string, id: string) => laneCall(owner, id, say(`${owner} ${id}`));

  t.like(answered('hostile', 'f0'), { ok: true }, 'a fast function runs in the lane');
  t.like(answered('other', 'g0'), { ok: true });
  for (const id of ['f1', 'f2', 'f3']) t.is(laneCall('hostile', id, 'while (true) {}'), undefined, 'a loop leaves the lane for the pool');
  t.is(answered('hostile', 'f4'), undefined, "after three strikes, even the account's fast functions go to the pool");
  t.is(answered('hostile', 'f0'), undefined);
  t.deepEqual(answered('other', 'g0'), { ok: true, result: JSON.stringify({ code: 200, json: { module: 'tts', data: { text: 'other g0' } } }) });
});
