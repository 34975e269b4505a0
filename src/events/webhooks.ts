// Webhook documents (Kazoo's fields) in the `webhooks` database, and the
// index every process keeps of them: loaded at start, followed through the
// changes feed, so a hook saved through one process fires in all of them.
import { CouchDatabase } from '../couch/database.js';
import { gregorianNow, newId, type StoredDoc } from '../couch/docs.js';
import { badIdentifier, invalidRequest } from '../errors.js';
import { hookOf, type LiveEvent } from './event.js';

export interface WebhookDoc extends StoredDoc {
  name: string;
  uri: string;
  hook: string;
  http_verb: 'get' | 'post' | 'put';
  retries: number;
  enabled: boolean;
  include_subaccounts?: boolean;
  custom_data?: Record<string, unknown>;
  modifiers?: Record<string, unknown>;
  format: 'form-data' | 'json';
  pvt_type: 'webhook';
  pvt_account_id: string;
  /** "too many failed attempts", when the disabler stopped it */
  pvt_disable_reason?: string;
  pvt_disabled_by?: string;
  /** failures before this time no longer count towards the disabler */
  pvt_enabled_at?: string;
}

/** The hook enabled again: the reason is cleared, and earlier failures no longer count. */
export function hookEnabledAgain(doc: WebhookDoc, now = new Date().toISOString()): WebhookDoc {
  const { pvt_disable_reason: _r, pvt_disabled_by: _b, ...rest } = doc;
  return { ...rest, enabled: true, pvt_enabled_at: now } as WebhookDoc;
}

/** Kazoo's modifiers: each key names a payload field and the value (or list
 * of values) it must have; a field the payload lacks does not filter. */
function modifiersAllow(modifiers: Record<string, unknown> | undefined, data: Record<string, unknown>): boolean {
  for (const [key, wanted] of Object.entries(modifiers ?? {})) {
    const value = data[key];
    if (value === undefined) continue;
    if (Array.isArray(wanted) ? wanted.length > 0 && !wanted.includes(value) : wanted !== value) return false;
  }
  return true;
}

/** Does the hook take this event? Its account or (include_subaccounts) an
 * ancestor's; its hook, or `all`; for `object`, custom_data's type and action
 * as Kazoo's webhooks_object filters; then the modifiers. */
export function hookTakes(hook: WebhookDoc, event: LiveEvent): boolean {
  if (hook.enabled === false) return false;
  const own = hook.pvt_account_id === event.account_id;
  if (!own && !(hook.include_subaccounts === true && event.account_tree.includes(hook.pvt_account_id))) return false;
  const carried = hookOf(event.name);
  if (hook.hook !== 'all' && hook.hook !== carried) return false;
  if (hook.hook === 'object' && hook.custom_data) {
    const { type, action } = hook.custom_data as { type?: unknown; action?: unknown };
    if (type !== undefined && type !== event.data.type) return false;
    if (action !== undefined && action !== 'all' && action !== event.data.action) return false;
  }
  return modifiersAllow(hook.modifiers, { event: event.name, ...event.data });
}

/** Webhooks one account may have: every event of it costs a request per hook. */
export const MAX_HOOKS = 50;

export class WebhookStore {
  /** every hook of every account, by id */
  private readonly hooks = new Map<string, WebhookDoc>();
  /** enabled hooks by their account: what an invocation asks, without a scan */
  private byAccount = new Map<string, WebhookDoc[]>();

  private reindex(): void {
    const index = new Map<string, WebhookDoc[]>();
    for (const hook of this.hooks.values()) {
      if (hook.enabled === false) continue;
      const list = index.get(hook.pvt_account_id) ?? [];
      list.push(hook);
      index.set(hook.pvt_account_id, list);
    }
    this.byAccount = index;
  }

  private put(id: string, doc: WebhookDoc | null): void {
    if (doc) this.hooks.set(id, doc);
    else this.hooks.delete(id);
    this.reindex();
  }

