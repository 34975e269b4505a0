// Invocation by event: every enabled function of the account bound to the
// event runs, in parallel, each under its own deadline (the events_listing
// view finds them; no scan).
import { performance } from 'node:perf_hooks';
import type { AccountDoc } from '../accounts/directory.js';
import type { Routing } from '../couch/routing.js';
import { couchFailure } from '../couch/docs.js';
import { FUNCTIONS_DB } from '../functions/store.js';
import type { Invoker } from './invoker.js';

export interface EventResult {
  id: string;
  result?: unknown;
  error?: { code: string; message: string };
  duration_ms: number;
}

export class EventDispatcher {
  constructor(private readonly routing: Routing, private readonly invoker: Invoker) {}

  async listeners(accountId: string, event: string): Promise<string[]> {
    const { rows } = await this.routing.functions().server.use(FUNCTIONS_DB)
      .view('functions', 'events_listing', { key: [accountId, event] })
      .catch((err) => { throw couchFailure(err); });
    return rows.map((row) => row.id);
  }

  async invoke(account: AccountDoc, event: string, query: string, callId: () => string | undefined): Promise<EventResult[]> {
    const ids = await this.listeners(account._id, event);
    return Promise.all(ids.map(async (id) => {
      const started = performance.now();
      const outcome = await this.invoker.run(account, id, query, callId);
      const duration = Math.round(performance.now() - started);
      if (outcome.kind === 'success') return { id, result: JSON.parse(outcome.callflow!), duration_ms: duration };
      return { id, error: { code: outcome.kind, message: outcome.reason ?? outcome.kind }, duration_ms: duration };
    }));
  }
}
