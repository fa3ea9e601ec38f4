/**
 * A least-recently-used map bounded by entry count and by the summed size of its keys and values, so a cache keyed
 * by request content (a label config) cannot hold more than `maxBytes` whatever the senders do.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
    readonly sizeOf: (key: string, value: V) => number = (key) => key.length * 2,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held (as `sizeOf` counts them). */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores the value unless it alone is larger than the bound; evicts the least recently used entries to fit. */
  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(key, value);
    if (bytes > this.maxBytes) return;
    while (this.#entries.size > 0 && (this.#entries.size >= this.maxEntries || this.#bytes + bytes > this.maxBytes)) {
      this.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
