/**
 * @module util/lru
 * A weighted LRU cache with a bounded total weight (snapshots weigh their node count, manifests
 * their ref count, as upstream's caches do). Also de-duplicates concurrent loads of one key so no
 * object is fetched twice.
 */

export class WeightedLru<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  readonly #pending = new Map<K, Promise<V>>();
  #total = 0;

  constructor(
    readonly capacity: number,
    readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Caches `value` under `key`, replacing any cached copy; an in-flight load of `key` no longer caches its result. */
  set(key: K, value: V): void {
    this.#pending.delete(key);
    const weight = Math.max(1, this.weigh(value));
    const old = this.#entries.get(key);
    if (old) {
      this.#total -= old.weight;
      this.#entries.delete(key);
    }
    if (weight > this.capacity) return;
    this.#entries.set(key, { value, weight });
    this.#total += weight;
    for (const [k, e] of this.#entries) {
      if (this.#total <= this.capacity) break;
      this.#entries.delete(k);
      this.#total -= e.weight;
    }
  }

  /** Drops `key` (an in-flight load of it no longer caches its result). */
  delete(key: K): void {
    this.#pending.delete(key);
    const old = this.#entries.get(key);
    if (old) {
      this.#total -= old.weight;
      this.#entries.delete(key);
    }
  }

  /** Cached value, or the result of `load` (shared by concurrent callers), then cached. */
  async getOrLoad(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const inflight = this.#pending.get(key);
    if (inflight) return inflight;
    // a set/delete of `key` while loading supersedes the load: its result is returned, not cached
    const p: Promise<V> = load().then(
      (v) => {
        if (this.#pending.get(key) === p) this.set(key, v);
        return v;
      },
      (e: unknown) => {
        if (this.#pending.get(key) === p) this.#pending.delete(key);
        throw e;
      },
    );
    this.#pending.set(key, p);
    return p;
  }
}
