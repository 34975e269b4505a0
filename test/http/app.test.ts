// What every route shares: envelopes, unknown routes, bad bodies, OpenAPI.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi({ COUCHFN_BODY_LIMIT_BYTES: '4096' }); });
test.after.always(async () => { await api?.close(); });

test('the OpenAPI document lists every route with its request schema', async (t) => {
  const res = await api.call('GET', '/v2/openapi.json');
  t.is(res.status, 200);
  t.is(res.body.openapi.slice(0, 2), '3.');
  const paths = Object.keys(res.body.paths);
  for (const path of ['/v2/api_auth', '/v2/accounts/{accountId}', '/v2/accounts/{accountId}/functions',
    '/v2/accounts/{accountId}/functions/{functionId}', '/v2/accounts/{accountId}/functions/{functionId}/invoke',
    '/v2/accounts/{accountId}/functions/{functionId}/pivot', '/v2/functions', '/v2/functions/samples',
    '/v2/accounts/{accountId}/functions/{functionId}/versions', '/v2/accounts/{accountId}/functions/{functionId}/versions/{version}',
    '/v2/accounts/{accountId}/reseller', '/v2/accounts/{accountId}/installations', '/v2/accounts/{accountId}/installations/{installationId}',
    '/v2/global/{resellerId}/{name}']) t.true(paths.includes(path), path);
  t.deepEqual(Object.keys(res.body.paths['/v2/accounts/{accountId}/functions/{functionId}/versions'].put.responses), ['201']);
  t.deepEqual(res.body.paths['/v2/global/{resellerId}/{name}'].post.security, [], 'the public route of global functions needs no token');
  const put = res.body.paths['/v2/accounts/{accountId}/functions'].put;
  const data = put.requestBody.content['application/json'].schema.properties.data;
  t.deepEqual(data.required, ['name', 'function_js']);
  t.deepEqual(Object.keys(put.responses), ['201'], 'a create answers 201');
  t.is(put.responses['201'].content['application/json'].schema.properties.status.enum[0], 'success');
  t.deepEqual(Object.keys(res.body.paths['/v2/accounts/{accountId}/functions/{functionId}'].get.responses), ['200']);
  t.deepEqual(res.body.paths['/v2/api_auth'].put.security, [], 'no token needed to get one');
  t.regex(res.body.servers[0].url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.deepEqual(Object.keys(res.body.components.securitySchemes).sort(), ['authToken', 'bearer']);
});

test('an unknown route is 404 in the error envelope', async (t) => {
  const res = await api.call('GET', '/v2/nothing-here');
  t.is(res.status, 404);
  t.like(res.body, { status: 'error', error: '404' });
});

test('a body that is not JSON is 400; one too large is 413', async (t) => {
  const { token, accountId } = await api.master();
  const bad = await api.call('PUT', `/v2/accounts/${accountId}/functions`, { token, headers: { 'content-type': 'application/json' }, body: '{"data": ' });
  t.is(bad.status, 400);
  t.is(bad.body.message, 'invalid json');
  const big = await api.call('PUT', `/v2/accounts/${accountId}/functions`, { token, body: { data: { name: 'x', function_js: 'x'.repeat(5000) } } });
  t.is(big.status, 413);
  t.is(big.body.error, '413');
});

test('the request id is in the envelope and taken from X-Request-ID when given', async (t) => {
  const res = await api.call('GET', '/v2/functions', { headers: { 'x-request-id': 'kazoo-req-42' } });
  t.is(res.body.request_id, 'kazoo-req-42');
  t.regex((await api.call('GET', '/v2/functions')).body.request_id, /^[0-9a-f]{32}$/);
});
