// A reseller's global function: usable below it as the account's own, seen
// nowhere else, overridable, and reachable without a token on the public
// route, which finds the account by installation as OCP does.
import test from 'ava';
import { startApi, type Caller, type TestApi } from '../helpers/api.js';

let api: TestApi;
let reseller: Caller;
let customer: Caller;
let other: Caller;
let stranger: Caller;

// answers for whom it ran; with no account it refuses the request itself
const router = (label: string) => "if (!call['Account-ID']) return {module: 'response', data: {code: 404, message: 'no installation'}};"
  + `return {module: 'tts', data: {text: '${label} for ' + call['Account-ID'] + (call.x ? ' x=' + call.x : '')`
  + " + (call['Request-Headers'] && call['Request-Headers']['x-event'] ? ' event=' + call['Request-Headers']['x-event'] : '')}};";

test.before(async () => {
  api = await startApi({ COUCHFN_RECORD_SUCCESSES: 'true' });
  const master = await api.master();
  reseller = await api.account(master, 'reseller');
  await api.call('PUT', `/v2/accounts/${reseller.accountId}/reseller`, { token: master.token });
  customer = await api.account(reseller, 'customer');
  other = await api.account(reseller, 'other customer');
  const sibling = await api.account(master, 'sibling reseller');
  await api.call('PUT', `/v2/accounts/${sibling.accountId}/reseller`, { token: master.token });
  stranger = await api.account(sibling, 'sibling\'s customer');
});
test.after.always(async () => { await api?.close(); });

const functionsOf = (who: Caller) => `/v2/accounts/${who.accountId}/functions`;
const textOf = (res: { body: any }) => res.body?.data?.data?.text ?? res.body?.data?.text;
/** An installation for `who`, made by `by` (the reseller, unless the value is who's own id). */
const install = (who: Caller, fn: string, value?: string, by: Caller = reseller) =>
  api.call('PUT', `/v2/accounts/${who.accountId}/installations`, { token: by.token, body: { data: { function: fn, ...(value ? { value } : {}) } } });
const publicRoute = (name: string, query = '') => `/v2/global/${reseller.accountId}/${name}${query}`;

test('a descendant invokes the reseller\'s global function through its own route, with its own Account-ID', async (t) => {
  const id = await api.createFunction(reseller, { name: 'greet', global: true, function_js: router('greet') });
  const res = await api.invoke(customer, id, { 'Account-ID': stranger.accountId, x: '1' });
  t.is(res.status, 200, res.text);
  t.is(textOf(res), `greet for ${customer.accountId} x=1`, 'the Account-ID the caller sent is replaced');
  const pivot = await api.call('GET', `${functionsOf(customer)}/${id}/pivot?auth_token=${customer.token}&Account-ID=${other.accountId}`);
  t.is(pivot.body.data.text, `greet for ${customer.accountId}`);
  // the reseller's own call is its own function's: unchanged
  t.is(textOf(await api.invoke(reseller, id, { 'Account-ID': 'as sent' })), 'greet for as sent');
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `${functionsOf(reseller)}/${id}/attempts`, { token: reseller.token });
  t.deepEqual(attempts.body.data.map((a: { account_id?: string }) => a.account_id).sort(), [customer.accountId, customer.accountId, undefined].sort(),
    'counted once, on the reseller\'s function, saying for whom it ran');
});

test('descendants see it listed, read-only, its code only when the reseller shows it', async (t) => {
  const hidden = await api.createFunction(reseller, { name: 'hidden', global: true, function_js: router('hidden') });
  const shown = await api.createFunction(reseller, { name: 'shown', global: true, code_visible: true, function_js: router('shown') });
  const list = await api.call('GET', functionsOf(customer), { token: customer.token });
  const listed = list.body.data.find((f: { id: string }) => f.id === hidden);
  t.like(listed, { name: 'hidden', global: true, read_only: true, reseller_id: reseller.accountId });
  const read = await api.call('GET', `${functionsOf(customer)}/${hidden}`, { token: customer.token });
  t.is(read.status, 200);
  t.false('function_js' in read.body.data);
  t.false(read.text.includes("'hidden for '"));
  const visible = await api.call('GET', `${functionsOf(customer)}/${shown}`, { token: customer.token });
  t.is(visible.body.data.function_js, router('shown'));
  for (const [method, body] of [['PATCH', { data: { name: 'mine' } }], ['POST', { data: { name: 'mine', function_js: 'return 1;' } }], ['DELETE', undefined]] as const) {
    t.is((await api.call(method, `${functionsOf(customer)}/${hidden}`, { token: customer.token, body })).status, 403, method);
  }
  t.is((await api.call('GET', `${functionsOf(reseller)}/${hidden}`, { token: reseller.token })).body.data.name, 'hidden');
});

