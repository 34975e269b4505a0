// Function documents in the `functions` database, wherever routing puts it.
// A function belongs to one account for life (validate_doc_update refuses a
// move), so a function's owner can be remembered once read.
import { LRUCache } from 'lru-cache';
import { CouchDatabase } from '../couch/database.js';
import type { Routing } from '../couch/routing.js';
import { gregorianNow, newId, type StoredDoc } from '../couch/docs.js';
import { badIdentifier } from '../errors.js';


/** One write of a function, kept in the doc itself (the last HISTORY_LIMIT):
 * the changes feed shows only a doc's latest revision, so events derived from
 * it read what happened since the revision they saw last from here. */
export interface HistoryEntry {
  /** the revision number this write made */
  n: number;
  action: 'doc_created' | 'doc_edited' | 'doc_deleted';
  /** ISO 8601 */
  at: string;
  /** the function's name after this write (an event tells of the function as it was then) */
  name?: string;
  /** the write disabled or enabled the function */
  state?: 'disabled' | 'enabled';
  /** disabled: why, and by whom ("auto" or "owner") */
  reason?: string;
  by?: string;
}

export const HISTORY_LIMIT = 20;

/** The number of a CouchDB revision ("3-abc" -> 3; none -> 0). */
export const revisionNumber = (rev: string | undefined) => (rev ? Number.parseInt(rev, 10) || 0 : 0);

/** The doc with this write's entry added to its history. */
export function withHistory<D extends { _rev?: string; name?: unknown; pvt_history?: HistoryEntry[]; enabled?: boolean; pvt_disable_reason?: string; pvt_disabled_by?: string }>(
  next: D, previous: D | null, action: HistoryEntry['action']
): D {
  const entry: HistoryEntry = { n: revisionNumber(previous?._rev) + 1, action, at: new Date().toISOString(), ...(typeof next.name === 'string' ? { name: next.name } : {}) };
  const wasEnabled = previous ? previous.enabled !== false : true;
  const isEnabled = next.enabled !== false;
  if (previous && action === 'doc_edited' && wasEnabled !== isEnabled) {
    entry.state = isEnabled ? 'enabled' : 'disabled';
    if (!isEnabled) {
      entry.by = next.pvt_disabled_by ?? 'owner';
      if (next.pvt_disable_reason) entry.reason = next.pvt_disable_reason;
    }
  }
  return { ...next, pvt_history: [...(previous?.pvt_history ?? next.pvt_history ?? []), entry].slice(-HISTORY_LIMIT) };
}

/** What a deleted function leaves: a tombstone that still says whose it was. */
export function tombstone(doc: FunctionDoc): FunctionDoc {
  const dead = { _id: doc._id, _rev: doc._rev, _deleted: true, pvt_type: 'function', pvt_account_id: doc.pvt_account_id, name: doc.name } as unknown as FunctionDoc;
  return withHistory(dead, doc, 'doc_deleted');
}

export interface FunctionDoc extends StoredDoc {
  name: string;
  function_js: string;
  enabled?: boolean;
  language_pack?: string;
  events?: string[];
  /** run this published version whatever the rule picks */
  pinned_version?: string;
  /** a reseller's function every descendant account may use */
  global?: boolean;
  code_visible?: boolean;
  allow_overrides?: boolean;
  installation_resolution?: { type: 'GUID' | 'HEADER' | 'QUERY_PARAM' | 'JSON_BODY_FIELD'; key: string };
  pvt_type: 'function';
  pvt_account_id: string;
  pvt_disable_reason?: string;
  /** "auto" when the failure threshold disabled it */
  pvt_disabled_by?: string;
  pvt_disabled_at?: string;
  /** failures before this time no longer count towards auto-disable */
  pvt_enabled_at?: string;
  pvt_history?: HistoryEntry[];
  /** published versions, in the order they were published (functions/versions.ts) */
  pvt_versions?: string[];
  /** the version whose code function_js holds */
  pvt_version?: string;
}

