// Accounts and their tree. A request on account A is allowed when A is the
// caller's own account or a descendant of it, or the caller is the master.
import { LRUCache } from 'lru-cache';
import { apiKeyHash, newApiKey } from '../auth/api-keys.js';
import type { CouchDatabase } from '../couch/database.js';
import { gregorianNow, newId, type StoredDoc } from '../couch/docs.js';
import { CouchError } from '../couch/request.js';
import { badIdentifier, forbidden, invalidRequest } from '../errors.js';

export interface AccountDoc extends StoredDoc {
  name: string;
  enabled?: boolean;
  pvt_type: 'account';
  /** ancestors, root first */
  pvt_tree: string[];
  pvt_api_key?: string;
  pvt_api_key_hash: string;
  pvt_superduper_admin?: boolean;
  /** promoted by the master (PUT /v2/accounts/{A}/reseller); the master always is one */
  pvt_reseller?: boolean;
}

const MASTER_POINTER = 'master_account';
// The accounts changes feed tells every process of a change at once; this
// bounds how long one could go unseen if the feed itself were stuck.
const CACHE_MS = 60_000;

export class AccountDirectory {
  // null remembered too: an unknown id is not asked again and again
  private readonly cache = new LRUCache<string, { doc: AccountDoc | null }>({ max: 100_000, ttl: CACHE_MS });

  constructor(private readonly db: CouchDatabase<AccountDoc>, private readonly system: CouchDatabase<StoredDoc>) {}

  async find(id: string): Promise<AccountDoc | null> {
    const hit = this.cache.get(id);
    if (hit) return hit.doc;
    const found = await this.db.get(id);
    const doc = found?.pvt_type === 'account' ? found : null;
    this.cache.set(id, { doc });
    return doc;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  forgetAll(): void {
    this.cache.clear();
  }

  isWithin(caller: AccountDoc, target: AccountDoc): boolean {
    return caller.pvt_superduper_admin === true || target._id === caller._id || target.pvt_tree.includes(caller._id);
  }

  /** The account named in a URL, once the caller may act on it. Another branch
   * gets 403 whether or not the account exists, so ids cannot be probed. */
  async authorize(caller: AccountDoc, id: string): Promise<AccountDoc> {
    const target = await this.find(id);
    if (!target) throw caller.pvt_superduper_admin ? badIdentifier(id) : forbidden(`account ${id} is not yours`);
    if (!this.isWithin(caller, target)) throw forbidden(`account ${id} is not yours`);
    return target;
  }

  /** Kazoo's resellers: the master, and accounts the master promoted. */
  isReseller(doc: AccountDoc): boolean {
    return doc.pvt_superduper_admin === true || doc.pvt_reseller === true;
  }

  /** Kazoo's reseller_id: the account itself when it is a reseller, else its
   * nearest reseller ancestor (the master at the top). */
  async resellerOf(doc: AccountDoc): Promise<string> {
    if (this.isReseller(doc)) return doc._id;
    return (await this.resellersAbove(doc))[0]?._id ?? doc.pvt_tree[0] ?? doc._id;
  }

  /** The resellers among the account's ancestors, nearest first: whose global
   * functions it may use. Read through the cache, as every account is. */
  async resellersAbove(doc: AccountDoc): Promise<AccountDoc[]> {
    const above = await Promise.all([...doc.pvt_tree].reverse().map((id) => this.find(id)));
    return above.filter((a): a is AccountDoc => a !== null && this.isReseller(a));
  }

  /** Promotes the account to reseller, or demotes it; the master stays one. */
  async setReseller(doc: AccountDoc, reseller: boolean): Promise<AccountDoc> {
    if (doc.pvt_superduper_admin && !reseller) throw invalidRequest('the master account is always a reseller');
    if (doc.pvt_superduper_admin || (doc.pvt_reseller === true) === reseller) return doc;
    const { pvt_reseller: _r, ...rest } = doc;
    return this.save((reseller ? { ...rest, pvt_reseller: true } : rest) as AccountDoc);
  }

  async byApiKey(key: string): Promise<AccountDoc | null> {
    const { rows } = await this.db.view<null>('accounts', 'by_api_key', { key: apiKeyHash(key), include_docs: true });
    const doc = rows[0]?.doc;
    return doc && doc.enabled !== false ? doc : null;
  }

  async create(parent: AccountDoc, fields: Record<string, unknown>): Promise<AccountDoc> {
    const apiKey = newApiKey();
    const now = gregorianNow();
    const doc = {
      ...fields, _id: newId(), pvt_type: 'account', pvt_tree: [...parent.pvt_tree, parent._id],
      pvt_api_key: apiKey, pvt_api_key_hash: apiKeyHash(apiKey), pvt_created: now, pvt_modified: now
    } as unknown as AccountDoc;
    return this.save(doc);
  }

  async save(doc: AccountDoc): Promise<AccountDoc> {
    const saved = { ...doc, pvt_modified: gregorianNow() };
    const rev = await this.db.put(saved);
    this.forget(doc._id);
    return { ...saved, _rev: rev };
  }

  /** A new API key for the account, returned this once; the old one stops working in every process. */
  async rotateKey(doc: AccountDoc): Promise<{ account: AccountDoc; apiKey: string }> {
    const apiKey = newApiKey();
    // the master's key is never kept in clear; a sub-account's is readable by its ancestors, as Kazoo's
    const next = { ...doc, pvt_api_key_hash: apiKeyHash(apiKey), ...(doc.pvt_superduper_admin ? {} : { pvt_api_key: apiKey }) };
    return { account: await this.save(next), apiKey };
  }

  async remove(doc: AccountDoc): Promise<void> {
    if (doc.pvt_superduper_admin) throw forbidden('the master account cannot be deleted');
    if ((await this.children(doc._id)).length > 0) throw invalidRequest('delete the account\'s sub-accounts first');
    await this.db.remove(doc._id, doc._rev!);
    this.forget(doc._id);
  }

  async children(id: string): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.db.view<string>('accounts', 'by_parent', { key: id });
    return rows.map((row) => ({ id: row.id, name: row.value }));
  }

