/**
 * A bounded memo for pure functions, first written for the address mapper: the same few thousand addresses come back
 * for every message, and preparing one (IDNA, case mapping, escaping, the round-trip check) costs
 * 15-25 µs, the largest share of the gateway's own CPU per message (docs/benchmarks.md). Results
 * are immutable (strings and SipUri), so sharing them is safe. Errors are not remembered. When full,
 * the oldest entry goes (a Map iterates in insertion order).
 */
export class Memo<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max = 10_000) {}

  get(key: string, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
    return value;
  }

  get size(): number {
    return this.map.size;
  }
}
