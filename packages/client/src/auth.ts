// How the SDK authenticates: an API key or OAuth client credentials (a token
// fetched, cached and refreshed before it expires, one refresh at a time),
// or the caller's own getAuthorizationHeader.
import { CouchfnError } from './errors.js';

export type Auth =
  | { apiKey: string }
  | { clientId: string; clientSecret: string; scope?: string }
  | { getAuthorizationHeader: (request: { url: string; method: string }) => Promise<string> };

type Fetch = typeof fetch;
interface Token { value: string; expiresAt: number; lifetimeMs: number }

// Refresh when this much of the token's life is left (at most a minute).
const REFRESH_SHARE = 0.2;
const REFRESH_MAX_MS = 60_000;

// atob/btoa and TextEncoder, not Buffer: the same code runs in browsers
function fromBase64Url(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

function toBase64(text: string): string {
  return btoa(Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join(''));
}

function jwtExpiry(token: string): number {
  try {
    const payload = JSON.parse(fromBase64Url(token.split('.')[1])) as { exp?: number };
    return (payload.exp ?? 0) * 1000;
  } catch {
    return 0;
  }
}

export class Credentials {
  private token?: Token;
  private refreshing?: Promise<Token>;

  constructor(
    private readonly auth: Auth, private readonly baseUrl: string, private readonly fetchImpl: Fetch, private readonly timeoutMs: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Whether a refused request may be retried with a fresh token. */
  get refreshable(): boolean {
    return !('getAuthorizationHeader' in this.auth);
  }

  async header(request: { url: string; method: string }): Promise<string> {
    if ('getAuthorizationHeader' in this.auth) return this.auth.getAuthorizationHeader(request);
    const token = this.token;
    const margin = token ? Math.min(REFRESH_MAX_MS, token.lifetimeMs * REFRESH_SHARE) : 0;
    if (token && this.now() < token.expiresAt - margin) return `Bearer ${token.value}`;
    return `Bearer ${(await this.refresh()).value}`;
  }

  /** Forgets the token (it was refused). */
  invalidate(): void {
    this.token = undefined;
  }

  private refresh(): Promise<Token> {
    this.refreshing ??= this.fetchToken().then((token) => { this.token = token; return token; }).finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  private async fetchToken(): Promise<Token> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    if ('apiKey' in this.auth) {
      const res = await this.fetchImpl(`${this.baseUrl}/v2/api_auth`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { api_key: this.auth.apiKey } }), signal
      });
      const body = (await res.json().catch(() => ({}))) as { auth_token?: string; request_id?: string; message?: string };
      if (!res.ok || !body.auth_token) throw new CouchfnError(`the API key was refused (${res.status})`, res.status, body.message ?? 'invalid_credentials', body.request_id);
      const expiresAt = jwtExpiry(body.auth_token);
      return { value: body.auth_token, expiresAt, lifetimeMs: Math.max(0, expiresAt - this.now()) };
    }
    const { clientId, clientSecret, scope } = this.auth as { clientId: string; clientSecret: string; scope?: string };
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const res = await this.fetchImpl(`${this.baseUrl}/oauth/token`, {
      method: 'POST', signal,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${toBase64(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`
      },
      body: form.toString()
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      throw new CouchfnError(`the client credentials were refused: ${body.error_description ?? res.status}`, res.status, body.error ?? 'invalid_client');
    }
    const lifetimeMs = (body.expires_in ?? 0) * 1000;
    return { value: body.access_token, expiresAt: this.now() + lifetimeMs, lifetimeMs };
  }
}
