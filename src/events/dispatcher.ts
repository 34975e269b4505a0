// Webhook delivery, once across proxy processes. Every process reads the same
// events; for each event and hook, the process that creates the delivery doc
// `d:{hook}:{event}` in `event_deliveries` sends it (CouchDB refuses the
// others' create with 409). The doc is the claim and a lease: a process that
// dies mid-delivery leaves it claimed, and once the lease runs out another
// process takes it over by updating it (its revision decides who), so an
// event is delivered at least once. Each try is an attempt; failed tries feed
// Kazoo's disabler (6 within 60 s disable the hook). Where every process
// stands in the feeds is a checkpoint doc, so events that happened while all
// were down are delivered after a restart.
import { randomBytes } from 'node:crypto';
import type { CouchDatabase } from '../couch/database.js';
import { CouchError } from '../couch/request.js';
import type { LiveEvent } from './event.js';
import type { HookSender } from './delivery.js';
import { RETENTION_MS } from './log.js';
import type { HookAttempt, HookAttempts, HookAttemptsDoc } from './webhook-attempts.js';
import type { WebhookDoc, WebhookStore } from './webhooks.js';

export interface DeliveryDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'delivery';
  state: 'claimed' | 'delivered' | 'failed' | 'dropped';
  hook_id: string;
  event: LiveEvent;
  owner: string;
  claimed_at: string;
  lease_until: number;
  takeovers?: number;
}

export interface CheckpointDoc {
  _id: string;
  _rev?: string;
  pvt_type: 'checkpoint';
  seq: string | number;
  /** the server the sequence belongs to (sequences do not carry over a storage move) */
  connection: string;
  /** wall time it was written, ms */
  at: number;
}

export interface DispatcherOptions {
  timeoutMs: number;
  backoffMs: number;
  disableAfterFailures: number;
  disableWindowSeconds: number;
  /** how often claims left by dead processes are looked for */
  leaseCheckMs?: number;
  /** deliveries in flight at once, per process */
  concurrency?: number;
}

export const DISABLE_REASON = 'too many failed attempts';
const CHECKPOINT_EVERY_MS = 1000;
/** beyond the longest a delivery can take: a live process always finishes inside its lease */
const LEASE_MARGIN_MS = 5000;
const CLEANUP_MS = 10 * 60_000;

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

export class WebhookDispatcher {
  readonly processId = randomBytes(8).toString('hex');
  private readonly underWay = new Set<Promise<void>>();
  /** deliveries waiting to start, per account of their hook, served in turn */
  private readonly queues = new Map<string, (() => void)[]>();
  private readonly turns: string[] = [];
  private readonly running = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private readonly stopping = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly checkpointsWritten = new Map<string, { at: number; rev?: string }>();

  constructor(
    private readonly hooks: WebhookStore,
    private readonly deliveries: CouchDatabase<DeliveryDoc | CheckpointDoc>,
    private readonly attempts: HookAttempts,
    private readonly sender: HookSender,
    private readonly options: DispatcherOptions,
    private readonly onError: (msg: string, err: unknown) => void
  ) {}

  start(): void {
    const leases = setInterval(() => { void this.takeOverExpired().catch((err) => this.onError('expired webhook claims not taken over', err)); }, this.options.leaseCheckMs ?? 5000);
    const cleanup = setInterval(() => { void this.cleanup().catch(() => undefined); }, CLEANUP_MS);
    for (const t of [leases, cleanup]) t.unref();
    this.timers.push(leases, cleanup);
  }

  /** Claims every (hook, event) pair no process claimed yet and starts its
   * delivery; resolves once the claims are written, not the deliveries. */
  async handle(events: LiveEvent[]): Promise<void> {
    const claims: Promise<void>[] = [];
    for (const event of events) {
      for (const hook of this.hooks.matching(event)) claims.push(this.claim(hook, event));
    }
    await Promise.all(claims);
  }

  /** How long a delivery may take before another process may take it over. */
  private leaseMs(hook: WebhookDoc): number {
    const tries = (hook.retries ?? 2) + 1;
    let backoff = 0;
    for (let t = 1; t < tries; t++) backoff += this.options.backoffMs * 2 ** (t - 1);
    return tries * this.options.timeoutMs + backoff + LEASE_MARGIN_MS;
  }

  private async claim(hook: WebhookDoc, event: LiveEvent): Promise<void> {
    const doc: DeliveryDoc = {
      _id: `d:${hook._id}:${event.id}`, pvt_type: 'delivery', state: 'claimed', hook_id: hook._id, event,
      owner: this.processId, claimed_at: new Date().toISOString(), lease_until: Date.now() + this.leaseMs(hook)
    };
    let written: { rev: string; accepted: boolean };
    try {
      written = await this.deliveries.write(doc as DeliveryDoc | CheckpointDoc);
    } catch (err) {
      if (err instanceof CouchError && err.status === 409) return; // another process has it
      throw err;
    }
    // a cluster that only accepted the write may still pick a racing claim: ask which won
    if (written.accepted && !(await this.stillMine(doc._id))) return;
    this.schedule({ ...doc, _rev: written.rev });
  }

