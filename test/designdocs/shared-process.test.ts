// The wh show in one QuickJS runtime that every account's calls share, as a
// couchjs process of a real CouchDB is shared: nothing outside the show runs
// a call again in a fresh process there, so the show itself must not let
// what other accounts' functions keep in it be counted against a call.
import test from 'ava';
import { readDesignDocs } from '../../src/build/designdocs.js';
import type { ShowOutcome } from '../../src/embedded/show-protocol.js';
import { cappedQuickJS, ShowSandbox } from '../../src/embedded/show-sandbox.js';
import { whShow } from '../../src/invoke/sandbox-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';

const MEMORY = 8 * 1024 * 1024;
const show = whShow(readDesignDocs(compiledDesignDocs));
let jobs = 0;

async function process(memory = MEMORY): Promise<ShowSandbox> {
  return new ShowSandbox(await cappedQuickJS(memory), { memoryLimitBytes: memory, allowEval: true });
}

function run(sandbox: ShowSandbox, id: string, function_js: string, query: string): ShowOutcome {
  const doc = JSON.stringify({ _id: id, _rev: '1-a', pvt_type: 'function', function_js, enabled: true });
  const req = JSON.stringify({ uuid: `u${++jobs}`, peer: '127.0.0.1', headers: {}, raw_path: `/functions/_design/functions/_show/wh/${id}?${query}` });
  return sandbox.call({ id: jobs, key: show.key, doc, req, timeoutMs: 5000 }, show.source);
}

/** Calls function `id` as CouchDB would, with the call in the query: the show's answer, or how the runtime failed. */
function call(sandbox: ShowSandbox, id: string, function_js: string, query: string): { code: number; json: any } | string {
  const outcome = run(sandbox, id, function_js, query);
  return outcome.ok && outcome.result !== undefined ? JSON.parse(outcome.result) : `${outcome.ok ? 'no answer' : `${outcome.failure}: ${outcome.message}`}`;
}

// Legitimate code of another account that keeps megabytes once compiled: each
// nested function keeps a copy of its own source (40 KB here, 100 deep).
function heavy(n: number): string {
  let source = `var table = "${'y'.repeat(40_000)}";\n`;
  for (let depth = 0; depth < 100; depth++) source = `function level${depth}() { ${source} }\n`;
  return `${source}return {module: 'tts', data: {text: 'heavy ${n}'}};`;
}

test('after a call runs out of memory, the show drops the functions it keeps compiled, so that the calls after it have their memory', async (t) => {
  const sandbox = await process(32 * 1024 * 1024);
  // its code keeps about 24 MB (60 KB, 400 deep), and its call fills the rest
  let source = `var table = "${'y'.repeat(60_000)}";\n`;
  for (let depth = 0; depth < 400; depth++) source = `function level${depth}() { ${source} }\n`;
  const bomb = `${source}var s = 'x'; while (s.length < 1 << 20) s += s; var kept = []; while (true) kept.push(s.slice(kept.length % 7));`;
  t.like(call(sandbox, 'heavy', bomb, ''), { code: 500, json: { error: 'function_error' } });
  // 40 blocks of a megabyte: room only where the heavy code is gone
  const needy = "var s = 'x'; while (s.length < 1 << 20) s += s; var kept = []; for (var i = 0; i < 40; i++) kept.push(s.slice(i % 7)); return {module: 'tts', data: {text: 'kept ' + kept.length}};";
  t.deepEqual(call(sandbox, 'needy', needy, ''), { code: 200, json: { module: 'tts', data: { text: 'kept 40' } } });
});

const REPLY = "return {module: 'tts', data: {text: 'fine'}};";

test('a call that runs out of memory where no room is left after it ends the process, as the query server allows, and the next call gets a fresh one', async (t) => {
  // a process so small that the show's probe for 16 MB never fits, as one
  // filled by what outlived other calls would be (garbage in cycles that
  // QuickJS no longer collects: a state the embedded engine's allocator
  // cannot be brought to on purpose)
  const sandbox = await process(4 * 1024 * 1024);
  const filler = "var s = 'x'; while (s.length < 1 << 20) s += s; var kept = []; while (true) kept.push(s.slice(kept.length % 7));";
  t.like(run(sandbox, 'filler', filler, ''), { ok: false, failure: 'fatal', error: 'out_of_memory', own: true });
  t.deepEqual(run(sandbox, 'next', REPLY, ''), { ok: true, result: JSON.stringify({ code: 200, json: { module: 'tts', data: { text: 'fine' } } }), own: true }, 'in a runtime of its own');
});

test('a function that only throws such an error ends nothing: the process had room', async (t) => {
  const sandbox = await process(32 * 1024 * 1024);
  const answer = run(sandbox, 'liar', 'throw null;', '');
  t.like(answer, { ok: true, own: true });
  t.like(JSON.parse((answer as { result: string }).result), { code: 500, json: { error: 'function_error', reason: 'out of memory (or the function threw null)' } });
  t.deepEqual(run(sandbox, 'next', REPLY, ''), { ok: true, result: JSON.stringify({ code: 200, json: { module: 'tts', data: { text: 'fine' } } }) }, 'in the same runtime');
});
