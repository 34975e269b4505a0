// Slows credential guessing: after `perMinute` failed attempts from one
// client address within a minute, that address is refused (429 with
// Retry-After) until the minute is over. Counted per proxy process.
import { isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';

interface Window { failures: number; until: number }

/** Who is guessing: an IPv4 address, or an IPv6 client's /64 (a host holds a whole /64). */
export function clientKey(address: string): string {
  if (!isIPv6(address) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return address.replace(/^::ffff:/i, '');
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class GuessingLimit {
  private readonly windows = new LRUCache<string, Window>({ max: 100_000, ttl: 60_000 });

  constructor(private readonly perMinute: number) {}

  /** Seconds the address must wait, or 0 when it may try. */
  retryAfter(address: string): number {
    const window = this.windows.get(clientKey(address));
    if (!window || this.perMinute === 0 || window.failures < this.perMinute) return 0;
    return Math.max(1, Math.ceil((window.until - Date.now()) / 1000));
  }

  /** Counts an attempt before it is checked (so parallel guesses count too); forgive it if it succeeds. */
  attempt(address: string): void {
    this.failed(address);
  }

  forgive(address: string): void {
    const window = this.windows.get(clientKey(address));
    if (window && window.failures > 0) window.failures--;
  }

  failed(address: string): void {
    const key = clientKey(address);
    const window = this.windows.get(key) ?? { failures: 0, until: Date.now() + 60_000 };
    window.failures++;
    this.windows.set(key, window, { ttl: Math.max(1, window.until - Date.now()) });
  }
}

/** At most `perSecond` calls of one account a second (0: no limit); a token bucket per account, per process. */
export class CallRate {
  private readonly buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 100_000, ttl: 60_000 });

  constructor(private readonly perSecond: number) {}

  /** Seconds to wait before the account's next call, or 0 to go ahead (and take a token). */
  take(accountId: string): number {
    if (this.perSecond === 0) return 0;
    const now = Date.now();
    const bucket = this.buckets.get(accountId) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(accountId, bucket);
      return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
    }
    bucket.tokens -= 1;
    this.buckets.set(accountId, bucket);
    return 0;
  }
}
