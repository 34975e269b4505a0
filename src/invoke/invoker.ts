// Runs an account's function on a call, in one straight line: resolve the
// function (is it the account's, the account enabled, the call within its
// size), run it on the engine, classify, then record the attempt and, after
// the function's own failures, let the disabler count them. The caller gets
// its answer without waiting for the recording.
import { performance } from 'node:perf_hooks';
import type { AccountDoc } from '../accounts/directory.js';
import type { CallRate } from '../auth/guessing.js';
import type { FunctionStore } from '../functions/store.js';
import type { GlobalFunctions, Resolved } from '../globals/catalog.js';
import type { Attempt, AttemptLog } from './attempts.js';
import { withAccountId } from './encode.js';
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

/** What a caller who does not own the function (a reseller's global function,
 * run by a descendant or through the public route) learns of a run: the
 * outcome's kind, never the function's own words (its logs, what it threw,
 * why it was disabled), which stay in its owner's attempts. */
export function toOutsider(outcome: Outcome): Outcome {
  const { logs: _logs, ...rest } = outcome;
  if (FUNCTION_FAULTS.has(outcome.kind)) return { ...rest, reason: `the function failed (${outcome.kind}); its owner sees why in its attempts` };
  if (outcome.kind === 'disabled') return { ...rest, reason: 'the function is disabled' };
  // it may quote what the function threw (out of memory in a shared process)
  if (outcome.kind === 'unavailable') return { ...rest, reason: 'the function could not be run; its owner sees why in its attempts' };
  return rest;
}

/** The account directly below `ownerId` on the way down to `account` (the
 * account itself when the owner is its parent, or not above it at all). */
function branchOf(account: AccountDoc, ownerId: string): string {
  const at = account.pvt_tree.indexOf(ownerId);
  return at < 0 ? account._id : account.pvt_tree[at + 1] ?? account._id;
}

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
    private readonly onError: (err: unknown) => void,
    private readonly globals: GlobalFunctions
  ) {}

  observe(observer: RunObserver): void {
    this.observer = observer;
  }

  run(account: AccountDoc, functionId: string, call: CallRequest): Promise<Outcome> {
    return this.track(this.runNow(account, functionId, call));
  }

  /** Runs what the public route resolved: a reseller's global function for an
   * installed account (or that account's override), or for no account at all. */
  runResolved(account: AccountDoc | null, target: Resolved, call: CallRequest): Promise<Outcome> {
    // anyone may call the public route: its failures are recorded, never counted towards auto-disable
    return this.track(this.runTarget(account, target, call, false, false));
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
    const refused = this.refusal(account, call);
    if (refused) return refused;
    const target = await this.resolve(account, functionId);
    if (!target) return { kind: 'not_found', reason: 'function not found' };
    return this.runTarget(account, target, call, true);
  }

  private async runTarget(account: AccountDoc | null, target: Resolved, call: CallRequest, checked = false, counts = true): Promise<Outcome> {
    const refused = checked ? null : this.refusal(account, call);
    if (refused) return refused;
    const wait = account ? this.rate.take(account._id) : 0;
    if (wait > 0) return { kind: 'busy', reason: 'this account makes more calls a second than it may (COUCHFN_ACCOUNT_CALLS_PER_SECOND)', retryAfter: wait };
    // a reseller's function learns the account it runs for from the proxy, never from the caller
    const query = target.global ? withAccountId(call.query, account?._id ?? null) : call.query;
    const started = performance.now();
    const outcome = await this.engine().run(target.functionId, query, this.options);
    const duration = Math.round(performance.now() - started);
    this.record(target, account, call, outcome, duration, counts);
    const answer = target.ownerId === account?._id ? outcome : toOutsider(outcome);
    // live events go to the account that made the call (the public route with no installation has none)
    if (this.observer && account && !NOT_RUN.has(outcome.kind)) this.observer(account, target.functionId, call, answer, duration);
    return answer;
  }

  /** Why the call may not run at all, or null. */
  private refusal(account: AccountDoc | null, call: CallRequest): Outcome | null {
    if (account?.enabled === false) return { kind: 'account_disabled', reason: `account ${account._id} is disabled` };
    if (call.query.length > this.options.maxCallBytes) {
      return { kind: 'too_large', reason: `the call is ${call.query.length} bytes encoded; at most ${this.options.maxCallBytes} are allowed (COUCHFN_MAX_CALL_BYTES)` };
    }
    return null;
  }

  /** What runs: the account's own function (its owner from a cache, so a warm
   * call reads nothing), else a reseller's global function it may use. */
  private async resolve(account: AccountDoc, functionId: string): Promise<Resolved | null> {
    const owner = await this.functions.owner(functionId);
    if (owner === account._id) return { functionId, ownerId: owner, global: false };
    return owner === null ? null : this.globals.forAccount(account, functionId);
  }

  private record(target: Resolved, account: AccountDoc | null, call: CallRequest, outcome: Outcome, duration: number, counts: boolean): void {
    if (outcome.kind === 'not_found' || outcome.kind === 'disabled') return;
    const result = outcome.kind === 'success' ? 'success' : 'failure';
    if (!this.attempts.keeps(result)) return; // successes, unless configured: the hot path builds nothing
    const { functionId, ownerId } = target;
    const attempt: Attempt = {
      timestamp: new Date().toISOString(), function_id: functionId, result,
      kind: outcome.kind, ...(outcome.reason ? { error: outcome.reason } : {}), duration_ms: duration, call_id: call.callId,
      ...(outcome.logs?.lines.length ? { logs: outcome.logs.lines } : {}),
      ...(outcome.logs?.dropped ? { logs_dropped: outcome.logs.dropped } : {}),
      ...(outcome.version ? { version: outcome.version } : {}),
      // a reseller's function says for which account it ran (none: the public route matched no installation), and in which branch
      ...(target.global ? { account_id: account?._id ?? null, ...(account ? { branch_id: branchOf(account, ownerId) } : {}) } : {}),
      ...(counts ? {} : { counted: false as const })
    };
    // counted, and auto-disabled, where the function lives: a reseller's function is one, whoever runs it
    const written = this.attempts.record(ownerId, attempt);
    if (counts && FUNCTION_FAULTS.has(outcome.kind)) {
      void this.track(written.then((doc) => doc && this.disabler.check(ownerId, doc)).catch(this.onError));
    }
  }
}
