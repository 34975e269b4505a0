// API clients of an account (OAuth 2.0 client credentials, RFC 6749 4.4).
// The secret is shown once; only its SHA-256 is stored (it is 256 random
// bits, so a slow hash adds nothing). Whether a client still exists is
// cached and followed through the changes feed, so revoking one stops its
// tokens in every process.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CouchDatabase } from '../couch/database.js';
import { gregorianNow, newId, type StoredDoc } from '../couch/docs.js';
import { isKazooId } from '../schemas/index.js';
import { badIdentifier } from '../errors.js';

export const SCOPES = ['functions.invoke', 'functions.read', 'functions.write'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a token request's `scope` (space-separated, RFC 6749 3.3) asks of a
 * client: those scopes, or the client's own when it names none, and which
 * of them the client was not granted. */
export function requestedScopes(granted: readonly Scope[], asked: unknown): { scope: string; beyond: string[] } {
  const names: readonly string[] = typeof asked === 'string' && asked.trim() ? asked.trim().split(/\s+/) : granted;
  const beyond = names.filter((name) => !granted.some((scope) => scope === name));
  return { scope: [...new Set(names)].join(' '), beyond };
}

export interface OAuthClientDoc extends StoredDoc {
  name: string;
  scopes: Scope[];
  /** lifetime of its tokens; the setting's when absent */
  token_seconds?: number;
  pvt_type: 'oauth_client';
  pvt_account_id: string;
  pvt_secret_hash: string;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();
const CACHE_LIMIT = 10_000;

export class OAuthClients {
  private readonly active = new LRUCache<string, boolean>({ max: CACHE_LIMIT });

  constructor(private readonly db: CouchDatabase<OAuthClientDoc>) {}

  async create(accountId: string, fields: { name: string; scopes: Scope[]; token_seconds?: number }): Promise<{ doc: OAuthClientDoc; secret: string }> {
    const secret = randomBytes(32).toString('base64url');
    const now = gregorianNow();
    const doc = {
      ...fields, _id: newId(), pvt_type: 'oauth_client', pvt_account_id: accountId,
      pvt_secret_hash: hash(secret).toString('hex'), pvt_created: now, pvt_modified: now
    } as OAuthClientDoc;
    const rev = await this.db.put(doc);
    return { doc: { ...doc, _rev: rev }, secret };
  }

  private async read(id: string): Promise<OAuthClientDoc | null> {
    const doc = await this.db.get(id);
    return doc?.pvt_type === 'oauth_client' ? doc : null;
  }

  async get(accountId: string, id: string): Promise<OAuthClientDoc> {
    const doc = await this.read(id);
    if (!doc || doc.pvt_account_id !== accountId) throw badIdentifier(id);
    return doc;
  }

  async list(accountId: string): Promise<OAuthClientDoc[]> {
    const { rows } = await this.db.view<null>('oauth_clients', 'by_account', { key: accountId, include_docs: true });
    // a client revoked while the view was read has a row but no doc any more
    return rows.flatMap((r) => (r.doc ? [r.doc] : []));
  }

  async revoke(doc: OAuthClientDoc): Promise<void> {
    await this.db.remove(doc._id, doc._rev!);
    this.forget(doc._id);
  }

  /** The client, if the id and secret match; null otherwise. */
  async authenticate(id: string, secret: string): Promise<OAuthClientDoc | null> {
    if (!isKazooId(id)) return null;
    const doc = await this.read(id);
    if (!doc) return null;
    const given = hash(secret);
    const stored = Buffer.from(doc.pvt_secret_hash, 'hex');
    return stored.length === given.length && timingSafeEqual(stored, given) ? doc : null;
  }

  /** Does the client still exist? (its tokens die with it) */
  async isActive(id: string): Promise<boolean> {
    const known = this.active.get(id);
    if (known !== undefined) return known;
    const exists = (await this.read(id)) !== null;
    this.active.set(id, exists);
    return exists;
  }

  forget(id: string): void {
    this.active.delete(id);
  }

  forgetAll(): void {
    this.active.clear();
  }
}
