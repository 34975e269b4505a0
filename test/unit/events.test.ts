// The pure parts of live events: Kazoo's binding matching, which hooks take
// an event, where webhooks may send requests, and events read from a
// function's history when the changes feed shows only its latest revision.
import test from 'ava';
import { bindingMatches, isKnownBinding } from '../../src/events/event.js';
import { FunctionEvents } from '../../src/events/function-events.js';
import { NetworkPolicy } from '../../src/events/networks.js';
import { hookTakes, type WebhookDoc } from '../../src/events/webhooks.js';
import { withHistory, type FunctionDoc } from '../../src/functions/store.js';
import type { LiveEvent } from '../../src/events/event.js';

const FN = '0123456789abcdef0123456789abcdef';

test('bindings match as AMQP topics: * is one word, # any number', (t) => {
  t.true(bindingMatches('function.failed.*', `function.failed.${FN}`));
  t.false(bindingMatches('function.failed.*', 'function.failed'));
  t.true(bindingMatches('object.*.function', 'object.doc_edited.function'));
  t.true(bindingMatches('#', 'object.doc_edited.function'));
  t.true(bindingMatches('function.#', `function.enabled.${FN}`));
  t.true(bindingMatches('function.*.#', `function.enabled.${FN}`));
  t.false(bindingMatches('object.doc_created.function', 'object.doc_deleted.function'));
  t.false(bindingMatches(`function.failed.${FN}`, 'function.failed.ffffffffffffffffffffffffffffffff'));
  t.true(bindingMatches('#.function', 'object.doc_edited.function'));
  t.true(bindingMatches('#.#.#', 'object.doc_edited.function'), 'a run of # is one #');
  t.true(bindingMatches('object.#.function', 'object.function'), '# may be no word at all');
  t.false(bindingMatches('#.object', 'object.doc_edited.function'));
  t.false(bindingMatches('*.*.*.*', 'object.doc_edited.function'));
});

test('a binding built to make matching backtrack is answered at once, and long ones are refused', (t) => {
  // before, each # tried every split of the rest: 99 of them took seconds per key
  const hostile = `${'#.'.repeat(99)}x`;
  for (let i = 0; i < 200; i++) t.false(bindingMatches(hostile, 'object.doc_created.function'));
  t.false(isKnownBinding(`${'#.'.repeat(86)}object.doc_created.function`), 'more words than any routing key needs');
  t.true(isKnownBinding('#.#.object.doc_created.function'));
});

test('a binding is known when it can select some event couchfn sends', (t) => {
  for (const ok of ['object.doc_created.function', 'object.*.function', 'object.*.*', 'function.failed.*', `function.*.${FN}`, 'function.#', '#', '*.*.*']) t.true(isKnownBinding(ok), ok);
  for (const bad of ['call.CHANNEL_CREATE.*', 'object.doc_created.user', 'function.exploded.*', 'function.failed', '', 'a..b', 'function.failed.*.*']) t.false(isKnownBinding(bad), bad);
});

function event(overrides: Partial<LiveEvent> = {}): LiveEvent {
  return {
    id: 'e1', name: 'object.doc_created.function', routing_key: 'object.doc_created.function', account_id: 'child',
    account_tree: ['root', 'parent'], timestamp: new Date().toISOString(), data: { type: 'function', action: 'doc_created', function_id: FN }, ...overrides
  };
}

function hook(overrides: Partial<WebhookDoc> = {}): WebhookDoc {
  return { _id: 'h', name: 'h', uri: 'http://x', hook: 'object', http_verb: 'post', retries: 2, enabled: true, format: 'json', pvt_type: 'webhook', pvt_account_id: 'child', ...overrides };
}

test('a hook takes its own account\'s events, its descendants\' with include_subaccounts, and never when disabled', (t) => {
  t.true(hookTakes(hook(), event()));
  t.false(hookTakes(hook({ pvt_account_id: 'parent' }), event()));
  t.true(hookTakes(hook({ pvt_account_id: 'parent', include_subaccounts: true }), event()));
  t.false(hookTakes(hook({ pvt_account_id: 'other', include_subaccounts: true }), event()));
  t.false(hookTakes(hook({ enabled: false }), event()));
  t.true(hookTakes(hook({ hook: 'all' }), event()));
  t.false(hookTakes(hook({ hook: 'function_failed' }), event()));
});

