// One readable line for any failure talking to CouchDB, credentials scrubbed.
export interface CouchErrorShape { statusCode?: number; error?: string; reason?: string; message?: string; cause?: { code?: string; cause?: { code?: string } } }

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

export function networkCode(err: unknown): string | undefined {
  const e = err as CouchErrorShape;
  // nano folds fetch's cause into its message: "... Reason: Error: connect ECONNREFUSED ..."
  return e.cause?.code ?? e.cause?.cause?.code ?? /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(e.message ?? '')?.[1];
}

export function describeCouchError(err: unknown, url: string): string {
  const e = err as CouchErrorShape;
  const where = redact(url);
  if (e.statusCode === 401) return `CouchDB at ${where} refused the credentials (401 ${e.reason ?? e.error ?? 'unauthorized'})`;
  if (e.statusCode) return `CouchDB at ${where} answered ${e.statusCode} ${e.error ?? ''}: ${e.reason ?? e.message ?? ''}`.trim();
  const code = networkCode(err);
  if (code) return `cannot reach CouchDB at ${where} (${code})`;
  return `CouchDB at ${where}: ${e.message ?? String(err)}`;
}