  /** Every account below id, at any depth. */
  async descendants(id: string): Promise<string[]> {
    const { rows } = await this.db.view<null>('accounts', 'by_ancestor', { key: id });
    return rows.map((row) => row.id);
  }

  /** The master (super-duper admin) account, made at first start. `apiKey`
   * (COUCHFN_MASTER_API_KEY) becomes its key; without one a key is generated
   * and returned once. A stored key is never replaced silently: a different
   * `apiKey` is ignored (`ignoredKey`) unless `reset` says to replace it.
   * Safe when several processes start together. */
  async ensureMaster(apiKey?: string, reset = false): Promise<{ account: AccountDoc; generatedKey?: string; ignoredKey?: boolean }> {
    try {
      await this.system.put({ _id: MASTER_POINTER, account_id: newId() });
    } catch (err) {
      if (!(err instanceof CouchError && err.status === 409)) throw err;
    }
    const pointer = await this.system.settled(MASTER_POINTER);
    const id = pointer!.account_id as string;
    const existing = await this.find(id);
    if (existing) {
      if (apiKey && existing.pvt_api_key_hash !== apiKeyHash(apiKey)) {
        if (!reset) return { account: existing, ignoredKey: true };
        return { account: await this.save({ ...existing, pvt_api_key_hash: apiKeyHash(apiKey) }) };
      }
      return { account: existing };
    }
    const key = apiKey ?? newApiKey();
    const now = gregorianNow();
    const master: AccountDoc = {
      _id: id, name: 'master', enabled: true, pvt_type: 'account', pvt_tree: [], pvt_superduper_admin: true,
      pvt_api_key_hash: apiKeyHash(key), pvt_created: now, pvt_modified: now
    };
    try {
      return { account: await this.save(master), generatedKey: apiKey ? undefined : key };
    } catch (err) {
      // another process made it first; its key was printed there
      if (err instanceof CouchError && err.status === 409) return { account: (await this.find(id))! };
      throw err;
    }
  }
}
