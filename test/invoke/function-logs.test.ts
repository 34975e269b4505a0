// console.log and friends inside a function: each run's lines come back to
// whoever invoked it and are recorded with its attempt, bounded, per account,
// and the callflow Kazoo reads is unchanged.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
let other: Caller;

test.before(async () => {
  api = await startApi({ COUCHFN_RECORD_SUCCESSES: 'true', COUCHFN_LOG_LINES: '5', COUCHFN_LOG_BYTES: '200' });
  const master = await api.master();
  owner = await api.account(master, 'logger');
  other = await api.account(master, 'neighbour');
});
test.after.always(async () => { await api?.close(); });

const attemptsOf = async (who: Caller, id: string) => {
  await api.couchfn.services.attempts.flushAll();
  return (await api.call('GET', `/v2/accounts/${who.accountId}/functions/${id}/attempts`, { token: who.token })).body.data;
};

test('every level is captured in order, with objects as JSON, and log() is an alias', async (t) => {
  const id = await api.createFunction(owner, {
    function_js: [
      "console.log('hello', call.To, 2);",
      "console.info({a: [1, 'b']});",
      "console.warn(new Error('careful'));",
      "console.error('bad', null, undefined);",
      "log('old style');",
      "return {module: 'tts', data: {text: 'ok'}};"
    ].join('\n')
  });
  const answer = await api.invoke(owner, id, { To: '2000' });
  t.is(answer.status, 200, answer.text);
  t.deepEqual(answer.body.data, { module: 'tts', data: { text: 'ok' } }, 'the callflow is untouched');
  const expected = [
    { level: 'log', message: 'hello 2000 2' },
    { level: 'info', message: '{"a":[1,"b"]}' },
    { level: 'warn', message: 'Error: careful' },
    { level: 'error', message: 'bad null undefined' },
    { level: 'log', message: 'old style' }
  ];
  t.deepEqual(answer.body.logs, expected, 'the invoke envelope carries the lines');
  const [attempt] = await attemptsOf(owner, id);
  t.is(attempt.result, 'success');
  t.deepEqual(attempt.logs, expected, 'a recorded success keeps its lines');
});

test('a failure keeps the lines logged before it threw', async (t) => {
  const id = await api.createFunction(owner, { function_js: "console.log('about to fail for ' + call.To); throw new Error('nope');" });
  const answer = await api.invoke(owner, id, { To: '3000' });
  t.is(answer.status, 500);
  t.regex(answer.body.data.cause, /^Error: nope( \(line 1\))?$/);
  t.deepEqual(answer.body.data.logs, [{ level: 'log', message: 'about to fail for 3000' }]);
  const [attempt] = await attemptsOf(owner, id);
  t.is(attempt.result, 'failure');
  t.deepEqual(attempt.logs, [{ level: 'log', message: 'about to fail for 3000' }]);
});

test('lines and bytes are bounded by the settings, and what was dropped is counted', async (t) => {
  const many = await api.createFunction(owner, { function_js: "for (var i = 0; i < 1000; i++) console.log('line ' + i); return {module: 'tts', data: {text: 'ok'}};" });
  const answer = await api.invoke(owner, many);
  t.is(answer.status, 200);
  t.deepEqual(answer.body.logs.map((l: { message: string }) => l.message), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  t.is(answer.body.logs_dropped, 995);

  const big = await api.createFunction(owner, { function_js: "console.log(new Array(10000).join('é')); console.log('after'); return {module: 'tts', data: {text: 'ok'}};" });
  const cut = await api.invoke(owner, big);
  t.is(cut.status, 200);
  t.is(cut.body.logs.length, 1);
  t.true(Buffer.byteLength(cut.body.logs[0].message) <= 200, 'a long line is cut at COUCHFN_LOG_BYTES');
  t.regex(cut.body.logs[0].message, /^é+ \[cut\]$/);
  t.is(cut.body.logs_dropped, 1, 'and nothing is kept after the budget is spent');
});

test('any text survives the header: newlines, quotes, percent signs, emoji, lone surrogates', async (t) => {
  const id = await api.createFunction(owner, {
    function_js: "console.log('a\\nb\\r\\n\"c\" 100% \\u0000 😀 \\ud800 x'); return {module: 'tts', data: {text: 'ok'}};"
  });
  const answer = await api.invoke(owner, id);
  t.is(answer.status, 200, answer.text);
  // a lone surrogate comes back as itself or as U+FFFD, depending on the engine's JSON
  t.is(answer.body.logs[0].message.replace(/[\ud800-\udbff](?![\udc00-\udfff])|\ufffd/g, '?'), 'a\nb\r\n"c" 100% \u0000 😀 ? x');
});

test('a run that logs nothing has no logs key, and the callflow is byte for byte the show\'s', async (t) => {
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {text: 'quiet'}};" });
  const answer = await api.invoke(owner, id);
  t.false('logs' in answer.body);
  const pivot = await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}/pivot`, { token: owner.token });
  t.is(pivot.text, '{"module":"tts","data":{"text":"quiet"}}');
  t.false(Object.keys(pivot.headers).some((h) => /couchfn-log/i.test(h)), 'the show\'s header is consumed, not passed on');
});

test('one account\'s lines never show in another\'s runs or attempts', async (t) => {
  const mine = await api.createFunction(owner, { function_js: "console.log('secret ' + call.PIN); return {module: 'tts', data: {text: 'ok'}};" });
  const theirs = await api.createFunction(other, { function_js: "console.log('neighbour ran'); return {module: 'tts', data: {text: 'ok'}};" });
  for (let i = 0; i < 4; i++) {
    const a = await api.invoke(owner, mine, { PIN: `99${i}` });
    t.deepEqual(a.body.logs, [{ level: 'log', message: `secret 99${i}` }]);
    const b = await api.invoke(other, theirs);
    t.deepEqual(b.body.logs, [{ level: 'log', message: 'neighbour ran' }]);
  }
  t.notRegex(JSON.stringify(await attemptsOf(other, theirs)), /secret/);
  const denied = await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${mine}/attempts`, { token: other.token });
  t.is(denied.status, 403);
});
