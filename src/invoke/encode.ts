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

/** A query string as received, minus the auth_token pair (which must not reach user code). */
export function withoutAuthToken(raw: string): string {
  return raw.split('&').filter((pair) => {
    const key = pair.split('=', 1)[0];
    return key !== 'auth_token' && key !== 'auth%5Ftoken';
  }).join('&');
}
