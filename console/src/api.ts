// The REST API as the console speaks it: one fetch wrapper that sends the
// token in X-Auth-Token (never in a URL) and turns Kazoo's error envelope
// into an ApiError. The session (token, and the API key to renew it) lives
// in this tab's sessionStorage only: closing the tab forgets it.

export interface Session { token: string; apiKey?: string; accountId: string; accountName: string; master: boolean; expiresAt?: string }

const KEY = 'couchfn.session';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, readonly data: any, readonly body: any) {
    super(typeof data?.cause === 'string' ? data.cause : code);
  }
}

export function loadSession(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY);
    return text ? JSON.parse(text) as Session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

async function request(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(path, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { 'x-auth-token': token } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer'
  });
  const text = await res.text();
  let parsed: any;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (!res.ok) throw new ApiError(res.status, parsed?.message ?? `HTTP ${res.status}`, parsed?.data ?? {}, parsed);
  return parsed;
}

/** The account and expiry a token's payload names, or null when the text is
 * no token (the server still checks the token on every request). */
function tokenClaims(value: string): { account_id: string; exp: number } | null {
  try {
    const payload = JSON.parse(atob(value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload?.account_id === 'string' && typeof payload.exp === 'number' ? payload : null;
  } catch {
    return null;
  }
}

/** An API key (64 hex characters) gives a token; anything else must be a
 * token. Either way the account is read once, for its name and whether it
 * is the master account (the one the API lets manage storage). */
export async function signIn(secret: string): Promise<Session> {
  const value = secret.trim();
  let signed: { token: string; apiKey?: string; accountId: string; expiresAt: string };
  if (/^[0-9a-f]{64}$/i.test(value)) {
    const answer = await request('PUT', '/v2/api_auth', null, { data: { api_key: value } });
    signed = { token: answer.auth_token, apiKey: value, accountId: answer.data.account_id, expiresAt: answer.data.expires_at };
  } else {
    const claims = tokenClaims(value);
    if (!claims) throw new Error('This is neither an API key (64 hexadecimal characters) nor a token: check what you pasted.');
    signed = { token: value, accountId: claims.account_id, expiresAt: new Date(claims.exp * 1000).toISOString() };
  }
  const account = await request('GET', `/v2/accounts/${encodeURIComponent(signed.accountId)}`, signed.token);
  return { ...signed, accountName: account.data.name, master: account.data.superduper_admin === true };
}

export class Api {
  constructor(private session: Session, private readonly onSession: (s: Session | null) => void) {}

  /** Renews the token from the API key once when it expired; otherwise signs out. */
  async call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
    try {
      return await request(method, path, this.session.token, body, headers);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      if (!this.session.apiKey) { this.onSession(null); throw err; }
      this.session = await signIn(this.session.apiKey);
      this.onSession(this.session);
      return request(method, path, this.session.token, body, headers);
    }
  }

  get(path: string) { return this.call('GET', path); }
}

export const fnPath = (account: string, fn?: string) => `/v2/accounts/${encodeURIComponent(account)}/functions${fn ? `/${encodeURIComponent(fn)}` : ''}`;