export interface FunctionSummary {
  id: string;
  name: string;
  enabled: boolean;
  disable_reason?: string;
  language_pack: string;
  events: string[];
  /** the version that runs, for functions that have versions */
  version?: string;
  global?: boolean;
}

interface ListingValue extends Omit<FunctionSummary, 'id'> { created?: number; modified?: number }

export interface ListQuery {
  pageSize?: number;
  startKey?: string;
  /** filter_{key}=value, has_key, key_missing, created_from, created_to */
  filters: Record<string, string>;
}

const OWNER_CACHE_LIMIT = 100_000;
// accounts whose functions' names are cached (global functions' overrides),
// and names per account: any name may be asked (the public route), so both are bounded
const NAMES_CACHE_ACCOUNTS = 1000;
const NAMES_PER_ACCOUNT = 100;
// cached documents are bounded by size: each is counted whole, since an
// account may add fields of its own up to the body limit
const DOC_CACHE_BYTES = 64 * 1024 * 1024;

/** The function enabled again: the reason, who disabled it and the failure
 * count (failures before pvt_enabled_at no longer count) are cleared. */
export function enabledAgain(doc: FunctionDoc, now = new Date().toISOString()): FunctionDoc {
  const { pvt_disable_reason: _r, pvt_disabled_by: _b, pvt_disabled_at: _a, ...rest } = doc;
  return { ...rest, enabled: true, pvt_enabled_at: now } as FunctionDoc;
}
const LIST_CHUNK = 200;

/** Kazoo's list filters on a listing row. */
export function matchesFilters(value: object, filters: Record<string, string>): boolean {
  return matches(value as ListingValue, filters);
}

function matches(value: ListingValue, filters: Record<string, string>): boolean {
  for (const [name, wanted] of Object.entries(filters)) {
    const record = value as unknown as Record<string, unknown>;
    if (name.startsWith('filter_') && String(record[name.slice(7)]) !== wanted) return false;
    if (name === 'has_key' && record[wanted] === undefined) return false;
    if (name === 'key_missing' && record[wanted] !== undefined) return false;
    if (name === 'created_from' && !((value.created ?? 0) >= Number(wanted))) return false;
    if (name === 'created_to' && !((value.created ?? 0) <= Number(wanted))) return false;
  }
  return true;
}

export class FunctionStore {
  private readonly owners = new LRUCache<string, { accountId: string; name: string }>({ max: OWNER_CACHE_LIMIT });
  /** whole documents, for an engine that runs them itself; kept current by
   * this process's writes and, for the others', by forget() from the changes feed */
  private readonly docs = new LRUCache<string, FunctionDoc>({
    maxSize: DOC_CACHE_BYTES, sizeCalculation: (doc) => 1024 + JSON.stringify(doc).length
  });
  /** by_name rows per account and name: whether an account overrides a
   * reseller's global function, asked at every call through its route */
  private readonly namedRows = new LRUCache<string, Map<string, readonly Readonly<{ id: string; global: boolean }>[]>>({ max: NAMES_CACHE_ACCOUNTS });
  /** moves on at every change of names: a view read that overlapped one is not cached */
  private namesEpoch = 0;
  private readonly db: CouchDatabase<FunctionDoc>;

  constructor(private readonly routing: Routing, readonly database: string) {
    this.db = new CouchDatabase(() => routing.functions(), database);
  }

  /** Remembers a function's owner and name (a write or the changes feed saw it). */
  remember(doc: Pick<FunctionDoc, '_id' | 'pvt_account_id' | 'name'>): void {
    this.owners.set(doc._id, { accountId: doc.pvt_account_id, name: doc.name });
  }

  /** The account that owns function `id`, or null when there is no such function. */
  async owner(id: string): Promise<string | null> {
    const known = this.owners.get(id);
    if (known) return known.accountId;
    const doc = await this.read(id);
    return doc?.pvt_account_id ?? null;
  }

  /** The function document as stored (any account's), from the cache when it is there. */
  async current(id: string): Promise<FunctionDoc | null> {
    const known = this.docs.get(id);
    if (known) return known;
    const doc = await this.db.get(id);
    if (doc) this.docs.set(id, doc);
    return doc;
  }

