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

function encodeEntry(key: string, value: CallValue): string {
  if (Array.isArray(value)) return value.map((item) => encodeEntry(`${key}[]`, item)).join('&');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([sub, item]) => encodeEntry(`${key}[${escapeKey(sub)}]`, item)).join('&');
  }
  // null crashes Kazoo's encoder; here it is left out
  if (value === null || value === undefined) return '';
  return `${key}=${escapeValue(String(value))}`;
}

export function kazooQuery(call: Record<string, CallValue>): string {
  return Object.entries(call).map(([key, value]) => encodeEntry(escapeKey(key), value)).join('&');
}

function decoded(part: string): string {
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
    const key = decoded(eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
    if (key === 'auth_token') return false;
    return !token || eq < 0 || !decoded(pair.slice(eq + 1)).includes(token);
  }).join('&');
}

/** A call as JSON, minus auth_token and any value carrying the request's token (at any depth). */
export function callWithoutToken(call: Record<string, CallValue>, token?: string | null): Record<string, CallValue> {
  const clean = (value: CallValue): CallValue | undefined => {
    if (typeof value === 'string') return token && value.includes(token) ? undefined : value;
    if (Array.isArray(value)) return value.map(clean).filter((v) => v !== undefined) as CallValue[];
    if (value !== null && typeof value === 'object') {
      const out: Record<string, CallValue> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key.trim().toLowerCase() === 'auth_token') continue;
        const kept = clean(item);
        if (kept !== undefined) out[key] = kept;
      }
      return out;
    }
    return value;
  };
  return clean(call) as Record<string, CallValue>;
}
