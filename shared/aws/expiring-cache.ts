/**
 * A bounded map whose entries expire: each entry carries its own time to live, and the oldest
 * entry is dropped when the map is full. Lives as long as the Lambda container that built it.
 */
export class ExpiringCache<Value> {
  readonly #entries = new Map<string, { value: Value; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** The value stored under `key`, unless it expired (then it is forgotten). */
  get(key: string): Value | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` for `ttlMs`; when full, the entry stored longest ago makes room. */
  set(key: string, value: Value, ttlMs: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  /** Entries held, expired ones included until they are next read. */
  get size(): number {
    return this.#entries.size;
  }
}
