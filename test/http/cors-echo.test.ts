// Browsers may call the API from the configured origins (preflights answered
// before auth), others get no CORS headers; and the envelope's auth_token
// echo, Kazoo's habit, can be left out.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => {
  api = await startApi({ COUCHFN_CORS_ORIGINS: 'https://app.example.com', COUCHFN_ECHO_AUTH_TOKEN: 'false' });
});
test.after.always(async () => { await api?.close(); });

test('a preflight from a configured origin is answered; the answer names the origin; another origin gets nothing', async (t) => {
  const master = await api.master();
  const url = `/v2/accounts/${master.accountId}/functions`;
  const preflight = await api.call('OPTIONS', url, { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' } });
  t.is(preflight.status, 204);
  t.is(preflight.headers['access-control-allow-origin'], 'https://app.example.com');
  t.regex(String(preflight.headers['access-control-allow-headers']), /authorization/);
  t.regex(String(preflight.headers['access-control-allow-methods']), /PUT/);
  const list = await api.call('GET', url, { token: master.token, headers: { origin: 'https://app.example.com' } });
  t.is(list.status, 200);
  t.is(list.headers['access-control-allow-origin'], 'https://app.example.com');
  const stranger = await api.call('GET', url, { token: master.token, headers: { origin: 'https://evil.example.com' } });
  t.is(stranger.headers['access-control-allow-origin'], undefined);
  const strangerPreflight = await api.call('OPTIONS', url, { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'PUT' } });
  t.not(strangerPreflight.status, 204);
});

test('COUCHFN_ECHO_AUTH_TOKEN=false: the envelope no longer repeats the token', async (t) => {
  const master = await api.master();
  const res = await api.call('GET', `/v2/accounts/${master.accountId}`, { token: master.token });
  t.is(res.status, 200);
  t.false('auth_token' in res.body);
  t.false(res.text.includes(master.token));
  const invoked = await api.invoke(master, await api.createFunction(master, { function_js: "return {module: 'tts', data: {text: 'x'}};" }));
  t.false(invoked.text.includes(master.token), 'nor the raw envelope of an invocation');
});
