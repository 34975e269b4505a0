// Abuse and bad input: guessing is slowed, a busy account is told when to
// come back, and malformed input is always a 4xx that says what to fix.
import test from 'ava';
import { startApi, type TestApi, type Caller } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
let fn: string;
let stranger: Caller;

test.before(async () => {
  // a long time limit, so that the memory bomb below meets the memory limit first even on a busy machine
  api = await startApi({ COUCHFN_AUTH_FAILURES_PER_MINUTE: '3', COUCHFN_ACCOUNT_CALLS_PER_SECOND: '2', COUCHFN_SHOW_TIMEOUT_MS: '30000' });
  owner = await api.account(await api.master());
  fn = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {}};" });
  stranger = await api.account(await api.master()); // logged in before any guessing from this address
});
test.after.always(async () => { await api?.close(); });

test.serial('guessing API keys or client secrets: after the limit, 429 with Retry-After, even for a right answer', async (t) => {
  // in parallel too: every guess counts before it is checked
  const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => api.call('PUT', '/v2/api_auth', { body: { data: { api_key: `wrong${i}` } } })));
  t.is(guesses.filter((g) => g.status === 401).length, 3, guesses.map((g) => g.status).join(','));
  const blocked = await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: owner.apiKey } } });
  t.is(blocked.status, 429);
  t.regex(String(blocked.headers['retry-after']), /^\d+$/);
  t.regex(blocked.body.data.cause, /too many failed attempts/);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const oauth = await api.call('POST', '/oauth/token', { headers: form, body: `grant_type=client_credentials&client_id=${'0'.repeat(32)}&client_secret=x` });
  t.is(oauth.status, 429, 'the same address on /oauth/token');
  t.truthy(oauth.headers['retry-after']);
});

test('an account calling faster than it may gets 429 with Retry-After; its function is not blamed', async (t) => {
  const answers = await Promise.all(Array.from({ length: 6 }, () => api.invoke(owner, fn)));
  const limited = answers.filter((a) => a.status === 429);
  t.true(limited.length >= 3, answers.map((a) => a.status).join(','));
  t.truthy(limited[0].headers['retry-after']);
  t.true(answers.some((a) => a.status === 200));
});

test('malformed input is a 4xx that says what to fix, never a 5xx', async (t) => {
  const invoke = `/v2/accounts/${owner.accountId}/functions/${fn}`;
  const deep = `{"data":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`;
  const tooDeep = await api.call('POST', `${invoke}/invoke`, { token: owner.token, body: deep, headers: { 'content-type': 'application/json' } });
  t.is(tooDeep.status, 400);
  t.regex(tooDeep.body.data.cause, /nested deeper than 32 levels/);
  const badPercent = await api.call('GET', `${invoke}/pivot?To=%zz`, { token: owner.token });
  t.is(badPercent.status, 400);
  t.regex(badPercent.body.data.cause, /not valid percent-encoding/);
  const plain = await api.call('PUT', `/v2/accounts/${owner.accountId}/functions`, {
    token: owner.token, body: JSON.stringify({ data: { name: 'x', function_js: 'return 1;' } }), headers: { 'content-type': 'text/plain' }
  });
  t.is(plain.status, 415);
  t.regex(plain.body.data.cause, /Content-Type: application\/json/);
  const basic = await api.call('POST', '/oauth/token', {
    headers: { authorization: `Basic ${Buffer.from('%zz:%zz').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  });
  t.true(basic.status === 401 || basic.status === 429, `${basic.status}`);
});

test('another branch\'s account and a missing one answer alike, so ids cannot be probed', async (t) => {
  const theirs = await api.call('GET', `/v2/accounts/${owner.accountId}`, { token: stranger.token });
  const missing = await api.call('GET', `/v2/accounts/${'0'.repeat(32)}`, { token: stranger.token });
  t.is(theirs.status, missing.status);
  t.is(theirs.body.message, missing.body.message);
});

test('a memory bomb says it ran out of memory, not that it ran too long', async (t) => {
  // QuickJS makes each `new Array(1000000)` sparse, a small object: millions
  // of them before the limit; the cap on the worker's memory stops them in
  // about half a second (the runtime's own count alone took 2.5 s)
  const bomb = await api.createFunction(owner, { function_js: 'var a = []; while (true) { a.push(new Array(1000000)); }' });
  await new Promise((r) => setTimeout(r, 1100)); // a fresh second of calls for this account
  const res = await api.invoke(owner, bomb);
  // a real CouchDB's own time limit (os_process_timeout) may come first
  // there; and there its couchjs is shared, so running out of memory is not
  // counted against the function (503)
  if (process.env.COUCHDB_URL && res.status === 504) return t.pass();
  if (!(process.env.COUCHDB_URL && res.status === 503)) {
    t.is(res.status, 500, res.text);
    t.is(res.body.message, 'function_error');
  }
  t.regex(res.body.data.cause, /out of memory/);
});
