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
//
// A free worker takes up to MAX_BATCH waiting calls of the account whose turn
// it is in one message and runs them one after the other, each with its own
// time limit, answering each as it ends (those ending within a millisecond of
// each other in one message): under load a call costs the event loop a
// fraction of a hand-over each way instead of a whole one. Only that
// account's own calls wait behind each other; the others keep their turns and
// workers.
import { Worker } from 'node:worker_threads';
import { ENDS_WORKER, type Isolation, type ShowJob, type ShowOutcome, type ShowWorkerOptions, type WorkerMessage } from './show-protocol.js';

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
interface Slot {
  worker: Worker;
  /** the worker has started: calls are sent only then */
  ready: boolean;
  /** the calls sent to the worker, not answered yet, in the order it runs them */
  sent: Pending[];
  /** whose calls they are: a worker serves one account's batch at a time */
  account?: string;
  watchdog?: NodeJS.Timeout;
  /** show keys whose source the worker has */
  known: Set<string>;
  /** shared with the worker: the id of the job it is in, negative while it sets it up, 0 between jobs */
  running: Int32Array;
}

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
// calls of one account a worker takes at once
const MAX_BATCH = 4;

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
      this.wait({ job: { ...request, id: this.nextId++, timeoutMs: this.timeoutMs }, account, resolve });
      this.dispatch();
    });
  }

  /** A call waits in its account's queue, at the back (or `first`: one that a worker handed back). */
  private wait(pending: Pending, first = false): void {
    // waiting is not running: past the time limit the call gives up unblamed
    pending.expiry = setTimeout(() => this.expire(pending), this.timeoutMs);
    const queue = this.queues.get(pending.account);
    if (!queue) {
      this.queues.set(pending.account, [pending]);
      this.turns.push(pending.account);
    } else if (first) queue.unshift(pending);
    else queue.push(pending);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const pending of queue) this.settle(pending, { ok: false, failure: 'closed', message: 'show engine is closed' });
    }
    this.queues.clear();
    this.turns.length = 0;
    await Promise.all(this.slots.map((slot) => this.retire(slot, { ok: false, failure: 'closed', message: 'show engine is closed' })));
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
    const running = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./show-worker.js', import.meta.url), { workerData: { ...this.workerOptions, running } });
    const slot: Slot = { worker, ready: false, sent: [], known: new Set(), running };
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        slot.ready = true;
        this.dispatch();
        return;
      }
      for (const { id, outcome, last } of message.answers) this.answered(slot, id, outcome, last);
    });
    worker.on('error', (err) => this.replace(slot, { ok: false, failure: 'crashed', message: `show worker failed: ${err.message}` }));
    // a worker that exits without an error (e.g. aborted) is replaced at once, not at its watchdog
    worker.on('exit', () => { if (this.slots.includes(slot)) this.replace(slot, { ok: false, failure: 'crashed', message: 'show worker exited' }); });
    worker.unref();
    return slot;
  }

  private answered(slot: Slot, id: number, outcome: ShowOutcome, last?: true): void {
    const at = slot.sent.findIndex((pending) => pending.job.id === id);
    if (at < 0) return;
    const pending = slot.sent[at];
    if (!outcome.ok && outcome.failure === 'resend') {
      // the worker let that show's source go: send the call again, with it
      slot.worker.postMessage([pending.job]);
      return;
    }
    if (!outcome.ok && outcome.failure === 'rerun' && !pending.job.fresh) {
      // others' memory may be what failed it: the worker goes, and the call
      // waits again with the rest of its batch, in order, for a fresh runtime
      pending.job = { ...pending.job, fresh: true };
      this.replace(slot, null);
      return;
    }
    slot.sent.splice(at, 1);
    pending.resolve(outcome);
    // the WebAssembly heap of a runtime that crashed or ran out of memory
    // may be broken: the whole worker goes, not only the runtime
    if ((!outcome.ok && ENDS_WORKER.has(outcome.failure)) || last) this.replace(slot, null);
    else if (slot.sent.length > 0) this.arm(slot); // the next call of the batch runs now
    else {
      this.release(slot);
      this.dispatch();
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.sent.length > 0) continue;
      const first = this.next();
      if (!first) return;
      const batch = [first, ...this.following(first.account)];
      for (const pending of batch) clearTimeout(pending.expiry);
      this.running.set(first.account, (this.running.get(first.account) ?? 0) + 1);
      slot.account = first.account;
      slot.sent = batch;
      this.arm(slot);
      slot.worker.postMessage(batch.map(({ job }) => {
        const known = slot.known.has(job.key);
        slot.known.add(job.key);
        return known ? { ...job, source: undefined } : job;
      }));
    }
  }

  /** More waiting calls of the account, for the batch its first call leads. */
  private following(account: string): Pending[] {
    const queue = this.queues.get(account);
    if (!queue) return [];
    const taken = queue.splice(0, MAX_BATCH - 1);
    if (queue.length === 0) this.forget(account);
    return taken;
  }

  /** Each call gets its time limit in the interpreter, and the grace, from
   * the worker's last answer. A call that answers late (its answer sent
   * with a later one's) only gives the next more time: the one the worker
   * is in when the watchdog fires is the one blamed (`running`). */
  private arm(slot: Slot): void {
    clearTimeout(slot.watchdog);
    slot.watchdog = setTimeout(() => this.replace(slot, { ok: false, failure: 'timeout', message: 'OS process timed out.' }), this.timeoutMs + WATCHDOG_GRACE_MS);
  }

  /** The worker has answered its batch: its account may run another. */
  private release(slot: Slot): void {
    clearTimeout(slot.watchdog);
    if (slot.account === undefined) return;
    const left = (this.running.get(slot.account) ?? 1) - 1;
    if (left > 0) this.running.set(slot.account, left);
    else this.running.delete(slot.account);
    slot.account = undefined;
  }

  /** Calls sent to a worker that ended before running them wait again, first in line. */
  private requeue(calls: Pending[]): void {
    for (const pending of calls.reverse()) {
      if (this.closed) this.settle(pending, { ok: false, failure: 'closed', message: 'show engine is closed' });
      else this.wait(pending, true);
    }
  }

  /** Ends the worker: the call it was in gets `failure` (none: it had
   * answered already), or `setup` if the sandbox was still getting it ready;
   * the others (not run yet, or run but not answered) wait again. */
  private async retire(slot: Slot, failure: ShowOutcome | null): Promise<void> {
    const calls = slot.sent;
    slot.sent = [];
    this.release(slot);
    if (failure && !failure.ok && failure.failure === 'closed') for (const pending of calls) pending.resolve(failure);
    else {
      const at = failure ? Atomics.load(slot.running, 0) : 0;
      const running = at === 0 ? -1 : calls.findIndex((pending) => pending.job.id === Math.abs(at));
      if (running >= 0) {
        const [call] = calls.splice(running, 1);
        call.resolve(at > 0 ? failure! : { ok: false, failure: 'setup', message: 'the sandbox could not get the call ready in time' });
      }
      this.requeue(calls);
    }
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    await slot.worker.terminate();
  }

  // A worker that does not answer in time (stuck outside the interpreter) or
  // died is killed and a fresh one takes its place.
  private replace(slot: Slot, failure: ShowOutcome | null): void {
    void this.retire(slot, failure);
    if (this.closed) return;
    this.slots[this.slots.indexOf(slot)] = this.spawn();
    this.dispatch();
  }
}
