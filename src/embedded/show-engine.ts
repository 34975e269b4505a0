// A pool of sandboxed show workers, as CouchDB keeps a pool of couchjs
// processes: a runaway function holds one worker until its time limit while
// the others keep answering. Calls in sequence meet the same worker, so the
// show's lockdown must make anything a call leaves behind harmless.
//
// Fair between accounts: each account (the doc's pvt_account_id) has its own
// queue, served in turn, and at most `perAccount` of its calls run at once,
// so one account's endless loops cannot take every worker. A call that cannot
// even wait (its account's queue is full, or it waited past the time limit)
// is answered `busy`: never the function's fault, since its code never ran.
import { Worker } from 'node:worker_threads';
import type { Isolation, ShowJob, ShowOutcome, ShowWorkerOptions } from './show-protocol.js';

export interface ShowEngineOptions {
  workers?: number;
  /** like CouchDB's [couchdb] os_process_timeout (5000 ms) */
  timeoutMs?: number;
  /** like CouchDB's [quickjs] memory_limit_bytes (64 MB) */
  memoryLimitBytes?: number;
  /** false behaves as SpiderMonkey without --eval: new Function is blocked */
  allowEval?: boolean;
  /** how many calls of one account may run at once */
  perAccount?: number;
  /** how many calls of one account may wait for a worker */
  queuedPerAccount?: number;
  /** which calls share a context (default: all, as a couchjs process) */
  isolation?: Isolation;
}

type Request = Omit<ShowJob, 'id' | 'timeoutMs' | 'source'> & { source: string; account: string };
interface Pending { job: ShowJob; account: string; resolve: (outcome: ShowOutcome) => void; expiry?: NodeJS.Timeout }
interface Slot { worker: Worker; current: Pending | null; watchdog?: NodeJS.Timeout; /** show keys whose source the worker has */ known: Set<string> }

/** Whose turn a call takes: the function's account; for a reseller's global
 * function, each account it runs for (the Account-ID couchfn sets) takes its
 * own, so one busy account cannot hold the function for every other. */
export function fairnessKey(doc: Record<string, any> | null, url: string): string {
  if (typeof doc?.pvt_account_id !== 'string') return '';
  if (doc.global !== true) return doc.pvt_account_id;
  return `${doc.pvt_account_id}/${new URLSearchParams(url.split('?')[1] ?? '').get('Account-ID') ?? ''}`;
}

// Grace for the worker's own interrupt before the pool kills it.
const WATCHDOG_GRACE_MS = 1000;

export class ShowEngine {
  readonly timeoutMs: number;
  private readonly workerOptions: ShowWorkerOptions;
  private readonly slots: Slot[] = [];
  /** waiting calls per account; an account is in `turns` while it has some */
  private readonly queues = new Map<string, Pending[]>();
  private readonly turns: string[] = [];
  private readonly running = new Map<string, number>();
  private readonly perAccount: number;
  private readonly queuedPerAccount: number;
  private nextId = 1;
  private closed = false;

  constructor(options: ShowEngineOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.workerOptions = { memoryLimitBytes: options.memoryLimitBytes ?? 64 * 1024 * 1024, allowEval: options.allowEval ?? true, isolation: options.isolation ?? 'shared' };
    const workers = options.workers ?? 4;
    this.perAccount = options.perAccount ?? Math.max(1, Math.ceil(workers / 2));
    this.queuedPerAccount = options.queuedPerAccount ?? 64;
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
  }

