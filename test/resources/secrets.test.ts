// The token a request authenticated with never reaches a function, however
// it is spelled; the master key is never replaced silently.
import test from 'ava';
import { startCouchfn } from '../../src/app/couchfn.js';
import { loadConfig } from '../../src/config.js';
import { MASTER_KEY, startApi, TestApi, type Caller } from '../helpers/api.js';

let api: TestApi;
let master: Caller;
const echo = "return {module: 'tts', data: {text: JSON.stringify(call)}};";

test.before(async () => {
  api = await startApi();
  master = await api.master();
});
test.after.always(async () => { await api?.close(); });

test('a parent invoking a sub-account\'s function does not hand it its token, whatever the encoding', async (t) => {
  const child = await api.account(master);
  const id = await api.createFunction(child, { function_js: echo });
  const pivot = `/v2/accounts/${child.accountId}/functions/${id}/pivot`;
  const token = master.token;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  for (const [what, answer] of [
    ['auth_token', await api.call('GET', `${pivot}?To=1&auth_token=${token}`)],
    ['auth%5ftoken', await api.call('GET', `${pivot}?To=1&auth%5ftoken=${token}`)],
    ['%61uth_token', await api.call('GET', `${pivot}?To=1&%61uth_token=${token}`)],
    ['a form body', await api.call('POST', pivot, { headers: form, body: `To=1&auth_token=${token}` })],
    ['a JSON body', await api.call('POST', pivot, { body: { To: '1', auth_token: token } })],
    ['the token under another name', await api.call('GET', `${pivot}?To=1&Stolen=${token}`, { token })],
    ['the token inside a value', await api.call('POST', `/v2/accounts/${child.accountId}/functions/${id}/invoke`, { token, body: { data: { To: '1', note: `x${token}y` } } })]
  ] as const) {
    t.is(answer.status, 200, `${what}: ${answer.text}`);
    // what the function saw (Pivot answers the raw callflow; /invoke wraps it in the envelope)
    const seen: string = (answer.body.data?.data ?? answer.body.data).text;
    t.false(seen.includes(token), what);
    t.is(JSON.parse(seen).To, '1', `${what}: the rest of the call arrives`);
  }
});

test('COUCHFN_MASTER_API_KEY never silently replaces the stored key; rotation is explicit and shown once', async (t) => {
  const other = await startCouchfn(loadConfig({ COUCHDB_URL: api.couch.url, COUCHFN_MASTER_API_KEY: 'f'.repeat(64), COUCHFN_DB_PREFIX: api.couchfn.services.config.dbPrefix }));
  await other.close();
  t.is((await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: MASTER_KEY } } })).status, 201, 'the stored key still works');
  t.is((await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: 'f'.repeat(64) } } })).status, 401);

  const child = await api.account(master);
  const rotated = await api.call('PUT', `/v2/accounts/${child.accountId}/api_key`, { token: master.token });
  t.is(rotated.status, 200);
  t.regex(rotated.body.data.api_key, /^[0-9a-f]{64}$/);
  t.is((await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: child.apiKey } } })).status, 401, 'the old key stops working');
  t.is((await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: rotated.body.data.api_key } } })).status, 201);
});
