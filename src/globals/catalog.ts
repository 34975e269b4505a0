// Global functions: a reseller's function with `global: true` is usable by
// every account below that reseller, as if it were the account's own, unless
// the account defines its own function of the same name (an override, which
// the reseller may forbid). Nothing of it reaches any other branch.
import type { AccountDirectory, AccountDoc } from '../accounts/directory.js';
import type { FunctionDoc, FunctionStore, FunctionSummary } from '../functions/store.js';
import type { Installations } from './installations.js';

/** What runs when an account uses a function id: its own, or a reseller's in its name. */
export interface Resolved {
  functionId: string;
  /** the account that owns what runs: attempts and auto-disable count there */
  ownerId: string;
  /** a reseller's function run for another account: Account-ID is set to that account */
  global: boolean;
}

/** A global function as the accounts below its reseller see it in their lists. */
export interface ListedGlobal extends FunctionSummary { reseller_id: string; read_only: true; overridden?: true }

export class GlobalFunctions {
  constructor(private readonly functions: FunctionStore, private readonly accounts: AccountDirectory, readonly installations: Installations) {}

  /** Whether the function is a global function of a reseller above the account. */
  async usableBy(account: AccountDoc, fn: FunctionDoc): Promise<boolean> {
    if (fn.global !== true || fn.pvt_account_id === account._id || !account.pvt_tree.includes(fn.pvt_account_id)) return false;
    const owner = await this.accounts.find(fn.pvt_account_id);
    return owner !== null && owner.enabled !== false && this.accounts.isReseller(owner);
  }

  /** Function `id` when it is a global function the account may use, else null. */
  async visibleTo(account: AccountDoc, id: string): Promise<FunctionDoc | null> {
    const fn = await this.functions.find(id);
    return fn && (await this.usableBy(account, fn)) ? fn : null;
  }

  /** The account's own function of the global function's name, when overrides are allowed. */
  async override(account: AccountDoc, fn: FunctionDoc): Promise<string | null> {
    if (fn.allow_overrides === false) return null;
    return (await this.functions.named(account._id, fn.name))[0]?.id ?? null;
  }

  /** What runs when the account invokes function `id`, which it does not own; null: nothing it may run. */
  async forAccount(account: AccountDoc, id: string): Promise<Resolved | null> {
    const fn = await this.visibleTo(account, id);
    if (!fn) return null;
    return this.runFor(account, fn);
  }

  /** What runs for the account in place of the global function: its own override, or the global one. */
  async runFor(account: AccountDoc, fn: FunctionDoc): Promise<Resolved> {
    const own = await this.override(account, fn);
    return own ? { functionId: own, ownerId: account._id, global: false } : { functionId: fn._id, ownerId: fn.pvt_account_id, global: true };
  }

  /** A reseller's global function by name (the public route); null when there is none, or the account is no enabled reseller. */
  async byName(resellerId: string, name: string): Promise<{ reseller: AccountDoc; fn: FunctionDoc } | null> {
    const reseller = await this.accounts.find(resellerId);
    if (!reseller || reseller.enabled === false || !this.accounts.isReseller(reseller)) return null;
    const match = (await this.functions.named(resellerId, name)).find((row) => row.global);
    const fn = match ? await this.functions.find(match.id) : null;
    return fn?.global === true ? { reseller, fn } : null;
  }

  /** The account a request's value names for the reseller's global function:
   * an installation's, while that account is enabled and still below the reseller; else null. */
  async installedAccount(reseller: AccountDoc, fn: FunctionDoc, value: string | undefined): Promise<AccountDoc | null> {
    if (value === undefined || value === '') return null;
    const installation = await this.installations.match(fn, value);
    const account = installation ? await this.accounts.find(installation.pvt_account_id) : null;
    return account && account.enabled !== false && account.pvt_tree.includes(reseller._id) ? account : null;
  }

  /** The global function of that name an account may install: its nearest reseller's first. */
  async installable(account: AccountDoc, name: string): Promise<FunctionDoc | null> {
    for (const reseller of await this.accounts.resellersAbove(account)) {
      const found = await this.byName(reseller._id, name);
      if (found) return found.fn;
    }
    return null;
  }

  /** The global functions of the resellers above the account that listen to
   * `event` and that it has not replaced with its own of the same name. */
  async listeningFor(account: AccountDoc, event: string): Promise<string[]> {
    const resellers = (await this.accounts.resellersAbove(account)).filter((r) => r.enabled !== false && r._id !== account._id);
    const ids = (await Promise.all(resellers.map((r) => this.functions.listening(r._id, event)))).flat();
    const usable: string[] = [];
    for (const id of ids) {
      const fn = await this.functions.find(id);
      if (fn?.global === true && fn.enabled !== false && !(await this.override(account, fn))) usable.push(id);
    }
    return usable;
  }

  /** The global functions listed to an account: every reseller's above it, read-only. */
  async listedTo(account: AccountDoc): Promise<ListedGlobal[]> {
    const listed: ListedGlobal[] = [];
    const resellers = (await this.accounts.resellersAbove(account)).filter((r) => r.enabled !== false);
    if (resellers.length === 0) return listed;
    const offered = await Promise.all(resellers.map(async (reseller) => ({ reseller, globals: await this.functions.globals(reseller._id) })));
    if (!offered.some(({ globals }) => globals.length > 0)) return listed;
    const own = await this.functions.names(account._id);
    for (const { reseller, globals } of offered) {
      for (const { allow_overrides: overridable, ...summary } of globals) {
        const overridden = overridable && own.has(summary.name);
        listed.push({ ...summary, reseller_id: reseller._id, read_only: true, ...(overridden ? { overridden: true as const } : {}) });
      }
    }
    return listed;
  }
}
