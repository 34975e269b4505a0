// Live events in one process: read from CouchDB's changes feeds (the
// function documents, and the event log for invocations), handed to this
// process's websockets and to the webhook dispatcher, which claims each
// delivery once across processes. Both feeds start where the shared
// checkpoint says, so what happened while every process was down is
// delivered after a restart.
import type { AccountDoc } from '../accounts/directory.js';
import { ChangesFollower } from '../couch/changes.js';
import type { Connection } from '../couch/connection.js';
import type { FunctionDoc, FunctionStore } from '../functions/store.js';
import type { CallRequest } from '../invoke/invoker.js';
import { FUNCTION_FAULTS, type Outcome } from '../invoke/outcome.js';
import { LRUCache } from 'lru-cache';
import { functionRoutingKey, type LiveEvent } from './event.js';
import { EventFeed, type Change, type Seq } from './feed.js';
import { FunctionEvents } from './function-events.js';
import type { EventLog, EventLogDoc } from './log.js';
import type { WebhookDispatcher } from './dispatcher.js';
import type { SocketRegistry } from './sockets.js';
import type { WebhookStore } from './webhooks.js';

export interface HubParts {
  functions: FunctionStore;
  /** an account's ancestors, root first (null: no such account) */
  tree: (accountId: string) => Promise<string[] | null>;
  hooks: WebhookStore;
  sockets: SocketRegistry;
  log: EventLog;
  dispatcher: WebhookDispatcher;
  /** where the functions database is now (storage plans move it) */
  functionsConnection: () => Connection;
  main: Connection;
  names: { functions: string; events: string; webhooks: string; websockets: string };
  pollMs: number;
  onError: (msg: string, err: unknown) => void;
}

type Source = 'functions' | 'events';

export class EventHub {
  private readonly feeds: { stop(): Promise<void> }[] = [];
  private readonly followers: ChangesFollower[] = [];
  private functionEvents?: FunctionEvents;
  /** events this process already handed to its sockets (a batch read again after a failure is not sent twice) */
  private readonly sent = new LRUCache<string, true>({ max: 10_000 });

  constructor(private readonly parts: HubParts) {}

  async start(): Promise<void> {
    const { hooks, sockets, main, names, pollMs, onError } = this.parts;
    await hooks.load();
    await sockets.load();
    // hooks and sockets change seldom: their feeds need not be read as often as the events'
    const metaMs = Math.max(pollMs, 1000);
    this.followers.push(
      new ChangesFollower(main, names.webhooks, { intervalMs: metaMs, onChange: (id) => { void hooks.refresh(id).catch((err) => onError('webhook not reloaded', err)); }, onReset: () => { void hooks.load().catch(() => undefined); } }),
      new ChangesFollower(main, names.websockets, { intervalMs: metaMs, onChange: (id) => { void sockets.refresh(id).catch(() => undefined); }, onReset: () => { void sockets.load().catch(() => undefined); } })
    );
    const functionsStart = await this.startingPoint('functions', this.parts.functionsConnection().id);
    this.functionEvents = new FunctionEvents(this.parts.tree, functionsStart.at);
    this.feeds.push(new EventFeed<FunctionDoc>(this.parts.functionsConnection, names.functions, {
      intervalMs: pollMs, since: functionsStart.since,
      onBatch: (changes, seq, connection) => this.functionsBatch(changes, seq, connection),
      onError: (err) => onError('the functions changes feed cannot be read', err),
      onMoved: () => {
        // read from "now" on the new server: nothing cached from the old one is trusted
        this.parts.functions.forget();
        this.functionEvents!.restartAt(Date.now());
      }
    }));
    const eventsStart = await this.startingPoint('events', main.id);
    this.feeds.push(new EventFeed<EventLogDoc>(() => main, names.events, {
      intervalMs: pollMs, since: eventsStart.since,
      onBatch: (changes, seq, connection) => this.logBatch(changes, seq, connection),
      onError: (err) => onError('the events changes feed cannot be read', err)
    }));
    this.parts.dispatcher.start();
  }