  private async stillMine(id: string): Promise<boolean> {
    await sleep(200);
    const current = await this.deliveries.get(id) as DeliveryDoc | null;
    return current?.owner === this.processId;
  }

  private schedule(doc: DeliveryDoc): void {
    const account = this.hooks.known(doc.hook_id)?.pvt_account_id ?? '';
    const run = new Promise<void>((resolve) => this.enqueue(account, resolve))
      .then(() => this.deliver(doc))
      .catch((err) => this.onError('webhook delivery not finished', err))
      .finally(() => {
        this.active--;
        const left = (this.running.get(account) ?? 1) - 1;
        if (left > 0) this.running.set(account, left);
        else this.running.delete(account);
        this.underWay.delete(run);
        this.next();
      });
    this.underWay.add(run);
    this.next();
  }

  private enqueue(account: string, start: () => void): void {
    const queue = this.queues.get(account);
    if (queue) queue.push(start);
    else {
      this.queues.set(account, [start]);
      this.turns.push(account);
    }
  }

  /** Starts waiting deliveries, accounts in turn, none holding more than a
   * quarter of the slots: one tenant's slow receivers cannot hold everyone's. */
  private next(): void {
    const slots = this.options.concurrency ?? 32;
    const perAccount = Math.max(1, Math.floor(slots / 4));
    for (let i = 0; this.active < slots && i < this.turns.length;) {
      const account = this.turns[i];
      if ((this.running.get(account) ?? 0) >= perAccount) {
        i++;
        continue;
      }
      const queue = this.queues.get(account)!;
      const start = queue.shift()!;
      this.turns.splice(i, 1);
      if (queue.length > 0) this.turns.push(account); // to the back of the line
      else this.queues.delete(account);
      this.active++;
      this.running.set(account, (this.running.get(account) ?? 0) + 1);
      start();
    }
  }

  /** The lease starts again when sending starts, not when the claim was
   * queued: a claim that waited long must not be taken over while it is being
   * sent. Null when another process took it over while it waited. */
  private async renew(claim: DeliveryDoc): Promise<DeliveryDoc | null> {
    const hook = this.hooks.known(claim.hook_id);
    const next: DeliveryDoc = { ...claim, lease_until: Date.now() + (hook ? this.leaseMs(hook) : 60_000) };
    try {
      return { ...next, _rev: await this.deliveries.put(next as DeliveryDoc | CheckpointDoc) };
    } catch (err) {
      if (err instanceof CouchError && err.status === 409) return null;
      throw err;
    }
  }

  /** Tries the request as many times as the hook says, with growing pauses. */
  private async deliver(queued: DeliveryDoc): Promise<void> {
    const claim = await this.renew(queued);
    if (!claim) return;
    let state: DeliveryDoc['state'] = 'dropped';
    const tries = () => ((this.hooks.known(claim.hook_id)?.retries ?? 2) + 1);
    for (let attempt = 1; attempt <= tries(); attempt++) {
      // a hook deleted or disabled meanwhile gets nothing more
      if (this.stopped) return this.release(claim);
      const hook = this.hooks.known(claim.hook_id);
      if (!hook || hook.enabled === false) break;
      const result = await this.sender.send(hook, claim.event);
      const retriesLeft = tries() - attempt;
      const record: HookAttempt = {
        timestamp: new Date().toISOString(), hook_id: hook._id, event_id: claim.event.id, event: claim.event.name,
        result: result.ok ? 'success' : 'failure', try: attempt, retries_left: retriesLeft, method: hook.http_verb ?? 'post',
        ...(result.status !== undefined ? { resp_status_code: String(result.status) } : {}),
        ...(result.reason ? { reason: result.reason } : {}),
        ...(result.clientError ? { client_error: result.clientError } : {})
      };
      const written = await this.attempts.record(hook.pvt_account_id, record).catch((err) => { this.onError('webhook attempt not recorded', err); return null; });
      if (result.ok) {
        state = 'delivered';
        break;
      }
      state = 'failed';
      if (written) await this.checkDisable(hook, written).catch((err) => this.onError('webhook not disabled', err));
      if (attempt < tries()) await sleep(this.options.backoffMs * 2 ** (attempt - 1), this.stopping.signal);
    }
    await this.finish(claim, state);
  }

  /** A stop leaves what it did not finish to another process (or the next start), at once. */
  private async release(claim: DeliveryDoc): Promise<void> {
    await this.deliveries.put({ ...claim, lease_until: Date.now() } as DeliveryDoc | CheckpointDoc).catch(() => undefined);
  }

