// The show workers' pool: a free worker takes several waiting calls of one
// account at once; each still gets its own time limit, answers as its own
// (calls that end close together in one message, none held by a slow one),
// and a worker that ends mid-batch hands back the calls it had not run.
import test from 'ava';
import { ShowEngine as ShowPool } from '../../src/embedded/show-engine.js';
import { eventually } from '../helpers/forwarder.js';

// A show that does what its doc says: loop, fill memory, or answer its id.
const SHOW = {
  key: '_design/test/1/mode',
  source: `function (doc, req) {
    if (doc.mode === 'loop') while (true) {}
    if (doc.mode === 'fill') { var all = []; while (true) all.push({ n: all.length, s: 'x' + all.length }); }
    // seconds inside one native call, where QuickJS never checks its interrupt
    if (doc.mode === 'stall') new Array(1e9).join('');
    // keeps all the runtime's memory but a sliver, after the call too
    if (doc.mode === 'hoard') {
      var s = 'x'; while (s.length < 1 << 20) s += s;
      hoard = [];
      for (var size = 1 << 20; size >= 1024; size >>= 2) {
        try { while (true) hoard.push(s.slice(hoard.length % 7, size)); } catch (e) {}
      }
    }
    // a couple of megabytes, which only a runtime others filled lacks
    if (doc.mode === 'need') var block = (s = new Array(1 << 18).join('xxxxxxxx')).length;
    // the same, where the error is caught and answered, as the wh show does
    if (doc.mode === 'need, caught') {
      try { block = (s = new Array(1 << 18).join('xxxxxxxx')).length; } catch (e) { return { code: 500, json: { error: 'function_error', reason: String(e) } }; }
    }
    return { code: 200, json: { id: doc._id } };
  }`
};

function runCall(pool: ShowPool, id: string, mode = 'answer', account = 'acct') {
  return pool.run({ ...SHOW, doc: JSON.stringify({ _id: id, mode }), req: '{}', account, context: `${account}/${id}` });
}

/** The outcome, leaving out whether the runtime was the call's own (the first call of each worker's runtime is). */
async function call(pool: ShowPool, id: string, mode = 'answer', account = 'acct') {
  const { own: _own, ...outcome } = await runCall(pool, id, mode, account);
  return outcome;
}

const answered = (id: string) => ({ ok: true, result: JSON.stringify({ code: 200, json: { id } }) });

test('calls run in one batch each get their own time limit and their own answer', async (t) => {
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 1000 });
  t.teardown(() => pool.close());
  // a worker started and warm (its start may outlast a wait on a busy machine):
  // the calls below wait for it no longer than a call takes
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  // the first call holds the worker while the next four wait, then go as one batch
  const calls = [call(pool, 'first'), call(pool, 'loops', 'loop'), call(pool, 'a'), call(pool, 'b'), call(pool, 'c')];
  const [first, loops, ...rest] = await Promise.all(calls);
  t.deepEqual(first, answered('first'));
  t.like(loops, { ok: false, failure: 'timeout' });
  t.deepEqual(rest, [answered('a'), answered('b'), answered('c')], 'the calls after it ran in full, unharmed');
});

test('a call answered in a batch does not wait for a slow call after it to end', async (t) => {
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 3000 });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  // `first` holds the worker; `a` and the loop then go as one batch
  let loopEnded = false;
  const first = call(pool, 'first');
  const a = call(pool, 'a').then(async (outcome) => {
    // a moment later: had `a` waited for the loop, the loop would have ended with it
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { outcome, loopEnded };
  });
  const loops = call(pool, 'loops', 'loop').finally(() => { loopEnded = true; });
  t.deepEqual(await first, answered('first'));
  t.deepEqual(await a, { outcome: answered('a'), loopEnded: false }, '`a` was answered while the loop still ran');
  t.like(await loops, { ok: false, failure: 'timeout' });
});

