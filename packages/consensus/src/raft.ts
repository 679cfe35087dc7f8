// The Raft protocol as a pure state machine, in the shape of etcd-io/raft: elections with
// PreVote and CheckQuorum, replication with batching, pipelining and fast back-off, commit by
// counting only entries of the current term (§5.4.2), one-server-at-a-time membership changes,
// leader transfer and ReadIndex. It owns no clock, no disk, no network and no randomness: the
// host ticks it, steps it with messages, hands it a seeded PRNG and drains its output through
// RawNode.ready(). It must never perform I/O or read time.

import {
  DEFAULT_BYTES_PER_APPEND,
  DEFAULT_COMMITTED_BYTES_PER_READY,
  DEFAULT_ENTRIES_PER_APPEND,
  DEFAULT_INFLIGHT_APPENDS,
  DEFAULT_UNCOMMITTED_BYTES,
  MAX_BYTES_PER_APPEND,
  MAX_COMMITTED_BYTES_PER_READY,
  MAX_ELECTION_TICKS,
  MAX_ENTRIES_PER_APPEND,
  MAX_ENTRY_DATA_BYTES,
  MAX_INFLIGHT_APPENDS,
  MAX_PENDING_READS,
  MAX_READ_CONTEXT_BYTES,
  MAX_UNCOMMITTED_BYTES,
  MIN_ELECTION_TICKS,
  SNAPSHOT_TIMEOUT_ELECTIONS,
} from './constants.js';
import { applyConfChangeTo, checkNodeId, decodeConfChange, encodeConfChange } from './conf-change.js';
import { assert, ConsensusError } from './errors.js';
import { parseMessage } from './message-check.js';
import type { Prng } from './prng.js';
import { randomInt } from './prng.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import type { RaftStorage } from './storage.js';
import type { ConfChange, ConfState, Entry, Message, MessageType, NodeId, ReadState, Role, SnapshotMeta, SnapshotRequest } from './types.js';
import { entrySizeBytes } from './types.js';

/**
 * Rules a test can break on purpose, to prove the simulator notices (the mutation check).
 * Never set outside tests: each flag makes the protocol unsafe.
 */
export interface UnsafeTestingFlags {
  /** Commit an entry of an earlier term by counting replicas (the Figure 8 bug). */
  readonly commitPriorTermByCount?: boolean;
  /** Grant a second vote in a term to a different candidate. */
  readonly doubleVote?: boolean;
  /** Grant votes without the log up-to-date check of §5.4.1. */
  readonly ignoreLogUpToDate?: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  /** The node's only source of randomness (randomized election timeouts). */
  readonly prng: Prng;
  /** Election timeout in ticks; the randomized timeout lies in [electionTicks, 2*electionTicks). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be below electionTicks. */
  readonly heartbeatTicks: number;
  /** The index the host has durably applied (restart); clamped to [snapshot index, commit]. */
  readonly applied?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly maxEntriesPerAppend?: number;
  readonly maxBytesPerAppend?: number;
  readonly maxInflightAppends?: number;
  readonly maxUncommittedBytes?: number;
  readonly maxCommittedBytesPerReady?: number;
  readonly unsafe?: UnsafeTestingFlags;
}

interface ReadRequest {
  readonly key: string;
  readonly index: number;
  readonly from: NodeId;
  readonly context: Uint8Array;
  readonly acks: Set<NodeId>;
}

type CampaignKind = 'preVote' | 'vote' | 'transfer';

function intInRange(value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConsensusError('CONFIG_INVALID', `${field} must be an integer in [${min}, ${max}], got ${v}`, { field });
  }
  return v;
}

function contextKey(context: Uint8Array): string {
  let key = '';
  for (const byte of context) key += byte.toString(16).padStart(2, '0');
  return key;
}

const EMPTY: readonly Entry[] = [];

export class Raft {
  readonly id: NodeId;
  readonly log: RaftLog;
  term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  role: Role = 'follower';
  conf: ConfState;
  readonly progress = new Map<NodeId, Progress>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  snapshotRequest: SnapshotRequest | undefined;