  run({ account, ...request }: Request): Promise<ShowOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, failure: 'closed', message: 'show engine is closed' });
    const queue = this.queues.get(account) ?? [];
    if (queue.length >= this.queuedPerAccount) {
      return Promise.resolve({ ok: false, failure: 'busy', message: `this account already has ${queue.length} calls waiting for the show engine` });
    }
    return new Promise((resolve) => {
      const pending: Pending = { job: { ...request, id: this.nextId++, timeoutMs: this.timeoutMs }, account, resolve };
      // waiting is not running: past the time limit the call gives up unblamed
      pending.expiry = setTimeout(() => this.expire(pending), this.timeoutMs);
      if (queue.length === 0) {
        this.queues.set(account, queue);
        this.turns.push(account);
      }
      queue.push(pending);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const pending of queue) this.settle(pending, { ok: false, failure: 'closed', message: 'show engine is closed' });
    }
    this.queues.clear();
    this.turns.length = 0;
    await Promise.all(this.slots.map((slot) => this.retire(slot, 'show engine is closed', 'closed')));
  }

  private settle(pending: Pending, outcome: ShowOutcome): void {
    clearTimeout(pending.expiry);
    pending.resolve(outcome);
  }

  private expire(pending: Pending): void {
    const queue = this.queues.get(pending.account);
    const at = queue?.indexOf(pending) ?? -1;
    if (at < 0) return;
    queue!.splice(at, 1);
    if (queue!.length === 0) this.forget(pending.account);
    this.settle(pending, { ok: false, failure: 'busy', message: `no show worker was free within ${this.timeoutMs} ms` });
  }

  private forget(account: string): void {
    this.queues.delete(account);
    this.turns.splice(this.turns.indexOf(account), 1);
  }

  /** The next waiting call, taking accounts in turn and skipping those at their cap. */
  private next(): Pending | undefined {
    for (let i = 0; i < this.turns.length; i++) {
      const account = this.turns[i];
      if ((this.running.get(account) ?? 0) >= this.perAccount) continue;
      const queue = this.queues.get(account)!;
      const pending = queue.shift()!;
      this.turns.splice(i, 1);
      if (queue.length === 0) this.queues.delete(account);
      else this.turns.push(account); // to the back of the line
      return pending;
    }
    return undefined;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./show-worker.js', import.meta.url), { workerData: this.workerOptions });
    const slot: Slot = { worker, current: null, known: new Set() };
    worker.on('message', ({ id, outcome }: { id: number; outcome: ShowOutcome }) => {
      if (slot.current?.job.id !== id) return;
      if (!outcome.ok && outcome.failure === 'resend') {
        // the worker let that show's source go: send the job again, with it
        slot.worker.postMessage(slot.current.job);
        return;
      }
      this.finish(slot, outcome);
      // the WebAssembly heap of a runtime that crashed or ran out of memory
      // may be broken or huge: the whole worker goes, not only the runtime
      if (!outcome.ok && (outcome.failure === 'crashed' || outcome.failure === 'memory')) this.replace(slot, 'show worker recycled');
      else this.dispatch();
    });
    worker.on('error', (err) => this.replace(slot, `show worker failed: ${err.message}`));
    // a worker that exits without an error (e.g. aborted) is replaced at once, not at its watchdog
    worker.on('exit', () => { if (this.slots.includes(slot)) this.replace(slot, 'show worker exited'); });
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current) continue;
      const pending = this.next();
      if (!pending) return;
      clearTimeout(pending.expiry);
      this.running.set(pending.account, (this.running.get(pending.account) ?? 0) + 1);
      slot.current = pending;
      slot.watchdog = setTimeout(() => this.replace(slot, 'OS process timed out.', 'timeout'), pending.job.timeoutMs + WATCHDOG_GRACE_MS);
      const { key } = pending.job;
      slot.worker.postMessage(slot.known.has(key) ? { ...pending.job, source: undefined } : pending.job);
      slot.known.add(key);
    }
  }

  private finish(slot: Slot, outcome: ShowOutcome): void {
    clearTimeout(slot.watchdog);
    const pending = slot.current;
    slot.current = null;
    if (!pending) return;
    const left = (this.running.get(pending.account) ?? 1) - 1;
    if (left > 0) this.running.set(pending.account, left);
    else this.running.delete(pending.account);
    pending.resolve(outcome);
  }

  private async retire(slot: Slot, message: string, failure: 'timeout' | 'crashed' | 'closed' = 'crashed'): Promise<void> {
    this.finish(slot, { ok: false, failure, message });
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    await slot.worker.terminate();
  }

  // A worker that does not answer in time (stuck outside the interpreter) or
  // died is killed and a fresh one takes its place.
  private replace(slot: Slot, message: string, failure: 'timeout' | 'crashed' = 'crashed'): void {
    void this.retire(slot, message, failure);
    if (this.closed) return;
    this.slots[this.slots.indexOf(slot)] = this.spawn();
    this.dispatch();
  }
}
