// Follows a database's changes from "now", calling onChange with each changed
// doc id, so that caches in every proxy process learn of writes made by the
// others. It polls the normal feed once a second rather than holding a
// longpoll open: the same on CouchDB and the embedded server (whose longpoll
// ignores `timeout`), and nothing is left hanging at shutdown. It survives
// CouchDB going away, resuming from the last sequence it saw.
import type { Connection } from './connection.js';
import { CouchDatabase } from './database.js';

export interface ChangesOptions {
  intervalMs?: number;
  onChange: (id: string) => void;
  /** told when the feed could not be read (changes may have been missed) */
  onReset?: () => void;
}

const BATCH = 1000;

export class ChangesFollower {
  private stopped = false;
  private since: string | number = 'now';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  private readonly db: CouchDatabase<{ _id: string }>;
  private following?: Connection;

  /** `connection` may be asked each time (a database a storage move sends elsewhere); a new one is followed from "now", after onReset. */
  constructor(connection: Connection | (() => Connection), name: string, private readonly options: ChangesOptions) {
    this.db = new CouchDatabase(typeof connection === 'function' ? connection : () => connection, name);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => this.schedule(this.options.intervalMs ?? 1000));
    }, ms);
    this.timer.unref();
  }

  /** Reads every change since the last poll. */
  async poll(): Promise<void> {
    const connection = this.db.connection();
    if (this.following && connection !== this.following) {
      this.since = 'now';
      this.options.onReset?.();
    }
    this.following = connection;
    try {
      for (;;) {
        const feed = await this.db.changes({ since: this.since, limit: BATCH });
        if (this.stopped) return;
        for (const change of feed.results) this.options.onChange(change.id);
        this.since = feed.last_seq;
        if (feed.results.length < BATCH) return;
      }
    } catch {
      if (!this.stopped) this.options.onReset?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