  private async finish(claim: DeliveryDoc, state: DeliveryDoc['state']): Promise<void> {
    try {
      await this.deliveries.put({ ...claim, state } as DeliveryDoc | CheckpointDoc);
    } catch (err) {
      // taken over meanwhile (our lease ran out): the other process finishes it
      if (!(err instanceof CouchError && err.status === 409)) throw err;
    }
  }

  /** Kazoo's disabler: enough failed requests within the window disable the
   * hook; failures before it was last enabled do not count. */
  private async checkDisable(hook: WebhookDoc, attempts: HookAttemptsDoc): Promise<void> {
    const { disableAfterFailures: limit, disableWindowSeconds: window } = this.options;
    if (limit === 0) return;
    const count = (since: number) => attempts.failures.filter((a) => Date.parse(a.timestamp) >= since).length;
    const windowStart = Date.now() - window * 1000;
    if (count(windowStart) < limit) return;
    for (let tries = 0; tries < 3; tries++) {
      const doc = await this.hooks.get(hook.pvt_account_id, hook._id).catch(() => null);
      if (!doc || doc.enabled === false) return;
      if (count(Math.max(windowStart, Date.parse(doc.pvt_enabled_at ?? '') || 0)) < limit) return;
      try {
        await this.hooks.save({ ...doc, enabled: false, pvt_disable_reason: DISABLE_REASON, pvt_disabled_by: 'auto' });
        return;
      } catch (err) {
        if (!(err instanceof CouchError && err.status === 409)) throw err;
      }
    }
  }

  /** Claims whose lease ran out (their process died): taken over and delivered again. */
  async takeOverExpired(now = Date.now()): Promise<number> {
    if (this.stopped) return 0;
    const { rows } = await this.deliveries.view<null>('event_deliveries', 'leases', { endkey: now, include_docs: true, limit: 100 });
    let taken = 0;
    for (const row of rows) {
      const doc = row.doc as DeliveryDoc | undefined;
      if (!doc || doc.state !== 'claimed' || doc.lease_until > now) continue;
      const hook = this.hooks.known(doc.hook_id);
      const next: DeliveryDoc = { ...doc, owner: this.processId, lease_until: now + (hook ? this.leaseMs(hook) : 60_000), takeovers: (doc.takeovers ?? 0) + 1 };
      try {
        next._rev = await this.deliveries.put(next as DeliveryDoc | CheckpointDoc);
      } catch (err) {
        if (err instanceof CouchError && err.status === 409) continue;
        throw err;
      }
      taken++;
      this.schedule(next);
    }
    return taken;
  }

  /** Finished deliveries older than the event log's retention are removed. */
  /** Removes finished claims older than the retention, a thousand at a time until none is left. */
  private async cleanup(): Promise<void> {
    const cutoff = new Date(Date.now() - RETENTION_MS).toISOString();
    for (;;) {
      const { rows } = await this.deliveries.view<null>('event_deliveries', 'by_time', { endkey: cutoff, include_docs: true, limit: 1000 });
      const old = rows.filter((r) => r.doc).map((r) => ({ _id: r.id, _rev: r.doc!._rev, _deleted: true }));
      if (old.length > 0) await this.deliveries.bulk(old);
      if (rows.length < 1000 || old.length === 0 || this.stopped) return;
    }
  }

  async checkpoint(source: string): Promise<CheckpointDoc | null> {
    const doc = await this.deliveries.get(`checkpoint:${source}`);
    return doc?.pvt_type === 'checkpoint' ? doc as CheckpointDoc : null;
  }

  /** Where the feed of `source` stands, once every event before it is claimed.
   * Written at most once a second (`force` at a stop); a race between
   * processes at worst moves it back, which only re-reads claimed events. */
  async saveCheckpoint(source: string, seq: string | number, connection: string, force = false): Promise<void> {
    const last = this.checkpointsWritten.get(source);
    if (!force && last && Date.now() - last.at < CHECKPOINT_EVERY_MS) return;
    const id = `checkpoint:${source}`;
    for (let tries = 0; tries < 3; tries++) {
      const current = await this.deliveries.get(id) as CheckpointDoc | null;
      if (current && current.seq === seq && current.connection === connection) {
        this.checkpointsWritten.set(source, { at: Date.now() });
        return;
      }
      try {
        await this.deliveries.put({ _id: id, ...(current ? { _rev: current._rev } : {}), pvt_type: 'checkpoint', seq, connection, at: Date.now() } as DeliveryDoc | CheckpointDoc);
        this.checkpointsWritten.set(source, { at: Date.now() });
        return;
      } catch (err) {
        if (!(err instanceof CouchError && err.status === 409)) throw err;
      }
    }
  }

  /** Waits for deliveries under way (a stop lets them finish their current request, then leaves the rest to the leases). */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const t of this.timers) clearInterval(t);
    while (this.underWay.size > 0) await Promise.allSettled([...this.underWay]);
    await this.sender.close();
  }
}
