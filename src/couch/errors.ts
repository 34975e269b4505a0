// One readable line for any failure talking to CouchDB, credentials scrubbed.
import { CouchError } from './request.js';

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

export function describeCouchError(err: unknown, url: string): string {
  const where = redact(url);
  if (err instanceof CouchError) {
    if (err.status === 401) return `CouchDB at ${where} refused the credentials (401 ${err.reason || err.error})`;
    if (err.status === 0 && err.error === 'timeout') return `CouchDB at ${where} did not answer in time`;
    if (err.status === 0) return `cannot reach CouchDB at ${where} (${err.code})`;
    return `CouchDB at ${where} answered ${err.status} ${err.error}: ${err.reason}`;
  }
  return `CouchDB at ${where}: ${(err as Error)?.message ?? String(err)}`;
}
