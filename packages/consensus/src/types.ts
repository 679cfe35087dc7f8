// The plain-object types the Raft core exchanges with its host: log entries, messages, hard
// state, configuration and the Ready batch. They hold only numbers, strings, booleans and
// Uint8Array, so a host can encode them with msgpack as they are.

import { ENTRY_OVERHEAD_BYTES } from './constants.js';

/** A member's id; the node uses libp2p peer id strings. */
export type NodeId = string;

export type EntryType = 'normal' | 'confChange';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** A block for 'normal' entries (empty for a new leader's no-op); an encoded ConfChange otherwise. */
  readonly data: Uint8Array;
}

/** What must be durable before any message reporting it leaves the node. */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** Voters decide; learners only receive the log. The two lists are sorted and disjoint. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/**
 * A point of the log that was compacted away: everything up to `index` (whose term is `term`)
 * is applied, and `confState` was the configuration in force there. A follower brought up by
 * a snapshot fetches the ledger's blocks up to `index` from a peer: the state itself never
 * travels inside Raft.
 */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode';

/** One server at a time: add a voter (or promote a learner), add a learner, remove a member. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

export type MessageType =
  | 'app'
  | 'appResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'snap'
  | 'timeoutNow'
  | 'readIndex'
  | 'readIndexResp';

export const MESSAGE_TYPES: readonly MessageType[] = [
  'app',
  'appResp',
  'heartbeat',
  'heartbeatResp',
  'vote',
  'voteResp',
  'preVote',
  'preVoteResp',
  'snap',
  'timeoutNow',
  'readIndex',
  'readIndexResp',
];

/**
 * One Raft message. Fields not used by a type are 0 / false / empty.
 * - app: `index`/`logTerm` locate the entry before `entries`; `commit` is the leader's commit.
 * - appResp: `index` is the last index appended (accept) or the rejected prev index (reject);
 *   on reject `rejectHint`/`logTerm` point at the follower's likely divergence.
 * - vote/preVote: `index`/`logTerm` describe the candidate's last entry; `transfer` marks a
 *   campaign started by leader transfer, which may break a leader's lease.
 * - heartbeat: `commit` is min(the follower's match, leader commit); `context` carries a read.
 * - snap: `snapshot` tells the follower to fetch state up to its index from a peer.
 * - readIndex/readIndexResp: `context` names the read, `index` is the read index.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly snapshot?: SnapshotMeta;
  readonly context?: Uint8Array;
  readonly transfer?: boolean;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth showing (not persisted). */
export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/** A linearizable read may be served once the host has applied up to `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/**
 * The follower needs state it cannot get from the log: the host fetches the ledger up to
 * `snapshot.index` (from `from` or any peer), makes it durable, and calls
 * RawNode.snapshotFetched(snapshot). Until then Raft carries on (ticks, messages).
 */
export interface SnapshotRequest {
  readonly from: NodeId;
  readonly snapshot: SnapshotMeta;
}

/**
 * One batch of work for the host. Process it in this order, then call RawNode.advance():
 *
 *  1. Persist, atomically: `snapshot` (if any, RaftStorage-wise: drop the log up to it), then
 *     `entries` (append, replacing any conflicting suffix), then `hardState` (if any).
 *  2. Send `messages`. THE DURABILITY RULE: a message may leave only after step 1 is durable,
 *     because votes and append acknowledgements report state that must survive a crash.
 *     The one exception (mayPrecedePersistence): a leader's appends, heartbeats and snapshot
 *     notices report nothing of its own durability, so a host may send them while step 1 is
 *     in progress; the leader counts its own copy of an entry only after advance().
 *  3. Apply `committedEntries` in order (they may include entries of this very Ready, which is
 *     why step 1 comes first). Serve `readStates` once applied up to their index.
 *  4. Start fetching for `snapshotRequest`, if any (asynchronously; see SnapshotRequest).
 *  5. Call advance(). Between ready() and advance() the node accepts no tick, step or
 *     proposal (asserted): buffer them. Configuration changes among `committedEntries` take
 *     effect at advance().
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly snapshot?: SnapshotMeta;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly snapshotRequest?: SnapshotRequest;
}

/** Messages a host may send before the Ready's state is durable (see Ready, step 2). */
export function mayPrecedePersistence(message: Message): boolean {
  return message.type === 'app' || message.type === 'heartbeat' || message.type === 'snap';
}

export function isResponseMessage(type: MessageType): boolean {
  return type === 'appResp' || type === 'heartbeatResp' || type === 'voteResp' || type === 'preVoteResp' || type === 'readIndexResp';
}

export function entrySizeBytes(entry: Entry): number {
  return entry.data.length + ENTRY_OVERHEAD_BYTES;
}