test('a sibling reseller\'s accounts see nothing of it', async (t) => {
  const id = await api.createFunction(reseller, { name: 'private', global: true, code_visible: true, function_js: router('private') });
  const list = await api.call('GET', functionsOf(stranger), { token: stranger.token });
  t.false(list.text.includes(id));
  t.false(list.text.includes('private'));
  for (const [method, url] of [['GET', `${functionsOf(stranger)}/${id}`], ['POST', `${functionsOf(stranger)}/${id}/invoke`], ['GET', `${functionsOf(stranger)}/${id}/pivot`]] as const) {
    const res = await api.call(method, url, { token: stranger.token, body: method === 'POST' ? { data: {} } : undefined });
    t.is(res.status, 404, `${method} ${url}`);
    t.false(res.text.includes('private for'));
  }
  t.is((await api.call('GET', `${functionsOf(reseller)}/${id}`, { token: stranger.token })).status, 403);
  const installed = await install(stranger, 'private', 'mine', stranger);
  t.is(installed.status, 400, 'it cannot install what it cannot see');
});

test('a descendant overrides it with its own function of the same name, unless the reseller forbids it', async (t) => {
  const open = await api.createFunction(reseller, { name: 'open', global: true, function_js: router('global') });
  const closed = await api.createFunction(reseller, { name: 'closed', global: true, allow_overrides: false, function_js: router('global') });
  await api.createFunction(other, { name: 'open', function_js: router('own') });
  await api.createFunction(other, { name: 'closed', function_js: router('own') });
  // Kazoo sends the call's Account-ID; the account's own function gets it as sent, as any of its functions does
  t.is(textOf(await api.invoke(other, open, { 'Account-ID': other.accountId })), `own for ${other.accountId}`);
  t.is(textOf(await api.invoke(other, closed, { 'Account-ID': other.accountId })), `global for ${other.accountId}`);
  t.is(textOf(await api.invoke(customer, open)), `global for ${customer.accountId}`, 'the other descendants keep the global one');
  const list = (await api.call('GET', functionsOf(other), { token: other.token })).body.data;
  t.true(list.find((f: { id: string }) => f.id === open).overridden);
  t.false('overridden' in list.find((f: { id: string }) => f.id === closed));
});

test('the public route runs without a token; no installation: the function answers for itself', async (t) => {
  await api.createFunction(reseller, { name: 'hook', global: true, function_js: router('hook') });
  const res = await api.call('GET', publicRoute('hook', '?x=1&Account-ID=forged'));
  t.is(res.status, 404, 'no installation resolution: no account, whatever the request claims');
  t.deepEqual(res.body, { module: 'response', data: { code: 404, message: 'no installation' } });
  t.is((await api.call('GET', publicRoute('nosuch'))).status, 404);
  t.is((await api.call('GET', `/v2/global/${customer.accountId}/hook`)).status, 404, 'a reseller\'s name only');
});

