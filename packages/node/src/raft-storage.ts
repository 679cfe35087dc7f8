// Raft's durable log and hard state in LevelDB, under the `r/` prefix of the node's database.
//
//   r/e/<index:12 hex>   an entry (canonical msgpack [term, type, data])
//   r/hs                 the hard state [term, vote | null, commit]
//   r/snap               the compaction point [index, term, voters, learners]
//
// The Raft core reads synchronously (RaftStorage), so the uncompacted suffix of the log lives in
// memory too; it stays small because the node compacts up to its applied index after every
// block (the blocks themselves are kept forever by the ledger store). Every write of one Ready
// — snapshot, entries, hard state — goes in one synced batch, and memory changes only after the
// batch is durable: what the core reads is exactly what would survive a crash.

import type { ConfState, Entry, EntryType, HardState, RaftStorage, SnapshotMeta } from '@tradeledger/consensus';
import { decodeCanonical, encodeCanonical } from '@tradeledger/ledger';
import type { Level } from 'level';
import { NodeError } from './errors.js';

const ENTRY_PREFIX = 'r/e/';
const HARD_STATE_KEY = 'r/hs';
const SNAPSHOT_KEY = 'r/snap';
/** An entry holds at most one block plus its framing. */
const ENTRY_MAX_BYTES = 40 * 1024 * 1024;
const META_MAX_BYTES = 64 * 1024;

const entryKey = (index: number): string => `${ENTRY_PREFIX}${index.toString(16).padStart(12, '0')}`;

function corrupt(what: string): never {
  throw new NodeError('RAFT_STORAGE_CORRUPT', `the persisted Raft ${what} does not decode`, { status: 500 });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'string');
}

function decodeEntry(index: number, bytes: Uint8Array): Entry {
  const value = decodeCanonical(bytes, 'raft entry', ENTRY_MAX_BYTES);
  if (!Array.isArray(value) || value.length !== 3 || !isCount(value[0]) || (value[1] !== 'normal' && value[1] !== 'confChange') || !(value[2] instanceof Uint8Array)) {
    corrupt(`entry ${index}`);
  }
  return { index, term: value[0] as number, type: value[1] as EntryType, data: value[2] as Uint8Array };
}

export class LevelRaftStorage implements RaftStorage {
  private constructor(
    private readonly db: Level<string, Uint8Array>,
    private hardState: HardState,
    private snap: SnapshotMeta,
    /** entries[i] has index snap.index + 1 + i. */
    private log: Entry[],
  ) {}

