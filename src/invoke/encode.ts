// Call parameters -> the show's query string, byte for byte as Kazoo's
// kz_http_util encodes them for cf_function: pairs in order, `k[sub]=v` for
// objects, `k[]=v` per array element, `+` for space, `%XX` per UTF-8 byte of
// everything but A-Z a-z 0-9 - . _ ~. An empty object leaves its `&` behind,
// as Kazoo's does. Keys get the same escaping, brackets kept literal.

export type CallValue = string | number | boolean | null | undefined | CallValue[] | { [key: string]: CallValue };

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

export function escapeValue(value: string): string {
  if (UNRESERVED.test(value)) return value; // most call values: nothing to escape
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function escapeKey(key: string): string {
  return escapeValue(key).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

/** Deeper calls are refused: Kazoo sends a few levels, and every level is a bracket in the URL. */
export const MAX_CALL_DEPTH = 32;

export class CallTooDeep extends Error {
  constructor() { super(`the call is nested deeper than ${MAX_CALL_DEPTH} levels`); }
}

function encodeEntry(key: string, value: CallValue, depth = 0): string {
  if (depth > MAX_CALL_DEPTH) throw new CallTooDeep();
  if (Array.isArray(value)) return value.map((item) => encodeEntry(`${key}[]`, item, depth + 1)).join('&');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([sub, item]) => encodeEntry(`${key}[${escapeKey(sub)}]`, item, depth + 1)).join('&');
  }
  // null crashes Kazoo's encoder; here it is left out
  if (value === null || value === undefined) return '';
  return `${key}=${escapeValue(String(value))}`;
}

export function kazooQuery(call: Record<string, CallValue>): string {
  return Object.entries(call).map(([key, value]) => encodeEntry(escapeKey(key), value)).join('&');
}

/** Where a query string as received breaks percent-encoding (CouchDB would refuse it), or null. */
export function malformedQuery(raw: string): string | null {
  for (const pair of raw.split('&')) {
    for (const part of pair.split('=')) {
      try {
        decodeURIComponent(part);
      } catch {
        return `"${pair.slice(0, 60)}" is not valid percent-encoding`;
      }
    }
  }
  return null;
}

/** A query or form part decoded as a server would: `+` is a space; bad percent-encoding stays as sent. */
export function formDecoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** A query string as received, minus what must never reach user code: the
 * auth_token pair however its key is encoded, and any pair carrying the
 * token the request authenticated with. */
export function withoutAuthToken(raw: string, token?: string | null): string {
  return raw.split('&').filter((pair) => {
    const eq = pair.indexOf('=');
    const key = formDecoded(eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
    if (key === 'auth_token') return false;
    return !token || eq < 0 || !formDecoded(pair.slice(eq + 1)).includes(token);
  }).join('&');
}

/** A call as JSON, minus auth_token and any value carrying the request's token (at any depth). */
export function callWithoutToken(call: Record<string, CallValue>, token?: string | null): Record<string, CallValue> {
  const clean = (value: CallValue, depth: number): CallValue | undefined => {
    if (depth > MAX_CALL_DEPTH) throw new CallTooDeep();
    if (typeof value === 'string') return token && value.includes(token) ? undefined : value;
    if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1)).filter((v) => v !== undefined) as CallValue[];
    if (value !== null && typeof value === 'object') {
      const out: Record<string, CallValue> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key.trim().toLowerCase() === 'auth_token') continue;
        const kept = clean(item, depth + 1);
        if (kept !== undefined) out[key] = kept;
      }
      return out;
    }
    return value;
  };
  return clean(call, 0) as Record<string, CallValue>;
}

/** A query whose Account-ID is the given account's, or has none: a reseller's
 * function run for an account must not believe an Account-ID the caller sent. */
export function withAccountId(query: string, accountId: string | null): string {
  const kept = (query === '' ? [] : query.split('&')).filter((pair) => {
    const eq = pair.indexOf('=');
    const key = formDecoded(eq < 0 ? pair : pair.slice(0, eq)).trim();
    return key !== 'Account-ID' && !key.startsWith('Account-ID[');
  });
  if (accountId) kept.push(`Account-ID=${escapeValue(accountId)}`);
  return kept.join('&');
}
