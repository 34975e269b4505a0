// Runs an account's function on a call, in one straight line: resolve the
// function (is it the account's, the account enabled, the call within its
// size), run it on the engine, classify, then record the attempt and, after
// the function's own failures, let the disabler count them. The caller gets
// its answer without waiting for the recording.
import { performance } from 'node:perf_hooks';
import type { AccountDoc } from '../accounts/directory.js';
import type { CallRate } from '../auth/guessing.js';
import type { FunctionStore } from '../functions/store.js';
import type { Attempt, AttemptLog } from './attempts.js';
import type { AutoDisabler } from './disabler.js';
import type { FunctionEngine, RunLimits } from './engine.js';
import { FUNCTION_FAULTS, type Outcome } from './outcome.js';

export interface InvokeOptions extends RunLimits { maxCallBytes: number }

/** A call to run: its Kazoo query string and, for the attempt log, its Call-ID. */
export interface CallRequest { query: string; callId?: string }

/** Told of every call that reached the engine (live events); must not throw or wait. */
export type RunObserver = (account: AccountDoc, functionId: string, call: CallRequest, outcome: Outcome, durationMs: number) => void;

// what the engine never ran: the caller's mistakes and a full account
const NOT_RUN = new Set(['not_found', 'disabled', 'busy', 'account_disabled', 'too_large']);

export class Invoker {
  /** runs, and their recording, not finished yet: a graceful stop waits for them */
  private readonly underWay = new Set<Promise<unknown>>();
  private observer?: RunObserver;

  constructor(
    private readonly functions: FunctionStore,
    private readonly engine: () => FunctionEngine,
    private readonly attempts: AttemptLog,
    private readonly disabler: AutoDisabler,
    private readonly options: InvokeOptions,
    private readonly rate: CallRate,
    private readonly onError: (err: unknown) => void
  ) {}

  observe(observer: RunObserver): void {
    this.observer = observer;
  }

  run(account: AccountDoc, functionId: string, call: CallRequest): Promise<Outcome> {
    return this.track(this.runNow(account, functionId, call));
  }

  /** Resolves when every run under way, and what it records, is done. */
  async idle(): Promise<void> {
    while (this.underWay.size > 0) await Promise.allSettled([...this.underWay]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.underWay.add(work);
    void work.finally(() => this.underWay.delete(work)).catch(() => undefined);
    return work;
  }

  private async runNow(account: AccountDoc, functionId: string, call: CallRequest): Promise<Outcome> {
    const refused = await this.resolve(account, functionId, call);
    if (refused) return refused;
    const started = performance.now();
    const outcome = await this.engine().run(functionId, call.query, this.options);
    const duration = Math.round(performance.now() - started);
    this.record(account._id, functionId, call, outcome, duration);
    if (this.observer && !NOT_RUN.has(outcome.kind)) this.observer(account, functionId, call, outcome, duration);
    return outcome;
  }

  /** Why the call may not run, or null. Reads the function only when its owner is not known yet. */
  private async resolve(account: AccountDoc, functionId: string, call: CallRequest): Promise<Outcome | null> {
    if (account.enabled === false) return { kind: 'account_disabled', reason: `account ${account._id} is disabled` };
    if (call.query.length > this.options.maxCallBytes) {
      return { kind: 'too_large', reason: `the call is ${call.query.length} bytes encoded; at most ${this.options.maxCallBytes} are allowed (COUCHFN_MAX_CALL_BYTES)` };
    }
    if ((await this.functions.owner(functionId)) !== account._id) return { kind: 'not_found', reason: 'function not found' };
    const wait = this.rate.take(account._id);
    if (wait > 0) return { kind: 'busy', reason: 'this account makes more calls a second than it may (COUCHFN_ACCOUNT_CALLS_PER_SECOND)', retryAfter: wait };
    return null;
  }

  private record(accountId: string, functionId: string, call: CallRequest, outcome: Outcome, duration: number): void {
    if (outcome.kind === 'not_found' || outcome.kind === 'disabled') return;
    const result = outcome.kind === 'success' ? 'success' : 'failure';
    if (!this.attempts.keeps(result)) return; // successes, unless configured: the hot path builds nothing
    const attempt: Attempt = {
      timestamp: new Date().toISOString(), function_id: functionId, result,
      kind: outcome.kind, ...(outcome.reason ? { error: outcome.reason } : {}), duration_ms: duration, call_id: call.callId,
      ...(outcome.logs?.lines.length ? { logs: outcome.logs.lines } : {}),
      ...(outcome.logs?.dropped ? { logs_dropped: outcome.logs.dropped } : {})
    };
    const written = this.attempts.record(accountId, attempt);
    if (FUNCTION_FAULTS.has(outcome.kind)) {
      void this.track(written.then((doc) => doc && this.disabler.check(accountId, doc)).catch(this.onError));
    }
  }
}
