// Every limit of the consensus core in one place, with assertions on how they relate.
// A host may configure tighter values per node (RaftConfig); never looser ones.

/** Longest node id in UTF-16 code units (libp2p peer ids are ~52 characters). */
export const MAX_NODE_ID_LENGTH = 128;
/** Members (voters + learners) in one configuration. */
export const MAX_MEMBERS = 64;
/** Largest payload of one log entry (one block). */
export const MAX_ENTRY_DATA_BYTES = 16 * 1024 * 1024;
/** Bytes charged per entry besides its data, for batch accounting. */
export const ENTRY_OVERHEAD_BYTES = 24;

/** Entries in one append message (cap for RaftConfig.maxEntriesPerAppend). */
export const MAX_ENTRIES_PER_APPEND = 1024;
export const DEFAULT_ENTRIES_PER_APPEND = 64;
/** Bytes in one append message; an append always carries at least one entry if one is due. */
export const MAX_BYTES_PER_APPEND = 64 * 1024 * 1024;
export const DEFAULT_BYTES_PER_APPEND = 1024 * 1024;
/** Append messages in flight to one follower in the replicate state. */
export const MAX_INFLIGHT_APPENDS = 256;
export const DEFAULT_INFLIGHT_APPENDS = 16;
/** Bytes of proposed but not yet applied entries a leader holds before refusing proposals. */
export const MAX_UNCOMMITTED_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_UNCOMMITTED_BYTES = 256 * 1024 * 1024;
/** Bytes of committed entries handed out in one Ready (at least one entry when one is due). */
export const MAX_COMMITTED_BYTES_PER_READY = 256 * 1024 * 1024;
export const DEFAULT_COMMITTED_BYTES_PER_READY = 32 * 1024 * 1024;

/** ReadIndex requests a leader holds while waiting for a quorum of heartbeat acks. */
export const MAX_PENDING_READS = 4096;
/** Bytes of a ReadIndex request context. */
export const MAX_READ_CONTEXT_BYTES = 128;

/** Election timeout bounds, in ticks. The randomized timeout lies in [election, 2*election). */
export const MIN_ELECTION_TICKS = 2;
export const MAX_ELECTION_TICKS = 10_000;
/** Ticks a leader waits in the snapshot state for a follower's answer, per election timeout. */
export const SNAPSHOT_TIMEOUT_ELECTIONS = 4;

/** Messages one Ready may carry: one per in-flight append per member plus a few control ones. */
export const MAX_MESSAGES_PER_READY = MAX_MEMBERS * (MAX_INFLIGHT_APPENDS + 8) + MAX_PENDING_READS;

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`consensus constants: ${what}`);
}
check(DEFAULT_ENTRIES_PER_APPEND <= MAX_ENTRIES_PER_APPEND, 'default entries per append within cap');
check(DEFAULT_BYTES_PER_APPEND <= MAX_BYTES_PER_APPEND, 'default bytes per append within cap');
check(MAX_ENTRY_DATA_BYTES + ENTRY_OVERHEAD_BYTES <= MAX_BYTES_PER_APPEND, 'one largest entry fits an append');
check(DEFAULT_INFLIGHT_APPENDS <= MAX_INFLIGHT_APPENDS, 'default inflight within cap');
check(DEFAULT_UNCOMMITTED_BYTES <= MAX_UNCOMMITTED_BYTES, 'default uncommitted within cap');
check(MAX_ENTRY_DATA_BYTES <= DEFAULT_UNCOMMITTED_BYTES, 'one largest entry can be proposed');
check(DEFAULT_COMMITTED_BYTES_PER_READY <= MAX_COMMITTED_BYTES_PER_READY, 'default committed bytes within cap');
check(MIN_ELECTION_TICKS >= 2 && MIN_ELECTION_TICKS < MAX_ELECTION_TICKS, 'election tick bounds ordered');
check(2 * MAX_ELECTION_TICKS < Number.MAX_SAFE_INTEGER, 'randomized timeout is a safe integer');
check(SNAPSHOT_TIMEOUT_ELECTIONS >= 1, 'snapshot timeout at least one election');
check(MAX_MEMBERS >= 1 && MAX_PENDING_READS >= 1, 'positive member and read bounds');
