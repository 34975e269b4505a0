// A pool of sandboxed show workers, as CouchDB keeps a pool of couchjs
// processes: a runaway function holds one worker until its time limit while
// the others keep answering. Jobs wait in one queue and go to the first idle
// worker, so calls in sequence meet the same worker (and its leftovers, which
// the show's hardening must make harmless).
import { Worker } from 'node:worker_threads';
import type { ShowJob, ShowOutcome, ShowWorkerOptions } from './show-protocol.js';

export interface ShowEngineOptions {
  workers?: number;
  /** like CouchDB's [couchdb] os_process_timeout (5000 ms) */
  timeoutMs?: number;
  /** like CouchDB's [quickjs] memory_limit_bytes (64 MB) */
  memoryLimitBytes?: number;
  /** false behaves as SpiderMonkey without --eval: new Function is blocked */
  allowEval?: boolean;
}

type Request = Omit<ShowJob, 'id' | 'timeoutMs'>;
interface Pending { job: ShowJob; resolve: (outcome: ShowOutcome) => void }
interface Slot { worker: Worker; current: Pending | null; watchdog?: NodeJS.Timeout }

// Grace for the worker's own interrupt before the pool kills it.
const WATCHDOG_GRACE_MS = 1000;

export class ShowEngine {
  readonly timeoutMs: number;
  private readonly workerOptions: ShowWorkerOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ShowEngineOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.workerOptions = { memoryLimitBytes: options.memoryLimitBytes ?? 64 * 1024 * 1024, allowEval: options.allowEval ?? true };
    for (let i = 0; i < (options.workers ?? 4); i++) this.slots.push(this.spawn());
  }

  run(request: Request): Promise<ShowOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, failure: 'crashed', message: 'show engine is closed' });
    return new Promise((resolve) => {
      this.queue.push({ job: { ...request, id: this.nextId++, timeoutMs: this.timeoutMs }, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve({ ok: false, failure: 'crashed', message: 'show engine is closed' });
    await Promise.all(this.slots.map((slot) => this.retire(slot, 'show engine is closed')));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./show-worker.js', import.meta.url), { workerData: this.workerOptions });
    const slot: Slot = { worker, current: null };
    worker.on('message', ({ id, outcome }: { id: number; outcome: ShowOutcome }) => {
      if (slot.current?.job.id !== id) return;
      this.finish(slot, outcome);
      this.dispatch();
    });
    worker.on('error', (err) => this.replace(slot, `show worker failed: ${err.message}`));
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current) continue;
      const pending = this.queue.shift()!;
      slot.current = pending;
      slot.watchdog = setTimeout(() => this.replace(slot, 'OS process timed out.', 'timeout'), pending.job.timeoutMs + WATCHDOG_GRACE_MS);
      slot.worker.postMessage(pending.job);
    }
  }

  private finish(slot: Slot, outcome: ShowOutcome): void {
    clearTimeout(slot.watchdog);
    const pending = slot.current;
    slot.current = null;
    pending?.resolve(outcome);
  }

  private async retire(slot: Slot, message: string, failure: 'timeout' | 'crashed' = 'crashed'): Promise<void> {
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
