// A bounded least-recently-used cache of store reads, including reads that found nothing.
//
// A LevelDB `get` costs about 40-50 µs of CPU on this kind of machine (a hand-off to libuv's thread
// pool and back), and the state machine reads the same few keys for every transaction: the
// signer's key, organization and nonce, and the documents cited. The store fills this cache on
// reads and updates it from every block it commits, which is the only way its contents change,
// so a cached answer is always the committed one.
//
// A read that raced a commit must not put what it read back into the cache: it may be the value
// from before the commit. `generation` counts commits; a read caches its answer only if no commit
// finished while it was on disk.

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
  private readonly loads = new SharedReads<V | null>();
  private heldBytes = 0;
  private commits = 0;

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

  /**
   * The cached answer, or `load`'s (null: absent), cached unless a commit finished meanwhile;
   * concurrent reads of one key in one generation share one load.
   */
  async read(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    return this.loads.read(key, this.commits, async (generation) => {
      const found = await load();
      this.fill(key, found, generation);
      return found;
    });
  }

  /** Counts commits; pass it to `fill` to cache a read that started now. */
  get generation(): number {
    return this.commits;
  }

  /** Caches what a read found, unless a commit finished since the read began. */
  fill(key: string, value: V | null, generation: number): void {
    if (generation !== this.commits) return;
    this.put(key, value);
  }

  /** Records what a commit wrote (null: deleted). Call `committed()` once the whole batch is durable. */
  put(key: string, value: V | null): void {
    this.remove(key);
    const size = value === null ? 0 : this.sizeOf(value);
    if (size > this.maxBytes / 16) return; // one large value must not flush the cache
    this.entries.set(key, value);
    this.heldBytes += size + key.length;
    while (this.entries.size > this.maxEntries || this.heldBytes > this.maxBytes) this.remove(this.oldest());
  }

  /** A commit finished: reads that began before it cannot be cached. */
  committed(): void {
    this.commits += 1;
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

/**
 * Reads of the same key at the same time share one trip to disk: admission asks whether a new
 * transaction id is in the ledger twice at once (the duplicate check and the state machine's). A
 * read joins another only if no commit finished in between, so it never gets a value older than
 * the last commit it could have seen.
 */
export class SharedReads<V> {
  private readonly inFlight = new Map<string, { readonly generation: number; readonly promise: Promise<V> }>();

  read(key: string, generation: number, load: (generation: number) => Promise<V>): Promise<V> {
    const current = this.inFlight.get(key);
    if (current !== undefined && current.generation === generation) return current.promise;
    const promise = load(generation).finally(() => {
      if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, { generation, promise });
    return promise;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