for (const [type, key, send] of [
  ['GUID', 'account', (value: string) => ({ url: `?account=${value}&x=7` })],
  ['QUERY_PARAM', 'shop', (value: string) => ({ url: `?shop=${value}&x=7` })],
  ['HEADER', 'X-Shop-Domain', (value: string) => ({ url: '?x=7', headers: { 'x-shop-domain': value } })],
  ['JSON_BODY_FIELD', 'shop.id', (value: string) => ({ url: '?x=7', method: 'POST', body: { shop: { id: value } } })]
] as const) {
  test(`installation resolution ${type}: a match runs in that account's name, its override first; no match runs with no account`, async (t) => {
    const name = `by_${type.toLowerCase()}`;
    await api.createFunction(reseller, { name, global: true, installation_resolution: { type, key }, function_js: router('global') });
    await api.createFunction(other, { name, function_js: router('own') });
    const customerValue = type === 'GUID' ? customer.accountId : `${name}-customer`;
    const otherValue = type === 'GUID' ? other.accountId : `${name}-other`;
    t.is((await install(customer, name, type === 'GUID' ? undefined : customerValue)).status, 201);
    t.is((await install(other, name, type === 'GUID' ? undefined : otherValue)).status, 201);
    const call = async (value: string) => {
      const { url, headers, method, body } = send(value) as { url: string; headers?: Record<string, string>; method?: string; body?: unknown };
      return api.call(method ?? 'GET', publicRoute(name, url), { headers: { 'x-event': 'paid', ...headers }, body });
    };
    const matched = await call(customerValue);
    t.is(matched.status, 200, matched.text);
    t.deepEqual(matched.body, { module: 'tts', data: { text: `global for ${customer.accountId} x=7 event=paid` } });
    t.is((await call(otherValue)).body.data.text, `own for ${other.accountId} x=7 event=paid`, 'the account\'s own function of that name');
    const unmatched = await call(type === 'GUID' ? stranger.accountId : 'nobody');
    t.is(unmatched.status, 404);
    t.is(unmatched.body.data.message, 'no installation');
    if (type !== 'GUID') t.is((await install(other, name, customerValue)).status, 409, 'a value names one account only');
    else t.is((await install(other, name, customer.accountId)).status, 400, 'GUID: the value is the account\'s own id');
  });
}

test('installations are listed, read and deleted; a deleted one no longer matches', async (t) => {
  const name = 'uninstall';
  await api.createFunction(reseller, { name, global: true, installation_resolution: { type: 'QUERY_PARAM', key: 'k' }, function_js: router('global') });
  const created = await install(customer, name, 'v1');
  t.is(created.status, 201);
  const id = created.body.data.id;
  const list = await api.call('GET', `/v2/accounts/${customer.accountId}/installations`, { token: customer.token });
  t.true(list.body.data.some((i: { id: string; value: string }) => i.id === id && i.value === 'v1'));
  t.is((await api.call('GET', `/v2/accounts/${customer.accountId}/installations/${id}`, { token: customer.token })).body.data.function, name);
  t.is((await api.call('GET', `/v2/accounts/${other.accountId}/installations/${id}`, { token: other.token })).status, 404);
  t.is((await api.call('GET', publicRoute(name, '?k=v1'))).status, 200);
  t.is((await api.call('DELETE', `/v2/accounts/${customer.accountId}/installations/${id}`, { token: customer.token })).status, 200);
  t.is((await api.call('GET', publicRoute(name, '?k=v1'))).status, 404);
});

test('deleting an account frees the values it installed', async (t) => {
  const name = 'freed';
  await api.createFunction(reseller, { name, global: true, installation_resolution: { type: 'HEADER', key: 'X-Tenant' }, function_js: router('global') });
  const leaving = await api.account(reseller, 'leaving');
  t.is((await install(leaving, name, 'tenant-1')).status, 201);
  t.is((await install(customer, name, 'tenant-1')).status, 409);
  t.is((await api.call('DELETE', `/v2/accounts/${leaving.accountId}`, { token: reseller.token })).status, 200);
  t.is((await install(customer, name, 'tenant-1')).status, 201);
  const res = await api.call('GET', publicRoute(name), { headers: { 'x-tenant': 'tenant-1' } });
  t.is(res.body.data.text, `global for ${customer.accountId}`);
});

test('a global function\'s own words stay with the reseller: callers below and on the public route see the kind of failure, never what it threw or logged, and anonymous failures disable nothing', async (t) => {
  const id = await api.createFunction(reseller, {
    name: 'secretive', global: true,
    function_js: "console.log('signing with reseller-secret-42'); throw new Error('no account; key=reseller-secret-42');"
  });
  const below = await api.invoke(customer, id);
  t.is(below.status, 500);
  t.notRegex(below.text, /reseller-secret-42/);
  t.regex(below.body.data.cause, /its owner sees why in its attempts/);
  for (let i = 0; i < 8; i++) {
    const anonymous = await api.call('GET', publicRoute('secretive'));
    t.is(anonymous.status, 500, anonymous.text);
    t.notRegex(anonymous.text, /reseller-secret-42/);
  }
  // written before the reseller's own failure is counted, which reads them all
  await api.couchfn.services.attempts.flushAll();
  // the reseller itself sees it all, in its answer and its attempts
  const own = await api.invoke(reseller, id);
  t.regex(own.body.data.cause, /reseller-secret-42/);
  t.regex(JSON.stringify(own.body.data.logs), /reseller-secret-42/);
  // every run recorded, and the threshold checked
  await api.couchfn.services.invoker.idle();
  const fn = await api.call('GET', `${functionsOf(reseller)}/${id}`, { token: reseller.token });
  t.true(fn.body.data.enabled, 'eight anonymous failures did not disable it (the default threshold is 6)');
});

