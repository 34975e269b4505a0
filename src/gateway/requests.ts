// Exactly-once under client retries. LivePerson's client sends a request
// again (same X-Request-ID) after a reset, a timeout or a 5xx, up to three
// times; an invocation runs customer code, so a repeat must get the first
// answer, not a second run, whichever proxy process it reaches. The record
// is a document per account, target (function or event) and request id in
// the `lp_requests` database: whoever creates it runs the work; the others
// wait for its answer. A record older than the window counts as absent, and
// old records are swept through the by_expiry view.
import { randomUUID } from 'node:crypto';
import type { CouchDatabase } from '../couch/database.js';
import { CouchError } from '../couch/request.js';
import type { StoredDoc } from '../couch/docs.js';

/** An answer as it was sent: replayed byte for byte to a repeat. */
export interface RecordedAnswer { status: number; body: string; headers?: Record<string, string> }

/** What the work answered, and whether a repeat should get it (false: the code never ran, a repeat may run it). */
export interface WorkAnswer extends RecordedAnswer { keep: boolean }

export interface RequestDoc extends StoredDoc {
  pvt_type: 'lp_request';
  state: 'running' | 'done';
  /** the process running it */
  owner: string;
  started: number;
  /** after this, a process that stopped mid-run is presumed gone: another may take the record over */
  lease_until: number;
  /** after this, the record no longer counts (the window) */
  expires: number;
  answer?: RecordedAnswer;
}

export interface RequestKey { accountId: string; target: string; requestId: string }

export interface RequestLogOptions {
  windowMs: number;
  /** how long a run may take before a repeat presumes its process gone (above the invoke deadline) */
  leaseMs: number;
  now?: () => number;
}

/** A request id worth remembering: what a client generates (a UUID, say), nothing that could pass as a path. */
export const REQUEST_ID = /^[\w.-]{1,64}$/;
const SWEEP_BATCH = 500;
const POLL_MIN_MS = 50;
const POLL_MAX_MS = 500;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RequestLog {
  private readonly owner = randomUUID();
  private readonly now: () => number;

  constructor(private readonly db: CouchDatabase<RequestDoc>, private readonly options: RequestLogOptions) {
    this.now = options.now ?? Date.now;
  }

  static docId(key: RequestKey): string {
    return `${key.accountId}:${key.target}:${key.requestId}`;
  }

  /** Runs `work` once for the key within the window; a repeat (here or in any
   * other process) gets the first answer, waiting for it if it is under way. */
  async once(key: RequestKey, work: () => Promise<WorkAnswer>): Promise<RecordedAnswer> {
    const id = RequestLog.docId(key);
    let wait = POLL_MIN_MS;
    for (;;) {
      const current = await this.db.settled(id);
      const now = this.now();
      const stale = !current || current.expires <= now || (current.state === 'running' && current.lease_until <= now);
      if (current && !stale) {
        if (current.state === 'done' && current.answer) return current.answer;
        await pause(wait); // under way elsewhere: its answer will be the record's
        wait = Math.min(POLL_MAX_MS, wait * 2);
        continue;
      }
      const claim = await this.claim(id, current?._rev);
      if (!claim) continue; // another process claimed it first: wait for its answer
      return this.run(claim, work);
    }
  }

  private async claim(id: string, rev: string | undefined): Promise<RequestDoc | null> {
    const now = this.now();
    const doc: RequestDoc = {
      _id: id, ...(rev ? { _rev: rev } : {}), pvt_type: 'lp_request', state: 'running', owner: this.owner,
      started: now, lease_until: now + this.options.leaseMs, expires: now + this.options.windowMs
    };
    try {
      const written = await this.db.write(doc);
      // on a cluster an accepted (202) write may still lose to a racing one: the winner runs
      if (written.accepted && (await this.db.settled(id))?._rev !== written.rev) return null;
      return { ...doc, _rev: written.rev };
    } catch (err) {
      if (err instanceof CouchError && err.status === 409) return null;
      throw err;
    }
  }

  private async run(claim: RequestDoc, work: () => Promise<WorkAnswer>): Promise<RecordedAnswer> {
    let answer: WorkAnswer;
    try {
      answer = await work();
    } catch (err) {
      await this.release(claim);
      throw err;
    }
    const { keep, ...recorded } = answer;
    if (!keep) {
      await this.release(claim);
      return recorded;
    }
    // a failed write leaves the claim to expire with its lease: a repeat then runs again (at least once beats never)
    await this.db.put({ ...claim, state: 'done', answer: recorded }).catch(() => undefined);
    return recorded;
  }

  private async release(claim: RequestDoc): Promise<void> {
    await this.db.remove(claim._id, claim._rev!).catch(() => undefined);
  }

  /** Deletes records that left the window; returns how many. */
  async sweep(): Promise<number> {
    const { rows } = await this.db.view<null>('lp_requests', 'by_expiry', { endkey: this.now(), limit: SWEEP_BATCH });
    if (rows.length === 0) return 0;
    const { rows: revs } = await this.db.allDocs({ keys: rows.map((r) => r.id) });
    const gone = revs.filter((r) => r.value && !r.value.deleted).map((r) => ({ _id: r.id, _rev: r.value.rev, _deleted: true }));
    const results = await this.db.bulk(gone);
    return results.filter((r) => !r.error).length;
  }
}