  constructor(readonly db: CouchDatabase<WebhookDoc>) {}

  /** Reads every hook (at start; the changes feed keeps the index current). */
  async load(): Promise<void> {
    const { rows } = await this.db.allDocs({ include_docs: true });
    this.hooks.clear();
    for (const row of rows) if (row.doc?.pvt_type === 'webhook') this.hooks.set(row.id, row.doc);
    this.reindex();
  }

  /** A hook changed (the changes feed): read it again. */
  async refresh(id: string): Promise<void> {
    const doc = await this.db.get(id);
    this.put(id, doc?.pvt_type === 'webhook' ? doc : null);
  }

  /** The enabled hooks of the account and of its ancestors, from the index. */
  private candidates(accountId: string, tree: string[]): WebhookDoc[] {
    return [accountId, ...tree].flatMap((id) => this.byAccount.get(id) ?? []);
  }

  /** The hooks that take the event, from the index (no read). */
  matching(event: LiveEvent): WebhookDoc[] {
    return this.candidates(event.account_id, event.account_tree).filter((hook) => hookTakes(hook, event));
  }

  /** Whether some enabled hook would take an event of this name in this account (before writing it). */
  wants(name: string, accountId: string, tree: string[]): boolean {
    const hook = hookOf(name);
    return this.candidates(accountId, tree).some((h) => (h.hook === 'all' || h.hook === hook)
      && (h.pvt_account_id === accountId || h.include_subaccounts === true));
  }

  /** From the index: the hook as last seen. */
  known(id: string): WebhookDoc | undefined {
    return this.hooks.get(id);
  }

  async get(accountId: string, id: string): Promise<WebhookDoc> {
    const doc = await this.db.get(id);
    if (doc?.pvt_type !== 'webhook' || doc.pvt_account_id !== accountId) throw badIdentifier(id);
    return doc;
  }

  async list(accountId: string): Promise<WebhookDoc[]> {
    const { rows } = await this.db.view<null>('webhooks', 'by_account', { key: accountId, include_docs: true });
    return rows.map((r) => r.doc!).filter(Boolean);
  }

  /** A new hook of the account; an account has at most MAX_HOOKS (each event is a request per hook). */
  async create(accountId: string, fields: Record<string, unknown>): Promise<WebhookDoc> {
    if ((await this.list(accountId)).length >= MAX_HOOKS) {
      throw invalidRequest(`an account has at most ${MAX_HOOKS} webhooks: remove one, or use one hook with several events`);
    }
    const now = gregorianNow();
    const doc = { ...fields, _id: newId(), pvt_type: 'webhook', pvt_account_id: accountId, pvt_created: now, pvt_modified: now } as unknown as WebhookDoc;
    return this.save(doc);
  }

  async save(doc: WebhookDoc): Promise<WebhookDoc> {
    const saved = { ...doc, pvt_modified: gregorianNow() };
    const rev = await this.db.put(saved);
    const stored = { ...saved, _rev: rev };
    this.put(doc._id, stored);
    return stored;
  }

  async remove(doc: WebhookDoc): Promise<void> {
    await this.db.remove(doc._id, doc._rev!);
    this.put(doc._id, null);
  }

  /** Re-enables the account's hooks the disabler stopped; returns their ids. */
  async reenable(accountId: string): Promise<string[]> {
    const now = new Date().toISOString();
    const docs = (await this.list(accountId)).filter((d) => d.enabled === false && d.pvt_disabled_by === 'auto')
      .map((d) => ({ ...hookEnabledAgain(d, now), pvt_modified: gregorianNow() }));
    if (docs.length === 0) return [];
    const results = await this.db.bulk(docs);
    const done = results.filter((r) => !r.error);
    for (const r of done) {
      const doc = docs.find((d) => d._id === r.id)!;
      this.hooks.set(r.id, { ...doc, _rev: r.rev });
    }
    this.reindex();
    return done.map((r) => r.id);
  }
}