  /** Loads what is on disk; an empty database gives an empty log at index 0. */
  static async open(db: Level<string, Uint8Array>): Promise<LevelRaftStorage> {
    const hsBytes = await db.get(HARD_STATE_KEY);
    let hardState: HardState = { term: 0, vote: null, commit: 0 };
    if (hsBytes !== undefined) {
      const value = decodeCanonical(hsBytes, 'raft hard state', META_MAX_BYTES);
      if (!Array.isArray(value) || value.length !== 3 || !isCount(value[0]) || !(value[1] === null || typeof value[1] === 'string') || !isCount(value[2])) corrupt('hard state');
      hardState = { term: value[0] as number, vote: value[1] as string | null, commit: value[2] as number };
    }
    const snapBytes = await db.get(SNAPSHOT_KEY);
    let snap: SnapshotMeta = { index: 0, term: 0, confState: { voters: [], learners: [] } };
    if (snapBytes !== undefined) {
      const value = decodeCanonical(snapBytes, 'raft snapshot', META_MAX_BYTES);
      if (!Array.isArray(value) || value.length !== 4 || !isCount(value[0]) || !isCount(value[1]) || !isIdList(value[2]) || !isIdList(value[3])) corrupt('snapshot');
      snap = { index: value[0] as number, term: value[1] as number, confState: { voters: value[2] as string[], learners: value[3] as string[] } };
    }
    const log: Entry[] = [];
    for await (const [key, bytes] of db.iterator({ gt: entryKey(snap.index), lt: `${ENTRY_PREFIX}~` })) {
      const index = Number.parseInt(key.slice(ENTRY_PREFIX.length), 16);
      // A crash between a compaction and its deletions cannot leave holes: both are one batch.
      if (index !== snap.index + 1 + log.length) corrupt(`log (entry ${index} after ${snap.index + log.length})`);
      log.push(decodeEntry(index, bytes));
    }
    return new LevelRaftStorage(db, hardState, snap, log);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.confState };
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return this.snap.index + this.log.length;
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  term(index: number): number {
    if (index === this.snap.index) return this.snap.term;
    this.checkRange(index, index + 1);
    return (this.log[index - this.snap.index - 1] as Entry).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    this.checkRange(lo, hi);
    const out: Entry[] = [];
    let size = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.log[index - this.snap.index - 1] as Entry;
      size += entry.data.length + 32;
      if (out.length > 0 && size > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  private checkRange(lo: number, hi: number): void {
    if (lo < this.firstIndex()) throw new NodeError('LOG_COMPACTED', `index ${lo} is compacted (first index ${this.firstIndex()})`);
    if (hi > this.lastIndex() + 1 || lo >= hi) throw new NodeError('LOG_UNAVAILABLE', `range [${lo}, ${hi}) is beyond last index ${this.lastIndex()}`);
  }

  /**
   * Persists one Ready's durable part in one synced batch: a compaction point received from
   * the leader, appended entries (replacing a conflicting suffix) and the hard state.
   */
  async persist(ready: { snapshot?: SnapshotMeta; entries: readonly Entry[]; hardState?: HardState }): Promise<void> {
    const batch = this.db.batch();
    let snap = this.snap;
    let log = this.log;
    if (ready.snapshot !== undefined) {
      if (ready.snapshot.index <= snap.index) throw new NodeError('ASSERTION_FAILED', `snapshot ${ready.snapshot.index} is not newer than ${snap.index}`);
      for (let index = snap.index + 1; index <= snap.index + log.length; index++) batch.del(entryKey(index));
      snap = ready.snapshot;
      log = [];
      batch.put(SNAPSHOT_KEY, encodeCanonical([snap.index, snap.term, [...snap.confState.voters], [...snap.confState.learners]]));
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      if (first.index <= snap.index || first.index > snap.index + log.length + 1) {
        throw new NodeError('ASSERTION_FAILED', `append at ${first.index} outside (${snap.index}, ${snap.index + log.length + 1}]`);
      }
      const keep = first.index - snap.index - 1;
      const oldLast = snap.index + log.length;
      log = log.slice(0, keep);
      for (const entry of ready.entries) {
        batch.put(entryKey(entry.index), encodeCanonical([entry.term, entry.type, entry.data]));
        log.push(entry);
      }
      for (let index = snap.index + log.length + 1; index <= oldLast; index++) batch.del(entryKey(index));
    }
    let hardState = this.hardState;
    if (ready.hardState !== undefined) {
      hardState = ready.hardState;
      batch.put(HARD_STATE_KEY, encodeCanonical([hardState.term, hardState.vote, hardState.commit]));
    } else if (ready.snapshot !== undefined && hardState.commit < snap.index) {
      hardState = { ...hardState, commit: snap.index };
      batch.put(HARD_STATE_KEY, encodeCanonical([hardState.term, hardState.vote, hardState.commit]));
    }
    if (batch.length > 0) await batch.write({ sync: true });
    else await batch.close();
    this.snap = snap;
    this.log = log;
    this.hardState = hardState;
  }

  /** Drops entries up to `index` (applied by the host); `confState` is the configuration there. */
  async compact(index: number, confState: ConfState): Promise<void> {
    if (index <= this.snap.index) return;
    if (index > this.hardState.commit || index > this.lastIndex()) throw new NodeError('ASSERTION_FAILED', `compact to ${index} beyond commit ${this.hardState.commit}`);
    const term = this.term(index);
    const batch = this.db.batch();
    for (let i = this.snap.index + 1; i <= index; i++) batch.del(entryKey(i));
    const snap: SnapshotMeta = { index, term, confState };
    batch.put(SNAPSHOT_KEY, encodeCanonical([index, term, [...confState.voters], [...confState.learners]]));
    // Compaction need not be synced: losing it only means dropping the entries again.
    await batch.write();
    this.log = this.log.slice(index - this.snap.index);
    this.snap = snap;
  }
}
