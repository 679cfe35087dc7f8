// The LevelDB LedgerStore: what a node keeps on disk. One LevelDB database per node holds
//
//   h                      the head (canonical msgpack of StoreHead)
//   b/<height:12 hex>      block bytes, exactly as signed
//   t/<txId hex>           (height, position, result) of a transaction
//   m/<level:2 hex>/<index:12 hex>   a perfect-subtree hash of the Merkle log
//   s/<state key>          a state value, or (tagged 0xc1) the v/ key holding it
//   v/<height:12 hex>/<n:6 hex>      a state value of SEPARATE_VALUE_BYTES or more, written by
//                          the block at that height
//
// Large state values (a document's record and its history entries, each carrying the payload)
// live under v/ keys in the order blocks wrote them, and their s/ key holds only a pointer. State
// keys are document ids, random hashes: LevelDB rewrites data under random keys at every level it
// moves down (about ten times per level), while data under keys that only grow moves down almost
// without rewriting. Measured before this layout, a node filled to 300,000 transactions had
// written 12.5 GB of compaction output for 396 MB flushed, and its compaction thread used as much
// CPU as its main thread. A value replaced or deleted takes its v/ entry with it in the same batch.
// 0xc1 is never the first byte of canonical msgpack; a value that starts with it (or is large) is
// always stored behind a pointer, so a tagged s/ value is never a value. Stores written before
// this layout hold large values inline, which reads still accept.
//
// A block and everything it implies go in one LevelDB write batch, written with sync, so after a
// crash at any moment the block is wholly present or absent and the head names the last complete
// block. Reopening reads only the head: nothing is replayed.
//
// State values and transaction locations (and the keys and ids found absent) are cached in memory
// (read-cache.ts), updated from every committed block: the state machine reads the same keys for
// every transaction. What the cache does not hold is read with LevelDB's getSync on this thread:
// an asynchronous get costs about 20 µs of CPU (a hand-off to libuv's thread pool and back, more
// on a loaded machine) against about 1.6 µs for an absent key and 3 µs for a present one read
// synchronously (measured: 200,000 keys, bloom filters, pages in the OS cache), and a node reads
// absent keys for every new transaction and document. The cost of reading synchronously is a
// read that must go to a cold disk, which holds the event loop for that read: a node's data is
// expected to sit in the page cache (as bbolt's or SQLite's reads of a node's working set do).
//
// Before reading a key that may be absent, the store asks a filter of every s/ and t/ key it has
// written (key-filter.ts), so new ids and keys do not reach LevelDB at all: LevelDB compacts a
// table file after enough reads pass through it, and absent reads were most of a busy node's
// compactions (key-filter.ts has the figures).

import { Level } from 'level';
import {
  assert,
  bytesEqual,
  decodeCanonical,
  encodeCanonical,
  LedgerError,
  STATE_KEY_PATTERN,
  STATE_SCAN_MAX_ENTRIES,
  toHex,
  type BlockCommit,
  type LedgerStore,
  type StateScanOptions,
  type StoreHead,
  type TxLocation,
  type TxResult,
} from '@tradeledger/ledger';
import { KeyFilter } from './key-filter.js';
import { ReadCache } from './read-cache.js';

const HEAD_KEY = 'h';
const HEAD_MAX_BYTES = 64 * 1024;
const LOCATION_MAX_BYTES = 256;
/** Cached state values: bounded in count and bytes (a document record is a few KiB at most). */
const STATE_CACHE_MAX_ENTRIES = 200_000;
const STATE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Cached transaction locations, and ids known absent (every admission asks about a new id). */
const LOCATION_CACHE_MAX_ENTRIES = 200_000;
/**
 * Keys read per step while the key filter loads; other work runs between steps. Measured: a step
 * takes 2.6-2.9 ms, and 300,000 stored keys load in 0.76-0.84 s.
 */
const KEY_FILTER_LOAD_CHUNK = 1024;
/** The keys the key filter covers: the ones read while probably absent. */
const FILTERED_PREFIXES = ['s/', 't/'] as const;