  private readonly prng: Prng;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxEntriesPerAppend: number;
  private readonly maxBytesPerAppend: number;
  private readonly maxInflight: number;
  private readonly maxUncommittedBytes: number;
  readonly maxCommittedBytesPerReady: number;
  private readonly unsafe: UnsafeTestingFlags;

  private votes = new Map<NodeId, boolean>();
  electionElapsed = 0;
  private heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId | null = null;
  /** Index of the latest conf change proposed by this leader; no new one until it is applied. */
  private pendingConfIndex = 0;
  uncommittedBytes = 0;
  private readQueue: ReadRequest[] = [];
  private readonly readsByKey = new Map<string, ReadRequest>();
  /** Reads that arrived before this leader committed an entry of its term. */
  private readsBeforeCommit: { from: NodeId; context: Uint8Array }[] = [];
  private broadcastPending = false;
  private commitBroadcastPending = false;

  constructor(config: RaftConfig) {
    checkNodeId(config.id, 'config.id');
    this.id = config.id;
    this.prng = config.prng;
    this.electionTicks = intInRange(config.electionTicks, 0, MIN_ELECTION_TICKS, MAX_ELECTION_TICKS, 'config.electionTicks');
    this.heartbeatTicks = intInRange(config.heartbeatTicks, 0, 1, this.electionTicks - 1, 'config.heartbeatTicks');
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxEntriesPerAppend = intInRange(config.maxEntriesPerAppend, DEFAULT_ENTRIES_PER_APPEND, 1, MAX_ENTRIES_PER_APPEND, 'config.maxEntriesPerAppend');
    this.maxBytesPerAppend = intInRange(config.maxBytesPerAppend, DEFAULT_BYTES_PER_APPEND, 1, MAX_BYTES_PER_APPEND, 'config.maxBytesPerAppend');
    this.maxInflight = intInRange(config.maxInflightAppends, DEFAULT_INFLIGHT_APPENDS, 1, MAX_INFLIGHT_APPENDS, 'config.maxInflightAppends');
    this.maxUncommittedBytes = intInRange(config.maxUncommittedBytes, DEFAULT_UNCOMMITTED_BYTES, 1, MAX_UNCOMMITTED_BYTES, 'config.maxUncommittedBytes');
    this.maxCommittedBytesPerReady = intInRange(
      config.maxCommittedBytesPerReady,
      DEFAULT_COMMITTED_BYTES_PER_READY,
      1,
      MAX_COMMITTED_BYTES_PER_READY,
      'config.maxCommittedBytesPerReady',
    );
    this.unsafe = config.unsafe ?? {};

    const storage = config.storage;
    const { hardState, confState } = storage.initialState();
    const snapIndex = storage.snapshot().index;
    const committed = Math.max(hardState.commit, snapIndex);
    const applied = Math.min(Math.max(config.applied ?? snapIndex, snapIndex), committed);
    this.log = new RaftLog(storage, committed, applied);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.conf = confState;
    // The configuration in force at `applied`: replay the conf changes the host already applied.
    for (let lo = snapIndex + 1; lo <= applied; ) {
      const batch = this.log.entries(lo, applied + 1, this.maxCommittedBytesPerReady);
      for (const entry of batch) {
        if (entry.type === 'confChange') this.conf = applyConfChangeTo(this.conf, decodeConfChange(entry.data));
      }
      lo += batch.length;
    }
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- queries

  quorum(): number {
    return Math.floor(this.conf.voters.length / 2) + 1;
  }

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  private isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  // ---------------------------------------------------------------- sending

  private send(m: Partial<Message> & { type: MessageType; to: NodeId }): void {
    assert(m.to !== this.id, `no message of type ${m.type} to self`);
    const message: Message = {
      type: m.type,
      from: this.id,
      to: m.to,
      term: m.term ?? this.term,
      logTerm: m.logTerm ?? 0,
      index: m.index ?? 0,
      entries: m.entries ?? EMPTY,
      commit: m.commit ?? 0,
      reject: m.reject ?? false,
      rejectHint: m.rejectHint ?? 0,
      ...(m.snapshot === undefined ? {} : { snapshot: m.snapshot }),
      ...(m.context === undefined ? {} : { context: m.context }),
      ...(m.transfer === undefined ? {} : { transfer: m.transfer }),
    };
    assert(message.term > 0, `message ${m.type} carries a term`);
    this.msgs.push(message);
  }

  /** Sends the next append (or a snapshot notice) to `to`; false when nothing was sent. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const lastIndex = this.log.lastIndex();
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      const meta = this.log.snapshotMeta();
      assert(meta.index >= pr.next - 1 || prevTerm === undefined, 'snapshot covers the missing entries');
      pr.becomeSnapshot(meta.index);
      this.send({ type: 'snap', to, snapshot: meta });
      return true;
    }
    assert(pr.next <= lastIndex + 1, `next ${pr.next} for ${to} beyond last index ${lastIndex}`);
    const entries = pr.next <= lastIndex ? this.log.entries(pr.next, Math.min(lastIndex + 1, pr.next + this.maxEntriesPerAppend), this.maxBytesPerAppend) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    assert(entries.length <= this.maxEntriesPerAppend, 'append within the entry bound');
    this.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /**
   * New entries or a new commit index go out once per Ready rather than once per proposal or
   * acknowledgement: proposals made between two Readies share append messages (batching).
   */
  private scheduleBroadcast(withCommit: boolean): void {
    this.broadcastPending = true;
    if (withCommit) this.commitBroadcastPending = true;
  }

  hasPendingBroadcast(): boolean {
    return this.broadcastPending && this.role === 'leader';
  }

  /** Sends what scheduleBroadcast deferred (RawNode.ready, before collecting messages). */
  flushBroadcast(): void {
    if (this.broadcastPending && this.role === 'leader') {
      for (const id of this.progress.keys()) {
        if (id === this.id) continue;
        this.sendAppend(id, this.commitBroadcastPending);
        // Pipelining: fill the follower's in-flight window.
        for (let sent = 0; this.sendAppend(id, false); sent++) assert(sent <= this.maxInflight, 'pipelining stays within the window');
      }
    }
    this.broadcastPending = false;
    this.commitBroadcastPending = false;
  }

  private bcastHeartbeat(context?: Uint8Array): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send(context === undefined ? { type: 'heartbeat', to: id, commit } : { type: 'heartbeat', to: id, commit, context });
    }
  }

  // ---------------------------------------------------------------- role changes

  private reset(term: number): void {
    assert(term >= this.term, `term moves back from ${this.term} to ${term}`);
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + randomInt(this.prng, this.electionTicks);
    this.leadTransferee = null;
    this.votes = new Map();
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readQueue = [];
    this.readsByKey.clear();
    this.readsBeforeCommit = [];
    this.broadcastPending = false;
    this.commitBroadcastPending = false;
    this.rebuildProgress();
  }

  private rebuildProgress(): void {
    this.progress.clear();
    const next = this.log.lastIndex() + 1;
    for (const id of this.conf.voters) this.progress.set(id, new Progress(next, this.maxInflight, false));
    for (const id of this.conf.learners) this.progress.set(id, new Progress(next, this.maxInflight, true));
    const self = this.progress.get(this.id);
    if (self !== undefined) self.match = this.log.stableIndex();
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader does not pre-campaign');
    // No term change and no vote: a pre-election must not disturb anyone.
    this.votes = new Map();
    this.lead = null;
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader does not campaign');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', `only a candidate becomes leader (role ${this.role})`);
    assert(this.vote === this.id, 'a leader voted for itself');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const self = this.progress.get(this.id);
    assert(self !== undefined, 'a leader is a member');
    self.becomeReplicate();
    self.match = this.log.stableIndex();
    // No conf change until the entries of earlier terms, and any conf change among them, are
    // applied: this closes the single-server-change hole a new leader could otherwise open.
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ type: 'normal', data: new Uint8Array(0) }]);
  }

  // ---------------------------------------------------------------- elections

  /** Starts an election now, as if the election timeout had passed. */
  hup(kind: 'election' | 'transfer'): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) return;
    if (this.log.pendingSnapshot() !== undefined) return;
    if (this.hasUnappliedConfChange()) return;
    if (kind === 'transfer') this.campaign('transfer');
    else this.campaign(this.preVote ? 'preVote' : 'vote');
  }

  private hasUnappliedConfChange(): boolean {
    for (let lo = this.log.applied + 1; lo <= this.log.committed; ) {
      const batch = this.log.entries(lo, this.log.committed + 1, this.maxCommittedBytesPerReady);
      for (const entry of batch) if (entry.type === 'confChange') return true;
      lo += batch.length;
    }
    return false;
  }

  private campaign(kind: CampaignKind): void {
    let voteTerm: number;
    if (kind === 'preVote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'preVote') this.campaign('vote');
      else this.winElection();
      return;
    }
    const type = kind === 'preVote' ? 'preVote' : 'vote';
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send(kind === 'transfer' ? { type, to: id, term: voteTerm, index, logTerm, transfer: true } : { type, to: id, term: voteTerm, index, logTerm });
    }
  }

  private winElection(): void {
    this.becomeLeader();
    this.bcastAppend();
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const voter of this.conf.voters) {
      const vote = this.votes.get(voter);
      if (vote === true) yes++;
      else if (vote === false) no++;
    }
    const q = this.quorum();
    if (yes >= q) return 'won';
    if (no > this.conf.voters.length - q) return 'lost';
    return 'pending';
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup('election');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.quorumActive()) {
          this.becomeFollower(this.term, null);
          return;
        }
        for (const [id, pr] of this.progress) pr.recentActive = id === this.id;
      }
      if (this.leadTransferee !== null) this.leadTransferee = null;
    }
    for (const [id, pr] of this.progress) {
      if (pr.state !== 'snapshot') continue;
      pr.snapshotTicks++;
      // The follower's host never reported: probe again, which re-sends the notice if needed.
      if (pr.snapshotTicks >= SNAPSHOT_TIMEOUT_ELECTIONS * this.electionTicks) {
        pr.becomeProbe();
        this.sendAppend(id);
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      if (id === this.id || this.progress.get(id)?.recentActive === true) active++;
    }
    return active >= this.quorum();
  }

  // ---------------------------------------------------------------- proposals

  private appendEntries(entries: readonly { type: Entry['type']; data: Uint8Array }[]): Entry[] {
    let index = this.log.lastIndex();
    const out: Entry[] = entries.map((e) => ({ index: ++index, term: this.term, type: e.type, data: e.data }));
    for (const entry of out) this.uncommittedBytes += entry.data.length;
    this.log.append(out);
    return out;
  }

  private checkCanPropose(size: number): void {
    if (this.role !== 'leader') {
      throw new ConsensusError('NOT_LEADER', `node ${this.id} is ${this.role}; the leader is ${this.lead ?? 'unknown'}`, { field: 'role' });
    }
    if (this.leadTransferee !== null) {
      throw new ConsensusError('TRANSFER_IN_PROGRESS', `leadership is moving to ${this.leadTransferee}; proposal dropped`, { field: 'leadTransferee' });
    }
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + size > this.maxUncommittedBytes) {
      throw new ConsensusError('UNCOMMITTED_LIMIT', `uncommitted bytes ${this.uncommittedBytes} + ${size} exceed ${this.maxUncommittedBytes}`, { field: 'uncommittedBytes' });
    }
  }

  propose(data: Uint8Array): { index: number; term: number } {
    if (!(data instanceof Uint8Array) || data.length > MAX_ENTRY_DATA_BYTES) {
      throw new ConsensusError('ENTRY_TOO_LARGE', `proposal data must be a Uint8Array of at most ${MAX_ENTRY_DATA_BYTES} bytes`, { field: 'data' });
    }
    this.checkCanPropose(data.length);
    const [entry] = this.appendEntries([{ type: 'normal', data }]);
    assert(entry !== undefined, 'one entry appended');
    this.scheduleBroadcast(false);
    return { index: entry.index, term: entry.term };
  }

  proposeConfChange(change: ConfChange): { index: number; term: number } {
    const data = encodeConfChange(change);
    this.checkCanPropose(data.length);
    if (this.pendingConfIndex > this.log.applied) {
      throw new ConsensusError('CONF_CHANGE_PENDING', `conf change at index ${this.pendingConfIndex} is not applied yet (applied ${this.log.applied})`, { field: 'pendingConfIndex' });
    }
    if (applyConfChangeTo(this.conf, change) === this.conf) {
      throw new ConsensusError('CONF_CHANGE_INVALID', `${change.type} ${change.nodeId} does not change voters ${this.conf.voters.join(',')} / learners ${this.conf.learners.join(',')}`, { field: 'confChange' });
    }
    const [entry] = this.appendEntries([{ type: 'confChange', data }]);
    assert(entry !== undefined, 'one entry appended');
    this.pendingConfIndex = entry.index;
    this.scheduleBroadcast(false);
    return { index: entry.index, term: entry.term };
  }

  transferLeader(to: NodeId): void {
    checkNodeId(to, 'transferLeader.to');
    if (this.role !== 'leader') throw new ConsensusError('NOT_LEADER', `node ${this.id} is ${this.role}; only the leader transfers leadership`, { field: 'role' });
    if (!this.isVoter(to)) throw new ConsensusError('TRANSFER_TARGET_INVALID', `transfer target ${to} is not a voter`, { field: 'to' });
    if (to === this.id || this.leadTransferee === to) return;
    this.electionElapsed = 0;
    this.leadTransferee = to;
    const pr = this.progress.get(to);
    assert(pr !== undefined, 'a voter has progress');
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to });
    else this.sendAppend(to);
  }

  readIndex(context: Uint8Array): void {
    if (!(context instanceof Uint8Array) || context.length === 0 || context.length > MAX_READ_CONTEXT_BYTES) {
      throw new ConsensusError('READ_CONTEXT_INVALID', `read context must be 1..${MAX_READ_CONTEXT_BYTES} bytes`, { field: 'context' });
    }
    if (this.role === 'leader') {
      this.leaderReadIndex(this.id, context);
      return;
    }
    if (this.lead === null) throw new ConsensusError('NO_LEADER', `node ${this.id} knows no leader in term ${this.term}`, { field: 'lead' });
    this.send({ type: 'readIndex', to: this.lead, context });
  }

  private leaderReadIndex(from: NodeId, context: Uint8Array): void {
    if (this.readQueue.length + this.readsBeforeCommit.length >= MAX_PENDING_READS) {
      if (from === this.id) throw new ConsensusError('READS_LIMIT', `${MAX_PENDING_READS} reads are pending`, { field: 'readIndex' });
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // The commit index of a fresh leader may lag what an earlier leader committed.
      this.readsBeforeCommit.push({ from, context });
      return;
    }
    if (this.conf.voters.length === 1) {
      this.respondRead(from, this.log.committed, context);
      return;
    }
    const key = contextKey(context);
    if (this.readsByKey.has(key)) return;
    const request: ReadRequest = { key, index: this.log.committed, from, context, acks: new Set([this.id]) };
    this.readQueue.push(request);
    this.readsByKey.set(key, request);
    this.bcastHeartbeat(context);
  }

  private respondRead(to: NodeId, index: number, context: Uint8Array): void {
    if (to === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'readIndexResp', to, index, context });
  }

  private releaseReadsBeforeCommit(): void {
    if (!this.committedEntryInCurrentTerm() || this.readsBeforeCommit.length === 0) return;
    const waiting = this.readsBeforeCommit;
    this.readsBeforeCommit = [];
    for (const read of waiting) this.leaderReadIndex(read.from, read.context);
  }

  private ackRead(from: NodeId, context: Uint8Array): void {
    const request = this.readsByKey.get(contextKey(context));
    if (request === undefined || !this.isVoter(from)) return;
    request.acks.add(from);
    let acked = 0;
    for (const id of request.acks) if (this.isVoter(id)) acked++;
    if (acked < this.quorum()) return;
    // A quorum confirmed leadership at this point: every earlier read is answered too.
    const position = this.readQueue.indexOf(request);
    assert(position >= 0, 'an indexed read is queued');
    const done = this.readQueue.splice(0, position + 1);
    for (const read of done) {
      this.readsByKey.delete(read.key);
      this.respondRead(read.from, read.index, read.context);
    }
  }

  // ---------------------------------------------------------------- commit

  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const id of this.conf.voters) matches.push(this.progress.get(id)?.match ?? 0);
    if (matches.length === 0) return false;
    matches.sort((a, b) => b - a);
    const quorumIndex = matches[this.quorum() - 1] as number;
    if (quorumIndex <= this.log.committed) return false;
    // §5.4.2: only an entry of the current term is committed by counting replicas.
    if (this.log.term(quorumIndex) !== this.term && this.unsafe.commitPriorTermByCount !== true) return false;
    this.log.commitTo(quorumIndex);
    return true;
  }

  private afterCommit(): void {
    this.releaseReadsBeforeCommit();
    this.scheduleBroadcast(true);
  }

  /** The host persisted everything handed out (RawNode.advance): count the leader's own copy. */
  onPersisted(): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    if (self === undefined) return;
    if (self.maybeUpdate(this.log.stableIndex()) && this.maybeCommit()) this.afterCommit();
  }

  /** Applies a committed conf change (RawNode.advance, in log order). */
  applyConfChange(change: ConfChange): void {
    const next = applyConfChangeTo(this.conf, change);
    if (next === this.conf) return;
    this.conf = next;
    for (const id of [...this.progress.keys()]) {
      if (!next.voters.includes(id) && !next.learners.includes(id)) this.progress.delete(id);
    }
    const nextIndex = this.log.lastIndex() + 1;
    for (const id of [...next.voters, ...next.learners]) {
      const isLearner = next.learners.includes(id);
      const pr = this.progress.get(id);
      if (pr === undefined) {
        const fresh = new Progress(nextIndex, this.maxInflight, isLearner);
        fresh.recentActive = true;
        if (id === this.id) fresh.match = this.log.stableIndex();
        this.progress.set(id, fresh);
      } else {
        pr.isLearner = isLearner;
      }
    }
    if (this.role !== 'leader') {
      if (this.role !== 'follower' && !this.promotable()) this.becomeFollower(this.term, null);
      return;
    }
    if (!this.promotable()) {
      // A removed leader steps down; the remaining voters elect a new one.
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.leadTransferee !== null && !this.isVoter(this.leadTransferee)) this.leadTransferee = null;
    for (const [id, read] of this.readsByKey) if (!this.isVoter(read.from) && read.from !== this.id) this.readsByKey.delete(id);
    this.readQueue = this.readQueue.filter((read) => this.readsByKey.has(read.key));
    if (this.maybeCommit()) this.afterCommit();
    else this.bcastAppend();
  }

  /** The host fetched the state up to meta.index (after a SnapshotRequest). */
  snapshotFetched(meta: SnapshotMeta): void {
    if (this.snapshotRequest !== undefined && this.snapshotRequest.snapshot.index <= meta.index) this.snapshotRequest = undefined;
    if (meta.index <= this.log.committed) {
      if (this.lead !== null && this.lead !== this.id) this.send({ type: 'appResp', to: this.lead, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      this.log.commitTo(meta.index);
    } else {
      this.log.restore(meta);
      this.conf = meta.confState;
      this.rebuildProgress();
      if (this.role !== 'follower' && !this.promotable()) this.becomeFollower(this.term, null);
    }
    if (this.lead !== null && this.lead !== this.id) this.send({ type: 'appResp', to: this.lead, index: this.log.committed });
  }

  // ---------------------------------------------------------------- step

  step(input: Message): void {
    const m = parseMessage(input);
    if (m.to !== this.id) throw new ConsensusError('MESSAGE_MISROUTED', `message for ${m.to} stepped into ${this.id}`, { field: 'message.to' });
    if (m.from === this.id) throw new ConsensusError('MESSAGE_INVALID', `message from self (${m.from})`, { field: 'message.from' });
    const termBefore = this.term;
    this.stepMessage(m);
    assert(this.term >= termBefore, `term moved back from ${termBefore} to ${this.term}`);
    assert(this.log.committed <= this.log.lastIndex(), `commit ${this.log.committed} beyond last index ${this.log.lastIndex()}`);
  }

  private stepMessage(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const inLease = this.checkQuorum && this.lead !== null && this.electionElapsed < this.electionTicks;
        // A node that heard from a live leader recently ignores disruptive candidates.
        if (inLease && m.transfer !== true) return;
      }
      if (m.type === 'preVote') {
        // Never change term for a pre-vote.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term; the term moves only once a quorum grants.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        const elapsed = this.electionElapsed;
        this.becomeFollower(m.term, null);
        // Only granting a vote restarts the election timer (Raft §5.2): a candidate whose log is
        // behind must not keep an up-to-date node from ever campaigning.
        if (m.type === 'vote') this.electionElapsed = elapsed;
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // Tell a stale leader about the new term so it steps down.
        this.send({ type: 'appResp', to: m.from });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'preVote' && m.term > this.term) ||
      (m.type === 'vote' && this.unsafe.doubleVote === true && this.role !== 'leader');
    const upToDate = this.unsafe.ignoreLogUpToDate === true || this.log.isUpToDate(m.index, m.logTerm);
    if (canVote && upToDate) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        if (this.vote !== null && this.unsafe.doubleVote === true) return;
        assert(this.vote === null || this.vote === m.from, `second vote in term ${this.term}`);
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    if (m.type === 'readIndex') {
      if (m.context !== undefined && m.context.length > 0 && this.progress.has(m.from)) this.leaderReadIndex(m.from, m.context);
      return;
    }
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    if (m.type === 'appResp') {
      pr.recentActive = true;
      this.handleAppendResponse(m, pr);
    } else if (m.type === 'heartbeatResp') {
      pr.recentActive = true;
      pr.probeSent = false;
      // Appends in a full window may all be lost (a crashed follower, a dropped message): free
      // one slot per heartbeat so one append goes out and a mismatch turns into a rejection.
      if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
      if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.sendAppend(m.from);
      if (m.context !== undefined) this.ackRead(m.from, m.context);
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    assert(m.index <= this.log.lastIndex(), `ack of ${m.index} beyond leader's last index ${this.log.lastIndex()}`);
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) this.afterCommit();
    else if (wasPaused) this.sendAppend(m.from);
    // Pipelining: fill the follower's in-flight window.
    for (let sent = 0; this.sendAppend(m.from, false); sent++) assert(sent <= this.maxInflight, 'pipelining stays within the window');
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to: m.from });
  }

  private stepCandidate(m: Message): void {
    const expected = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'voteResp':
      case 'preVoteResp': {
        if (m.type !== expected) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'preCandidate') this.campaign('vote');
          else this.winElection();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeoutNow':
        this.hup('transfer');
        return;
      case 'readIndexResp':
        if (m.context !== undefined) this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'appResp', to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.send({ type: 'appResp', to: m.from, index: lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: 'appResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    this.send(m.context === undefined ? { type: 'heartbeatResp', to: m.from } : { type: 'heartbeatResp', to: m.from, context: m.context });
  }

  private handleSnapshot(m: Message): void {
    const meta = m.snapshot;
    assert(meta !== undefined, 'a snap message carries its snapshot');
    if (meta.index <= this.log.committed) {
      this.send({ type: 'appResp', to: m.from, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      this.log.commitTo(meta.index);
      this.send({ type: 'appResp', to: m.from, index: this.log.committed });
      return;
    }
    // The host must fetch the state first; the answer goes out once it reports (snapshotFetched).
    if (this.snapshotRequest === undefined || this.snapshotRequest.snapshot.index < meta.index) {
      this.snapshotRequest = { from: m.from, snapshot: meta };
    }
  }
}
