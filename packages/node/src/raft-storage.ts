// Raft's durable log and hard state in LevelDB, under the `r/` prefix of the node's database.
//
//   r/e/<index:12 hex>   an entry (canonical msgpack [term, type, data])
//   r/hs                 the hard state [term, vote | null, commit]
//   r/snap               the compaction point [index, term, voters, learners]
//
// The Raft core reads synchronously (RaftStorage), so the uncompacted suffix of the log lives in
// memory too (the consensus package's MemoryRaftStorage, with its assertions); it stays small because the node compacts up to its applied index after every
// block (the blocks themselves are kept forever by the ledger store). Every write of one Ready
// — snapshot, entries, hard state — goes in one synced batch, and memory changes only after the
// batch is durable: what the core reads is exactly what would survive a crash.

import { MemoryRaftStorage, type ConfState, type Entry, type EntryType, type HardState, type RaftStorage, type SnapshotMeta } from '@tradeledger/consensus';
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
  /**
   * What is durable, as the core reads it: the consensus package's in-memory storage, changed
   * only after the LevelDB batch holding the same change has been written.
   */
  private constructor(
    private readonly db: Level<string, Uint8Array>,
    private readonly memory: MemoryRaftStorage,
  ) {}

  /** Loads what is on disk; an empty database gives an empty log at index 0. */
  static async open(db: Level<string, Uint8Array>): Promise<LevelRaftStorage> {
    const memory = new MemoryRaftStorage();
    const snapBytes = await db.get(SNAPSHOT_KEY);
    let snapIndex = 0;
    if (snapBytes !== undefined) {
      const value = decodeCanonical(snapBytes, 'raft snapshot', META_MAX_BYTES);
      if (!Array.isArray(value) || value.length !== 4 || !isCount(value[0]) || !isCount(value[1]) || !isIdList(value[2]) || !isIdList(value[3])) corrupt('snapshot');
      snapIndex = value[0] as number;
      if (snapIndex > 0) memory.applySnapshot({ index: snapIndex, term: value[1] as number, confState: { voters: value[2] as string[], learners: value[3] as string[] } });
    }
    const log: Entry[] = [];
    for await (const [key, bytes] of db.iterator({ gt: entryKey(snapIndex), lt: `${ENTRY_PREFIX}~` })) {
      const index = Number.parseInt(key.slice(ENTRY_PREFIX.length), 16);
      // A crash between a compaction and its deletions cannot leave holes: both are one batch.
      if (index !== snapIndex + 1 + log.length) corrupt(`log (entry ${index} after ${snapIndex + log.length})`);
      log.push(decodeEntry(index, bytes));
    }
    memory.append(log);
    const hsBytes = await db.get(HARD_STATE_KEY);
    if (hsBytes !== undefined) {
      const value = decodeCanonical(hsBytes, 'raft hard state', META_MAX_BYTES);
      if (!Array.isArray(value) || value.length !== 3 || !isCount(value[0]) || !(value[1] === null || typeof value[1] === 'string') || !isCount(value[2])) corrupt('hard state');
      memory.setHardState({ term: value[0] as number, vote: value[1] as string | null, commit: Math.max(value[2] as number, snapIndex) });
    }
    return new LevelRaftStorage(db, memory);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.memory.initialState();
  }

  firstIndex(): number {
    return this.memory.firstIndex();
  }

  lastIndex(): number {
    return this.memory.lastIndex();
  }

  snapshot(): SnapshotMeta {
    return this.memory.snapshot();
  }

  term(index: number): number {
    return this.memory.term(index);
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.memory.entries(lo, hi, maxBytes);
  }

  /**
   * Persists one Ready's durable part in one synced batch: a compaction point received from
   * the leader, appended entries (replacing a conflicting suffix) and the hard state.
   */
  async persist(ready: { snapshot?: SnapshotMeta; entries: readonly Entry[]; hardState?: HardState }): Promise<void> {
    const batch = this.db.batch();
    let first = this.memory.firstIndex();
    let last = this.memory.lastIndex();
    if (ready.snapshot !== undefined) {
      if (ready.snapshot.index <= this.memory.snapshot().index) throw new NodeError('ASSERTION_FAILED', `snapshot ${ready.snapshot.index} is not newer than ${this.memory.snapshot().index}`);
      for (let index = first; index <= last; index++) batch.del(entryKey(index));
      const snap = ready.snapshot;
      batch.put(SNAPSHOT_KEY, encodeCanonical([snap.index, snap.term, [...snap.confState.voters], [...snap.confState.learners]]));
      first = snap.index + 1;
      last = snap.index;
    }
    const head = ready.entries[0];
    if (head !== undefined) {
      if (head.index < first || head.index > last + 1) throw new NodeError('ASSERTION_FAILED', `append at ${head.index} outside [${first}, ${last + 1}]`);
      for (const entry of ready.entries) batch.put(entryKey(entry.index), encodeCanonical([entry.term, entry.type, entry.data]));
      const newLast = head.index + ready.entries.length - 1;
      for (let index = newLast + 1; index <= last; index++) batch.del(entryKey(index));
    }
    let hardState = ready.hardState;
    if (hardState === undefined && ready.snapshot !== undefined && this.memory.initialState().hardState.commit < ready.snapshot.index) {
      hardState = { ...this.memory.initialState().hardState, commit: ready.snapshot.index };
    }
    if (hardState !== undefined) batch.put(HARD_STATE_KEY, encodeCanonical([hardState.term, hardState.vote, hardState.commit]));
    if (batch.length > 0) await batch.write({ sync: true });
    else await batch.close();
    // Durable: now the core may see it.
    if (ready.snapshot !== undefined) this.memory.applySnapshot(ready.snapshot);
    this.memory.append(ready.entries);
    if (hardState !== undefined) this.memory.setHardState(hardState);
  }

  /** Drops entries up to `index` (applied by the host); `confState` is the configuration there. */
  async compact(index: number, confState: ConfState): Promise<void> {
    const snapIndex = this.memory.snapshot().index;
    if (index <= snapIndex) return;
    if (index > this.memory.initialState().hardState.commit || index > this.memory.lastIndex()) {
      throw new NodeError('ASSERTION_FAILED', `compact to ${index} beyond commit ${this.memory.initialState().hardState.commit}`);
    }
    const term = this.memory.term(index);
    const batch = this.db.batch();
    for (let i = snapIndex + 1; i <= index; i++) batch.del(entryKey(i));
    batch.put(SNAPSHOT_KEY, encodeCanonical([index, term, [...confState.voters], [...confState.learners]]));
    // Compaction need not be synced: losing it only means dropping the entries again.
    await batch.write();
    this.memory.compact(index, confState);
  }
}
