// What an invocation came to, read from the show's answer; only the
// function's own faults may count towards auto-disable.
import test from 'ava';
import { classifyShow, FUNCTION_FAULTS, type OutcomeKind } from '../../src/invoke/outcome.js';
import { showOutcome } from '../../src/invoke/show-engine.js';
import { toOutsider } from '../../src/invoke/invoker.js';

const json = (body: unknown) => JSON.stringify(body);

test('200 is a success that carries the callflow text as sent', (t) => {
  const callflow = '{"module":"tts","data":{"text":"hi"}}';
  const outcome = classifyShow(200, callflow);
  t.is(outcome.kind, 'success');
  t.is(outcome.callflow, callflow);
});

test('404 is not_found, 423 disabled with the show\'s reason, 429 busy', (t) => {
  t.like(classifyShow(404, json({ error: 'not_found', reason: 'function not found' })), { kind: 'not_found' });
  t.is(classifyShow(404, 'not json').kind, 'unavailable', 'a 404 that is not the show\'s own');
  t.is(classifyShow(404, json({ error: 'not_found', reason: 'missing' })).kind, 'unavailable', 'CouchDB\'s own 404: no design doc or database');
  t.like(classifyShow(423, json({ error: 'disabled', reason: 'failed 6 times in 60 s' })), { kind: 'disabled', reason: 'failed 6 times in 60 s' });
  t.like(classifyShow(429, json({ error: 'too_many_requests', reason: 'account has 2 calls running' })), { kind: 'busy', reason: 'account has 2 calls running' });
  t.is(classifyShow(200, json({ error: 'function_error' })).kind, 'success');
});

test('500 function_error and invalid_callflow keep the show\'s reason', (t) => {
  t.deepEqual(classifyShow(500, json({ error: 'function_error', reason: 'ReferenceError: x is not defined' })),
    { kind: 'function_error', reason: 'ReferenceError: x is not defined' });
  t.deepEqual(classifyShow(500, json({ error: 'invalid_callflow', reason: 'module must be a string' })),
    { kind: 'invalid_callflow', reason: 'module must be a string' });
});

test('500 os_process_error: a time-related reason is a timeout, any other a function_error', (t) => {
  for (const reason of ['timeout', 'OS process timed out', 'Time limit exceeded']) {
    const outcome = classifyShow(500, json({ error: 'os_process_error', reason }));
    t.is(outcome.kind, 'timeout', reason);
    t.regex(outcome.reason ?? '', /time/);
  }
  t.deepEqual(classifyShow(500, json({ error: 'os_process_error', reason: 'out of memory' })), { kind: 'function_error', reason: 'the function ran out of memory: out of memory' });
  t.deepEqual(classifyShow(500, json({ error: 'os_process_error', reason: '{exit_status,1}' })),
    { kind: 'function_error', reason: 'the query server process running the function died: {exit_status,1}' });
});

test('eval_blocked and lockdown_failed are the platform\'s fault: unavailable, with the reason', (t) => {
  const blocked = 'this CouchDB blocks new Function; run CouchDB 3.4+ with QuickJS or couchjs with --eval';
  t.like(classifyShow(500, json({ error: 'eval_blocked', reason: blocked })), { kind: 'unavailable', reason: blocked });
  t.like(classifyShow(500, json({ error: 'lockdown_failed', reason: 'would not freeze' })), { kind: 'unavailable', reason: 'would not freeze' });
});

test('anything else is unavailable, and the reason says what came back', (t) => {
  const cases: [number, string][] = [
    [502, 'Bad Gateway'], [503, json({ error: 'service_unavailable' })], [500, '<html>oops</html>'],
    [500, json({ error: 'unknown_error', reason: 'badarg' })], [401, json({ error: 'unauthorized', reason: 'Name or password is incorrect.' })], [400, '']
  ];
  for (const [status, text] of cases) {
    const outcome = classifyShow(status, text);
    t.is(outcome.kind, 'unavailable', `${status} ${text}`);
    t.is(outcome.callflow, undefined);
    t.true((outcome.reason ?? '').includes(String(status)), outcome.reason);
  }
});

test('only function_error, invalid_callflow and timeout count against the function', (t) => {
  t.deepEqual([...FUNCTION_FAULTS].sort(), ['function_error', 'invalid_callflow', 'timeout']);
  const kinds: OutcomeKind[] = ['success', 'not_found', 'disabled', 'busy', 'unavailable'];
  for (const kind of kinds) t.false(FUNCTION_FAULTS.has(kind), kind);
  // and the classifier agrees: a platform failure is never a function fault
  t.false(FUNCTION_FAULTS.has(classifyShow(500, json({ error: 'eval_blocked', reason: 'x' })).kind));
  t.false(FUNCTION_FAULTS.has(classifyShow(502, 'Bad Gateway').kind));
  t.true(FUNCTION_FAULTS.has(classifyShow(500, json({ error: 'os_process_error', reason: 'timeout' })).kind));
});

// The embedded engine reports a crashed QuickJS worker as os_process_error "show worker failed: RuntimeError: ...":
// "time" inside "RuntimeError" is not a time limit, and the caller would be told 504 for a crash.
test('an os_process_error that only contains "time" inside a word (RuntimeError) is not a timeout', (t) => {
  const outcome = classifyShow(500, json({ error: 'os_process_error', reason: 'show worker failed: RuntimeError: memory access out of bounds' }));
  t.is(outcome.kind, 'function_error');
});

// A real CouchDB's couchjs serves every account: what other calls left in it
// can make any call run out of memory or kill the process. Only the embedded
// engine, which then runs the call in a runtime of its own, says so.
test('running out of memory or a dead process counts against the function only in a runtime of its own', (t) => {
  const limits = { deadlineMs: 1000, maxResultBytes: 4096, logLines: 0, logBytes: 0 };
  const answers = [
    json({ error: 'function_error', reason: 'InternalError: out of memory (line 3)' }),
    json({ error: 'os_process_error', reason: 'InternalError: out of memory (the limit is 64 MB)' }),
    json({ error: 'os_process_error', reason: '{exit_status,1}' }),
    json({ error: 'out_of_memory', reason: 'InternalError: out of memory' })
  ];
  for (const text of answers) {
    t.is(showOutcome(500, text, { 'x-couchfn-runtime': 'own' }, limits).kind, 'function_error', text);
    const shared = showOutcome(500, text, {}, limits);
    t.is(shared.kind, 'unavailable', text);
    t.regex(shared.reason ?? '', /(out of memory|exit_status).*other accounts share: not counted against the function/);
  }
  t.is(showOutcome(500, json({ error: 'function_error', reason: 'TypeError: x is undefined' }), {}, limits).kind, 'function_error', 'its own errors still count');
  t.is(showOutcome(500, json({ error: 'function_error', reason: 'Error: no route for "out of memory"' }), {}, limits).kind, 'function_error', 'words of its own that only mention it');
});

test('a caller who does not own the function never reads its words, not even in a failure the platform takes on itself', (t) => {
  const limits = { deadlineMs: 1000, maxResultBytes: 4096, logLines: 0, logBytes: 0 };
  const shared = showOutcome(500, json({ error: 'function_error', reason: 'InternalError: out of memory; key sk_live_SECRET' }), {}, limits);
  t.is(shared.kind, 'unavailable');
  t.regex(shared.reason ?? '', /sk_live_SECRET/, 'the owner reads it in its attempts');
  t.notRegex(JSON.stringify(toOutsider(shared)), /SECRET/);
  t.notRegex(JSON.stringify(toOutsider({ kind: 'function_error', reason: 'key sk_live_SECRET' })), /SECRET/);
});
