// Kazoo's webhook discipline for functions: N failures of the function's own
// (threw, bad callflow, too slow) within a window disable it, with a reason
// that quotes the last error. Platform failures never count. The count is
// read from the function's attempts doc, which every proxy process writes,
// so the threshold holds across processes.
import type { FunctionDoc, FunctionStore } from '../functions/store.js';
import type { AttemptsDoc } from './attempts.js';
import { FUNCTION_FAULTS } from './outcome.js';

export interface DisablerOptions { afterFailures: number; windowSeconds: number }

export class AutoDisabler {
  constructor(private readonly functions: FunctionStore, private readonly options: DisablerOptions) {}

  async check(accountId: string, attempts: AttemptsDoc): Promise<void> {
    if (this.options.afterFailures === 0) return;
    for (let tries = 0; tries < 3; tries++) {
      const doc = await this.functions.get(accountId, attempts.function_id);
      if (doc.enabled === false) return;
      const since = Math.max(Date.now() - this.options.windowSeconds * 1000, Date.parse(String(doc.pvt_enabled_at ?? 0)) || 0);
      const faults = attempts.failures.filter((a) => FUNCTION_FAULTS.has(a.kind) && Date.parse(a.timestamp) >= since);
      if (faults.length < this.options.afterFailures) return;
      const reason = `too many failed attempts: ${faults.length} failures within ${this.options.windowSeconds} s; last: ${faults[0].error ?? faults[0].kind}`;
      try {
        await this.functions.save({ ...doc, enabled: false, pvt_disable_reason: reason, pvt_disabled_by: 'auto', pvt_disabled_at: new Date().toISOString() } as FunctionDoc);
        return;
      } catch (err) {
        if ((err as { status?: number }).status !== 409) throw err; // changed meanwhile: look again
      }
    }
  }
}