test('an account installs only its own id; any other value is the reseller\'s to vouch for, so a sibling cannot take another account\'s traffic', async (t) => {
  await api.createFunction(reseller, {
    name: 'shops', global: true, installation_resolution: { type: 'HEADER', key: 'X-Shop-Domain' }, function_js: router('shops')
  });
  const grab = await install(customer, 'shops', 'shop-of-other.example', other);
  t.is(grab.status, 403, 'another account cannot install a value for this one');
  const self = await install(other, 'shops', 'shop-of-other.example', other);
  t.is(self.status, 403, 'nor for itself, a value that is not its own id');
  t.regex(self.body.data.cause, /only the reseller/);
  t.is((await install(other, 'shops', other.accountId, other)).status, 201, 'its own id it may install');
  t.is((await install(other, 'shops', 'shop-of-other.example')).status, 201, 'the reseller installs the rest');
  const routed = await api.call('GET', publicRoute('shops'), { headers: { 'x-shop-domain': 'shop-of-other.example' } });
  t.is(textOf(routed), `shops for ${other.accountId}`);
});

test('invoking by event reaches the resellers\' global functions bound to it, as the account\'s own, unless the account replaced them', async (t) => {
  const id = await api.createFunction(reseller, { name: 'on-ring', global: true, events: ['ring'], function_js: router('ring') });
  const fire = (who: Caller) => api.call('POST', `/v2/accounts/${who.accountId}/events/ring/invoke`, { token: who.token, body: { data: {} } });
  const fired = await fire(customer);
  t.is(fired.status, 200, fired.text);
  t.deepEqual(fired.body.data.map((r: { id: string; result: { data: { text: string } } }) => [r.id, r.result.data.text]), [[id, `ring for ${customer.accountId}`]]);
  t.true((await api.call('GET', `/v2/accounts/${customer.accountId}/events/ring/is_implemented`, { token: customer.token })).body.data.implemented);
  t.deepEqual((await fire(stranger)).body.data, [], 'another reseller\'s accounts: nothing');
  // the account's own function of that name, not bound to the event, replaces it
  await api.createFunction(other, { name: 'on-ring', function_js: router('own') });
  t.deepEqual((await fire(other)).body.data, []);
});

test('one customer, even through sub-accounts of its own and with another\'s occasional failure, cannot get the reseller\'s global function disabled for the others; failures of two customers do', async (t) => {
  const id = await api.createFunction(reseller, { name: 'fragile', global: true, function_js: "return {module: 'tts', data: {text: 'Hello ' + call.Caller.name}};" });
  const nested = await api.account(customer, 'customer\'s own sub-account');
  // calls sent to make it throw, more than the threshold (6), from one branch
  for (let i = 0; i < 6; i++) t.is((await api.invoke(customer, id, {})).status, 500);
  for (let i = 0; i < 3; i++) t.is((await api.invoke(nested, id, {})).status, 500);
  await api.couchfn.services.invoker.idle();
  const good = await api.invoke(other, id, { Caller: { name: 'Ann' } });
  t.is(good.status, 200, good.text);
  t.is(textOf(good), 'Hello Ann', 'the other customer is still served');
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `${functionsOf(reseller)}/${id}/attempts`, { token: reseller.token });
  t.deepEqual([...new Set(attempts.body.data.filter((a: { result: string }) => a.result === 'failure').map((a: { branch_id: string }) => a.branch_id))], [customer.accountId],
    'each failure names the customer branch it came from');
  // another customer's occasional failure does not tip it over...
  t.is((await api.invoke(other, id, {})).status, 500);
  await api.couchfn.services.invoker.idle();
  t.is((await api.invoke(other, id, { Caller: { name: 'Bo' } })).status, 200, 'one branch counts for at most half the threshold (3 of 6)');
  // ...but its failures reaching half the threshold too: it fails for two customers
  for (let i = 0; i < 2; i++) t.is((await api.invoke(other, id, {})).status, 500);
  await api.couchfn.services.invoker.idle();
  const fn = await api.call('GET', `${functionsOf(reseller)}/${id}`, { token: reseller.token });
  t.false(fn.body.data.enabled, 'disabled once two customers\' calls fail');
  t.regex(fn.body.data.disable_reason, /too many failed attempts/);
});

