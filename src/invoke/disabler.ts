// Kazoo's webhook discipline for functions: N failures of the function's own
// (threw, bad callflow, too slow) within a window disable it, with a reason
// that quotes the last error. Platform failures never count. The count is
// read from the function's attempts doc, which every proxy process writes,
// so the threshold holds across processes; the function itself is read only
// when the threshold is reached. A reseller's global function runs for every
// account below it, and any of them can make it fail with the calls it
// sends. So towards its threshold the reseller's own calls count in full and
// each customer branch (an account directly below the reseller, and all
// below that) for at most half, and never so much that one more failure
// would reach it: one customer alone, even with another's occasional
// failure, cannot get it disabled for the others.
import { CouchError } from '../couch/request.js';
import type { FunctionDoc, FunctionStore } from '../functions/store.js';
import { sourceOf, type Attempt, type AttemptsDoc } from './attempts.js';
import { FUNCTION_FAULTS } from './outcome.js';

export interface DisablerOptions { afterFailures: number; windowSeconds: number }

export class AutoDisabler {
  constructor(private readonly functions: FunctionStore, private readonly options: DisablerOptions) {}

  private faults(attempts: AttemptsDoc, since: number) {
    return attempts.failures.filter((a) => FUNCTION_FAULTS.has(a.kind) && a.counted !== false && Date.parse(a.timestamp) >= since);
  }

  /** Whether the faults reach the threshold: the owner's own count in full,
   * a customer branch's up to half of it and at most two below it (a
   * threshold under 3 leaves customers' failures alone uncounted). */
  private enough(faults: Attempt[], ownerId: string): boolean {
    const { afterFailures } = this.options;
    const branchShare = Math.max(0, Math.min(Math.ceil(afterFailures / 2), afterFailures - 2));
    const perSource = new Map<string, number>();
    for (const a of faults) {
      const source = sourceOf(a) ?? ownerId;
      perSource.set(source, (perSource.get(source) ?? 0) + 1);
    }
    let counted = 0;
    for (const [source, n] of perSource) counted += source === ownerId ? n : Math.min(n, branchShare);
    return counted >= afterFailures;
  }

  /** Disables the function when its recent faults reach the threshold. */
  async check(accountId: string, attempts: AttemptsDoc): Promise<void> {
    const { afterFailures, windowSeconds } = this.options;
    const windowStart = Date.now() - windowSeconds * 1000;
    if (afterFailures === 0 || !this.enough(this.faults(attempts, windowStart), accountId)) return;
    for (let tries = 0; tries < 3; tries++) {
      const doc = await this.functions.get(accountId, attempts.function_id);
      if (doc.enabled === false) return;
      // re-enabling forgives what came before it
      const faults = this.faults(attempts, Math.max(windowStart, Date.parse(String(doc.pvt_enabled_at ?? 0)) || 0));
      if (!this.enough(faults, accountId)) return;
      const reason = `too many failed attempts: ${faults.length} failures within ${windowSeconds} s; last: ${faults[0].error ?? faults[0].kind}`;
      try {
        await this.functions.save({ ...doc, enabled: false, pvt_disable_reason: reason, pvt_disabled_by: 'auto', pvt_disabled_at: new Date().toISOString() } as FunctionDoc, doc);
        return;
      } catch (err) {
        if (!(err instanceof CouchError && err.status === 409)) throw err; // changed meanwhile: look again
      }
    }
  }
}
