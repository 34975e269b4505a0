// What a function wrote with console.log/info/warn/error (or log) during one
// run. The show sends it in the X-Couchfn-Logs response header, percent-
// encoded JSON, so that the callflow body stays what Kazoo's cf_function
// reads; the proxy asks for its limits in X-Couchfn-Log-Limits. These lines
// belong to the function's account: they go to its attempts and to whoever
// invoked it, never to the service's own log.

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';
const LEVELS = new Set<string>(['log', 'info', 'warn', 'error', 'debug']);

export interface LogLine { level: LogLevel; message: string }

/** A run's lines; `dropped` counts those past the limits. */
export interface FunctionLogs { lines: LogLine[]; dropped: number }

export const LOG_LIMITS_HEADER = 'x-couchfn-log-limits';
export const LOGS_HEADER = 'x-couchfn-logs';

export function logLimitsHeader(lines: number, bytes: number): string {
  return `lines=${lines};bytes=${bytes}`;
}

/** The header's lines, bounded again by the proxy's own limits; undefined when
 * there is no header or it cannot be read (an older show: no logs then). */
export function parseLogsHeader(value: unknown, maxLines: number, maxBytes: number): FunctionLogs | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let parsed: { dropped?: unknown; lines?: unknown };
  try {
    parsed = JSON.parse(decodeURIComponent(value));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed.lines)) return undefined;
  const lines: LogLine[] = [];
  let dropped = typeof parsed.dropped === 'number' ? parsed.dropped : 0;
  let bytes = 0;
  for (const entry of parsed.lines) {
    if (!Array.isArray(entry) || typeof entry[1] !== 'string') continue;
    const size = Buffer.byteLength(entry[1]);
    if (lines.length >= maxLines || bytes + size > maxBytes) {
      dropped++;
      continue;
    }
    bytes += size;
    lines.push({ level: LEVELS.has(entry[0]) ? entry[0] : 'log', message: entry[1] });
  }
  return lines.length > 0 || dropped > 0 ? { lines, dropped } : undefined;
}
