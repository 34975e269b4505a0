// Slows credential guessing: after `perMinute` failed attempts from one
// client address within a minute, that address is refused (429 with
// Retry-After) until the minute is over. Counted per proxy process.
import { LRUCache } from 'lru-cache';

interface Window { failures: number; until: number }

export class GuessingLimit {
  private readonly windows = new LRUCache<string, Window>({ max: 100_000, ttl: 60_000 });

  constructor(private readonly perMinute: number) {}

  /** Seconds the address must wait, or 0 when it may try. */
  retryAfter(address: string): number {
    const window = this.windows.get(address);
    if (!window || this.perMinute === 0 || window.failures < this.perMinute) return 0;
    return Math.max(1, Math.ceil((window.until - Date.now()) / 1000));
  }

  /** Counts an attempt before it is checked (so parallel guesses count too); forgive it if it succeeds. */
  attempt(address: string): void {
    this.failed(address);
  }

  forgive(address: string): void {
    const window = this.windows.get(address);
    if (window && window.failures > 0) window.failures--;
  }

  failed(address: string): void {
    const window = this.windows.get(address) ?? { failures: 0, until: Date.now() + 60_000 };
    window.failures++;
    this.windows.set(address, window, { ttl: Math.max(1, window.until - Date.now()) });
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
