// Runs an account's function on a call: the function must be the account's,
// the account enabled; then the show runs it where the functions live.
import type { AccountDoc } from '../accounts/directory.js';
import type { Routing } from '../couch/routing.js';
import type { FunctionStore } from '../functions/store.js';
import { accountDisabled, badIdentifier } from '../http/errors.js';
import { callShow } from './show-call.js';
import type { Outcome } from './outcome.js';

export interface InvokeOptions { deadlineMs: number }

export class Invoker {
  constructor(private readonly functions: FunctionStore, private readonly routing: Routing, private readonly options: InvokeOptions) {}

  /** Runs function `id` of `account` with a query string already in Kazoo's encoding. */
  async run(account: AccountDoc, id: string, query: string): Promise<Outcome> {
    if (account.enabled === false) return { kind: 'disabled', error: accountDisabled(account._id), reason: 'account disabled' };
    if ((await this.functions.owner(id)) !== account._id) return { kind: 'not_found', error: badIdentifier(id), reason: 'function not found' };
    return callShow(this.routing.functions(), id, query, this.options.deadlineMs);
  }
}
