// Runs an account's function on a call: the function must be the account's,
// the account enabled, the call within its size; then the show runs it where
// the functions live. Each attempt is recorded after the answer is known,
// without making the caller wait.
import { performance } from 'node:perf_hooks';
import type { AccountDoc } from '../accounts/directory.js';
import type { Routing } from '../couch/routing.js';
import type { FunctionStore } from '../functions/store.js';
import { accountDisabled, ApiError, badIdentifier } from '../http/errors.js';
import type { AttemptLog } from './attempts.js';
import type { Outcome } from './outcome.js';
import { callShow, type ShowLimits } from './show-call.js';

export interface InvokeOptions extends ShowLimits { maxCallBytes: number }

export class Invoker {
  constructor(
    private readonly functions: FunctionStore,
    private readonly routing: Routing,
    private readonly attempts: AttemptLog,
    private readonly options: InvokeOptions
  ) {}

  /** Runs function `id` of `account` with a query string already in Kazoo's
   * encoding; `callId` is read only if the attempt is recorded. */
  async run(account: AccountDoc, id: string, query: string, callId: () => string | undefined): Promise<Outcome> {
    if (account.enabled === false) return { kind: 'disabled', error: accountDisabled(account._id), reason: 'account disabled' };
    if (query.length > this.options.maxCallBytes) {
      throw new ApiError(413, 'too large', { cause: `the call is ${query.length} bytes encoded; at most ${this.options.maxCallBytes} are allowed` });
    }
    if ((await this.functions.owner(id)) !== account._id) return { kind: 'not_found', error: badIdentifier(id), reason: 'function not found' };
    const connection = this.routing.functions();
    const started = performance.now();
    const outcome = await callShow(connection, id, query, this.options);
    const duration = Math.round(performance.now() - started);
    const kept = outcome.kind === 'success' ? this.attempts.keeps('success') : outcome.kind !== 'not_found' && outcome.kind !== 'disabled';
    if (kept) this.record(account._id, id, outcome, duration, callId);
    return outcome;
  }

  private record(accountId: string, id: string, outcome: Outcome, duration: number, callId: () => string | undefined): void {
    const kind = outcome.kind;
    this.attempts.record(accountId, {
      timestamp: new Date().toISOString(), function_id: id, result: kind === 'success' ? 'success' : 'failure', kind,
      ...(outcome.reason ? { error: outcome.reason } : {}), duration_ms: duration, call_id: callId()
    });
  }
}
