// The Raft log as the core sees it: what storage holds, overlaid by an unstable tail (and
// possibly a snapshot) that the host has not persisted yet. Owns the commit and applied
// indexes and the rule that a committed entry is never replaced.

import { assert } from './errors.js';
import type { RaftStorage } from './storage.js';
import type { Entry, SnapshotMeta } from './types.js';
import { entrySizeBytes } from './types.js';

export class RaftLog {
  readonly storage: RaftStorage;
  /** Entries at index >= offset come from `unstable`; below it from storage (or `unstableSnapshot`). */
  private offset: number;
  private unstable: Entry[] = [];
  private unstableSnapshot: SnapshotMeta | undefined;
  committed: number;
  applied: number;

  constructor(storage: RaftStorage, committed: number, applied: number) {
    this.storage = storage;
    this.offset = storage.lastIndex() + 1;
    this.committed = committed;
    this.applied = applied;
    assert(committed <= this.lastIndex(), `commit ${committed} beyond last index ${this.lastIndex()}`);
    assert(applied <= committed, `applied ${applied} beyond commit ${committed}`);
  }

  firstIndex(): number {
    return this.unstableSnapshot === undefined ? this.storage.firstIndex() : this.unstableSnapshot.index + 1;
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.offset + this.unstable.length - 1;
    if (this.unstableSnapshot !== undefined) return this.unstableSnapshot.index;
    return this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'the last entry has a term');
    return term;
  }

  /** The term at `index`, or undefined when compacted or beyond the log. */
  term(index: number): number | undefined {
    if (index >= this.offset) {
      const entry = this.unstable[index - this.offset];
      if (entry !== undefined) return entry.term;
      if (this.unstable.length === 0 && this.unstableSnapshot !== undefined && index === this.unstableSnapshot.index) return this.unstableSnapshot.term;
      return undefined;
    }
    if (this.unstableSnapshot !== undefined) return index === this.unstableSnapshot.index ? this.unstableSnapshot.term : undefined;
    const snap = this.storage.snapshot();
    if (index < snap.index || index > this.storage.lastIndex()) return undefined;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** The compaction point a lagging follower must be brought past. */
  snapshotMeta(): SnapshotMeta {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }

  /** Entries [lo, hi) within maxBytes (at least one). The range must be available. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex(), `entries from ${lo} below first index ${this.firstIndex()}`);
    assert(hi <= this.lastIndex() + 1 && lo < hi, `entries [${lo}, ${hi}) beyond last index ${this.lastIndex()}`);
    let out: Entry[] = [];
    let size = 0;
    if (lo < this.offset) {
      out = this.storage.entries(lo, Math.min(hi, this.offset), maxBytes);
      for (const entry of out) size += entrySizeBytes(entry);
      if (out.length < Math.min(hi, this.offset) - lo) return out;
    }
    for (let index = Math.max(lo, this.offset); index < hi; index++) {
      const entry = this.unstable[index - this.offset];
      assert(entry !== undefined, `unstable entry ${index} present`);
      size += entrySizeBytes(entry);
      if (out.length > 0 && size > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Everything not yet handed to the host for persisting. */
  unstableEntries(): readonly Entry[] {
    return this.unstable;
  }

  pendingSnapshot(): SnapshotMeta | undefined {
    return this.unstableSnapshot;
  }

  /** The host persisted every unstable entry and snapshot (RawNode.advance). */
  markStable(): void {
    if (this.unstableSnapshot !== undefined) {
      assert(this.storage.snapshot().index === this.unstableSnapshot.index, 'storage holds the snapshot handed out');
      this.unstableSnapshot = undefined;
    }
    if (this.unstable.length > 0) {
      const last = this.unstable[this.unstable.length - 1] as Entry;
      assert(this.storage.lastIndex() === last.index, `storage last index ${this.storage.lastIndex()} is the persisted ${last.index}`);
      assert(this.storage.term(last.index) === last.term, `storage term at ${last.index} is the persisted ${last.term}`);
      this.unstable = [];
    }
    this.offset = this.lastIndex() + 1;
  }

  /** The last index that is durable in storage and part of this log. */
  stableIndex(): number {
    if (this.unstableSnapshot !== undefined) return 0;
    return Math.min(this.offset - 1, this.storage.lastIndex());
  }

  /** Appends entries, replacing any uncommitted suffix from entries[0].index on. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    const after = first.index - 1;
    assert(after >= this.committed, `append after ${after} would replace committed entries (commit ${this.committed})`);
    assert(after <= this.lastIndex(), `append after ${after} leaves a gap (last ${this.lastIndex()})`);
    if (after === this.offset + this.unstable.length - 1) {
      for (const entry of entries) this.unstable.push(entry);
    } else if (after < this.offset) {
      // Replaces part of what storage holds; the host's append will truncate it there too.
      assert(this.unstableSnapshot === undefined || after >= this.unstableSnapshot.index, 'no append below a pending snapshot');
      this.offset = after + 1;
      this.unstable = [...entries];
    } else {
      this.unstable = this.unstable.slice(0, after + 1 - this.offset).concat(entries);
    }
    return this.lastIndex();
  }

  /**
   * The follower side of AppendEntries: when the log holds (prevIndex, prevTerm), append what is
   * new, advance commit, and return the last index now known to match the leader; else null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    let conflictAt = -1;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      assert(entry.index === prevIndex + 1 + i, `appended entry ${i} has index ${entry.index}, expected ${prevIndex + 1 + i}`);
      if (!this.matchTerm(entry.index, entry.term)) {
        conflictAt = i;
        break;
      }
    }
    if (conflictAt >= 0) {
      const conflictIndex = prevIndex + 1 + conflictAt;
      assert(conflictIndex > this.committed, `entry ${conflictIndex} conflicts with a committed one (commit ${this.committed})`);
      this.append(entries.slice(conflictAt));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed, `applied ${index} beyond commit ${this.committed}`);
    assert(index >= this.applied, `applied ${index} moves back from ${this.applied}`);
    this.applied = index;
  }

  /** Whether a candidate's last entry (lastIndex, lastTerm) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The largest index <= `index` whose term is <= `term` (with that term), used for fast
   * back-off: no entry between it and `index` can match a log whose term at `index` is `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let at = Math.min(index, this.lastIndex()); at > 0; at--) {
      const ours = this.term(at);
      if (ours === undefined) return { index: at, term: 0 };
      if (ours <= term) return { index: at, term: ours };
    }
    return { index: 0, term: 0 };
  }

  /** Committed entries not yet handed out, within maxBytes; none while a snapshot is pending. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    if (this.unstableSnapshot !== undefined || this.applied >= this.committed) return [];
    return this.entries(this.applied + 1, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return this.unstableSnapshot === undefined && this.applied < this.committed;
  }

  /** Replaces the log with a snapshot point (the host fetched the state up to it). */
  restore(meta: SnapshotMeta): void {
    assert(meta.index > this.committed, `snapshot ${meta.index} not beyond commit ${this.committed}`);
    this.unstableSnapshot = meta;
    this.unstable = [];
    this.offset = meta.index + 1;
    this.committed = meta.index;
  }
}
