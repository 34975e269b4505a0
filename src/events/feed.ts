// A database's changes, with their docs, in batches that are handled before
// the feed moves on: events are derived from them, and the place reached is
// what a checkpoint stores. Polled like couch/changes.ts (the same on
// CouchDB and the embedded server, nothing held open at a stop); the
// database's connection is asked on every poll, so a storage move is
// followed (from "now" on the new server: sequences do not carry over).
import type { Connection } from '../couch/connection.js';
import { CouchDatabase } from '../couch/database.js';

export interface Change<D> { id: string; seq: unknown; deleted?: boolean; rev: string; doc?: D }
export type Seq = string | number;

export interface FeedOptions<D> {
  intervalMs: number;
  /** where to start: a sequence, or "now" */
  since: Seq;
  /** handled before the feed moves on; `seq` is where it then stands */
  onBatch: (changes: Change<D>[], seq: Seq, connectionId: string) => Promise<void>;
  /** the feed could not be read (told once per outage) */
  onError?: (err: unknown) => void;
  /** the database is now on another server: the feed restarts from "now" there */
  onMoved?: () => void;
}

const BATCH = 500;

export class EventFeed<D extends { _id: string }> {
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private since: Seq;
  private failing = false;
  private connectionId?: string;
  private readonly db: CouchDatabase<D>;

  constructor(private readonly connection: () => Connection, name: string, private readonly options: FeedOptions<D>) {
    this.db = new CouchDatabase(connection, name);
    this.since = options.since;
    this.schedule(0);
  }

  /** Where the feed stands. */
  position(): Seq {
    return this.since;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule(this.options.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** Reads and handles every change since the last poll. */
  async poll(): Promise<void> {
    try {
      const connection = this.connection();
      if (this.connectionId !== undefined && this.connectionId !== connection.id) {
        this.since = 'now';
        this.options.onMoved?.();
      }
      this.connectionId = connection.id;
      for (;;) {
        const feed = await this.db.changes({ since: this.since, limit: BATCH, include_docs: true });
        if (this.stopped) return;
        const changes = feed.results.map((r) => ({
          id: r.id, seq: r.seq, deleted: r.deleted, rev: r.changes[0]?.rev, doc: (r as { doc?: D }).doc
        }));
        if (changes.length > 0 || feed.last_seq !== this.since) await this.options.onBatch(changes, feed.last_seq, connection.id);
        this.since = feed.last_seq;
        this.failing = false;
        if (feed.results.length < BATCH) return;
      }
    } catch (err) {
      if (!this.stopped && !this.failing) this.options.onError?.(err);
      this.failing = true;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
