// One simulated node's host: it owns the "disk" (a MemoryRaftStorage plus the applied
// sequence, both surviving a crash) and the RawNode (lost on a crash, with anything not yet
// persisted). It follows the Ready protocol, optionally sending a leader's appends before
// persisting (the allowed parallel write), and fetches snapshot state from a peer's applied
// sequence, like block sync.

import type { Entry, Message, NodeId, Prng, Ready, SnapshotMeta, UnsafeTestingFlags } from '../../src/index.js';
import { createPrng, MemoryRaftStorage, mayPrecedePersistence, RawNode } from '../../src/index.js';
import type { SafetyChecker } from './checker.js';
import { entryKey, SimViolation } from './checker.js';

export interface HostOptions {
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxEntriesPerAppend: number;
  maxInflightAppends: number;
  /** Send a leader's appends before persisting (two-phase Ready). */
  parallelLeaderWrite: boolean;
  unsafe?: UnsafeTestingFlags;
}

export interface Fetch {
  readonly meta: SnapshotMeta;
  readonly from: NodeId;
  readonly at: number;
}

export class SimHost {
  readonly storage: MemoryRaftStorage;
  node: RawNode | null = null;
  /** The durable state machine: appliedKeys[i] is the content applied at index i (1-based). */
  readonly appliedKeys: string[] = [''];
  /** A Ready whose early messages went out but which is not persisted yet. */
  pending: Ready | null = null;
  tickCredit = 0;
  tickRate = 1;
  fetch: Fetch | null = null;
  crashes = 0;
  /** Commit indexes already checked against the history. */
  checkedCommit = 0;
  wasLeaderInTerm = 0;
  /** Where read states go (the simulation checks them). */
  readSink: (reads: Ready['readStates']) => void = () => {};

  constructor(
    readonly id: NodeId,
    storage: MemoryRaftStorage,
    private readonly options: HostOptions,
    private readonly checker: SafetyChecker,
  ) {
    this.storage = storage;
  }

  appliedIndex(): number {
    return this.appliedKeys.length - 1;
  }

  alive(): boolean {
    return this.node !== null;
  }

  start(prng: Prng): void {
    this.node = new RawNode({
      id: this.id,
      storage: this.storage,
      prng,
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      maxEntriesPerAppend: this.options.maxEntriesPerAppend,
      maxInflightAppends: this.options.maxInflightAppends,
      applied: this.appliedIndex(),
      ...(this.options.unsafe === undefined ? {} : { unsafe: this.options.unsafe }),
    });
    this.checkedCommit = Math.min(this.checkedCommit, this.node.status().commit);
    this.wasLeaderInTerm = 0;
  }

  crash(): void {
    this.node = null;
    this.pending = null;
    this.fetch = null;
    this.crashes++;
  }

  /** Idle: alive and no Ready out, so it may be ticked and stepped. */
  idle(): boolean {
    return this.node !== null && this.pending === null;
  }

  /** Checks this node's state against the history after anything happened to it. */
  check(): void {
    const node = this.node;
    if (node === null) return;
    const status = node.status();
    if (status.role === 'leader') {
      this.checker.onLeader(this.id, status.term);
      if (this.wasLeaderInTerm !== status.term) {
        this.wasLeaderInTerm = status.term;
        this.checker.onNewLeader(this.id, status.term, (i) => node.termAt(i), status.firstIndex);
      }
    }
    for (let i = this.checkedCommit + 1; i <= status.commit; i++) {
      const term = node.termAt(i);
      if (term === undefined) {
        if (i > this.checker.committedLength()) throw new SimViolation('commit-unknown', `${this.id} commits ${i} without its term`);
        continue;
      }
      this.checker.onCommitted(this.id, i, term, status.term);
    }
    if (status.commit > this.checkedCommit) this.checkedCommit = status.commit;
  }

  /**
   * Takes a Ready. Returns the messages to send now; when the Ready is split (parallel write),
   * the rest goes out at finishReady().
   */
  takeReady(split: boolean): { send: Message[]; done: boolean } {
    const node = this.node;
    if (node === null || this.pending !== null || !node.hasReady()) return { send: [], done: true };
    const ready = node.ready();
    if (split && this.options.parallelLeaderWrite) {
      this.pending = ready;
      return { send: ready.messages.filter(mayPrecedePersistence), done: false };
    }
    return { send: this.persistAndApply(ready, false), done: true };
  }

  /** Completes a split Ready: persist, then send what remains, apply, advance. */
  finishReady(): Message[] {
    const ready = this.pending;
    if (ready === null) return [];
    this.pending = null;
    return this.persistAndApply(ready, true);
  }

  private persistAndApply(ready: Ready, earlySent: boolean): Message[] {
    const node = this.node;
    if (node === null) throw new Error('persist on a crashed node');
    this.check();
    if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
    const first = ready.entries[0];
    if (first !== undefined) {
      this.storage.append(ready.entries);
      this.checker.onPersist(this.id, ready.entries, this.storage.term(first.index - 1), ready.hardState?.commit ?? this.storage.initialState().hardState.commit);
    }
    if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    // Durable now: the rest of the messages may go.
    const send = earlySent ? ready.messages.filter((m) => !mayPrecedePersistence(m)) : [...ready.messages];
    for (const entry of ready.committedEntries) this.apply(entry);
    if (ready.readStates.length > 0) this.readSink(ready.readStates);
    if (ready.snapshotRequest !== undefined && this.fetch === null) {
      this.fetch = { meta: ready.snapshotRequest.snapshot, from: ready.snapshotRequest.from, at: -1 };
    }
    node.advance();
    return send;
  }

  private apply(entry: Entry): void {
    const key = entryKey(entry);
    if (entry.index <= this.appliedIndex()) {
      // Already here by a snapshot fetch: the host skips it, but it must be the same entry.
      if (this.appliedKeys[entry.index] !== key) {
        throw new SimViolation('state-machine-safety', `${this.id} re-applies ${key} at ${entry.index} over ${this.appliedKeys[entry.index]}`);
      }
      return;
    }
    if (entry.index !== this.appliedIndex() + 1) throw new SimViolation('apply-gap', `${this.id} applies ${entry.index} after ${this.appliedIndex()}`);
    this.checker.onApplied(this.id, entry.index, key);
    this.appliedKeys.push(key);
  }

  /** Block sync: copy a peer's applied sequence up to meta.index, then tell Raft. */
  completeFetch(peer: SimHost): boolean {
    const fetch = this.fetch;
    const node = this.node;
    if (fetch === null || node === null || this.pending !== null) return false;
    this.fetch = null;
    if (peer.appliedIndex() < fetch.meta.index) return false;
    for (let i = this.appliedIndex() + 1; i <= fetch.meta.index; i++) {
      const key = peer.appliedKeys[i] as string;
      this.checker.onApplied(this.id, i, key);
      this.appliedKeys.push(key);
    }
    node.snapshotFetched(fetch.meta);
    return true;
  }
}

export function nodePrng(seed: number): Prng {
  return createPrng(seed);
}
