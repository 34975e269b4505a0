// `console.log/info/warn/error` (and `log`, an alias) for customer code. Each
// call gets a console of its own, frozen, whose methods write only to that
// call's buffer and stop writing once the call is over: nothing one call
// logs can reach another call, of any account, and nothing reaches the
// server's own log. The lines leave the show in one response header
// (X-Couchfn-Logs), so the body stays exactly the callflow cf_function reads.
import { encodeURIComponentRef, freeze, nativeStringify, push, StringCtor, tagOf } from './intrinsics';
import { safeJSON } from './json';

/** One line: [level, text]. */
export type LogLine = [string, string];

export interface LogLimits { lines: number; bytes: number }

export interface Capture {
  console: unknown;
  log: unknown;
  /** ends the capture: later writes (a retained console) are dropped */
  close(): LogHeader | null;
}

export interface LogHeader { name: string; value: string }

// What the proxy asks for, in the request header X-Couchfn-Log-Limits
// ("lines=50;bytes=4096"); without it (Kazoo's cf_function) the defaults.
var DEFAULT_LIMITS: LogLimits = { lines: 50, bytes: 4096 };
var MAX_LINES = 200;
var MAX_BYTES = 8192;
// The encoded header stays well under the 16 KB a Node or undici client
// accepts for all headers, whatever the text (non-ASCII costs up to 9 chars).
var MAX_HEADER_CHARS = 12000;
var LIMITS_HEADER = /^x-couchfn-log-limits$/i;
var LEVELS = ['log', 'info', 'warn', 'error', 'debug'];
var CUT = ' [cut]';

function clamp(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  var n = +text;
  return n >= 0 && n <= max ? n - (n % 1) : fallback;
}

// the last header value read, and its limits: the proxy sends the same one every call
var lastValue: string | undefined;
var lastLimits: LogLimits = DEFAULT_LIMITS;

/** The limits the request asks for (bounded by the show's own), or the defaults. */
export function logLimits(headers: unknown): LogLimits {
  var value: unknown;
  if (headers !== null && typeof headers === 'object') {
    for (var name in headers as object) if (LIMITS_HEADER.test(name)) value = (headers as any)[name];
  }
  if (typeof value !== 'string') return DEFAULT_LIMITS;
  if (value === lastValue) return lastLimits;
  var lines = /(?:^|;)\s*lines=(\d+)/.exec(value);
  var bytes = /(?:^|;)\s*bytes=(\d+)/.exec(value);
  lastLimits = freeze({
    lines: clamp(lines ? lines[1] : undefined, DEFAULT_LIMITS.lines, MAX_LINES),
    bytes: clamp(bytes ? bytes[1] : undefined, DEFAULT_LIMITS.bytes, MAX_BYTES)
  });
  lastValue = value;
  return lastLimits;
}

// Printable ASCII is kept, everything else (and %) percent-encoded as UTF-8:
// a header value may hold neither control characters nor raw non-ASCII.
function headerSafe(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[^\x20-\x24\x26-\x7e]/g, function (c: string) {
    try {
      return encodeURIComponentRef(c);
    } catch (e) {
      return '%EF%BF%BD'; // a lone surrogate: U+FFFD
    }
  });
}

function utf8Bytes(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : 3; // a surrogate half: 3, a pair 6 (4 really): an upper bound
}

/** The longest start of `text` within `bytes` bytes of UTF-8 (about). */
function cut(text: string, bytes: number): { text: string; bytes: number } {
  var used = 0;
  for (var i = 0; i < text.length; i++) {
    var next = used + utf8Bytes(text.charCodeAt(i));
    if (next > bytes) return { text: text.substring(0, i), bytes: used };
    used = next;
  }
  return { text: text, bytes: used };
}

// Runs inside the customer span: a logged object's getters and toJSON are its code.
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return '[function]';
  if (value === undefined) return 'undefined';
  try {
    if (value !== null && typeof value === 'object' && tagOf(value) === '[object Error]') {
      return StringCtor((value as any).name) + ': ' + StringCtor((value as any).message);
    }
    var text = safeJSON.stringify(value);
    return text === undefined ? StringCtor(value) : text;
  } catch (e) {
    return '[unprintable ' + typeof value + ']';
  }
}

/** A console for one call. */
export function openCapture(limits: LogLimits): Capture {
  var parts: string[] = [];
  var bytes = 0;
  var chars = 0;
  var dropped = 0;
  var open = true;

  function write(level: string, args: IArguments): void {
    if (!open) return;
    if (parts.length >= limits.lines || bytes >= limits.bytes) {
      dropped++;
      return;
    }
    var text = '';
    // no more than the byte budget is ever built, however large the values
    for (var i = 0; i < args.length && text.length <= limits.bytes; i++) text += (i > 0 ? ' ' : '') + show(args[i]);
    var kept = cut(text, limits.bytes - bytes);
    if (kept.text.length < text.length) {
      // the marker counts against the budget, which this line spends
      kept = cut(text, limits.bytes - bytes - CUT.length);
      kept.text += CUT;
      kept.bytes = limits.bytes - bytes;
    }
    var part = headerSafe(nativeStringify([level, kept.text]));
    if (chars + part.length + 1 > MAX_HEADER_CHARS) {
      dropped++;
      return;
    }
    push(parts, part);
    bytes += kept.bytes;
    chars += part.length + 1;
  }

  // The methods are this call's own, like the console: what the call does to
  // them ends with it. Only the console is frozen; freezing five functions
  // cost a fifth of the show's time in an interpreter.
  function method(level: string): Function {
    return function () { write(level, arguments); };
  }
  var methods: any = {};
  for (var l = 0; l < LEVELS.length; l++) methods[LEVELS[l]] = method(LEVELS[l]);
  return {
    console: freeze(methods),
    log: methods.log,
    close: function () {
      open = false;
      if (parts.length === 0 && dropped === 0) return null;
      return { name: 'X-Couchfn-Logs', value: '{"dropped":' + dropped + ',"lines":[' + parts.join(',') + ']}' };
    }
  };
}
