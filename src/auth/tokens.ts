// Auth tokens: HS256 JWTs with account_id, one hour long. The signing key is
// shared through CouchDB so that every proxy process accepts every token.
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import type { CouchDatabase } from '../couch/database.js';
import type { StoredDoc } from '../couch/docs.js';
import { CouchError } from '../couch/request.js';
import { invalidCredentials } from '../errors.js';

export const TOKEN_SECONDS = 3600;
const KEY_DOC = 'token_signing_key';
const CACHE_LIMIT = 10_000;
const RELOAD_MS = 10_000;

export interface TokenClaims { accountId: string; exp: number; scope?: string[]; clientId?: string }

export class Tokens {
  // Verified tokens, so the hot path does not check the same signature twice.
  private readonly verified = new LRUCache<string, TokenClaims>({ max: CACHE_LIMIT });

  private reloadedAt = 0;

  private constructor(private secret: Uint8Array, private readonly system: CouchDatabase<StoredDoc>) {}

  private static async readKey(system: CouchDatabase<StoredDoc>): Promise<Uint8Array> {
    const doc = await system.settled(KEY_DOC);
    return Buffer.from(doc!.key as string, 'base64');
  }

  static async load(system: CouchDatabase<StoredDoc>): Promise<Tokens> {
    try {
      await system.put({ _id: KEY_DOC, key: randomBytes(32).toString('base64') });
    } catch (err) {
      if (!(err instanceof CouchError && err.status === 409)) throw err;
    }
    return new Tokens(await Tokens.readKey(system), system);
  }

  /** Two processes starting together on a new cluster may each have written a
   * key; once CouchDB settles on one, a process holding the other reloads it. */
  private async reloadKey(): Promise<boolean> {
    if (Date.now() - this.reloadedAt < RELOAD_MS) return false;
    this.reloadedAt = Date.now();
    const key = await Tokens.readKey(this.system).catch(() => this.secret);
    const changed = Buffer.compare(Buffer.from(key), Buffer.from(this.secret)) !== 0;
    this.secret = key;
    return changed;
  }

  async issue(accountId: string, extra: Record<string, unknown> = {}, seconds = TOKEN_SECONDS): Promise<{ token: string; exp: number }> {
    const exp = Math.floor(Date.now() / 1000) + seconds;
    const token = await new SignJWT({ account_id: accountId, ...extra })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(exp)
      .setJti(randomBytes(8).toString('hex')).sign(this.secret);
    return { token, exp };
  }

  async verify(token: string): Promise<TokenClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
      throw invalidCredentials('the token has expired');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] }));
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' && await this.reloadKey()) return this.verify(token);
      throw invalidCredentials((err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid');
    }
    if (typeof payload.account_id !== 'string' || typeof payload.exp !== 'number') throw invalidCredentials('the token is not valid');
    const claims: TokenClaims = {
      accountId: payload.account_id, exp: payload.exp,
      scope: typeof payload.scope === 'string' ? payload.scope.split(' ') : undefined,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined
    };
    this.verified.set(token, claims);
    return claims;
  }
}