test('one customer flooding a global function with failures pushes out no other customer\'s: the reseller reads them, and they still count', async (t) => {
  const id = await api.createFunction(reseller, { name: 'flooded', global: true, function_js: "return {module: 'tts', data: {text: 'Hello ' + call.Caller.name}};" });
  t.is((await api.invoke(other, id, {})).status, 500);
  // more failures than the 50 attempts a function keeps, all from one customer
  for (let i = 0; i < 50; i++) t.is((await api.invoke(customer, id, {})).status, 500);
  for (let i = 0; i < 2; i++) t.is((await api.invoke(other, id, {})).status, 500);
  await api.couchfn.services.invoker.idle();
  await api.couchfn.services.attempts.flushAll();
  const attempts = await api.call('GET', `${functionsOf(reseller)}/${id}/attempts`, { token: reseller.token });
  const failures = attempts.body.data.filter((a: { result: string }) => a.result === 'failure');
  t.is(failures.filter((a: { branch_id: string }) => a.branch_id === other.accountId).length, 3, 'the other customer\'s three failures are all kept');
  t.true(failures.length <= 50, 'still no more than the 50 kept');
  const fn = await api.call('GET', `${functionsOf(reseller)}/${id}`, { token: reseller.token });
  t.false(fn.body.data.enabled, 'two customers\' failures (3 + 3 of 6) disable it');
});

test('under a threshold of 2, customers\' failures alone never disable a global function; the reseller\'s own do', async (t) => {
  const small = await startApi({ COUCHFN_DISABLE_AFTER_FAILURES: '2' });
  t.teardown(() => small.close());
  const master = await small.master();
  const owner = await small.account(master, 'small reseller');
  await small.call('PUT', `/v2/accounts/${owner.accountId}/reseller`, { token: master.token });
  const [first, second] = [await small.account(owner, 'first'), await small.account(owner, 'second')];
  const id = await small.createFunction(owner, { name: 'touchy', global: true, function_js: "return {module: 'tts', data: {text: 'Hello ' + call.Caller.name}};" });
  for (const who of [first, second, first]) t.is((await small.invoke(who, id, {})).status, 500);
  await small.couchfn.services.invoker.idle();
  t.is((await small.invoke(second, id, { Caller: { name: 'Cy' } })).status, 200, 'still enabled after three failures of two customers');
  for (let i = 0; i < 2; i++) t.is((await small.invoke(owner, id, {})).status, 500);
  await small.couchfn.services.invoker.idle();
  const fn = await small.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token });
  t.false(fn.body.data.enabled, 'disabled after the reseller\'s own two failures');
});

test('failures anyone can cause on the public route never push out the counted ones: a reseller cannot keep its broken function enabled that way', async (t) => {
  const id = await api.createFunction(reseller, { name: 'broken', global: true, function_js: "throw new Error('broken');" });
  for (let i = 0; i < 5; i++) t.is((await api.invoke(reseller, id)).status, 500);
  // more uncounted failures than the 50 attempts a function keeps, paced under the public route's rate
  let anonymous = 0;
  while (anonymous < 50) {
    if ((await api.call('GET', publicRoute('broken'))).status === 500) anonymous++;
    await new Promise((r) => setTimeout(r, 25));
  }
  t.is((await api.invoke(reseller, id)).status, 500, 'the sixth counted failure within the minute');
  await api.couchfn.services.invoker.idle();
  const fn = await api.call('GET', `${functionsOf(reseller)}/${id}`, { token: reseller.token });
  t.false(fn.body.data.enabled, 'disabled after six counted failures (the default threshold)');
});
