// The leader's view of each member's log: how far it matches (match), what to send next
// (next), and the flow-control state. Probe sends one append per heartbeat until a follower's
// position is known; replicate pipelines appends, at most `capacity` in flight; snapshot waits
// for the host on the follower's side to fetch state.

import { assert } from './errors.js';

/** A bounded ring of the last index of each append in flight, oldest first. */
export class Inflights {
  readonly capacity: number;
  private readonly buffer: number[];
  private start = 0;
  count = 0;

  constructor(capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1, `inflight capacity ${capacity} is a positive integer`);
    this.capacity = capacity;
    this.buffer = new Array<number>(capacity).fill(0);
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  add(lastIndex: number): void {
    assert(!this.full(), `inflight window of ${this.capacity} is full`);
    if (this.count > 0) assert(lastIndex >= this.newest(), `inflight ${lastIndex} after ${this.newest()}`);
    this.buffer[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  private newest(): number {
    return this.buffer[(this.start + this.count - 1) % this.capacity] as number;
  }

  /** Frees every append whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.buffer[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Frees the oldest append (presumed lost). */
  freeFirst(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe: an append is out and no answer or heartbeat response came since. */
  probeSent = false;
  /** In snapshot: the index the follower must reach. */
  pendingSnapshot = 0;
  /** Ticks spent in the snapshot state, to re-probe if the follower's host never finishes. */
  snapshotTicks = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, inflightCapacity: number, isLearner: boolean) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightCapacity);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.resetState('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.resetState('replicate');
  }

  becomeSnapshot(index: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = index;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** An acknowledgement up to `index`; returns whether match moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`; `matchHint` is the highest index that may still
   * match. Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records an append of `count` entries ending at `lastIndex` (count 0: an empty probe). */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    } else {
      assert(false, 'no appends in the snapshot state');
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
