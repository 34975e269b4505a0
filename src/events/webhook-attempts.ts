// Each hook's recent requests, one doc per hook in `webhook_attempts`
// (failures and successes each capped), so storage stays bounded however
// many events a hook gets. Every process merges into the same doc (a
// conflict is read and merged again), so the disabler's count is global.
import type { CouchDatabase } from '../couch/database.js';
import { CouchError } from '../couch/request.js';

export interface HookAttempt {
  timestamp: string;
  hook_id: string;
  event_id: string;
  event: string;
  result: 'success' | 'failure';
  /** why it failed: "bad response code", "timeout", "connection refused"... */
  reason?: string;
  /** the receiver's status, as Kazoo's, a string ("500") */
  resp_status_code?: string;
  /** 1 for the first request of an event, 2 for its first retry... */
  try: number;
  retries_left: number;
  client_error?: string;
  method: string;
}

export interface HookAttemptsDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'webhook_attempts';
  hook_id: string;
  account_id: string;
  failures: HookAttempt[];
  successes: HookAttempt[];
}

const docId = (hookId: string) => `attempts:${hookId}`;
const newestFirst = (a: HookAttempt, b: HookAttempt) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0);
const MAX_CONFLICT_RETRIES = 8;

export class HookAttempts {
  constructor(private readonly db: CouchDatabase<HookAttemptsDoc>, private readonly cap: number) {}

  /** Adds the attempt; returns the hook's doc as written (for the disabler). */
  async record(accountId: string, attempt: HookAttempt): Promise<HookAttemptsDoc> {
    for (let tries = 0; ; tries++) {
      const doc = (await this.db.get(docId(attempt.hook_id))) ?? {
        _id: docId(attempt.hook_id), pvt_type: 'webhook_attempts', hook_id: attempt.hook_id, account_id: accountId, failures: [], successes: []
      } as HookAttemptsDoc;
      const list = attempt.result === 'failure' ? 'failures' : 'successes';
      doc[list] = [attempt, ...doc[list]].sort(newestFirst).slice(0, this.cap);
      try {
        const rev = await this.db.put(doc);
        return { ...doc, _rev: rev };
      } catch (err) {
        if (!(err instanceof CouchError && err.status === 409) || tries >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  async list(hookId: string): Promise<HookAttempt[]> {
    const doc = await this.db.get(docId(hookId));
    return doc ? [...doc.failures, ...doc.successes].sort(newestFirst) : [];
  }

  async listAccount(accountId: string, limit: number): Promise<HookAttempt[]> {
    const { rows } = await this.db.view<null>('webhook_attempts', 'by_account', { key: accountId, include_docs: true });
    return rows.flatMap(({ doc }) => (doc ? [...doc.failures, ...doc.successes] : [])).sort(newestFirst).slice(0, limit);
  }

  async remove(hookId: string): Promise<void> {
    const doc = await this.db.get(docId(hookId)).catch(() => null);
    if (doc) await this.db.remove(doc._id, doc._rev!).catch(() => undefined);
  }
}