  /** Where a feed starts: the checkpoint, when it is for the same server; else now. */
  private async startingPoint(source: Source, connection: string): Promise<{ since: Seq; at: number }> {
    const checkpoint = await this.parts.dispatcher.checkpoint(source);
    if (checkpoint && checkpoint.connection === connection) return { since: checkpoint.seq, at: checkpoint.at };
    return { since: 'now', at: Date.now() };
  }

  private async functionsBatch(changes: Change<FunctionDoc>[], seq: Seq, connection: string): Promise<void> {
    const events: LiveEvent[] = [];
    for (const change of changes) {
      const doc = change.doc;
      // the one reader of the functions feed: what this process caches of a function follows it here
      this.parts.functions.forget(change.id, typeof doc?.pvt_account_id === 'string' ? doc.pvt_account_id : undefined, doc?._rev);
      if (doc && !change.deleted && doc.pvt_type === 'function') this.parts.functions.remember(doc);
      events.push(...await this.functionEvents!.eventsOf(change));
    }
    await this.dispatch(events, 'functions', seq, connection);
    this.functionEvents!.markSeen(changes);
  }

  private async logBatch(changes: Change<EventLogDoc>[], seq: Seq, connection: string): Promise<void> {
    const events = changes.filter((c) => !c.deleted && c.doc?.pvt_type === 'event').map((c) => {
      const { _id: _i, _rev: _r, pvt_type: _t, ...event } = c.doc!;
      return event as LiveEvent;
    });
    await this.dispatch(events, 'events', seq, connection);
  }

  private async dispatch(events: LiveEvent[], source: Source, seq: Seq, connection: string): Promise<void> {
    for (const event of events) {
      if (this.sent.has(event.id)) continue;
      this.sent.set(event.id, true);
      this.parts.sockets.deliver(event);
    }
    await this.parts.dispatcher.handle(events);
    await this.parts.dispatcher.saveCheckpoint(source, seq, connection);
  }

  /** Is anyone (a hook, a socket in any process) listening for this event? */
  wants(name: string, routingKey: string, accountId: string, tree: string[]): boolean {
    return this.parts.hooks.wants(name, accountId, tree) || this.parts.sockets.wants(routingKey, accountId);
  }

  /** An invocation as events (function.invoked, and function.failed for the
   * function's own faults), written to the log only when someone listens. */
  invoked(account: AccountDoc, functionId: string, call: CallRequest, outcome: Outcome, durationMs: number): void {
    const invoked = functionRoutingKey('invoked', functionId);
    const failed = functionRoutingKey('failed', functionId);
    const wantsInvoked = this.wants('function.invoked', invoked, account._id, account.pvt_tree);
    const wantsFailed = FUNCTION_FAULTS.has(outcome.kind) && this.wants('function.failed', failed, account._id, account.pvt_tree);
    if (!wantsInvoked && !wantsFailed) return; // nobody listens: the hot path builds nothing
    const timestamp = new Date().toISOString();
    const name = this.parts.functions.knownName(functionId);
    const common = {
      account_id: account._id, function_id: functionId, ...(name !== undefined ? { name } : {}), timestamp,
      ...(call.callId ? { call_id: call.callId } : {}), kind: outcome.kind, duration_ms: durationMs
    };
    const base = { account_id: account._id, account_tree: account.pvt_tree, timestamp };
    if (wantsInvoked) {
      this.parts.log.publish({
        ...base, name: 'function.invoked', routing_key: invoked,
        data: { ...common, result: outcome.kind === 'success' ? 'success' : 'failure', ...(outcome.kind !== 'success' && outcome.reason ? { message: outcome.reason } : {}) }
      });
    }
    if (wantsFailed) {
      this.parts.log.publish({ ...base, name: 'function.failed', routing_key: failed, data: { ...common, message: outcome.reason ?? outcome.kind } });
    }
  }

  /** Stops reading; where each feed stands is written; deliveries under way finish their request. */
  async stop(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
    await Promise.all(this.feeds.map((f) => f.stop()));
    await this.parts.log.close();
    await this.parts.dispatcher.close();
    await this.parts.sockets.stop();
  }
}