  /** A function's name, when this process knows it (no read). */
  knownName(id: string): string | undefined {
    return this.owners.get(id)?.name;
  }

  /** Function `id` of `accountId` changed, to revision `rev` (or every
   * function did, after a gap in the feed). A cached document already at that
   * revision stays: the feed also brings this process's own writes. */
  forget(id?: string, accountId?: string, rev?: string): void {
    if (id === undefined) {
      this.docs.clear();
      this.namesChanged();
      return;
    }
    this.namesChanged(accountId ?? this.owners.get(id)?.accountId);
    if (rev === undefined || this.docs.get(id)?._rev !== rev) this.docs.delete(id);
    this.owners.delete(id);
  }

  /** The names of an account's functions may have changed (of every account, when it is not known). */
  private namesChanged(accountId?: string): void {
    this.namesEpoch++;
    if (accountId === undefined) this.namedRows.clear();
    else this.namedRows.delete(accountId);
  }

  private async read(id: string): Promise<FunctionDoc | null> {
    const doc = await this.db.get(id);
    if (doc?.pvt_type !== 'function') return null;
    this.remember(doc);
    return doc;
  }

  /** The function, if it is account's; any other answer is 404 bad_identifier. */
  async get(accountId: string, id: string): Promise<FunctionDoc> {
    const doc = await this.read(id);
    if (!doc || doc.pvt_account_id !== accountId) throw badIdentifier(id);
    return doc;
  }

  /** The function whichever account owns it, or null: a reseller's global
   * functions are used by other accounts (globals/ decides who may). From the
   * document cache, which follows the changes feed: no read on a warm call. */
  async find(id: string): Promise<FunctionDoc | null> {
    const doc = await this.current(id);
    if (doc?.pvt_type !== 'function') return null;
    this.remember(doc);
    return doc;
  }

  /** The account's functions of that name (by_name), lowest id first, and
   * whether each is global; cached until a function of the account changes. */
  async named(accountId: string, name: string): Promise<readonly Readonly<{ id: string; global: boolean }>[]> {
    const known = this.namedRows.get(accountId)?.get(name);
    if (known) return known;
    const epoch = this.namesEpoch;
    const { rows } = await this.db.view<{ global?: boolean } | null>('functions', 'by_name', { key: [accountId, name] });
    // frozen: the same rows answer later callers too
    const named = Object.freeze(rows.map((row) => Object.freeze({ id: row.id, global: row.value?.global === true })));
    if (epoch === this.namesEpoch) {
      const names = this.namedRows.get(accountId) ?? new Map<string, readonly Readonly<{ id: string; global: boolean }>[]>();
      if (names.size >= NAMES_PER_ACCOUNT) names.clear();
      names.set(name, named);
      this.namedRows.set(accountId, names);
    }
    return named;
  }

  /** The names of the account's functions (by_name). */
  async names(accountId: string): Promise<Set<string>> {
    const { rows } = await this.db.view('functions', 'by_name', { startkey: [accountId], endkey: [accountId, {}] });
    return new Set(rows.map((row) => (row.key as [string, string])[1]));
  }

  /** A reseller's global functions (by_name), by name. */
  async globals(accountId: string): Promise<(FunctionSummary & { allow_overrides: boolean })[]> {
    const { rows } = await this.db.view<(ListingValue & { allow_overrides: boolean }) | null>('functions', 'by_name', { startkey: [accountId], endkey: [accountId, {}] });
    return rows.flatMap((row) => {
      if (!row.value) return [];
      const { created: _c, modified: _m, ...summary } = row.value;
      return [{ id: row.id, ...summary }];
    });
  }

  async create(accountId: string, fields: Record<string, unknown>): Promise<FunctionDoc> {
    const now = gregorianNow();
    const doc = {
      ...fields, _id: newId(), pvt_type: 'function', pvt_account_id: accountId,
      pvt_account_db: this.database, pvt_created: now, pvt_modified: now, pvt_vsn: '1'
    } as unknown as FunctionDoc;
    return this.write(withHistory(doc, null, 'doc_created'));
  }

