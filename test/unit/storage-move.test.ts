// The storage move's record: one move at a time even when a cluster accepts
// two racing claims, and what GET shows of it.
import test from 'ava';
import type { CouchDatabase } from '../../src/couch/database.js';
import { CouchError } from '../../src/couch/request.js';
import { claimMove, isOrphaned, moveView, newMove, type MoveDoc } from '../../src/storage/move.js';

const plan = { connections: { ['a'.repeat(32)]: { driver: 'kazoo_couch' as const, settings: { ip: 'db', port: 5984, credentials: { username: 'admin', password: 'hunter2' } } } } };
const record = () => newMove('me', { from: 'main', to: 'a'.repeat(32), plan, source_plan: null, plan_rev: null });

/** A database whose write answers as a cluster might, and whose winner is `winner`. */
function cluster(answer: { rev: string; accepted: boolean } | CouchError, winner?: string): CouchDatabase<MoveDoc> {
  return {
    write: async () => { if (answer instanceof CouchError) throw answer; return answer; },
    settled: async () => (winner ? { ...record(), _rev: winner } : null)
  } as unknown as CouchDatabase<MoveDoc>;
}

test('a claim a cluster only accepted counts only if CouchDB keeps it as the winner', async (t) => {
  t.is((await claimMove(cluster({ rev: '1-mine', accepted: false }), record()))?._rev, '1-mine');
  t.is((await claimMove(cluster({ rev: '1-mine', accepted: true }, '1-mine'), record()))?._rev, '1-mine');
  t.is(await claimMove(cluster({ rev: '1-mine', accepted: true }, '1-theirs'), record()), null, 'a racing claim won');
  t.is(await claimMove(cluster(new CouchError(409, 'conflict', 'Document update conflict.')), record()), null);
  await t.throwsAsync(claimMove(cluster(new CouchError(0, 'unreachable', 'down')), record()));
});

test('a move is orphaned when it runs and its lease ran out', (t) => {
  const move = record();
  t.false(isOrphaned(move));
  t.true(isOrphaned({ ...move, lease_until: Date.now() - 1 }));
  t.true(isOrphaned({ ...move, lease_until: 0 }), 'handed back by a closing process');
  t.false(isOrphaned({ ...move, state: 'done', lease_until: 0 }));
});

test('what GET shows of a move carries no plan and so no credentials', (t) => {
  const shown = JSON.stringify(moveView({ ...record(), source_plan: plan }));
  t.false(shown.includes('hunter2'));
  t.like(JSON.parse(shown), { state: 'running', step: 'check', from: 'main', copied: 0, resumed: 0 });
});