test('a worker stopped by its watchdog mid-batch blames the call it was in, not one it had finished', async (t) => {
  // a limit long enough for the replacement worker to start on a loaded machine
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 2000 });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  // `a` ends just before the stall, which the interpreter cannot interrupt:
  // its answer is still in the worker when the watchdog stops it
  const [first, a, stalls, b] = await Promise.all([call(pool, 'first'), call(pool, 'a'), call(pool, 'stalls', 'stall'), call(pool, 'b')]);
  t.deepEqual(first, answered('first'));
  t.deepEqual(a, answered('a'), 'run again by the next worker, never blamed');
  t.like(stalls, { ok: false, failure: 'timeout' });
  t.deepEqual(b, answered('b'));
});

test("a worker stopped while the sandbox sets a call up answers 'setup', blaming no function", async (t) => {
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 500 });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  // a show whose first run, with no document (the sandbox's warm-up), never ends
  const stuck = { key: '_design/stuck/1/mode', source: 'function (doc, req) { if (!doc) while (true) {} return { code: 200, json: {} }; }' };
  const outcome = await pool.run({ ...stuck, doc: JSON.stringify({ _id: 'f' }), req: '{}', account: 'acct' });
  t.like(outcome, { ok: false, failure: 'setup' });
});

test('a worker that runs out of memory mid-batch is replaced, and the calls it had not run are answered by its successor', async (t) => {
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 5000, memoryLimitBytes: 8 * 1024 * 1024 });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  const calls = [call(pool, 'first'), call(pool, 'fills', 'fill'), call(pool, 'a'), call(pool, 'b')];
  const [first, fills, ...rest] = await Promise.all(calls);
  t.deepEqual(first, answered('first'));
  t.like(fills, { ok: false, failure: 'memory' });
  t.deepEqual(rest, [answered('a'), answered('b')]);
});

test('a call that runs out of memory in a runtime another account filled runs again in a fresh one, unblamed', async (t) => {
  const pool = new ShowPool({ workers: 1, timeoutMs: 5000, memoryLimitBytes: 8 * 1024 * 1024 });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  t.deepEqual(await call(pool, 'hoards', 'hoard', 'attacker'), answered('hoards'));
  t.deepEqual(await runCall(pool, 'needs', 'need', 'victim'), { ...answered('needs'), own: true }, 'answered as its own, from a runtime of its own');
  t.deepEqual(await call(pool, 'hoards again', 'hoard', 'attacker'), answered('hoards again'));
  t.deepEqual(await call(pool, 'catches', 'need, caught', 'victim'), answered('catches'), 'answered as its own, not as the error it caught');
  // its own memory: out of memory in a fresh runtime too, and so its failure
  t.like(await call(pool, 'fills', 'fill', 'attacker'), { ok: false, failure: 'memory' });
});

test('a call whose context cannot be built in a worker another account filled runs again in a fresh one, unblamed', async (t) => {
  // a context per function: the victim's is new, built in what the attacker left
  const pool = new ShowPool({ workers: 1, timeoutMs: 5000, memoryLimitBytes: 8 * 1024 * 1024, isolation: 'function' });
  t.teardown(() => pool.close());
  t.true(await eventually(async () => (await call(pool, 'warm')).ok, 10_000));
  t.deepEqual(await call(pool, 'hoards', 'hoard', 'attacker'), answered('hoards'));
  t.deepEqual(await call(pool, 'victim', 'answer', 'victim'), answered('victim'));
});

test('closing the pool answers every call it holds, sent or waiting', async (t) => {
  const pool = new ShowPool({ workers: 1, perAccount: 1, timeoutMs: 5000 });
  const calls = [call(pool, 'loops', 'loop'), call(pool, 'a'), call(pool, 'b', 'answer', 'other')];
  // the loop went to the worker at once; the others wait
  await pool.close();
  for (const outcome of await Promise.all(calls)) t.like(outcome, { ok: false, failure: 'closed' });
});
