// Invocation by event: every enabled function of the account bound to the
// event runs (and its resellers' global functions bound to it, unless the
// account replaced them with its own), a few at a time (one request must not become a flood of calls
// on the shared engine), each under its own deadline (the events_listing
// view finds them; no scan).
import { performance } from 'node:perf_hooks';
import type { AccountDoc } from '../accounts/directory.js';
import type { FunctionStore } from '../functions/store.js';
import type { GlobalFunctions } from '../globals/catalog.js';
import type { CallRequest, Invoker } from './invoker.js';

export interface EventResult {
  id: string;
  result?: unknown;
  error?: { code: string; message: string };
  duration_ms: number;
}

export class EventDispatcher {
  constructor(private readonly functions: FunctionStore, private readonly invoker: Invoker, private readonly fanOut: number,
    private readonly globals: GlobalFunctions) {}

  /** What runs on the event for the account: its own listeners, then its resellers' global ones. */
  async listeners(account: AccountDoc, event: string): Promise<string[]> {
    const [own, global] = await Promise.all([this.functions.listening(account._id, event), this.globals.listeningFor(account, event)]);
    return [...own, ...global];
  }

  async invoke(account: AccountDoc, event: string, call: CallRequest): Promise<EventResult[]> {
    const ids = await this.listeners(account, event);
    const results: EventResult[] = new Array(ids.length);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const at = next++;
        results[at] = await this.runOne(account, ids[at], call);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.fanOut, ids.length) }, worker));
    return results;
  }

  private async runOne(account: AccountDoc, id: string, call: CallRequest): Promise<EventResult> {
    const started = performance.now();
    const outcome = await this.invoker.run(account, id, call);
    const duration = Math.round(performance.now() - started);
    if (outcome.kind === 'success') return { id, result: JSON.parse(outcome.callflow!), duration_ms: duration };
    return { id, error: { code: outcome.kind, message: outcome.reason ?? outcome.kind }, duration_ms: duration };
  }
}
