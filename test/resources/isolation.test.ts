// Nothing of another branch's functions can be read, listed, changed or run.
import test from 'ava';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('another branch\'s token cannot read, list, patch, delete or invoke a function', async (t) => {
  const master = await api.master();
  const victim = await api.account(master, 'victim');
  const attacker = await api.account(master, 'attacker');
  const id = await api.createFunction(victim, { name: 'secret', function_js: "return {module:'tts',data:{text:'secret'}};" });
  const own = `/v2/accounts/${victim.accountId}/functions`;
  const viaOwnAccount = `/v2/accounts/${attacker.accountId}/functions`;
  const attempts: [string, string, unknown?][] = [
    ['GET', own], ['GET', `${own}/${id}`], ['PATCH', `${own}/${id}`, { data: { name: 'pwned' } }],
    ['POST', `${own}/${id}`, { data: { name: 'pwned', function_js: 'return 1;' } }], ['DELETE', `${own}/${id}`],
    ['POST', `${own}/${id}/invoke`, { data: {} }], ['GET', `${own}/${id}/pivot`], ['PUT', own, { data: { name: 'x', function_js: 'return 1;' } }]
  ];
  for (const [method, url, body] of attempts) {
    const res = await api.call(method, url, { token: attacker.token, body });
    t.is(res.status, 403, `${method} ${url}`);
    t.false(res.text.includes('secret'));
  }
  // through the attacker's own account the function does not exist
  for (const [method, url, body] of [['GET', `${viaOwnAccount}/${id}`], ['POST', `${viaOwnAccount}/${id}/invoke`, { data: {} }],
    ['GET', `${viaOwnAccount}/${id}/pivot`], ['DELETE', `${viaOwnAccount}/${id}`]] as [string, string, unknown?][]) {
    const res = await api.call(method, url, { token: attacker.token, body });
    t.is(res.status, 404, `${method} ${url}`);
    t.is(res.body.message, 'bad_identifier');
  }
  t.deepEqual((await api.call('GET', viaOwnAccount, { token: attacker.token })).body.data, []);
  const intact = await api.call('GET', `${own}/${id}`, { token: victim.token });
  t.is(intact.body.data.name, 'secret');
  t.regex(intact.body.revision, /^1-/);
});

test('an ancestor may manage and run a descendant\'s functions', async (t) => {
  const master = await api.master();
  const parent = await api.account(master);
  const child = await api.account(parent);
  const id = await api.createFunction(child, { function_js: "return {module:'tts',data:{text:'child'}};" });
  const res = await api.call('POST', `/v2/accounts/${child.accountId}/functions/${id}/invoke`, { token: parent.token, body: { data: {} } });
  t.is(res.status, 200);
  t.is(res.body.data.data.text, 'child');
});
