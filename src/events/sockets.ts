// Websocket sessions and their subscriptions. Each process holds its own
// sockets; each session is also a doc in the `websockets` database (renewed
// while the socket lives, expired when its process died), which every
// process follows, so that any process can list an account's sockets and
// knows whether an invocation event is wanted anywhere before it writes it.
import { randomBytes } from 'node:crypto';
import type { CouchDatabase } from '../couch/database.js';
import { bindingMatches, shortName, type LiveEvent } from './event.js';

export interface Subscription {
  account_id: string;
  binding: string;
  /** the account whose token made it */
  auth_account_id: string;
}

export interface SessionDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'websocket';
  subscriptions: Subscription[];
  /** ms: a session not renewed by then belongs to a process that is gone */
  expires_at: number;
  node: string;
  created: string;
}

/** What a socket sends on: the event message, in blackhole's shape. */
export interface EventMessage {
  action: 'event';
  subscribed_key: string;
  name: string;
  routing_key: string;
  data: Record<string, unknown>;
}

interface LocalSubscription extends Subscription {
  /** when the token it was made with expires (ms) */
  token_expires: number;
  /** the OAuth client whose token made it, if one did */
  client_id?: string;
  /** events before this time are not sent (a restart re-reads older ones) */
  since: number;
}

export interface LocalSession {
  id: string;
  subscriptions: LocalSubscription[];
  send(message: EventMessage): void;
  /** told of subscriptions that ended because their token expired, or was revoked (`why`) */
  expired(ended: Subscription[], why?: string): void;
  created: string;
}

const LEASE_MS = 90_000;
const RENEW_MS = 30_000;

export class SocketRegistry {
  private readonly local = new Map<string, LocalSession>();
  private readonly remote = new Map<string, SessionDoc>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly revs = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout;
  /** every binding subscribed on an account, in any process: what an invocation asks, without a scan */
  private bindingsByAccount = new Map<string, Set<string>>();

  private reindex(): void {
    const index = new Map<string, Set<string>>();
    for (const session of this.sessions()) {
      for (const s of session.subscriptions) {
        const set = index.get(s.account_id) ?? new Set<string>();
        set.add(s.binding);
        index.set(s.account_id, set);
      }
    }
    this.bindingsByAccount = index;
  }

  constructor(private readonly db: CouchDatabase<SessionDoc>, private readonly node: string, private readonly onError: (msg: string, err: unknown) => void) {
    this.timer = setInterval(() => {
      for (const id of this.local.keys()) this.persist(id);
      void this.removeExpired();
    }, RENEW_MS);
    this.expiry = setInterval(() => this.expireTokens(), 1000);
    this.timer.unref();
    this.expiry.unref();
  }

  newSessionId(): string {
    return randomBytes(16).toString('hex');
  }

  /** Reads every session doc (at start; the changes feed keeps this current). */
  async load(): Promise<void> {
    const { rows } = await this.db.allDocs({ include_docs: true });
    for (const row of rows) if (row.doc?.pvt_type === 'websocket' && !this.local.has(row.id)) this.remote.set(row.id, row.doc);
    this.reindex();
  }

  async refresh(id: string): Promise<void> {
    if (this.local.has(id)) return;
    const doc = await this.db.get(id);
    if (doc?.pvt_type === 'websocket') this.remote.set(id, doc);
    else this.remote.delete(id);
    this.reindex();
  }

  open(session: LocalSession): void {
    this.local.set(session.id, session);
  }

  subscribe(id: string, subscriptions: (Subscription & { token_expires: number; client_id?: string })[]): string[] {
    const session = this.local.get(id);
    if (!session) return [];
    const added: string[] = [];
    for (const s of subscriptions) {
      const existing = session.subscriptions.find((x) => x.account_id === s.account_id && x.binding === s.binding);
      if (existing) Object.assign(existing, { token_expires: s.token_expires, auth_account_id: s.auth_account_id, client_id: s.client_id });
      else session.subscriptions.push({ ...s, since: Date.now() });
      added.push(s.binding);
    }
    this.persist(id);
    return added;
  }

  unsubscribe(id: string, accountId: string | undefined, bindings: string[] | undefined): string[] {
    const session = this.local.get(id);
    if (!session) return [];
    const removed = session.subscriptions.filter((s) => (!accountId || s.account_id === accountId) && (!bindings || bindings.includes(s.binding)));
    session.subscriptions = session.subscriptions.filter((s) => !removed.includes(s));
    this.persist(id);
    return removed.map((s) => s.binding);
  }

  close(id: string): void {
    if (!this.local.delete(id)) return;
    this.persist(id);
  }

