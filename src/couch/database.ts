// One CouchDB database, the few document calls the stores need, all through
// couch/request. `connection` is asked on every call, so a database that
// routing moves (storage plans) is followed at once.
import type { Connection } from './connection.js';
import { CouchError, errorOf, parsed, send, sendJson } from './request.js';

export interface ViewRow<V, D> { id: string; key: unknown; value: V; doc?: D }
export interface BulkResult { id: string; rev?: string; error?: string; reason?: string }
export interface Shards { q?: number; n?: number }

/** An id as a path segment; `_design/x` keeps its slash. */
export function docPath(id: string): string {
  return id.startsWith('_design/') ? `_design/${encodeURIComponent(id.slice(8))}` : encodeURIComponent(id);
}

export class CouchDatabase<D extends { _id: string; _rev?: string }> {
  constructor(readonly connection: () => Connection, readonly name: string) {}

  private path(rest = ''): string {
    return `${encodeURIComponent(this.name)}${rest ? `/${rest}` : ''}`;
  }

  /** The doc, or null when there is none by that id; `query` e.g. {conflicts: true} or {rev}. */
  async get(id: string, query: Record<string, unknown> = {}): Promise<(D & { _conflicts?: string[] }) | null> {
    try {
      return await sendJson<D>(this.connection(), { path: this.path(docPath(id)), query });
    } catch (err) {
      if (err instanceof CouchError && err.status === 404) return null;
      throw err;
    }
  }

  /** A document written once by whichever process comes first: on a cluster two
   * may both be accepted (202) as conflicting revisions. Everyone keeps
   * CouchDB's own winner (the same on every node) and the losers are deleted. */
  async settled(id: string): Promise<D | null> {
    const doc = await this.get(id, { conflicts: true });
    if (!doc?._conflicts?.length) return doc;
    const { _conflicts: losers, ...winner } = doc;
    await this.bulk(losers.map((rev) => ({ _id: id, _rev: rev, _deleted: true }))).catch(() => undefined);
    return winner as unknown as D;
  }

  /** Writes the doc (its _rev says which revision it replaces); returns the new revision. */
  async put(doc: D): Promise<string> {
    return (await this.write(doc)).rev;
  }

  /** As put, and whether the cluster only accepted it (202: fewer copies
   * than the write quorum took it, so a racing write may yet win). */
  async write(doc: D): Promise<{ rev: string; accepted: boolean }> {
    const answer = await send(this.connection(), { method: 'PUT', path: this.path(docPath(doc._id)), body: doc });
    if (answer.status !== 201 && answer.status !== 202) throw errorOf(answer);
    return { rev: parsed<{ rev: string }>(answer.text)!.rev, accepted: answer.status === 202 };
  }

  async remove(id: string, rev: string): Promise<void> {
    await sendJson(this.connection(), { method: 'DELETE', path: this.path(docPath(id)), query: { rev } });
  }

  /** Per-doc results; `newEdits: false` stores revisions as given (replication). */
  bulk(docs: unknown[], newEdits = true): Promise<BulkResult[]> {
    return sendJson(this.connection(), { method: 'POST', path: this.path('_bulk_docs'), body: { docs, ...(newEdits ? {} : { new_edits: false }) } });
  }

  view<V>(ddoc: string, view: string, query: Record<string, unknown> = {}): Promise<{ rows: ViewRow<V, D>[] }> {
    return sendJson(this.connection(), { path: this.path(`_design/${encodeURIComponent(ddoc)}/_view/${encodeURIComponent(view)}`), query });
  }

  /** `keys` go in a POST body: hundreds of ids would pass a server's URL limit. */
  allDocs(query: Record<string, unknown> = {}): Promise<{ rows: (ViewRow<{ rev: string; deleted?: boolean }, D> & { error?: string })[] }> {
    const { keys, ...rest } = query;
    if (keys === undefined) return sendJson(this.connection(), { path: this.path('_all_docs'), query: rest });
    return sendJson(this.connection(), { method: 'POST', path: this.path('_all_docs'), query: rest, body: { keys } });
  }

  changes(query: Record<string, unknown>): Promise<{ results: { id: string; seq: unknown; deleted?: boolean; changes: { rev: string }[] }[]; last_seq: string | number }> {
    return sendJson(this.connection(), { path: this.path('_changes'), query });
  }

  /** Creates the database (with shard settings on a cluster); false when it exists. */
  async create(shards: Shards = {}): Promise<boolean> {
    const answer = await send(this.connection(), { method: 'PUT', path: this.path(), query: { q: shards.q, n: shards.n } });
    if (answer.status === 412) return false;
    if (answer.status >= 300) throw errorOf(answer);
    return true;
  }

  security(): Promise<Record<string, unknown>> {
    return sendJson(this.connection(), { path: this.path('_security') });
  }

  async setSecurity(security: Record<string, unknown>): Promise<void> {
    await sendJson(this.connection(), { method: 'PUT', path: this.path('_security'), body: security });
  }
}