/**
 * LevelDB's memtable (default 4 MiB). A node writes slowly and steadily and reads keys that are
 * absent (new transaction and document ids) all the time; LevelDB charges such reads to the files
 * they pass and compacts a file after about one read per 16 KiB of it, so with small level-0
 * files each one was merged into all of level 1 soon after it was written. Measured with a node's
 * key pattern and two absent reads per transaction, 300 blocks of 100 transactions written at 5
 * blocks/s: 4 MiB wrote 6.0x the flushed bytes in compactions and used 10.6 s of CPU, 32 MiB 1.9x
 * and 6.9 s (no reads at all: 2.4x, 6.1 s). The cost is up to two memtables of memory.
 */
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

/** State values of at least this many bytes are stored under v/ keys (see the top of this file). */
export const SEPARATE_VALUE_BYTES_DEFAULT = 256;
const VALUE_POINTER_TAG = 0xc1;
const VALUE_KEY_PATTERN = /^v\/[0-9a-f]{12}\/[0-9a-f]{6}$/;
const latin1 = new TextDecoder('latin1');
/** A commit writes at most this many separate values (BLOCK_MAX_TXS times a handful per document). */
const VALUES_PER_BLOCK_MAX = 0xff_ffff;
const valueKey = (height: number, n: number): string => `v/${height.toString(16).padStart(12, '0')}/${n.toString(16).padStart(6, '0')}`;

function pointerTo(key: string): Uint8Array {
  const bytes = new Uint8Array(1 + key.length);
  bytes[0] = VALUE_POINTER_TAG;
  for (let i = 0; i < key.length; i++) bytes[1 + i] = key.charCodeAt(i);
  return bytes;
}

/** The v/ key a stored s/ value points to, or undefined for a value stored inline. */
function pointedKey(stateKeyName: string, stored: Uint8Array): string | undefined {
  if (stored[0] !== VALUE_POINTER_TAG) return undefined;
  const key = latin1.decode(stored.subarray(1));
  if (!VALUE_KEY_PATTERN.test(key)) throw new LedgerError('STORE_CORRUPT', `state key ${JSON.stringify(stateKeyName)}: a malformed value pointer`, { field: stateKeyName });
  return key;
}

const blockKey = (height: number): string => `b/${height.toString(16).padStart(12, '0')}`;
const txKey = (txId: Uint8Array): string => `t/${toHex(txId)}`;
const nodeKey = (level: number, index: number): string => `m/${level.toString(16).padStart(2, '0')}/${index.toString(16).padStart(12, '0')}`;
const stateKey = (key: string): string => `s/${key}`;

function isBytes32(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === 32;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function decodeHead(bytes: Uint8Array): StoreHead {
  const value = decodeCanonical(bytes, 'head', HEAD_MAX_BYTES) as Record<string, unknown> | null;
  if (
    value === null ||
    typeof value !== 'object' ||
    !isCount(value['height']) ||
    !isBytes32(value['blockHash']) ||
    !isCount(value['logSize']) ||
    !isBytes32(value['logRoot']) ||
    !isBytes32(value['stateRoot']) ||
    !isCount(value['timestamp']) ||
    !Array.isArray(value['frontier']) ||
    !(value['frontier'] as unknown[]).every(isBytes32)
  ) {
    throw new LedgerError('STORE_CORRUPT', 'the stored head does not decode as a head');
  }
  return value as unknown as StoreHead;
}

function encodeHead(head: StoreHead): Uint8Array {
  return encodeCanonical({
    height: head.height,
    blockHash: head.blockHash,
    logSize: head.logSize,
    logRoot: head.logRoot,
    stateRoot: head.stateRoot,
    timestamp: head.timestamp,
    frontier: [...head.frontier],
  });
}

function encodeLocation(height: number, position: number, result: TxResult): Uint8Array {
  return encodeCanonical(result.ok ? [height, position] : [height, position, result.code]);
}

function decodeLocation(bytes: Uint8Array): TxLocation {
  const value = decodeCanonical(bytes, 'txLocation', LOCATION_MAX_BYTES);
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 3) || !isCount(value[0]) || !isCount(value[1]) || (value.length === 3 && typeof value[2] !== 'string')) {
    throw new LedgerError('STORE_CORRUPT', 'a stored transaction location does not decode');
  }
  return { height: value[0], position: value[1], result: value.length === 2 ? { ok: true } : { ok: false, code: value[2] as string } };
}

