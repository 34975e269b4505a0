// The published liveperson-functions-client (2.2.0), unchanged, against
// couchfn over TLS on loopback: tokens from the sentinel route, invoke by id
// and by event, isImplemented and getLambdas, in V1 mode (found through
// couchfn's discovery route) and V2 mode (a host with "functions" in it,
// given by the client's own discovery hook).
import test from 'ava';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uuidOf } from '../../src/gateway/liveperson.js';
import { LpClients } from '../helpers/lp-client.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/tls.js';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let owner: Caller;
let cert: TestCertificate;
let lp: LpClients;
const MODES = ['v1', 'v2'] as const;

test.before(async () => {
  cert = await selfSignedCertificate(['functions.couchfn.test']);
  api = await startApi({ COUCHFN_TLS_CERT_FILE: cert.certFile, COUCHFN_TLS_KEY_FILE: cert.keyFile, COUCHFN_RECORD_SUCCESSES: 'true' });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  owner = await api.account(await api.master());
  // a token outliving the client's 30-minute refresh margin, so it is fetched once, not before every call
  const created = await api.call('PUT', `/v2/accounts/${owner.accountId}/oauth_clients`, { token: owner.token, body: { data: { name: 'lp', token_seconds: 3600 } } });
  const config = {
    accountId: owner.accountId, failOnErrorStatusCode: true,
    authStrategy: { clientId: created.body.data.client_id, clientSecret: created.body.data.client_secret }
  };
  lp = new LpClients(cert.certFile, port);
  await lp.client('v1', config, { discovery: `https://127.0.0.1:${port}/api/account/${owner.accountId}/service/baseURI.json?version=1.0` });
  await lp.client('v2', config, { services: { faasGW: 'functions.couchfn.test', faasUI: 'functions.couchfn.test', sentinel: `127.0.0.1:${port}` } });
});
test.after.always(async () => {
  await lp?.close();
  await api?.close();
  cert?.remove();
});

async function runsOf(id: string): Promise<number> {
  await api.couchfn.services.invoker.idle();
  await api.couchfn.services.attempts.flushAll();
  return (await api.couchfn.services.attempts.list(id)).length;
}

for (const mode of MODES) {
  test(`${mode}: token, invoke by id and by event, isImplemented, getLambdas`, async (t) => {
    const event = `lp.${mode}`;
    const id = await api.createFunction(owner, {
      name: `greeter-${mode}`, events: [event],
      function_js: "return {module: 'tts', data: {text: 'Hi ' + call['Caller-ID-Name'] + ' via ' + call.headers['X-Via']}};"
    });
    const body = { headers: [{ key: 'X-Via', value: mode }], payload: { 'Caller-ID-Name': 'Alice' } };
    const byId = await lp.call(mode, 'invoke', { lambdaUuid: uuidOf(id), externalSystem: 'test', body });
    t.like(byId, { ok: true, status: 200, body: { module: 'tts', data: { text: `Hi Alice via ${mode}` } } });
    const byEvent = await lp.call(mode, 'invoke', { eventId: event, externalSystem: 'test', body });
    t.is(byEvent.status, 200);
    t.is(byEvent.body.length, 1);
    t.like(byEvent.body[0], { uuid: uuidOf(id), result: { data: { text: `Hi Alice via ${mode}` } } });
    t.true(await lp.call(mode, 'isImplemented', { eventId: event, externalSystem: 'test' }));
    t.false(await lp.call(mode, 'isImplemented', { eventId: `${event}.nobody`, externalSystem: 'test' }));
    const lambdas = await lp.call(mode, 'getLambdas', { eventId: event, externalSystem: 'test' });
    t.is(lambdas.status, 200);
    t.deepEqual(lambdas.body.map((l: { uuid: string; name: string }) => [l.uuid, l.name]), [[uuidOf(id), `greeter-${mode}`]]);
  });

  test(`${mode}: a throwing function raises the client's FaaSLambdaError and runs once, not four times`, async (t) => {
    const id = await api.createFunction(owner, { function_js: "throw new Error('declined');" });
    const err = await t.throwsAsync(lp.call(mode, 'invoke', { lambdaUuid: uuidOf(id), externalSystem: 'test', body: { headers: [], payload: {} } }), { name: 'FaaSLambdaError' });
    t.regex(err!.message, /declined/);
    t.is(await runsOf(id), 1);
  });

  test(`${mode}: a missing function raises the client's FaaSInvokeError`, async (t) => {
    const err = await t.throwsAsync(lp.call(mode, 'invoke', { lambdaUuid: uuidOf('0123456789abcdef0123456789abcdef'), body: { headers: [], payload: {} } }), { name: 'FaaSInvokeError' });
    t.regex(err!.message, /404/);
  });
}

test('an answer lost on the way (connection reset): the client sends the request again and gets the first result, from one run', async (t) => {
  const id = await api.createFunction(owner, { function_js: "return {module: 'tts', data: {text: String(Math.random())}};" });
  // the first answer to this function's invocation never reaches the client: its connection is cut instead
  let cut = 0;
  let seen = 0;
  const dropFirst = (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.includes(`/lambdas/${uuidOf(id)}/invoke`)) return;
    seen++;
    if (cut > 0) return;
    cut++;
    res.writeHead = (() => res) as never;
    res.end = (() => { req.socket.destroy(); return res; }) as never;
  };
  api.app.server.prependListener('request', dropFirst);
  t.teardown(() => { api.app.server.off('request', dropFirst); });
  const answer = await lp.call('v1', 'invoke', { lambdaUuid: uuidOf(id), externalSystem: 'test', body: { headers: [], payload: {} } });
  t.is(answer.status, 200);
  t.is(seen, 2, 'the client sent it twice');
  t.is(await runsOf(id), 1, 'the function ran once');
  const [attempt] = await api.couchfn.services.attempts.list(id);
  t.is(attempt.result, 'success');
});
