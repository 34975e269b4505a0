// PUT /v2/api_auth and where tokens are accepted from.
import test from 'ava';
import { MASTER_KEY, startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('an API key buys a token with Kazoo\'s fields', async (t) => {
  const res = await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: MASTER_KEY } } });
  t.is(res.status, 201);
  t.like(res.body, { status: 'success', data: { account_id: api.couchfn.master._id, account_name: 'master', is_reseller: true } });
  t.regex(res.body.auth_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(res.body.auth_token.split('.')[1], 'base64url').toString());
  t.is(claims.account_id, api.couchfn.master._id);
  t.is(claims.exp - claims.iat, 3600);
});

test('an unknown API key gets 401', async (t) => {
  const res = await api.call('PUT', '/v2/api_auth', { body: { data: { api_key: 'f'.repeat(64) } } });
  t.is(res.status, 401);
  t.like(res.body, { status: 'error', error: '401', message: 'invalid_credentials' });
});

test('a missing api_key is a validation error', async (t) => {
  const res = await api.call('PUT', '/v2/api_auth', { body: { data: {} } });
  t.is(res.status, 400);
  t.deepEqual(res.body.data, { api_key: { required: { message: 'Field is required but missing' } } });
});

test('tokens are accepted from X-Auth-Token, auth_token in query or body, and Authorization: Bearer', async (t) => {
  const { accountId, token } = await api.master();
  const url = `/v2/accounts/${accountId}`;
  t.is((await api.call('GET', url, { headers: { 'x-auth-token': token } })).status, 200);
  t.is((await api.call('GET', `${url}?auth_token=${token}`)).status, 200);
  t.is((await api.call('GET', url, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  const patched = await api.call('PATCH', url, { body: { auth_token: token, data: { realm: 'body.example.com' } } });
  t.is(patched.status, 200);
  t.is(patched.body.auth_token, token);
});

test('no token, a forged token and an expired token get 401', async (t) => {
  const url = `/v2/accounts/${api.couchfn.master._id}`;
  t.is((await api.call('GET', url)).status, 401);
  const { token } = await api.master();
  const [header, payload] = token.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({ account_id: api.couchfn.master._id, exp: 9999999999 })).toString('base64url')}.${token.split('.')[2]}`;
  t.is((await api.call('GET', url, { token: forged })).status, 401);
  t.is((await api.call('GET', url, { token: `${header}.${payload}.AAAA` })).status, 401);
  const expired = await api.couchfn.services.tokens.issue(api.couchfn.master._id, {}, -10);
  const res = await api.call('GET', url, { token: expired.token });
  t.is(res.status, 401);
  t.is(res.body.data.cause, 'the token has expired');
});

test('a deleted account\'s token stops working', async (t) => {
  const master = await api.master();
  const child = await api.account(master);
  t.is((await api.call('GET', `/v2/accounts/${child.accountId}`, { token: child.token })).status, 200);
  t.is((await api.call('DELETE', `/v2/accounts/${child.accountId}`, { token: master.token })).status, 200);
  t.is((await api.call('GET', `/v2/accounts/${child.accountId}`, { token: child.token })).status, 401);
});