export class LevelStore implements LedgerStore {
  private cachedHead: StoreHead | undefined;
  private committing = false;
  private readonly stateCache = new ReadCache<Uint8Array>(STATE_CACHE_MAX_ENTRIES, STATE_CACHE_MAX_BYTES, (value) => value.length);
  private readonly locationCache = new ReadCache<TxLocation>(LOCATION_CACHE_MAX_ENTRIES, Number.MAX_SAFE_INTEGER, () => 0);
  /**
   * Every s/ and t/ key ever written (key-filter.ts). Commits add theirs from the moment the
   * store opens; the keys already stored are read in the background (`loadKeyFilter`), and until
   * that is done (`filterComplete`) every read goes to LevelDB as before.
   */
  private readonly written = new KeyFilter();
  private filterComplete = false;
  private filterLoad: Promise<void> | undefined;
  private closing = false;

  private constructor(
    private readonly db: Level<string, Uint8Array>,
    private readonly separateValueBytes: number,
  ) {}

  /**
   * Opens (creating if needed) the store in `path` and loads its head. `separateValueBytes`: state
   * values this large or larger go under v/ keys (tests set 1 to put every value there).
   * `keyFilter: 'deferred'` leaves the key filter's load to a `loadKeyFilter()` call (a node makes
   * it once it serves, so the load does not slow its start); by default it starts at once.
   */
  static async open(path: string, options: { readonly separateValueBytes?: number; readonly keyFilter?: 'load' | 'deferred' } = {}): Promise<LevelStore> {
    const separateValueBytes = options.separateValueBytes ?? SEPARATE_VALUE_BYTES_DEFAULT;
    assert(Number.isSafeInteger(separateValueBytes) && separateValueBytes >= 1, 'separateValueBytes is a positive integer');
    const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view', writeBufferSize: WRITE_BUFFER_BYTES });
    try {
      await db.open();
    } catch (error) {
      throw new LedgerError('STORE_OPEN_FAILED', `cannot open the LevelDB store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    const store = new LevelStore(db, separateValueBytes);
    const headBytes = await db.get(HEAD_KEY);
    store.cachedHead = headBytes === undefined ? undefined : decodeHead(headBytes);
    if (options.keyFilter !== 'deferred') store.loadKeyFilter();
    return store;
  }

  /** Starts loading the key filter in the background (once; later calls do nothing). */
  loadKeyFilter(): void {
    this.filterLoad ??= this.loadFilter();
  }

  /**
   * Reads every stored s/ and t/ key into the key filter, a chunk at a time beside the node's
   * work, then lets reads trust it. Every commit adds its keys before its batch is written, so a
   * key is either in the filter already or on disk when the scan passes, whenever it was
   * committed. A failed load (the store closing under it) leaves the filter unused: reads stay
   * correct, only slower.
   */
  private async loadFilter(): Promise<void> {
    try {
      for (const prefix of FILTERED_PREFIXES) {
        const keys = this.db.keys({ gte: prefix, lt: `${prefix.slice(0, -1)}0` });
        try {
          for (;;) {
            if (this.closing) return;
            const chunk = await keys.nextv(KEY_FILTER_LOAD_CHUNK);
            if (chunk.length === 0) break;
            for (const key of chunk) this.written.add(key);
          }
        } finally {
          await keys.close();
        }
      }
      this.filterComplete = !this.closing;
    } catch {
      this.filterComplete = false;
    }
  }

  /** Resolves once the key filter is loaded (or its load gave up, or never started); for tests and tools. */
  async keyFilterLoaded(): Promise<{ readonly complete: boolean; readonly keys: number; readonly bytes: number }> {
    await this.filterLoad;
    return { complete: this.filterComplete, keys: this.written.keys, bytes: this.written.bytes };
  }

  /** False only for an s/ or t/ key that is certainly not stored. */
  private mayHold(key: string): boolean {
    return !this.filterComplete || this.written.mightContain(key);
  }

  /**
   * The underlying database, for the node's own keys (r/…), tools that inspect it, and tests that
   * tamper with raw values and reopen. Writing s/ or t/ keys through it would bypass the cache and
   * the key filter: a new key written so reads as absent until the store is opened again.
   */
  get raw(): Level<string, Uint8Array> {
    return this.db;
  }

  async head(): Promise<StoreHead | undefined> {
    return this.cachedHead;
  }

  async getBlock(height: number): Promise<Uint8Array | undefined> {
    if (!isCount(height)) return undefined;
    return this.db.get(blockKey(height));
  }

  async getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    const key = txKey(txId);
    const location = this.locationCache.read(key, () => {
      if (!this.mayHold(key)) return null;
      const bytes = this.db.getSync(key);
      return bytes === undefined ? null : decodeLocation(bytes);
    });
    return location ?? undefined;
  }

  async getNode(level: number, index: number): Promise<Uint8Array> {
    const node = await this.db.get(nodeKey(level, index));
    if (node === undefined) throw new LedgerError('MERKLE_NODE_MISSING', `Merkle node level ${level} index ${index} is not in the store`);
    return node;
  }

  async getState(key: string): Promise<Uint8Array | undefined> {
    // Copies in and out (a Buffer's slice() is a view): a caller can never alias the cache.
    const value = this.stateCache.read(key, () => {
      if (!this.mayHold(stateKey(key))) return null;
      const bytes = this.db.getSync(stateKey(key));
      return bytes === undefined ? null : this.resolve(key, bytes);
    });
    return value === null ? undefined : new Uint8Array(value);
  }

  /**
   * A stored s/ value as the state value it stands for (a fresh copy). A commit may replace the
   * pointer and delete what it pointed to between the two reads (a scan's iterator runs beside
   * commits, and LevelDB applies a batch on its own thread): the pointer is then read again. A
   * pointer that stays the same while its value is missing is corruption.
   */
  private resolve(key: string, stored: Uint8Array, known?: Uint8Array): Uint8Array | null {
    let current: Uint8Array | undefined = stored;
    for (let attempt = 0; ; attempt++) {
      const pointed = pointedKey(key, current);
      if (pointed === undefined) return new Uint8Array(current);
      const value = attempt === 0 && known !== undefined ? known : this.db.getSync(pointed);
      if (value !== undefined) return new Uint8Array(value);
      const again: Uint8Array | undefined = this.db.getSync(stateKey(key));
      if (again === undefined) return null; // deleted meanwhile
      if (bytesEqual(again, current) || attempt >= 8) throw new LedgerError('STORE_CORRUPT', `state key ${JSON.stringify(key)}: its value (${pointed}) is missing`, { field: key });
      current = again;
    }
  }

  async scanState(prefix: string, options: StateScanOptions = {}): Promise<Array<readonly [string, Uint8Array]>> {
    const limit = Math.min(options.limit ?? STATE_SCAN_MAX_ENTRIES, STATE_SCAN_MAX_ENTRIES);
    const lower = stateKey(prefix);
    const range =
      options.after !== undefined && options.after >= prefix ? { gt: stateKey(options.after), lt: `${lower}\u007f`, limit } : { gte: lower, lt: `${lower}\u007f`, limit };
    const stored: Array<readonly [string, Uint8Array]> = [];
    for await (const [key, value] of this.db.iterator(range)) {
      const plain = key.slice(2);
      // Keys are printable ASCII below 0x7f, so the range above holds exactly the prefix's keys.
      assert(plain.startsWith(prefix), 'a state scan stays inside its prefix');
      stored.push([plain, value]);
    }
    // Values behind pointers: one read for all of them.
    const pointed = stored.map(([key, value]) => pointedKey(key, value));
    const wanted = pointed.filter((k): k is string => k !== undefined);
    const found = wanted.length === 0 ? [] : await this.db.getMany(wanted);
    const out: Array<readonly [string, Uint8Array]> = [];
    let next = 0;
    for (const [i, [key, value]] of stored.entries()) {
      const resolved = pointed[i] === undefined ? new Uint8Array(value) : this.resolve(key, value, found[next++]);
      // A key deleted by a commit during the scan is left out, as if the scan had run after it.
      if (resolved !== null) out.push([key, resolved]);
    }
    return out;
  }

  /**
   * Writes a block atomically. `extra` puts go in the same synced batch: the node records its
   * applied Raft index beside the block, so the two can never disagree after a crash.
   * `durable: false` skips the fsync (block sync: a block fetched from a peer can be fetched again,
   * and the last block of each fetched batch is written durably, which makes every earlier write
   * of LevelDB's log durable too). Either way the batch is atomic: after a crash a block is wholly
   * present or absent, and what is present is a prefix of the chain.
   */
  async commitBlock(commit: BlockCommit, extra: ReadonlyArray<readonly [string, Uint8Array]> = [], options: { readonly durable?: boolean } = {}): Promise<void> {
    assert(!this.committing, 'one commitBlock at a time');
    const expected = this.cachedHead === undefined ? 0 : this.cachedHead.height + 1;
    if (commit.height !== expected) throw new LedgerError('STORE_HEIGHT_GAP', `commitBlock: expected height ${expected}, got ${commit.height}`, { field: 'height' });
    assert(commit.head.height === commit.height, 'a commit’s head describes the block it commits');
    for (const write of commit.stateWrites) if (!STATE_KEY_PATTERN.test(write.key)) assert(false, `state key ${JSON.stringify(write.key.slice(0, 80))} is printable ASCII`);
    this.committing = true;
    try {
      await this.writeBlock(commit, extra, options.durable !== false);
      for (const entry of commit.txIndex) this.locationCache.put(txKey(entry.txId), { height: commit.height, position: entry.position, result: entry.result });
      for (const write of commit.stateWrites) this.stateCache.put(write.key, write.value === null ? null : new Uint8Array(write.value));
    } finally {
      this.committing = false;
    }
    this.cachedHead = commit.head;
  }

  private async writeBlock(commit: BlockCommit, extra: ReadonlyArray<readonly [string, Uint8Array]>, sync: boolean): Promise<void> {
    // The pointers this block replaces or deletes, to delete the values they point to (a key the
    // cache or the key filter knows to be absent holds none: most of a block's keys are new).
    const mayPoint = commit.stateWrites.filter((write) => this.stateCache.peek(write.key) !== null && this.mayHold(stateKey(write.key)));
    // Into the filter before the batch is written: a key it holds in vain only costs a read.
    for (const entry of commit.txIndex) this.written.add(txKey(entry.txId));
    for (const write of commit.stateWrites) if (write.value !== null) this.written.add(stateKey(write.key));
    const previous = mayPoint.length === 0 ? [] : await this.db.getMany(mayPoint.map((write) => stateKey(write.key)));
    const batch = this.db.batch();
    batch.put(blockKey(commit.height), commit.blockBytes);
    for (const [i, write] of mayPoint.entries()) {
      const stored = previous[i];
      const pointed = stored === undefined ? undefined : pointedKey(write.key, stored);
      if (pointed !== undefined) batch.del(pointed);
    }
    for (const entry of commit.txIndex) batch.put(txKey(entry.txId), encodeLocation(commit.height, entry.position, entry.result));
    for (const write of commit.merkleWrites) batch.put(nodeKey(write.level, write.index), write.hash);
    let separate = 0;
    for (const write of commit.stateWrites) {
      if (write.value === null) batch.del(stateKey(write.key));
      else if (this.isSeparate(write.value)) {
        assert(separate < VALUES_PER_BLOCK_MAX, 'a block writes fewer separate values than v/ keys can number');
        const key = valueKey(commit.height, separate++);
        batch.put(key, write.value);
        batch.put(stateKey(write.key), pointerTo(key));
      } else batch.put(stateKey(write.key), write.value);
    }
    batch.put(HEAD_KEY, encodeHead(commit.head));
    for (const [key, value] of extra) {
      assert(key.startsWith('r/'), 'extra keys of a block commit belong to the node (r/ prefix)');
      batch.put(key, value);
    }
    await batch.write({ sync });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.filterLoad;
    await this.db.close();
  }

  /** Whether a state value is stored under a v/ key (large, or starting with the pointer tag). */
  private isSeparate(value: Uint8Array): boolean {
    return value.length >= this.separateValueBytes || value[0] === VALUE_POINTER_TAG;
  }
}
