// On a cluster, writes that race can both be "accepted" (202) and leave
// conflicting revisions. The attempts of every leaf count: none is lost.
import test from 'ava';
import { openConnection } from '../../src/couch/connection.js';
import { CouchDatabase } from '../../src/couch/database.js';
import type { AttemptsDoc } from '../../src/invoke/attempts.js';
import { eventually } from '../helpers/forwarder.js';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi({ COUCHFN_DISABLE_AFTER_FAILURES: '4' }); });
test.after.always(async () => { await api?.close(); });

test('failures on a losing conflict leaf still count toward auto-disable, and the conflict is resolved', async (t) => {
  const owner = await api.account(await api.master());
  const id = await api.createFunction(owner, { function_js: "throw new Error('boom ' + call['Call-ID']);" });
  for (const callId of ['a1', 'a2']) await api.invoke(owner, id, { 'Call-ID': callId });
  await api.couchfn.services.attempts.flushAll();

  // another process's write, kept by the cluster as a sibling revision
  const connection = openConnection('probe', api.couch.url);
  t.teardown(() => connection.close());
  const db = new CouchDatabase<AttemptsDoc & { _revisions?: { start: number; ids: string[] } }>(() => connection, api.db('function_attempts'));
  const current = (await db.get(`attempts:${id}`, { revs: true }))!;
  const now = Date.now();
  const theirs = ['b1', 'b2'].map((callId, i) => ({
    timestamp: new Date(now - 1000 - i).toISOString(), function_id: id, result: 'failure' as const, kind: 'function_error' as const,
    error: `Error: boom ${callId}`, duration_ms: 1, call_id: callId
  }));
  const start = current._revisions!.start;
  const sibling = { ...current, failures: theirs, _rev: `${start}-${'f'.repeat(32)}`, _revisions: { start, ids: ['f'.repeat(32), ...current._revisions!.ids.slice(1)] } };
  await db.bulk([sibling], false);
  t.truthy((await db.get(`attempts:${id}`, { conflicts: true }))!._conflicts?.length, 'a conflict exists');

  await api.invoke(owner, id, { 'Call-ID': 'a3' }); // 2 + 2 + 1 = 5 failures across the leaves
  const read = async () => (await api.call('GET', `/v2/accounts/${owner.accountId}/functions/${id}`, { token: owner.token })).body.data;
  t.true(await eventually(async () => (await read()).enabled === false), 'disabled: the other leaf\'s failures counted');
  // any read merges what is left; on a busy server the first merge may itself have raced
  const resolved = await eventually(async () => {
    await api.couchfn.services.attempts.list(id);
    const doc = (await db.get(`attempts:${id}`, { conflicts: true }))!;
    return doc._conflicts?.length ? null : doc;
  });
  t.truthy(resolved, 'the losing leaf is gone');
  const merged = resolved!;
  t.deepEqual(merged.failures.map((a) => a.call_id).sort(), ['a1', 'a2', 'a3', 'b1', 'b2']);
});
