// The public route of global functions is open to anyone: it reads small
// bodies only, and each reseller's functions take a bounded number of calls a second.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let master: Caller;
const say = "return {module: 'tts', data: {text: 'ok'}};";

test.before(async () => {
  api = await startApi({ COUCHFN_GLOBAL_CALLS_PER_SECOND: '1', COUCHFN_GLOBAL_BODY_LIMIT_BYTES: '1024' });
  master = await api.master();
});
test.after.always(async () => { await api?.close(); });

async function resellerWithHook(name: string): Promise<Caller> {
  const reseller = await api.account(master, name);
  await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
  await api.createFunction(reseller, { name: 'hook', global: true, function_js: say });
  return reseller;
}

test('a body above COUCHFN_GLOBAL_BODY_LIMIT_BYTES is refused with 413 naming it', async (t) => {
  const reseller = await resellerWithHook('big bodies');
  const res = await api.call('POST', `/v2/global/${reseller.accountId}/hook`, { body: { pad: 'x'.repeat(2000) } });
  t.is(res.status, 413);
  t.regex(res.body.data.cause, /1024 bytes \(COUCHFN_GLOBAL_BODY_LIMIT_BYTES\)/);
});

test('calls above COUCHFN_GLOBAL_CALLS_PER_SECOND for one reseller get 429; another reseller is not held back', async (t) => {
  const busy = await resellerWithHook('busy');
  const calm = await resellerWithHook('calm');
  // sent together: the rate is taken before anything is read
  const answers = await Promise.all(Array.from({ length: 5 }, () => api.call('GET', `/v2/global/${busy.accountId}/hook`)));
  const statuses = answers.map((a) => a.status);
  t.true(statuses.includes(200), statuses.join());
  const refused = answers.find((a) => a.status === 429);
  t.truthy(refused, statuses.join());
  t.truthy(refused!.headers['retry-after']);
  t.regex(refused!.body.data.cause, /COUCHFN_GLOBAL_CALLS_PER_SECOND/);
  t.is((await api.call('GET', `/v2/global/${calm.accountId}/hook`)).status, 200);
});
