// The host's handle on one Raft node (etcd's RawNode): input through tick/step/propose/...,
// output through ready()/advance(). It enforces the Ready protocol: one Ready out at a time,
// and no input while it is out, so everything a Ready reports is exactly what the host persists.

import { decodeConfChange } from './conf-change.js';
import { assert, ConsensusError } from './errors.js';
import type { RaftConfig } from './raft.js';
import { Raft } from './raft.js';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Ready, Role, SnapshotMeta, SoftState } from './types.js';

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly firstIndex: number;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly leadTransferee: NodeId | null;
  readonly confState: ConfState;
  /** Leader only: each member's match index and flow-control state. */
  readonly progress: Readonly<Record<NodeId, { match: number; next: number; state: string }>>;
}

interface Outstanding {
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly committedEntries: readonly Entry[];
  readonly snapshot: SnapshotMeta | undefined;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export class RawNode {
  private readonly raft: Raft;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private outstanding: Outstanding | null = null;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevHardState = config.storage.initialState().hardState;
    this.prevSoftState = { leader: null, role: 'follower' };
  }

  private checkIdle(operation: string): void {
    if (this.outstanding !== null) {
      throw new ConsensusError('READY_OUTSTANDING', `${operation} while a Ready is out: call advance() first (the host buffers input while it persists)`, { field: operation });
    }
  }

  tick(): void {
    this.checkIdle('tick');
    this.raft.tick();
  }

  /** Steps a message from a peer; a malformed one throws MESSAGE_INVALID and changes nothing. */
  step(message: Message): void {
    this.checkIdle('step');
    this.raft.step(message);
  }

  /** Campaigns now (skips the election timeout; still runs PreVote when enabled). */
  campaign(): void {
    this.checkIdle('campaign');
    this.raft.hup('election');
  }

  /** Leader only. Returns where the entry went; it is committed once applied at that index. */
  propose(data: Uint8Array): { index: number; term: number } {
    this.checkIdle('propose');
    return this.raft.propose(data);
  }

  /** Leader only; one change at a time (CONF_CHANGE_PENDING until the previous one is applied). */
  proposeConfChange(change: ConfChange): { index: number; term: number } {
    this.checkIdle('proposeConfChange');
    return this.raft.proposeConfChange(change);
  }

  /** Leader only: hands leadership to a voter once its log is caught up (aborts after an election timeout). */
  transferLeader(to: NodeId): void {
    this.checkIdle('transferLeader');
    this.raft.transferLeader(to);
  }

  /**
   * Asks for a linearizable read index; a ReadState with the same context comes out in a later
   * Ready. Contexts must be unique across the cluster (prefix them with the node id).
   */
  readIndex(context: Uint8Array): void {
    this.checkIdle('readIndex');
    this.raft.readIndex(context);
  }

  /** Reports that the host made the state up to meta.index durable (after a SnapshotRequest). */
  snapshotFetched(meta: SnapshotMeta): void {
    this.checkIdle('snapshotFetched');
    this.raft.snapshotFetched(meta);
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const raft = this.raft;
    const soft = this.softState();
    return (
      raft.hasPendingBroadcast() ||
      raft.msgs.length > 0 ||
      raft.log.unstableEntries().length > 0 ||
      raft.log.pendingSnapshot() !== undefined ||
      raft.log.hasNextCommittedEntries() ||
      raft.readStates.length > 0 ||
      raft.snapshotRequest !== undefined ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      soft.leader !== this.prevSoftState.leader ||
      soft.role !== this.prevSoftState.role
    );
  }

  /** The next batch of work; see Ready for the order the host must follow. */
  ready(): Ready {
    this.checkIdle('ready');
    const raft = this.raft;
    raft.flushBroadcast();
    const hardState = this.hardState();
    const softState = this.softState();
    const snapshot = raft.log.pendingSnapshot();
    const entries = [...raft.log.unstableEntries()];
    const committedEntries = raft.log.nextCommittedEntries(raft.maxCommittedBytesPerReady);
    const messages = raft.msgs;
    const readStates = raft.readStates;
    const snapshotRequest = raft.snapshotRequest;
    raft.msgs = [];
    raft.readStates = [];
    raft.snapshotRequest = undefined;
    assert(hardState.commit <= raft.log.lastIndex(), 'the persisted commit is within the persisted log');
    if (snapshot !== undefined) assert(committedEntries.length === 0, 'no committed entries before a pending snapshot is persisted');
    this.outstanding = { hardState, softState, committedEntries, snapshot };
    return {
      ...(softState.leader !== this.prevSoftState.leader || softState.role !== this.prevSoftState.role ? { softState } : {}),
      ...(sameHardState(hardState, this.prevHardState) ? {} : { hardState }),
      ...(snapshot === undefined ? {} : { snapshot }),
      entries,
      messages,
      committedEntries,
      readStates,
      ...(snapshotRequest === undefined ? {} : { snapshotRequest }),
    };
  }

  /**
   * The host persisted the last Ready and sent its messages; its committed entries are applied, or
   * queued to be applied in order (the core keeps no state of its own that waits for them). Conf
   * changes among them take effect now; a leader counts its own copy of new entries now.
   */
  advance(): void {
    const out = this.outstanding;
    if (out === null) throw new ConsensusError('NO_READY', 'advance() without an outstanding ready()', { field: 'advance' });
    const raft = this.raft;
    raft.log.markStable();
    if (out.snapshot !== undefined) raft.log.appliedTo(out.snapshot.index);
    const last = out.committedEntries[out.committedEntries.length - 1];
    if (last !== undefined) {
      raft.log.appliedTo(last.index);
      for (const entry of out.committedEntries) {
        if (raft.role === 'leader') raft.uncommittedBytes = Math.max(0, raft.uncommittedBytes - entry.data.length);
        if (entry.type === 'confChange') raft.applyConfChange(decodeConfChange(entry.data));
      }
    }
    this.prevHardState = out.hardState;
    this.prevSoftState = out.softState;
    this.outstanding = null;
    raft.onPersisted();
  }

  /** The configuration in force at the applied index (what MemoryRaftStorage.compact needs). */
  confState(): ConfState {
    return this.raft.conf;
  }

  /** The term of entry `index`, or undefined when compacted or beyond the log. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  status(): RaftStatus {
    const raft = this.raft;
    const progress: Record<NodeId, { match: number; next: number; state: string }> = {};
    if (raft.role === 'leader') {
      for (const [id, pr] of raft.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      commit: raft.log.committed,
      applied: raft.log.applied,
      lastIndex: raft.log.lastIndex(),
      lastTerm: raft.log.lastTerm(),
      firstIndex: raft.log.firstIndex(),
      role: raft.role,
      leader: raft.lead,
      leadTransferee: raft.leadTransferee,
      confState: raft.conf,
      progress,
    };
  }
}
