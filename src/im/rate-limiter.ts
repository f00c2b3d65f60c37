/**
 * A token bucket per sender: `rate` messages per second on average, `burst` at once. Idle buckets
 * are forgotten (a full bucket carries no information), so memory follows the number of senders
 * active in the last `burst / rate` seconds, not the number ever seen.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `key`; false when the sender is over its limit. Rate 0: no limit. */
  take(key: string): boolean {
    if (this.rate <= 0) return true;
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(key);
    const capacity = Math.max(1, this.burst);
    const tokens = b ? Math.min(capacity, b.tokens + ((t - b.at) / 1000) * this.rate) : capacity;
    if (tokens < 1) {
      if (b) {
        b.tokens = tokens;
        b.at = t;
      }
      return false;
    }
    this.buckets.set(key, { tokens: tokens - 1, at: t });
    return true;
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfter(key: string): number {
    const b = this.buckets.get(key);
    if (!b || this.rate <= 0) return 0;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    const refill = (Math.max(1, this.burst) / this.rate) * 1000;
    if (t - this.lastSweep < refill) return;
    this.lastSweep = t;
    for (const [k, b] of this.buckets) if (t - b.at >= refill) this.buckets.delete(k);
  }
}
