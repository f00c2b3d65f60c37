/**
 * Messages the gateway passed on, remembered for `ttl` so that what comes back later (an XMPP error
 * bounce, a SIP IMDN, an XMPP receipt) can be routed to the original sender. Bounded in time and in
 * count: the oldest entries go first (a Map iterates in insertion order).
 */
export class TrackedMessages<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly ttl: number,
    private readonly max = 100_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Remembers `value` for `ttl` ms (the store's default when absent). */
  set(id: string, value: T, ttl = this.ttl): void {
    this.entries.delete(id);
    this.entries.set(id, { value, expires: this.now() + ttl });
    this.prune();
  }

  get(id: string): T | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return e.value;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Drops entries from the oldest: all beyond `max`, and expired ones until the first live one (entries
   * with a shorter ttl than an older one may wait a little longer; `get` never returns them).
   */
  private prune(): void {
    const t = this.now();
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.max && e.expires > t) break;
      this.entries.delete(id);
    }
  }
}
