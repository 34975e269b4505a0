// Command-line endings: one readable line and a non-zero exit.
export function fail(err: unknown): never {
  const e = err as { message?: string; statusCode?: number; reason?: string };
  console.error(`error: ${e.reason ?? e.message ?? String(err)}`);
  process.exit(1);
}
