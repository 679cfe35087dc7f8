// What the Raft core reads from durable storage, and an in-memory implementation for tests
// and the simulator (the LevelDB one lives in the node). The core only reads through
// RaftStorage; the host writes (append, setHardState, applySnapshot, compact) while processing
// a Ready, so what storage holds is exactly what survived.

import { bootstrapLog, checkNodeId, EMPTY_CONF_STATE } from './conf-change.js';
import { assert, ConsensusError } from './errors.js';
import type { ConfState, Entry, HardState, SnapshotMeta } from './types.js';
import { entrySizeBytes } from './types.js';

export interface RaftStorage {
  /** The persisted hard state and the configuration as of snapshot().index. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi), firstIndex() <= lo < hi <= lastIndex() + 1, stopping before the total
   * size passes maxBytes but always returning at least one entry.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of entry `index`, for snapshot().index <= index <= lastIndex(). */
  term(index: number): number;
  /** The first index still in the log: snapshot().index + 1. */
  firstIndex(): number;
  lastIndex(): number;
  /** The compaction point (index 0, term 0 for a log never compacted). */
  snapshot(): SnapshotMeta;
}

export class MemoryRaftStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snap: SnapshotMeta = { index: 0, term: 0, confState: EMPTY_CONF_STATE };
  /** entries[i] has index snap.index + 1 + i. */
  private log: Entry[] = [];

  /** Storage of a founding member, holding the shared bootstrap log (see bootstrapLog). */
  static bootstrap(voters: readonly string[]): MemoryRaftStorage {
    const storage = new MemoryRaftStorage();
    const { entries, hardState } = bootstrapLog(voters);
    storage.append(entries);
    storage.setHardState(hardState);
    return storage;
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
      size += entrySizeBytes(entry);
      if (out.length > 0 && size > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  private checkRange(lo: number, hi: number): void {
    if (lo < this.firstIndex()) {
      throw new ConsensusError('LOG_COMPACTED', `index ${lo} is compacted (first index ${this.firstIndex()})`, { field: 'index' });
    }
    if (hi > this.lastIndex() + 1 || lo >= hi) {
      throw new ConsensusError('LOG_UNAVAILABLE', `range [${lo}, ${hi}) is beyond last index ${this.lastIndex()}`, { field: 'index' });
    }
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.hardState.term, `hard state term ${hardState.term} < persisted ${this.hardState.term}`);
    assert(hardState.commit <= this.lastIndex(), `hard state commit ${hardState.commit} > last index ${this.lastIndex()}`);
    if (hardState.vote !== null) checkNodeId(hardState.vote, 'hardState.vote');
    this.hardState = hardState;
  }

  /** Appends entries, first replacing any suffix from entries[0].index on. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index > this.snap.index, `append at ${first.index} below compaction point ${this.snap.index}`);
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    assert(first.index > this.hardState.commit, `append at ${first.index} would replace committed entries (commit ${this.hardState.commit})`);
    for (let i = 1; i < entries.length; i++) assert((entries[i] as Entry).index === first.index + i, 'appended entries are contiguous');
    this.log.length = first.index - this.snap.index - 1;
    for (const entry of entries) this.log.push(entry);
  }

  /**
   * Installs a compaction point received from the leader (Ready.snapshot): the host has fetched
   * the state up to meta.index. Raft hands out a snapshot only when its log lacks meta's entry,
   * so the whole log is replaced.
   */
  applySnapshot(meta: SnapshotMeta): void {
    assert(meta.index > this.snap.index, `snapshot ${meta.index} is not newer than ${this.snap.index}`);
    this.log = [];
    this.snap = meta;
    if (this.hardState.commit < meta.index) this.hardState = { ...this.hardState, commit: meta.index };
  }

  /**
   * Drops entries up to `index` (which the host has applied). `confState` must be the
   * configuration in force at `index`: RawNode.confState() gives it at the applied index.
   */
  compact(index: number, confState: ConfState): void {
    if (index <= this.snap.index) return;
    assert(index <= this.hardState.commit, `compact to ${index} beyond commit ${this.hardState.commit}`);
    assert(index <= this.lastIndex(), `compact to ${index} beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    this.log = this.log.slice(index - this.snap.index);
    this.snap = { index, term, confState };
  }
}