  /** Writes `doc` over `previous` (the revision it replaces), noting in its history whether it disabled or enabled it. */
  async save(doc: FunctionDoc, previous: FunctionDoc): Promise<FunctionDoc> {
    return this.write(withHistory({ ...doc, pvt_modified: gregorianNow() }, previous, 'doc_edited'));
  }

  private async write(doc: FunctionDoc): Promise<FunctionDoc> {
    await this.routing.writable();
    this.docs.delete(doc._id);
    this.namesChanged(doc.pvt_account_id);
    const rev = await this.db.put(doc);
    // again: a read while the write was under way may have cached the old revision
    this.docs.delete(doc._id);
    this.namesChanged(doc.pvt_account_id);
    this.remember(doc);
    return { ...doc, _rev: rev };
  }

  /** Deletes the function, leaving a tombstone that names its owner (for the doc_deleted event). */
  async remove(doc: FunctionDoc): Promise<void> {
    await this.routing.writable();
    await this.db.put(tombstone(doc));
    this.owners.delete(doc._id);
    this.docs.delete(doc._id);
    this.namesChanged(doc.pvt_account_id);
  }

  /** One page of an account's functions, oldest id first. */
  async list(accountId: string, query: ListQuery): Promise<{ items: FunctionSummary[]; next?: string }> {
    const limit = query.pageSize ?? Infinity;
    const items: FunctionSummary[] = [];
    let startId = query.startKey ?? '';
    let skip = 0;
    for (;;) {
      const { rows } = await this.db.view<ListingValue>('functions', 'crossbar_listing', {
        startkey: [accountId, startId], endkey: [accountId, {}], limit: LIST_CHUNK, skip
      });
      for (const row of rows) {
        if (!matches(row.value, query.filters)) continue;
        if (items.length === limit) return { items, next: row.id };
        const { created: _c, modified: _m, ...summary } = row.value;
        items.push({ id: row.id, ...summary });
      }
      if (rows.length < LIST_CHUNK) return { items };
      startId = rows[rows.length - 1].id;
      skip = 1;
    }
  }

  /** The account's enabled functions bound to an event (events_listing: no scan). */
  async listening(accountId: string, event: string): Promise<string[]> {
    const { rows } = await this.db.view('functions', 'events_listing', { key: [accountId, event] });
    return rows.map((row) => row.id);
  }

  /** Every function row of an account (the crossbar_listing range). */
  private async accountRows(accountId: string, includeDocs: boolean) {
    const { rows } = await this.db.view('functions', 'crossbar_listing', { startkey: [accountId], endkey: [accountId, {}], include_docs: includeDocs });
    return rows;
  }

  /** Re-enables the account's functions that were disabled automatically;
   * a function its owner disabled stays as it is. Returns their ids. */
  async reenableAutoDisabled(accountId: string): Promise<string[]> {
    const rows = await this.accountRows(accountId, true);
    const now = new Date().toISOString();
    const docs = rows.map((row) => row.doc!)
      .filter((doc) => doc && doc.enabled === false && doc.pvt_disabled_by === 'auto')
      .map((doc) => withHistory({ ...enabledAgain(doc, now), pvt_modified: gregorianNow() }, doc, 'doc_edited'));
    if (docs.length === 0) return [];
    await this.routing.writable();
    const results = await this.db.bulk(docs);
    for (const { _id } of docs) this.docs.delete(_id);
    return results.filter((r) => !r.error).map((r) => r.id);
  }

  /** Deletes every function of an account (when the account is deleted); returns their ids. */
  async removeAll(accountId: string): Promise<string[]> {
    const rows = await this.accountRows(accountId, true);
    if (rows.length === 0) return [];
    await this.routing.writable();
    const deletions = rows.filter((r) => r.doc).map((r) => tombstone(r.doc!));
    await this.db.bulk(deletions);
    for (const { _id } of deletions) { this.owners.delete(_id); this.docs.delete(_id); }
    this.namesChanged(accountId);
    return deletions.map((d) => d._id);
  }
}
