// On a real CouchDB a couchjs process serves every account, and when it dies
// CouchDB answers the call it was in with os_process_error {exit_status,N}
// and starts a new one. What killed it may be another account's doing, so
// the call runs once more before it counts. A stub stands in for CouchDB:
// no couchjs runs here.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openConnection } from '../../src/couch/connection.js';
import { ShowEngine } from '../../src/invoke/show-engine.js';

const limits = { deadlineMs: 5000, maxResultBytes: 4096, logLines: 50, logBytes: 4096 };
const DIED = { status: 500, body: '{"error":"os_process_error","reason":"{exit_status,1}"}' };
const CALLFLOW = { status: 200, body: '{"module":"tts","data":{"text":"own"}}\n' };

interface Answer { status: number; body: string; delayMs?: number; headers?: Record<string, string> }

/** A CouchDB that answers the show with `answers` in turn, and counts the calls. */
async function stubCouch(t: { teardown(fn: () => unknown): void }, answers: Answer[]) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const answer = answers[Math.min(seen.length, answers.length) - 1];
    setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body), answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const connection = openConnection('stub', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(async () => { await connection.close(); server.closeAllConnections(); server.close(); });
  return { engine: new ShowEngine(() => connection, 'functions'), seen };
}

test('a call whose process died runs once more, in another process, and answers as its own', async (t) => {
  const { engine, seen } = await stubCouch(t, [DIED, CALLFLOW]);
  t.like(await engine.run('fn1', 'To=2000', limits), { kind: 'success', callflow: '{"module":"tts","data":{"text":"own"}}' });
  t.is(seen.length, 2);
  t.is(seen[1], seen[0], 'the same function on the same call');
  t.regex(seen[0], /^\/functions\/_design\/functions\/_show\/wh\/fn1\?To=2000$/);
});

test('a call that ended its process out of memory runs once more, in another process', async (t) => {
  const ended = { status: 500, body: '{"error":"out_of_memory","reason":"InternalError: out of memory"}' };
  const { engine, seen } = await stubCouch(t, [ended, CALLFLOW]);
  t.like(await engine.run('fn1', '', limits), { kind: 'success' });
  t.is(seen.length, 2);
});

test('an end in a runtime of its own (the embedded engine\'s, after its own rerun) is not run again: it counts', async (t) => {
  const ended = { status: 500, body: '{"error":"out_of_memory","reason":"InternalError: out of memory"}', headers: { 'x-couchfn-runtime': 'own' } };
  const { engine, seen } = await stubCouch(t, [ended, CALLFLOW]);
  t.deepEqual(await engine.run('fn1', '', limits), { kind: 'function_error', reason: 'the function ran out of memory: InternalError: out of memory' });
  t.is(seen.length, 1);
});

test('a call whose process dies again fails, said in words, and is not counted against the function', async (t) => {
  const { engine, seen } = await stubCouch(t, [DIED, DIED, CALLFLOW]);
  t.deepEqual(await engine.run('fn1', '', limits), {
    kind: 'unavailable',
    reason: 'the query server process running the function died: {exit_status,1} (in a query server process other accounts share: not counted against the function)'
  });
  t.is(seen.length, 2, 'run twice, never more');
});

test('other failures of the query server are not run again', async (t) => {
  for (const reason of ['OS process timed out.', 'out of memory', 'show worker failed: RuntimeError: unreachable']) {
    const { engine, seen } = await stubCouch(t, [{ status: 500, body: JSON.stringify({ error: 'os_process_error', reason }) }, CALLFLOW]);
    t.not((await engine.run('fn1', '', limits)).kind, 'success', reason);
    t.is(seen.length, 1, reason);
  }
});

test('the second run has only what is left of the call\'s deadline', async (t) => {
  // the second answer would come within a whole deadline, not within what is left of it
  const { engine, seen } = await stubCouch(t, [{ ...DIED, delayMs: 1000 }, { ...CALLFLOW, delayMs: 1000 }]);
  t.like(await engine.run('fn1', '', { ...limits, deadlineMs: 1500 }), { kind: 'deadline' });
  t.is(seen.length, 2);
});
