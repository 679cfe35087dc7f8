// A bounded least-recently-used cache of store reads, including reads that found nothing.
//
// The state machine reads the same few keys for every transaction (the signer's key,
// organization and nonce, and the documents cited) and asks about every new transaction and
// document id, which is absent. The store fills this cache on reads and updates it from every
// block it commits, which is the only way its contents change, so a cached answer is always the
// committed one.
//
// Loads are synchronous (LevelDB's getSync): a read cannot be overtaken by a commit, so what it
// caches is never older than the last commit's `put`s. A read made while a commit's batch is on
// its way to disk may cache the value from before it; the commit's own `put`s, made once the batch
// is written, replace exactly the keys it changed.

export class ReadCache<V> {
  private readonly entries = new Map<string, V | null>();
  /**
   * Walks `entries` in insertion order, oldest first, across evictions. A fresh
   * `entries.keys().next()` per eviction would cost O(evictions so far) in V8: a Map keeps deleted
   * slots until it rehashes and a new iterator skips them one by one (measured: 30 µs per put once
   * the cache is full at 43,000 entries). Everything the cursor has passed was evicted or moved to
   * the end by a later use, so its next key is always the least recently used one.
   */
  private cursor: Iterator<string> = this.entries.keys();
  private heldBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The cached answer: a value, null for "known absent", undefined for "not cached". */
  get(key: string): V | null | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Most recently used last: delete and re-insert.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** The cached answer without counting it as a use (null: known absent, undefined: not cached). */
  peek(key: string): V | null | undefined {
    return this.entries.get(key);
  }

  /** The cached answer, or `load`'s (null: absent), which is then cached. */
  read(key: string, load: () => V | null): V | null {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const found = load();
    this.put(key, found);
    return found;
  }

  /** Records what a read found or a commit wrote (null: absent or deleted). */
  put(key: string, value: V | null): void {
    this.remove(key);
    const size = value === null ? 0 : this.sizeOf(value);
    if (size > this.maxBytes / 16) return; // one large value must not flush the cache
    this.entries.set(key, value);
    this.heldBytes += size + key.length;
    while (this.entries.size > this.maxEntries || this.heldBytes > this.maxBytes) this.remove(this.oldest());
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  private oldest(): string {
    let next = this.cursor.next();
    if (next.done === true) {
      // An iterator that reached the end stays done: start again from the (new) oldest.
      this.cursor = this.entries.keys();
      next = this.cursor.next();
    }
    return next.value as string;
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.heldBytes -= (old === null ? 0 : this.sizeOf(old)) + key.length;
  }
}
