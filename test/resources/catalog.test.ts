// GET /v2/functions and samples: every template works on every sample.
import test from 'ava';
import { samples } from '../../src/catalog/samples.js';
import { templates } from '../../src/catalog/templates.js';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('GET /v2/functions needs no token and names the language pack and its engine', async (t) => {
  const res = await api.call('GET', '/v2/functions');
  t.is(res.status, 200);
  const [pack] = res.body.data.language_packs;
  t.like(pack, { id: 'javascript', syntax: 'ECMAScript 5' });
  t.regex(pack.engine, /quickjs|spidermonkey/i);
  t.deepEqual(res.body.data.templates.map((x: { id: string }) => x.id), templates.map((x) => x.id));
  t.true(res.body.data.templates.length >= 4);
});

test('samples are listed and read one by one; an unknown one is 404', async (t) => {
  const list = await api.call('GET', '/v2/functions/samples');
  t.deepEqual(list.body.data.map((s: { id: string }) => s.id), ['inbound_call', 'collected_digits', 'custom_application_vars']);
  const one = await api.call('GET', '/v2/functions/samples/collected_digits');
  t.is(one.body.data.call.Digits, '1');
  t.is((await api.call('GET', '/v2/functions/samples/nope')).status, 404);
});

test('every template returns a valid callflow on every sample', async (t) => {
  const owner = await api.account(await api.master());
  for (const template of templates) {
    const id = await api.createFunction(owner, { name: template.name, function_js: template.function_js });
    for (const sample of samples) {
      const res = await api.invoke(owner, id, sample.call);
      t.is(res.status, 200, `${template.id} on ${sample.id}: ${res.text}`);
      t.is(typeof res.body.data.module, 'string');
    }
  }
});

test('a template answers its documented callflow through invoke and pivot', async (t) => {
  const owner = await api.account(await api.master());
  const documented = templates.filter((x) => x.example);
  t.true(documented.length >= 2);
  for (const template of documented) {
    const id = await api.createFunction(owner, { name: template.name, function_js: template.function_js });
    const sample = samples.find((s) => s.id === template.example!.sample)!;
    t.deepEqual((await api.invoke(owner, id, sample.call)).body.data, template.example!.callflow);
    const pivot = await api.call('POST', `/v2/accounts/${owner.accountId}/functions/${id}/pivot`, { token: owner.token, body: sample.call });
    t.deepEqual(pivot.body, template.example!.callflow);
  }
});