  /** Writes the session's doc (or deletes it once the socket is gone), one write at a time per session. */
  private persist(id: string): void {
    this.reindex();
    const previous = this.writes.get(id) ?? Promise.resolve();
    const write = previous.then(async () => {
      const session = this.local.get(id);
      const rev = this.revs.get(id);
      try {
        if (!session) {
          if (rev) await this.db.remove(id, rev);
          this.revs.delete(id);
          return;
        }
        if (!rev && session.subscriptions.length === 0) return;
        const doc: SessionDoc = {
          _id: id, ...(rev ? { _rev: rev } : {}), pvt_type: 'websocket', node: this.node, created: session.created,
          subscriptions: session.subscriptions.map(({ account_id, binding, auth_account_id }) => ({ account_id, binding, auth_account_id })),
          expires_at: Date.now() + LEASE_MS
        };
        this.revs.set(id, await this.db.put(doc));
      } catch (err) {
        this.onError('websocket session not recorded', err);
      }
    }).finally(() => { if (this.writes.get(id) === write) this.writes.delete(id); });
    this.writes.set(id, write);
  }

  private *sessions(): Iterable<{ id: string; subscriptions: Subscription[]; node: string }> {
    for (const s of this.local.values()) yield { id: s.id, subscriptions: s.subscriptions, node: this.node };
    const now = Date.now();
    for (const doc of this.remote.values()) {
      if (doc.expires_at > now && !this.local.has(doc._id)) yield { id: doc._id, subscriptions: doc.subscriptions, node: doc.node };
    }
  }

  /** Whether any socket, in any process, subscribes to such an event (a
   * session whose process died counts until its lease runs out). */
  wants(routingKey: string, accountId: string): boolean {
    const bindings = this.bindingsByAccount.get(accountId);
    if (!bindings) return false;
    for (const binding of bindings) if (bindingMatches(binding, routingKey)) return true;
    return false;
  }

  /** Sends the event to this process's sockets that subscribe to it: once
   * per socket, with the first binding that matched. */
  deliver(event: LiveEvent): void {
    const at = Date.parse(event.timestamp);
    const now = Date.now();
    for (const session of this.local.values()) {
      const hit = session.subscriptions.find((s) => s.account_id === event.account_id && s.token_expires > now
        && at >= s.since - 1000 && bindingMatches(s.binding, event.routing_key));
      if (!hit) continue;
      session.send({ action: 'event', subscribed_key: hit.binding, name: shortName(event), routing_key: event.routing_key, data: { event: event.name, ...event.data } });
    }
  }

  /** An expired token ends the subscriptions made with it. */
  private expireTokens(): void {
    const now = Date.now();
    this.end((s) => s.token_expires <= now);
  }

  /** Ends this process's subscriptions that `which` selects, telling their sockets why. */
  end(which: (s: LocalSubscription) => boolean, why?: string): void {
    for (const session of this.local.values()) {
      const ended = session.subscriptions.filter(which);
      if (ended.length === 0) continue;
      session.subscriptions = session.subscriptions.filter((s) => !which(s));
      this.persist(session.id);
      session.expired(ended.map(({ account_id, binding, auth_account_id }) => ({ account_id, binding, auth_account_id })), why);
    }
  }

  /** An account disabled or deleted: the subscriptions its tokens made, and those on it, end. */
  accountGone(accountId: string): void {
    this.end((s) => s.auth_account_id === accountId || s.account_id === accountId, 'the account was disabled or deleted');
  }

  /** An OAuth client revoked: the subscriptions its tokens made end. */
  clientRevoked(clientId: string): void {
    this.end((s) => s.client_id === clientId, 'the OAuth client was revoked');
  }

  /** The live sockets with a subscription on the account (any process). */
  sessionsOf(accountId: string): { id: string; bindings: string[] }[] {
    const found: { id: string; bindings: string[] }[] = [];
    for (const session of this.sessions()) {
      const bindings = session.subscriptions.filter((s) => s.account_id === accountId).map((s) => s.binding);
      if (bindings.length > 0) found.push({ id: session.id, bindings });
    }
    return found;
  }

  /** One socket's subscriptions on the account, or null. */
  session(accountId: string, id: string): { id: string; node: string; bindings: string[] } | null {
    for (const session of this.sessions()) {
      if (session.id !== id) continue;
      const bindings = session.subscriptions.filter((s) => s.account_id === accountId).map((s) => s.binding);
      return bindings.length > 0 ? { id, node: session.node, bindings } : null;
    }
    return null;
  }

  /** Sessions a dead process left behind, well past their lease, are removed (by any process; a race is harmless). */
  private async removeExpired(): Promise<void> {
    const cutoff = Date.now() - LEASE_MS;
    for (const doc of [...this.remote.values()]) {
      if (doc.expires_at > cutoff || !doc._rev) continue;
      await this.db.remove(doc._id, doc._rev).catch(() => undefined);
      this.remote.delete(doc._id);
    }
    this.reindex();
  }

  /** Stops renewing; this process's sessions are removed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.expiry);
    for (const id of [...this.local.keys()]) this.close(id);
    await Promise.allSettled([...this.writes.values()]);
  }
}
