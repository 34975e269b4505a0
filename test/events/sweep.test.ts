// Old live events are swept until none is left, however many piled up (a
// thousand per sweep fell behind a busy account).
import test from 'ava';
import { CouchDatabase } from '../../src/couch/database.js';
import { EventLog, eventId, RETENTION_MS, type EventLogDoc } from '../../src/events/log.js';
import { startApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
test.before(async () => { api = await startApi(); });
test.after.always(async () => { await api?.close(); });

test('a sweep removes every event past the retention, and keeps the recent ones', async (t) => {
  const db = new CouchDatabase<EventLogDoc>(() => api.couchfn.services.routing.main, api.db('events'));
  const old = Date.now() - RETENTION_MS - 60_000;
  const docs = Array.from({ length: 2500 }, (_, i) => ({ _id: eventId(old - i), pvt_type: 'event' }));
  const recent = { _id: eventId(), pvt_type: 'event' };
  await db.bulk([...docs, recent]);
  const log = new EventLog(db, () => undefined);
  t.is(await log.sweep(), 2500);
  await log.close();
  const left = await db.allDocs({ startkey: 'e', endkey: 'f' });
  t.deepEqual(left.rows.map((r) => r.id), [recent._id]);
});