test('the object hook filters by custom_data type and action (or "all"); modifiers filter any hook', (t) => {
  t.true(hookTakes(hook({ custom_data: { type: 'function', action: 'doc_created' } }), event()));
  t.true(hookTakes(hook({ custom_data: { type: 'function', action: 'all' } }), event()));
  t.false(hookTakes(hook({ custom_data: { type: 'function', action: 'doc_deleted' } }), event()));
  t.false(hookTakes(hook({ custom_data: { type: 'user' } }), event()));
  t.true(hookTakes(hook({ modifiers: { function_id: [FN] } }), event()));
  t.false(hookTakes(hook({ modifiers: { function_id: ['other'] } }), event()));
  t.true(hookTakes(hook({ modifiers: { not_in_payload: 'x' } }), event()));
  t.false(hookTakes(hook({ hook: 'all', modifiers: { event: 'function.failed' } }), event()));
});

test('only allowed networks: public by default, and what the operator lists', (t) => {
  const byDefault = new NetworkPolicy(['public']);
  for (const denied of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1']) {
    t.false(byDefault.allows(denied), denied);
  }
  for (const allowed of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) t.true(byDefault.allows(allowed), allowed);
  const tests = new NetworkPolicy(['127.0.0.0/8']);
  t.true(tests.allows('127.0.0.1'));
  t.false(tests.allows('8.8.8.8'));
  t.false(tests.allows('10.0.0.1'));
  const both = new NetworkPolicy(['public', '10.1.0.0/16']);
  t.true(both.allows('10.1.2.3'));
  t.false(both.allows('10.2.0.1'));
  t.true(both.allows('8.8.8.8'));
});

test('a URI is refused at save: another scheme, a denied address, a name that resolves to one', async (t) => {
  const policy = new NetworkPolicy(['public']);
  t.regex((await policy.refusal('ftp://8.8.8.8/'))!, /only http and https/);
  t.regex((await policy.refusal('http://10.0.0.1/x'))!, /10\.0\.0\.1.*COUCHFN_WEBHOOK_ALLOWED_NETWORKS/);
  t.regex((await policy.refusal('http://[::1]:8000/'))!, /::1/);
  const named = (await policy.refusal('http://localhost:8000/'))!;
  t.regex(named, /localhost resolves to an address that is outside/);
  t.notRegex(named, /127\.0\.0\.1|::1/, 'a name\'s addresses are not told');
  t.truthy(await policy.refusal('http://[::7f00:1]/'), 'IPv4-compatible IPv6');
  t.is(await policy.refusal('http://8.8.8.8/hook'), null);
  t.is(await new NetworkPolicy(['127.0.0.0/8', '::1']).refusal('http://localhost:9/'), null);
});

test('a function\'s events come from its history: two writes seen as one change are two events', async (t) => {
  const created = withHistory({ _id: FN, name: 'f', function_js: 'x', pvt_type: 'function', pvt_account_id: 'acc' } as FunctionDoc, null, 'doc_created');
  const first = { ...created, _rev: '1-a' };
  const disabled = withHistory({ ...first, enabled: false, pvt_disabled_by: 'auto', pvt_disable_reason: 'too many' } as FunctionDoc, first, 'doc_edited');
  const events = new FunctionEvents(async () => ['root'], Date.now() - 5000);
  const change = { id: FN, seq: 2, rev: '2-b', doc: { ...disabled, _rev: '2-b' } };
  const seen = await events.eventsOf(change);
  t.deepEqual(seen.map((e) => e.name), ['object.doc_created.function', 'object.doc_edited.function', 'function.disabled']);
  // until they are dispatched, reading the change again makes them again (a failed dispatch loses nothing)
  t.is((await events.eventsOf(change)).length, 3);
  events.markSeen([change]);
  t.like(seen[2].data, { disable_reason: 'too many', disabled_by: 'auto', function_id: FN, name: 'f' });
  t.deepEqual(seen[0].account_tree, ['root']);
  // the same revision again gives nothing; a write straight to CouchDB (no entry) is reported from its revision
  t.deepEqual(await events.eventsOf({ id: FN, seq: 3, rev: '2-b', doc: { ...disabled, _rev: '2-b' } }), []);
  const direct = await events.eventsOf({ id: FN, seq: 4, rev: '3-c', doc: { ...disabled, _rev: '3-c', name: 'g' } });
  // (no history entry for revision 3: the name is the doc's)
  t.deepEqual(direct.map((e) => [e.name, e.data.name]), [['object.doc_edited.function', 'g']]);
  // entries from before the checkpoint are not read again
  const later = new FunctionEvents(async () => [], Date.now() + 120_000);
  t.deepEqual(await later.eventsOf({ id: FN, seq: 2, rev: '2-b', doc: { ...disabled, _rev: '2-b' } }), []);
});
