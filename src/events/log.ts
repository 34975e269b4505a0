// The event log: events that no document change carries (a function ran, it
// failed) are written to the `events` database, one doc each, so that every
// proxy process reads them from its changes feed. Only events someone listens
// to are written (a webhook or a socket, in any process), batched, and kept
// for a while (RETENTION_MS) for processes that were down.
import { randomBytes } from 'node:crypto';
import type { CouchDatabase } from '../couch/database.js';
import type { LiveEvent } from './event.js';

export interface EventLogDoc extends LiveEvent { _id: string; _rev?: string; pvt_type: 'event' }

const FLUSH_MS = 100;
const MAX_PENDING = 10_000;
/** how long events stay in the log: longer than any outage a restart should cover */
export const RETENTION_MS = 24 * 3600_000;
const SWEEP_MS = 10 * 60_000;

/** Time-ordered ids: the log's oldest docs come first in _all_docs. */
export function eventId(time = Date.now()): string {
  return `e${time.toString(36).padStart(10, '0')}${randomBytes(6).toString('hex')}`;
}

const SWEEP_BATCH = 1000;

export class EventLog {
  private pending: EventLogDoc[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly db: CouchDatabase<EventLogDoc>, private readonly onError: (err: unknown) => void) {
    this.sweeper = setInterval(() => { void this.sweep().catch(() => undefined); }, SWEEP_MS);
    this.sweeper.unref();
  }

  /** Buffers the event; it is written within FLUSH_MS. Never throws. */
  publish(event: Omit<LiveEvent, 'id'>): void {
    if (this.pending.length >= MAX_PENDING) return; // CouchDB is not keeping up: drop rather than grow without bound
    const id = eventId(Date.parse(event.timestamp) || Date.now());
    this.pending.push({ ...event, id, _id: id, pvt_type: 'event' });
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, FLUSH_MS);
  }

  /** Writes what is buffered (and waits for writes under way). */
  flush(): Promise<void> {
    const docs = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (docs.length === 0) return;
      try {
        await this.db.bulk(docs);
      } catch (err) {
        this.onError(err);
      }
    });
    return this.writing;
  }

  /** Removes events older than the retention, a thousand at a time until none is left. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (;;) {
      const { rows } = await this.db.allDocs({ startkey: 'e', endkey: eventId(now - RETENTION_MS).slice(0, 11), limit: SWEEP_BATCH });
      const old = rows.filter((r) => r.value && !r.value.deleted).map((r) => ({ _id: r.id, _rev: r.value.rev, _deleted: true }));
      if (old.length > 0) await this.db.bulk(old);
      removed += old.length;
      if (rows.length < SWEEP_BATCH || old.length === 0) return removed;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
