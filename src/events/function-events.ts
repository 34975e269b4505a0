// Events of the function documents, read from the `functions` changes feed:
// object.doc_created/edited/deleted.function (Kazoo's object events) and
// function.disabled / function.enabled. The feed shows a doc's latest
// revision only, so two quick writes arrive as one change; each write made
// through couchfn leaves an entry in the doc's history (functions/store.ts),
// and every entry after the revision last seen becomes an event. A write
// made straight to CouchDB has no entry: it is reported from its revision.
import { LRUCache } from 'lru-cache';
import { revisionNumber, type FunctionDoc, type HistoryEntry } from '../functions/store.js';
import type { Change } from './feed.js';
import { functionRoutingKey, objectRoutingKey, type LiveEvent } from './event.js';

const SEEN_LIMIT = 100_000;

export class FunctionEvents {
  /** the last revision number turned into events, per function */
  private readonly seen = new LRUCache<string, number>({ max: SEEN_LIMIT });

  /** `notBefore`: entries of functions not seen yet count only from then (a
   * restart reads from its checkpoint; older history was handled before). */
  constructor(private readonly tree: (accountId: string) => Promise<string[] | null>, private notBefore: number) {}

  /** After a storage move (a new feed from "now"). */
  restartAt(time: number): void {
    this.notBefore = time;
  }

  /** The batch's events were dispatched: they are not to be made again. Only
   * then, so a batch read again after a failed dispatch makes them again. */
  markSeen(changes: Change<FunctionDoc>[]): void {
    for (const change of changes) {
      if (!change.doc) continue;
      const latest = revisionNumber(change.rev ?? change.doc._rev);
      this.seen.set(change.doc._id, Math.max(latest, this.seen.get(change.doc._id) ?? 0));
    }
  }

  async eventsOf(change: Change<FunctionDoc>): Promise<LiveEvent[]> {
    const doc = change.doc;
    if (!doc || doc._id.startsWith('_design/') || doc.pvt_type !== 'function' || typeof doc.pvt_account_id !== 'string') return [];
    const latest = revisionNumber(change.rev ?? doc._rev);
    const last = this.seen.get(doc._id);
    const history = doc.pvt_history ?? [];
    // a minute's slack for clocks and for the time between reading a batch and
    // writing its checkpoint: an entry read twice finds its delivery claimed
    let entries = history.filter((e) => (last !== undefined ? e.n > last : Date.parse(e.at) >= this.notBefore - 60_000) && e.n <= latest);
    // a write straight to CouchDB left no entry
    if (!history.some((e) => e.n === latest) && (last === undefined || latest > last)) {
      entries = [...entries, { n: latest, at: new Date().toISOString(), action: change.deleted || doc._deleted ? 'doc_deleted' : latest === 1 ? 'doc_created' : 'doc_edited' }];
    }
    if (entries.length === 0) return [];
    const tree = (await this.tree(doc.pvt_account_id)) ?? [];
    return entries.flatMap((entry) => this.fromEntry(doc, entry, tree));
  }

  private fromEntry(doc: FunctionDoc, entry: HistoryEntry, tree: string[]): LiveEvent[] {
    const common = { account_id: doc.pvt_account_id, function_id: doc._id, name: entry.name ?? doc.name, timestamp: entry.at };
    const base = { account_id: doc.pvt_account_id, account_tree: tree, timestamp: entry.at };
    const events: LiveEvent[] = [{
      ...base,
      id: `${doc._id}:${entry.n}:${entry.action}`,
      name: `object.${entry.action}.function`,
      routing_key: objectRoutingKey(entry.action),
      // Kazoo's object event: the doc's id, type, database and revision, and the action
      data: {
        ...common, id: doc._id, type: 'function', action: entry.action, rev_number: entry.n,
        event_category: 'object', event_name: 'function', event_action: entry.action,
        ...(entry.action === 'doc_deleted' ? {} : { enabled: doc.enabled !== false })
      }
    }];
    if (entry.state) {
      events.push({
        ...base,
        id: `${doc._id}:${entry.n}:${entry.state}`,
        name: `function.${entry.state}`,
        routing_key: functionRoutingKey(entry.state, doc._id),
        data: {
          ...common,
          ...(entry.state === 'disabled' ? { disable_reason: entry.reason ?? 'disabled by its owner', disabled_by: entry.by ?? 'owner' } : {})
        }
      });
    }
    return events;
  }
}
