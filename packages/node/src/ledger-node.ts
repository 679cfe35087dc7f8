// The ledger node: the host that drives the Raft core and turns its committed entries into
// verified, applied blocks. It owns the clock, the disk and the network:
//
//   inputs   ticks (timer), Raft messages (p2p), proposals (block cutting), fetched snapshots
//            are queued and fed to RawNode only between Readys (the core refuses input while one
//            is out);
//   a Ready  leader appends go out at once; everything else waits until the Raft log and hard
//            state are durable (LevelRaftStorage.persist, synced); then committed entries join
//            the apply queue and advance() follows at once: blocks are applied in order beside
//            the Raft loop (which waits only when 64 entries are queued), so acknowledgements and
//            heartbeats never wait for a block to be applied.
//   a block  is verified (header, proposer, every signature on worker threads, roots) and
//            applied in one atomic LevelDB batch with the applied Raft index. A block that fails
//            verification halts applying (loudly, with its code); a block that no longer links
//            to the chain — a stale proposal of a deposed leader — is skipped by every node alike.
//   leader   cuts blocks from the mempool (max transactions, max bytes, max wait), builds each on
//            the committed state plus its proposals in flight, and proposes it; several may be in
//            flight. A new leader cuts nothing until it has applied every entry of earlier terms.
//   behind   a follower that Raft can no longer feed from its log gets a snapshot notice and
//            fetches the blocks from a peer (block sync), verifying every one before applying.

import {
  buildBlock,
  buildGenesis,
  decodeCanonical,
  encodeCanonical,
  inlineVerifier,
  bytesEqual,
  chainTip,
  decodeBlock,
  executeBlock,
  fromHex,
  LedgerError,
  readMembership,
  toHex,
  tradeStateMachine,
  verifyBlock,
  verifyGenesis,
  WorkerVerifyPool,
  type BatchVerifier,
  type BlockCommit,
  type BlockHeader,
  type ChainTip,
  type DecodedBlock,
  type DecodedTx,
  type Membership,
  type StateMachine,
  type StoreHead,
  type TxResult,
} from '@tradeledger/ledger';
import {
  bootstrapLog,
  createPrng,
  RawNode,
  type ConfChange,
  type Entry,
  type Message,
  type Ready,
  type SnapshotMeta,
} from '@tradeledger/consensus';
import { join } from 'node:path';
import { FORWARD_CATCH_UP_MAX_MS, FORWARD_TIMEOUT_MS } from './constants.js';
import { ADMISSION_VERIFIER_LIMITS, AdmissionVerifier } from './admission-verifier.js';
import { AttachmentStore } from './attachment-store.js';
import { CHECKPOINT_PROTOCOL, Cosigner } from './cosigner.js';
import { errorCode, NodeError } from './errors.js';
import { LevelStore } from './level-store.js';
import { MEMPOOL_MAX_QUEUE_MS_DEFAULT, Mempool } from './mempool.js';
import { identityFromSeed, P2PHost, peerIdFromEd25519PublicKey, type P2PLogger, type P2PPeerConfig } from './p2p/index.js';
import { Forwarder } from './forwarder.js';
import { YieldingReader } from './yielding-reader.js';
import { ATTACHMENT_PROTOCOL, compactMessage, FORWARD_BATCH_MAX_BYTES, FORWARD_BATCH_MAX_TXS, FORWARD_MESSAGE_MAX_CHARS, FORWARD_PROTOCOL, RAFT_PROTOCOL, SYNC_MAX_BLOCKS_PER_REQUEST, SYNC_MAX_RESPONSE_BYTES, SYNC_PROTOCOL, type ForwardVerdict, type SyncBlock } from './protocols.js';
import { LevelRaftStorage } from './raft-storage.js';
import { SpeculativeState } from './speculative-state.js';

export interface BlockCuttingLimits {
  /** Cut when this many transactions are pending. */
  readonly maxTxs: number;
  /** Cut when this many bytes are pending. */
  readonly maxBytes: number;
  /** Cut at most this long after the oldest pending transaction arrived. */
  readonly maxWaitMs: number;
  /** Proposed blocks not yet applied, at most. */
  readonly maxInflightBlocks: number;
}

export interface GenesisSpec {
  readonly chainId: string;
  readonly timestamp: number;
  readonly config: unknown;
  /** The genesis block hash every member agreed on (hex); optional pin. */
  readonly hash?: string;
}

export interface LedgerNodeOptions {
  readonly dataDir: string;
  /** The node key's 32-byte Ed25519 seed. */
  readonly seed: Uint8Array;
  readonly genesis: GenesisSpec;
  readonly listen: readonly string[];
  readonly peers: readonly P2PPeerConfig[];
  readonly blockCutting: BlockCuttingLimits;
  readonly mempool: { readonly maxTxs: number; readonly maxBytes: number; readonly maxTxBytes: number; readonly maxQueueMs?: number };
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly logger: P2PLogger;
  /** Seeds the election-timeout PRNG; defaults to a value from the node key and the clock. */
  readonly raftSeed?: number;
  /** Worker threads for signature checks (0: verify on the main thread). */
  readonly verifyWorkers?: number;
  /** Raft entries kept below the applied index; a follower further behind syncs blocks instead. */
  readonly raftRetainEntries?: number;
}

export interface CommittedTx {
  readonly txId: string;
  readonly height: number;
  readonly position: number;
  readonly result: TxResult;
}

export interface AppliedBlockEvent {
  readonly block: DecodedBlock;
  readonly commit: BlockCommit;
  readonly applyMs: number;
}

interface Proposal {
  readonly block: DecodedBlock;
  readonly commit: BlockCommit;
  readonly txIds: readonly string[];
}

interface Waiter {
  resolve(value: CommittedTx): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const APPLIED_KEY = 'r/applied';
const BLOCK_INDEX_PREFIX = 'r/bi/';
/**
 * Raft entries kept below the applied index for followers a little behind (default). Each entry is
 * a whole block, held in memory and in LevelDB until compacted: at 512 they lived for minutes,
 * long enough for LevelDB to rewrite them through two or three levels before their deletions
 * caught up, and the Raft log held up to 200 MiB of a loaded node's heap. A follower further
 * behind catches up by block sync, which applies the same blocks.
 */
export const RAFT_LOG_RETAIN_ENTRIES_DEFAULT = 64;
/** Batches of forwarded transactions on their way to the leader at once (forwarder.ts). */
const FORWARD_MAX_IN_FLIGHT = 4;
/** How long a node that lost leadership keeps trying to hand its pending transactions on. */
const ORPHAN_TTL_MS = 60_000;
/** Pause between hand-over rounds, and before the first (the new leader settles its log first). */
const ORPHAN_RETRY_MS = 500;
/** Forwards in flight at once while handing transactions on. */
const ORPHAN_FORWARD_CONCURRENCY = 16;
const SYNC_REQUEST_TIMEOUT_MS = 30_000;
/** Terms whose leader this node remembers, to check block proposers. */
const LEADER_TERMS_KEPT = 1024;
/** Committed entries (and their bytes) waiting to be applied before the Raft loop waits for them. */
const APPLY_QUEUE_MAX_ENTRIES = 64;
const APPLY_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
/** Clients waiting for commitment, at most. */
const MAX_WAITERS = 100_000;

const blockIndexKey = (height: number): string => `${BLOCK_INDEX_PREFIX}${height.toString(16).padStart(12, '0')}`;

export class LedgerNode {
  readonly peerId: string;
  readonly nodePublicKey: Uint8Array;
  readonly chainId: string;
  readonly mempool: Mempool;
  private readonly forwarder: Forwarder;
  /** Called after every applied block (metrics, checkpoints, events). */
  onBlockApplied: ((event: AppliedBlockEvent) => void) | undefined;

  private readonly stateMachine: StateMachine = tradeStateMachine({ verifySignatures: false });
  private raw!: RawNode;
  private readonly inputs: Array<() => void> = [];
  private driving = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private cutTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private applied = 0;
  private leader: string | null = null;
  private role = 'follower';
  private term = 0;
  /** The term this node last became leader in. */
  private leaderTerm = -1;
  /** The index of this leader's first entry of its term; cutting waits until it is applied. */
  private leaderStartIndex = Number.POSITIVE_INFINITY;
  private readonly leaderOfTerm = new Map<number, string>();
  private proposals: Proposal[] = [];
  /**
   * Transactions this node held as leader (pending, or in blocks not yet committed) when it lost
   * leadership: handed to the next leader, so clients waiting on them are not left to time out.
   */
  private readonly orphans = new Map<string, { readonly bytes: Uint8Array; readonly sinceMs: number }>();
  private orphanTimer: NodeJS.Timeout | undefined;
  private rehoming = false;
  /** The commit index a hand-over round waits to have applied (fixed once a leader is known). */
  private rehomeBarrier: number | undefined;
  private readonly waiters = new Map<string, Waiter[]>();
  private syncing = false;
  /** Blocks this node applied from block sync rather than from its Raft log. */
  private blocksSynced = 0;
  private haltReason: LedgerError | undefined;
  private membership!: Membership;
  private allowedPeers = new Set<string>();
  /** Member node keys (hex) by peer id, from the committed membership. */
  private nodeKeys = new Map<string, string>();
  readonly cosigner: Cosigner;
  private oldestPendingAtMs: number | undefined;
  /** Serializes every change to the store: committed entries and blocks fetched by sync. */
  private applyChain: Promise<unknown> = Promise.resolve();
  /** Committed entries handed over by Readies, applied in order by `runApplies`. */
  private readonly applyQueue: Entry[] = [];
  private applyQueueBytes = 0;
  private applyRunning: Promise<void> | undefined;
  /** Called once after the next entry is applied (or applying stops). */
  private onApplied: Array<() => void> = [];

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.applyChain.then(work, work);
    this.applyChain = run.catch(() => undefined);
    return run;
  }

  private constructor(
    readonly options: LedgerNodeOptions,
    readonly store: LevelStore,
    private readonly raftStorage: LevelRaftStorage,
    readonly attachments: AttachmentStore,
    readonly p2p: P2PHost,
    private readonly verifier: BatchVerifier,
    identity: { peerId: string; publicKey: Uint8Array },
  ) {
    this.peerId = identity.peerId;
    this.nodePublicKey = identity.publicKey;
    this.chainId = options.genesis.chainId;
    this.cosigner = new Cosigner({
      seed: options.seed,
      publicKey: identity.publicKey,
      p2p,
      logger: options.logger,
      membership: () => this.membership,
      nodeKeyOfPeer: (peerId) => this.nodeKeys.get(peerId),
    });
    const maxQueueMs = options.mempool.maxQueueMs ?? MEMPOOL_MAX_QUEUE_MS_DEFAULT;
    this.forwarder = new Forwarder((leader, request, timeoutMs) => p2p.request(leader, FORWARD_PROTOCOL, { ...request, appliedIndex: this.applied }, { timeoutMs }), {
      maxBatchTxs: FORWARD_BATCH_MAX_TXS,
      maxBatchBytes: FORWARD_BATCH_MAX_BYTES,
      maxInFlight: FORWARD_MAX_IN_FLIGHT,
      timeoutMs: FORWARD_TIMEOUT_MS,
      maxQueueMs,
      maxQueuedTxs: options.mempool.maxTxs,
    });
    // A leader's main thread is the network's bottleneck under load: its admission signature
    // checks go to the same workers that verify other proposers' blocks (idle on a leader), in
    // batches. Without workers (verifyWorkers 0) the mempool verifies inline, as before.
    const admissionVerifier =
      verifier instanceof WorkerVerifyPool
        ? new AdmissionVerifier(verifier, {
            limits: { ...ADMISSION_VERIFIER_LIMITS, maxCallsInFlight: verifier.workerCount },
            // A node stopping closes the pool under its admissions: expected, not worth a warning.
            onBatchFailed: (error, items) => {
              if (!this.stopped) options.logger.warn({ err: error, items }, 'an admission signature batch failed: its transactions were refused');
            },
          })
        : undefined;
    this.mempool = new Mempool(
      { maxTxs: options.mempool.maxTxs, maxBytes: options.mempool.maxBytes, maxTxBytes: options.mempool.maxTxBytes, retryAfterSeconds: 1, maxQueueMs },
      {
        prevalidate: (tx) => this.prevalidate(tx),
        isCommitted: async (txId) => (await this.store.getTxLocation(txId)) !== undefined,
        ...(admissionVerifier === undefined ? {} : { verifySignature: (tx: DecodedTx) => admissionVerifier.verify({ publicKey: tx.tx.signer, message: tx.signingHash, signature: tx.tx.signature }) }),
      },
    );
  }

  /** Opens the node's data, commits genesis on first start, and starts networking and Raft. */
  static async start(options: LedgerNodeOptions): Promise<LedgerNode> {
    const identity = await identityFromSeed(options.seed);
    const publicKey = identity.publicKey;
    // The key filter loads once the node runs (below): its load must not slow a restart.
    const store = await LevelStore.open(join(options.dataDir, 'ledger'), { keyFilter: 'deferred' });
    let node: LedgerNode | undefined;
    try {
      const raftStorage = await LevelRaftStorage.open(store.raw);
      const attachments = await AttachmentStore.open(join(options.dataDir, 'attachments'));
      const verifier: BatchVerifier = options.verifyWorkers === 0 ? inlineVerifier : new WorkerVerifyPool(options.verifyWorkers);
      const p2p = await P2PHost.create({
        seed: options.seed,
        listen: options.listen,
        peers: options.peers,
        isAllowedPeer: (peerId) => node?.allowedPeers.has(peerId) ?? false,
        logger: options.logger,
      });
      node = new LedgerNode(options, store, raftStorage, attachments, p2p, verifier, { peerId: identity.peerIdString, publicKey });
      await node.initialize();
      store.loadKeyFilter();
      return node;
    } catch (error) {
      if (node !== undefined) await node.stop().catch(() => undefined);
      else await store.close().catch(() => undefined);
      throw error;
    }
  }

  private async initialize(): Promise<void> {
    const { genesis } = this.options;
    let head = await this.store.head();
    if (head === undefined) {
      const rebuilt = verifyGenesis(this.stateMachine, decodeBlock(this.genesisBlockBytes()), genesis.hash === undefined ? undefined : fromHex(genesis.hash, 'genesis.hash', 32));
      await this.store.commitBlock(rebuilt);
      head = rebuilt.head;
    } else {
      const stored = decodeBlock((await this.store.getBlock(0)) as Uint8Array);
      verifyGenesis(this.stateMachine, stored, genesis.hash === undefined ? undefined : fromHex(genesis.hash, 'genesis.hash', 32));
      if (stored.header.chainId !== genesis.chainId) throw new NodeError('GENESIS_MISMATCH', `the data directory holds chain ${stored.header.chainId}, the config names ${genesis.chainId}`);
    }
    await this.refreshMembership();

    const appliedBytes = await this.store.raw.get(APPLIED_KEY);
    this.applied = appliedBytes === undefined ? 0 : (decodeCanonical(appliedBytes, 'applied', 64) as number);
    if (this.raftStorage.lastIndex() === 0 && this.raftStorage.initialState().hardState.term === 0) {
      // A founding member writes the shared bootstrap log: the genesis node set as voters.
      const founders = await this.genesisNodePeerIds();
      if (founders.includes(this.peerId)) {
        const { entries, hardState } = bootstrapLog(founders);
        await this.raftStorage.persist({ entries, hardState });
      }
    }
    const seed = this.options.raftSeed ?? (Number.parseInt(toHex(this.nodePublicKey).slice(0, 8), 16) ^ Date.now()) >>> 0;
    this.raw = new RawNode({
      id: this.peerId,
      storage: this.raftStorage,
      prng: createPrng(seed),
      electionTicks: this.options.electionTicks,
      heartbeatTicks: this.options.heartbeatTicks,
      applied: this.applied,
      preVote: true,
      checkQuorum: true,
    });

    await this.p2p.registerOneWay(RAFT_PROTOCOL, (from, message) => this.onRaftMessage(from, message));
    await this.p2p.registerRequest(FORWARD_PROTOCOL, async (_from, request) => {
      // A follower's client may cite anything the follower has applied, and a follower can apply a
      // block before its leader does: the batch is judged once this node has applied as much
      // (waiting at most FORWARD_CATCH_UP_MAX_MS; past that it is judged on what is here). A node
      // that does not lead refuses it anyway, at once.
      if (this.role === 'leader') await this.appliedReaches(request.appliedIndex, FORWARD_CATCH_UP_MAX_MS);
      return { results: await Promise.all(request.txs.map((tx) => this.admitForwarded(tx))) };
    });
    await this.p2p.registerRequest(SYNC_PROTOCOL, async (_from, request) => this.serveSync(request.fromHeight, request.maxBlocks));
    await this.p2p.registerOneWay(CHECKPOINT_PROTOCOL, (from, message) => this.cosigner.onMessage(from, message));
    await this.p2p.registerRequest(ATTACHMENT_PROTOCOL, async (_from, request) => ({ bytes: (await this.attachments.get(request.hash)) ?? null }));
    await this.p2p.start();
    // A tick that runs half an election timeout late means this process held its event loop (or
    // was not scheduled) that long: said in the log, since a leader stalled past the election
    // timeout is voted out, and that is otherwise only visible as an election.
    const stallWarnMs = (this.options.tickMs * this.options.electionTicks) / 2;
    let lastTickAt = performance.now();
    this.tickTimer = setInterval(() => {
      const now = performance.now();
      const gapMs = now - lastTickAt;
      lastTickAt = now;
      if (gapMs - this.options.tickMs >= stallWarnMs) {
        this.options.logger.warn({ gapMs: Math.round(gapMs), role: this.role, mempool: this.mempool.size }, 'event loop stalled: Raft ticks ran late');
      }
      this.enqueue(() => this.raw.tick());
    }, this.options.tickMs);
    this.drive();
  }

  private genesisBlockBytes(): Uint8Array {
    const { genesis } = this.options;
    return buildGenesis(this.stateMachine, { chainId: genesis.chainId, timestamp: genesis.timestamp, config: genesis.config }).block.bytes;
  }

  private async genesisNodePeerIds(): Promise<string[]> {
    const genesisBytes = (await this.store.getBlock(0)) as Uint8Array;
    const config = decodeBlock(genesisBytes).header.config as { organizations?: Array<{ nodes?: Array<{ peerId: string }> }> };
    const ids = new Set<string>();
    for (const org of config.organizations ?? []) for (const node of org.nodes ?? []) ids.add(node.peerId);
    return [...ids].sort();
  }

  /** Reads membership from the committed state and points the connection gater at it. */
  private async refreshMembership(): Promise<void> {
    this.membership = await readMembership(this.store);
    const allowed = new Set<string>();
    const nodeKeys = new Map<string, string>();
    for (const org of this.membership.organizations) {
      for (const node of org.nodes) {
        allowed.add(node.peerId);
        nodeKeys.set(node.peerId, node.publicKey);
      }
    }
    this.nodeKeys = nodeKeys;
    const removed = [...this.allowedPeers].filter((id) => !allowed.has(id));
    this.allowedPeers = allowed;
    if (removed.length > 0 && this.p2p.running) await this.p2p.enforceAllowList();
  }

  get currentMembership(): Membership {
    return this.membership;
  }

  // ---- The drive loop -------------------------------------------------------------------

  private enqueue(input: () => void): void {
    if (this.stopped) return;
    this.inputs.push(input);
    this.drive();
  }

  private drive(): void {
    if (this.driving || this.stopped || this.haltReason !== undefined) return;
    this.driving = true;
    void this.driveLoop()
      .catch((error: unknown) => this.halt(error))
      .finally(() => {
        this.driving = false;
        if (this.inputs.length > 0 && !this.stopped && this.haltReason === undefined) this.drive();
      });
  }

  private async driveLoop(): Promise<void> {
    for (;;) {
      while (this.inputs.length > 0) {
        const input = this.inputs.shift() as () => void;
        try {
          input();
        } catch (error) {
          // A message or proposal the core refuses costs that input only.
          this.options.logger.debug({ err: error }, 'raft input refused');
        }
      }
      // A halted node takes no further part in Raft: it neither acknowledges nor votes.
      if (this.stopped || this.haltReason !== undefined || !this.raw.hasReady()) return;
      // Committed entries are applied beside the Raft loop; when they pile up (a slow disk or a
      // burst of large blocks), the loop waits until one more is applied, so memory stays bounded
      // and the loop answers again as soon as there is room.
      while (!this.stopped && this.haltReason === undefined && this.applyRunning !== undefined && (this.applyQueue.length >= APPLY_QUEUE_MAX_ENTRIES || this.applyQueueBytes >= APPLY_QUEUE_MAX_BYTES)) {
        await new Promise<void>((resolve) => this.onApplied.push(resolve));
      }
      if (this.stopped || this.haltReason !== undefined) return;
      await this.handleReady(this.raw.ready());
      this.raw.advance();
      await this.afterAdvance();
      if (this.stopped || this.haltReason !== undefined) return;
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    if (ready.hardState !== undefined) this.term = ready.hardState.term;
    if (ready.softState !== undefined) this.onSoftState(ready.softState.leader, ready.softState.role);
    else if (this.role === 'leader' && this.term !== this.leaderTerm) {
      // Leader again in a newer term with no Ready in between that showed the step-down: what
      // was pending or proposed belongs to the old term.
      this.onSoftState(this.leader, 'follower');
      this.onSoftState(this.peerId, 'leader');
    }
    // The leader's appends and heartbeats report nothing of its own durability: send them now,
    // in parallel with the fsync. Everything else waits for the log to be durable.
    const early: Message[] = [];
    const late: Message[] = [];
    for (const message of ready.messages) ((message.type === 'app' || message.type === 'heartbeat' || message.type === 'snap') ? early : late).push(message);
    this.send(early);
    if (ready.snapshot !== undefined || ready.entries.length > 0 || ready.hardState !== undefined) {
      await this.raftStorage.persist({ ...(ready.snapshot === undefined ? {} : { snapshot: ready.snapshot }), entries: ready.entries, ...(ready.hardState === undefined ? {} : { hardState: ready.hardState }) });
    }
    this.send(late);
    if (ready.snapshot !== undefined) {
      // Entries below the snapshot still queued are applied first; the rest comes by block sync.
      while (this.applyRunning !== undefined) await this.applyRunning;
      this.applied = Math.max(this.applied, ready.snapshot.index);
    }
    // Applying a block (verification, the state machine, a synced write) takes far longer than a
    // Raft round: done inside the loop, it held back this node's acknowledgements and heartbeat
    // answers, and under load a leader lost its quorum (CheckQuorum) and stepped down. Raft only
    // needs the entries persisted before advancing, as in etcd, whose server applies beside the
    // Raft loop too; conf changes take effect in advance() and need no block.
    for (const entry of this.haltReason === undefined ? ready.committedEntries : []) {
      this.applyQueue.push(entry);
      this.applyQueueBytes += entry.data.length;
    }
    this.kickApplies();
    if (ready.snapshotRequest !== undefined) this.startSync(ready.snapshotRequest.from, ready.snapshotRequest.snapshot);
  }

  private async afterAdvance(): Promise<void> {
    const retain = this.options.raftRetainEntries ?? RAFT_LOG_RETAIN_ENTRIES_DEFAULT;
    // Blocks fetched by sync can put `applied` ahead of this node's own Raft commit until the
    // snapshot is installed; compaction never passes either.
    const compactTo = Math.min(this.applied, this.raftStorage.initialState().hardState.commit, this.raftStorage.lastIndex()) - retain;
    if (compactTo > this.raftStorage.firstIndex() + retain) {
      try {
        await this.raftStorage.compact(compactTo, this.raw.confState());
      } catch (error) {
        this.options.logger.warn({ err: error, compactTo }, 'raft log compaction skipped');
      }
    }
    this.maybeCut();
    await this.reconcileMembership();
  }

  private send(messages: readonly Message[]): void {
    for (const message of messages) {
      try {
        this.p2p.sendOneWay(message.to, RAFT_PROTOCOL, compactMessage(message));
      } catch (error) {
        // Raft retries what is lost; a message that cannot be sent costs that message only.
        this.options.logger.warn({ err: error, to: message.to, type: message.type }, 'raft message not sent');
      }
    }
  }

  private onRaftMessage(from: string, message: Message): void {
    if (message.from !== from) return; // a peer may speak only for itself
    this.enqueue(() => this.raw.step(message));
  }

  private onSoftState(leader: string | null, role: string): void {
    const wasLeader = this.role === 'leader';
    this.leader = leader;
    this.role = role;
    if (leader !== null) {
      this.leaderOfTerm.set(this.raw.status().term, leader);
      // Bounded: a block's term is recent unless this node is replaying or syncing old blocks,
      // and then only membership is checked (see authorizeProposer).
      if (this.leaderOfTerm.size > LEADER_TERMS_KEPT) this.leaderOfTerm.delete(this.leaderOfTerm.keys().next().value as number);
    }
    if (role === 'leader' && !wasLeader) {
      this.leaderTerm = this.term;
      this.leaderStartIndex = this.raftStorage.lastIndex() + 1;
      this.options.logger.info({ term: this.raw.status().term }, 'became leader');
    }
    if (role !== 'leader' && wasLeader) {
      // Our proposals may still commit under the next leader, or be cut off. Everything this node
      // held goes to the next leader once one is known; what already committed is skipped, and a
      // duplicate that slips through is recorded once with no effect (TX_DUPLICATE).
      this.proposals = [];
      const now = Date.now();
      for (const tx of this.mempool.clear()) this.orphans.set(tx.idHex, { bytes: tx.bytes, sinceMs: now });
      this.leaderStartIndex = Number.POSITIVE_INFINITY;
      this.rehomeBarrier = undefined;
      if (this.orphans.size > 0) this.scheduleRehome();
    }
  }

  private scheduleRehome(): void {
    if (this.orphanTimer !== undefined || this.stopped) return;
    this.orphanTimer = setTimeout(() => {
      this.orphanTimer = undefined;
      void this.rehome()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'handing pending transactions to the leader failed'))
        .finally(() => {
          if (this.orphans.size > 0) this.scheduleRehome();
        });
    }, ORPHAN_RETRY_MS);
  }

  /** One round of handing orphaned transactions to the current leader (or to this node, if it leads again). */
  private async rehome(): Promise<void> {
    if (this.rehoming || this.stopped) return;
    if (this.haltReason !== undefined) {
      // A halted node hands nothing on: its clients are told NODE_HALTED when they ask again.
      this.options.logger.warn({ count: this.orphans.size }, 'node halted: pending transactions not handed to a leader');
      this.orphans.clear();
      return;
    }
    this.rehoming = true;
    try {
      const now = Date.now();
      let expired = 0;
      for (const [id, orphan] of this.orphans) {
        if (now - orphan.sinceMs <= ORPHAN_TTL_MS) continue;
        this.orphans.delete(id);
        expired++;
      }
      if (expired > 0) this.options.logger.warn({ count: expired }, 'pending transactions not handed to a leader within the deadline: their clients must resubmit');
      const leader = this.leader;
      // Wait for a leader, and for this node to have applied what was committed when it became
      // known, so what the old term's blocks carried is found in the ledger rather than sent
      // again. (A fixed mark: under load the commit index moves ahead of `applied` all the time.)
      if (leader === null) return;
      this.rehomeBarrier ??= this.raw.status().commit;
      if (this.applied < this.rehomeBarrier) return;
      const batch = [...this.orphans].slice(0, ORPHAN_FORWARD_CONCURRENCY * 8);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) {
          const [id, orphan] = batch[next++]!;
          if ((await this.store.getTxLocation(fromHex(id, 'txId', 32))) !== undefined) {
            this.orphans.delete(id);
            continue;
          }
          try {
            if (this.role === 'leader') await this.admitAsLeader(orphan.bytes);
            else if (this.leader === leader) await this.forwarder.forward(leader, orphan.bytes);
            else return; // the leader changed under us: the next round goes to the new one
            // Unless leadership was lost during that admission and handed the transaction back
            // (a new entry under the same id), its hand-over is done.
            if (this.orphans.get(id) === orphan) this.orphans.delete(id);
          } catch (error) {
            const code = errorCode(error) ?? '';
            // Transport trouble or a busy leader: try again next round. Any verdict on the
            // transaction itself (a duplicate, a replay, a rejection) ends its hand-over.
            if (/^(PEER_|FRAME_|P2P_|LEADER_|INTERNAL$|MEMPOOL_FULL$|NOT_LEADER$|NO_LEADER$|NODE_)/.test(code)) continue;
            if (code !== 'TX_DUPLICATE') this.options.logger.info({ txId: id, code }, 'a transaction handed to the new leader was refused: its client must resubmit');
            this.orphans.delete(id);
          }
        }
      };
      await Promise.all(Array.from({ length: ORPHAN_FORWARD_CONCURRENCY }, worker));
    } finally {
      this.rehoming = false;
    }
  }

  // ---- Applying committed entries --------------------------------------------------------

  private kickApplies(): void {
    if (this.applyRunning !== undefined || this.applyQueue.length === 0) return;
    this.applyRunning = this.runApplies().finally(() => {
      this.applyRunning = undefined;
      if (!this.stopped && this.haltReason === undefined) this.kickApplies();
    });
  }

  private async runApplies(): Promise<void> {
    try {
      while (this.applyQueue.length > 0 && !this.stopped && this.haltReason === undefined) {
        const entry = this.applyQueue.shift() as Entry;
        this.applyQueueBytes -= entry.data.length;
        await this.applyEntry(entry);
        this.signalApplied();
        // A proposal slot may be free, or this leader's first block of the term applied.
        this.maybeCut();
      }
    } catch (error) {
      this.halt(error);
    } finally {
      this.signalApplied();
    }
  }

  private signalApplied(): void {
    const waiting = this.onApplied;
    this.onApplied = [];
    for (const resolve of waiting) resolve();
  }

  private applyEntry(entry: Entry): Promise<void> {
    return this.exclusive(() => this.applyEntryNow(entry));
  }

  private async applyEntryNow(entry: Entry): Promise<void> {
    if (entry.index <= this.applied) return;
    if (entry.type !== 'normal' || entry.data.length === 0) {
      await this.recordApplied(entry.index);
      return;
    }
    const started = performance.now();
    const head = (await this.store.head()) as StoreHead;
    let block: DecodedBlock;
    try {
      block = decodeBlock(entry.data);
    } catch (error) {
      throw this.fatal(error, head.height + 1);
    }
    if (block.header.height !== head.height + 1 || !bytesEqual(block.header.prevHash, head.blockHash)) {
      // A deposed leader's proposal that lost the race: every node skips it alike.
      this.options.logger.warn({ index: entry.index, height: block.header.height, head: head.height }, 'skipping a stale block proposal');
      this.dropProposalsAfterSkip(block.hashHex);
      await this.recordApplied(entry.index);
      return;
    }
    const tip = chainTip(head, this.chainId);
    let commit: BlockCommit;
    const first = this.proposals[0];
    const own = first !== undefined && first.block.hashHex === block.hashHex ? first : undefined;
    if (own !== undefined) {
      // Our own block, built on exactly this tip by the same code verifiers run. It stays among
      // the proposals until it is in the store: a block built meanwhile on the later proposals
      // reads its writes from them (taken out earlier, they would be in neither place, and that
      // block's state root would be computed on a state that never existed).
      commit = own.commit;
    } else {
      if (this.proposals.length > 0) this.requeueProposals();
      try {
        const verified = await verifyBlock(block, tip, { authorizeProposer: (header) => this.authorizeProposer(header, entry), verifier: this.verifier });
        commit = await executeBlock(new YieldingReader(this.store), verified, tip, this.stateMachine);
      } catch (error) {
        throw this.fatal(error, block.header.height);
      }
    }
    await this.store.commitBlock(commit, [
      [APPLIED_KEY, encodeCanonical(entry.index)],
      [blockIndexKey(commit.height), encodeCanonical(entry.index)],
    ]);
    if (own !== undefined && this.proposals[0] === own) this.proposals.shift();
    this.applied = entry.index;
    this.afterBlock(block, commit, performance.now() - started);
  }

  private async recordApplied(index: number): Promise<void> {
    await this.store.raw.put(APPLIED_KEY, encodeCanonical(index));
    this.applied = index;
  }

  private async authorizeProposer(header: BlockHeader, entry: Entry | undefined): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (entry !== undefined && header.term !== entry.term) return { ok: false, reason: `header term ${header.term} but the Raft entry is of term ${entry.term}` };
    if (!(await this.stateMachine.isMemberNodeKey(this.store, header.proposer))) return { ok: false, reason: 'not a node key of a member organization' };
    const leader = this.leaderOfTerm.get(header.term);
    if (leader !== undefined && leader !== peerIdFromEd25519PublicKey(header.proposer)) return { ok: false, reason: `the leader of term ${header.term} was ${leader}` };
    return { ok: true };
  }

  private afterBlock(block: DecodedBlock, commit: BlockCommit, applyMs: number): void {
    const settled: string[] = [];
    for (const entry of commit.txIndex) {
      const txId = toHex(entry.txId);
      settled.push(txId);
      const waiting = this.waiters.get(txId);
      if (waiting !== undefined) {
        this.waiters.delete(txId);
        for (const waiter of waiting) {
          clearTimeout(waiter.timer);
          waiter.resolve({ txId, height: commit.height, position: entry.position, result: entry.result });
        }
      }
    }
    this.mempool.settle(settled);
    if (commit.stateWrites.some((w) => w.key.startsWith('mem/'))) void this.refreshMembership().catch((error: unknown) => this.options.logger.error({ err: error }, 'membership refresh failed'));
    const { head } = commit;
    this.cosigner.onApplied({ chainId: this.chainId, height: head.height, blockHash: head.blockHash, logSize: head.logSize, logRoot: head.logRoot, stateRoot: head.stateRoot });
    this.onBlockApplied?.({ block, commit, applyMs });
  }

  private fatal(error: unknown, height: number): LedgerError {
    const code = errorCode(error) ?? 'BLOCK_INVALID';
    return new LedgerError(code, `block ${height} failed verification; this node stops applying rather than diverge: ${(error as Error).message}`, { cause: error });
  }

  private halt(error: unknown): void {
    if (this.haltReason !== undefined || this.stopped) return;
    this.haltReason = error instanceof LedgerError ? error : new LedgerError(errorCode(error) ?? 'NODE_HALTED', (error as Error).message, { cause: error });
    this.options.logger.error({ code: this.haltReason.code, err: error }, `HALTED: ${this.haltReason.message}`);
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    for (const [, waiting] of this.waiters) for (const waiter of waiting) waiter.reject(new NodeError('NODE_HALTED', this.haltReason.message, { status: 503 }));
    this.waiters.clear();
    this.applyQueue.length = 0;
    this.applyQueueBytes = 0;
    this.signalApplied();
  }

  /** Why this node stopped applying, if it did. */
  get halted(): LedgerError | undefined {
    return this.haltReason;
  }

  // ---- Leader: block cutting -------------------------------------------------------------

  private maybeCut(): void {
    if (this.role !== 'leader' || this.stopped || this.haltReason !== undefined) return;
    if (this.applied < this.leaderStartIndex) return;
    const limits = this.options.blockCutting;
    if (this.proposals.length >= limits.maxInflightBlocks) return;
    const pending = this.mempool.pendingCount;
    if (pending === 0) {
      this.oldestPendingAtMs = undefined;
      return;
    }
    const now = Date.now();
    this.oldestPendingAtMs ??= now;
    const waitedMs = now - this.oldestPendingAtMs;
    if (pending >= limits.maxTxs || this.mempool.bytes >= limits.maxBytes || waitedMs >= limits.maxWaitMs) {
      this.oldestPendingAtMs = undefined;
      void this.cut().catch((error: unknown) => {
        // A cut under way when the node stops finds the store closed: nothing to report.
        if (!this.stopped) this.options.logger.error({ err: error }, 'block cutting failed');
      });
      return;
    }
    if (this.cutTimer === undefined) {
      this.cutTimer = setTimeout(() => {
        this.cutTimer = undefined;
        this.maybeCut();
      }, limits.maxWaitMs - waitedMs);
    }
  }

  private cutting = false;

  private async cut(): Promise<void> {
    if (this.cutting) return;
    this.cutting = true;
    let txs: DecodedTx[] = [];
    try {
      const limits = this.options.blockCutting;
      txs = this.mempool.take(limits.maxTxs, limits.maxBytes);
      if (txs.length === 0) return;
      const head = this.proposals.at(-1)?.commit.head ?? ((await this.store.head()) as StoreHead);
      const tip: ChainTip = chainTip(head, this.chainId);
      const reader = new YieldingReader(new SpeculativeState(this.store, this.proposals.map((p) => p.commit)));
      const term = this.raw.status().term;
      const { block, commit } = await buildBlock(reader, this.stateMachine, { tip, txs, timestamp: Date.now(), term, proposerSeed: this.options.seed, proposerPublicKey: this.nodePublicKey });
      if (this.role !== 'leader' || this.raw.status().term !== term) {
        this.mempool.requeue(txs.map((t) => t.idHex));
        return;
      }
      const proposal: Proposal = { block, commit, txIds: txs.map((t) => t.idHex) };
      this.proposals.push(proposal);
      this.enqueue(() => {
        try {
          this.raw.propose(block.bytes);
        } catch (error) {
          this.proposals = this.proposals.filter((p) => p !== proposal);
          this.mempool.requeue(proposal.txIds);
          throw error;
        }
      });
    } catch (error) {
      if (txs.length > 0) this.mempool.requeue(txs.map((t) => t.idHex));
      throw error;
    } finally {
      this.cutting = false;
    }
    this.maybeCut();
  }

  private requeueProposals(): void {
    for (const proposal of this.proposals) this.mempool.requeue(proposal.txIds);
    this.proposals = [];
  }

  private dropProposalsAfterSkip(skippedHash: string): void {
    if (this.proposals.some((p) => p.block.hashHex === skippedHash) || this.proposals.length > 0) this.requeueProposals();
  }

  // ---- Membership changes follow governance ------------------------------------------------

  private reconcilingMembership = false;

  /** The leader turns the state's node set into Raft configuration changes, one at a time. */
  private async reconcileMembership(): Promise<void> {
    if (this.role !== 'leader' || this.reconcilingMembership || this.applied < this.leaderStartIndex) return;
    this.reconcilingMembership = true;
    try {
      const wanted = new Set<string>();
      for (const org of this.membership.organizations) for (const node of org.nodes) wanted.add(node.peerId);
      const status = this.raw.status();
      const { voters, learners } = status.confState;
      let change: ConfChange | undefined;
      const removable = [...voters, ...learners].find((id) => !wanted.has(id));
      if (removable !== undefined) change = { type: 'removeNode', nodeId: removable };
      else {
        const missing = [...wanted].find((id) => !voters.includes(id) && !learners.includes(id));
        if (missing !== undefined) change = { type: 'addLearner', nodeId: missing };
        else {
          // Promote a learner once it has caught up with the leader's log.
          const caughtUp = learners.find((id) => (status.progress[id]?.match ?? 0) >= status.lastIndex - 1);
          if (caughtUp !== undefined) change = { type: 'addVoter', nodeId: caughtUp };
        }
      }
      if (change !== undefined && !this.pendingConfChange) {
        const chosen = change;
        this.pendingConfChange = true;
        this.enqueue(() => {
          try {
            this.raw.proposeConfChange(chosen);
            this.options.logger.info({ change: chosen }, 'proposed a membership change');
          } finally {
            setTimeout(() => (this.pendingConfChange = false), this.options.tickMs * this.options.electionTicks);
          }
        });
      }
    } finally {
      this.reconcilingMembership = false;
    }
  }

  private pendingConfChange = false;

  // ---- Block sync --------------------------------------------------------------------------

  private async serveSync(fromHeight: number, maxBlocks: number): Promise<{ blocks: SyncBlock[]; headHeight: number; appliedIndex: number }> {
    const head = await this.store.head();
    const headHeight = head?.height ?? 0;
    const blocks: SyncBlock[] = [];
    let bytes = 0;
    for (let height = fromHeight; height <= headHeight && blocks.length < Math.min(maxBlocks, SYNC_MAX_BLOCKS_PER_REQUEST); height++) {
      const block = await this.store.getBlock(height);
      const index = await this.store.raw.get(blockIndexKey(height));
      if (block === undefined) break;
      if (blocks.length > 0 && bytes + block.length > SYNC_MAX_RESPONSE_BYTES) break;
      bytes += block.length;
      blocks.push({ bytes: block, raftIndex: index === undefined ? 0 : (decodeCanonical(index, 'raftIndex', 64) as number) });
    }
    return { blocks, headHeight, appliedIndex: this.applied };
  }

  /** Fetches and applies blocks from peers until this node holds what `snapshot` covers. */
  private startSync(from: string, snapshot: SnapshotMeta): void {
    if (this.syncing) return;
    this.syncing = true;
    void this.syncTo(from, snapshot)
      .then(() => this.enqueue(() => this.raw.snapshotFetched(snapshot)))
      .catch((error: unknown) => {
        if (error instanceof LedgerError) this.halt(error);
        else this.options.logger.warn({ err: error }, 'block sync failed; Raft will ask again');
      })
      .finally(() => (this.syncing = false));
  }

  private async syncTo(from: string, snapshot: SnapshotMeta): Promise<void> {
    const fetch = (fromHeight: number) => ({ fromHeight, answer: this.p2p.request(from, SYNC_PROTOCOL, { fromHeight, maxBlocks: SYNC_MAX_BLOCKS_PER_REQUEST }, { timeoutMs: SYNC_REQUEST_TIMEOUT_MS }) });
    let next = fetch(((await this.store.head()) as StoreHead).height + 1);
    for (;;) {
      const answer = await next.answer;
      // A peer serves consecutive blocks from the height asked: the next batch is on its way
      // while this one is verified and applied (each block is checked to follow the head).
      const prefetched = answer.blocks.length === 0 ? undefined : fetch(next.fromHeight + answer.blocks.length);
      prefetched?.answer.catch(() => undefined); // a failure is seen when it is awaited
      // One fsync per fetched batch (its last block), not per block: see LevelStore.commitBlock.
      for (const [i, entry] of answer.blocks.entries()) await this.applySyncedBlock(entry, i === answer.blocks.length - 1);
      const now = (await this.store.head()) as StoreHead;
      if (now.height >= answer.headHeight && answer.appliedIndex >= snapshot.index) {
        await this.recordApplied(Math.max(this.applied, snapshot.index));
        return;
      }
      if (prefetched === undefined) throw new NodeError('SYNC_STALLED', `peer ${from} has no block above ${now.height} but has not applied index ${snapshot.index}`, { status: 503 });
      next = prefetched.fromHeight === now.height + 1 ? prefetched : fetch(now.height + 1);
    }
  }

  private applySyncedBlock(entry: SyncBlock, durable: boolean): Promise<void> {
    return this.exclusive(() => this.applySyncedBlockNow(entry, durable));
  }

  private async applySyncedBlockNow(entry: SyncBlock, durable: boolean): Promise<void> {
    const head = (await this.store.head()) as StoreHead;
    const block = decodeBlock(entry.bytes);
    if (block.header.height <= head.height) {
      // Applied meanwhile from the Raft log; it must be the very block this node holds.
      const held = decodeBlock((await this.store.getBlock(block.header.height)) as Uint8Array);
      if (held.hashHex !== block.hashHex) throw new LedgerError('SYNC_FORK', `sync: a peer serves block ${block.header.height} ${block.hashHex}, this node holds ${held.hashHex}`);
      return;
    }
    if (block.header.height !== head.height + 1) throw new NodeError('SYNC_OUT_OF_ORDER', `sync: expected block ${head.height + 1}, got ${block.header.height}`, { status: 503 });
    const tip = chainTip(head, this.chainId);
    const verified = await verifyBlock(block, tip, { authorizeProposer: (header) => this.authorizeProposer(header, undefined), verifier: this.verifier });
    const commit = await executeBlock(new YieldingReader(this.store), verified, tip, this.stateMachine);
    await this.store.commitBlock(
      commit,
      [
        [APPLIED_KEY, encodeCanonical(Math.max(this.applied, entry.raftIndex))],
        [blockIndexKey(commit.height), encodeCanonical(entry.raftIndex)],
      ],
      { durable },
    );
    this.applied = Math.max(this.applied, entry.raftIndex);
    this.blocksSynced += 1;
    this.afterBlock(block, commit, 0);
  }

  // ---- Client operations -------------------------------------------------------------------

  /**
   * Resolves once `index` is applied here, after `timeoutMs`, or when applying stops, whichever
   * comes first. Its wake-up leaves `onApplied` when its timer fires, so a wait that times out
   * leaves nothing behind.
   */
  private async appliedReaches(index: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.applied < index && !this.stopped && this.haltReason === undefined) {
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const at = this.onApplied.indexOf(wake);
          if (at >= 0) this.onApplied.splice(at, 1);
          resolve();
        }, remainingMs);
        timer.unref();
        this.onApplied.push(wake);
      });
    }
  }

  private async prevalidate(tx: DecodedTx): Promise<TxResult> {
    const head = (await this.store.head()) as StoreHead;
    const { results } = await this.stateMachine.apply(this.store, { chainId: this.chainId, height: head.height + 1, timestampMs: Math.max(Date.now(), head.timestamp) }, [tx]);
    return results[0] as TxResult;
  }

  private async admitAsLeader(bytes: Uint8Array): Promise<DecodedTx> {
    // A forwarded batch may have waited for applies while this node halted or began to stop.
    if (this.haltReason !== undefined) throw new NodeError('NODE_HALTED', this.haltReason.message, { status: 503 });
    if (this.stopped) throw new NodeError('NODE_STOPPING', 'the node is shutting down', { status: 503 });
    if (this.role !== 'leader') throw new NodeError('NOT_LEADER', `node ${this.peerId} is not the leader (leader: ${this.leader ?? 'unknown'})`, { status: 503, retryAfterSeconds: 1 });
    const term = this.term;
    const tx = await this.mempool.admit(bytes);
    if (this.role !== 'leader' || this.term !== term) {
      // Leadership was lost while the admission awaited its checks, after the step-down had
      // emptied the pool: left here it would never be proposed. It goes with the others.
      this.mempool.settle([tx.idHex]);
      this.orphans.set(tx.idHex, { bytes: tx.bytes, sinceMs: Date.now() });
      this.scheduleRehome();
      return tx;
    }
    this.maybeCut();
    return tx;
  }

  /** A forwarded transaction's verdict for the follower that sent it: admitted, or why not. */
  private async admitForwarded(bytes: Uint8Array): Promise<ForwardVerdict> {
    try {
      return { txId: (await this.admitAsLeader(bytes)).idHex };
    } catch (error) {
      const code = errorCode(error) ?? 'INTERNAL';
      if (code === 'INTERNAL') this.options.logger.error({ err: error }, 'admitting a forwarded transaction failed');
      const message = error instanceof Error ? error.message : String(error);
      return { code, message: message.length > FORWARD_MESSAGE_MAX_CHARS ? `${message.slice(0, FORWARD_MESSAGE_MAX_CHARS - 1)}…` : message };
    }
  }

  /** Accepts a signed transaction: admitted here when leading, else forwarded to the leader. */
  async submit(bytes: Uint8Array): Promise<{ txId: string }> {
    if (this.haltReason !== undefined) throw new NodeError('NODE_HALTED', this.haltReason.message, { status: 503 });
    if (this.role === 'leader') return { txId: (await this.admitAsLeader(bytes)).idHex };
    const leader = this.leader;
    if (leader === null) throw new NodeError('NO_LEADER', 'no leader is known yet: retry shortly', { status: 503, retryAfterSeconds: 1 });
    return this.forwarder.forward(leader, bytes);
  }

  /** Resolves when the transaction is in an applied block on this node. */
  async waitForCommit(txIdHex: string, timeoutMs: number): Promise<CommittedTx> {
    const location = await this.store.getTxLocation(fromHex(txIdHex, 'txId', 32));
    if (location !== undefined) return { txId: txIdHex, ...location };
    if (this.haltReason !== undefined) throw new NodeError('NODE_HALTED', this.haltReason.message, { status: 503 });
    let count = 0;
    for (const list of this.waiters.values()) count += list.length;
    if (count >= MAX_WAITERS) throw new NodeError('TOO_MANY_WAITERS', `${count} clients are already waiting for commitment`, { status: 503, retryAfterSeconds: 1 });
    return new Promise<CommittedTx>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.waiters.get(txIdHex)?.filter((w) => w !== waiter) ?? [];
          if (list.length === 0) this.waiters.delete(txIdHex);
          else this.waiters.set(txIdHex, list);
          reject(new NodeError('COMMIT_TIMEOUT', `transaction ${txIdHex} was not committed within ${timeoutMs} ms`, { status: 504 }));
        }, timeoutMs),
      };
      const list = this.waiters.get(txIdHex);
      if (list === undefined) this.waiters.set(txIdHex, [waiter]);
      else list.push(waiter);
      // It may have been applied between the lookup and the registration.
      void this.store.getTxLocation(fromHex(txIdHex, 'txId', 32)).then((found) => {
        if (found === undefined) return;
        clearTimeout(waiter.timer);
        resolve({ txId: txIdHex, ...found });
      });
    });
  }

  /** An attachment's bytes from this node, or fetched from a peer and checked against its hash. */
  async fetchAttachment(hash: string): Promise<Uint8Array | undefined> {
    const local = await this.attachments.get(hash);
    if (local !== undefined) return local;
    for (const peer of this.p2p.peers()) {
      if (!peer.connected) continue;
      try {
        const answer = await this.p2p.request(peer.peerId, ATTACHMENT_PROTOCOL, { hash }, { timeoutMs: 10_000 });
        if (answer.bytes !== null) {
          await this.attachments.put(answer.bytes, hash);
          return answer.bytes;
        }
      } catch (error) {
        this.options.logger.debug({ err: error, peer: peer.peerId }, 'attachment fetch from a peer failed');
      }
    }
    return undefined;
  }

  status() {
    const raft = this.raw.status();
    return {
      peerId: this.peerId,
      chainId: this.chainId,
      role: this.role,
      leader: this.leader,
      term: raft.term,
      commitIndex: raft.commit,
      appliedIndex: this.applied,
      raftLastIndex: raft.lastIndex,
      voters: raft.confState.voters,
      learners: raft.confState.learners,
      progress: raft.progress,
      mempool: { size: this.mempool.size, pending: this.mempool.pendingCount, bytes: this.mempool.bytes },
      proposalsInFlight: this.proposals.length,
      blocksSynced: this.blocksSynced,
      halted: this.haltReason === undefined ? null : { code: this.haltReason.code, message: this.haltReason.message },
      peers: this.p2p.peers(),
    };
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /**
   * Asks Raft to hand leadership to a caught-up voter (before maintenance on this node). Resolves
   * once asked; leadership moves when the target has the whole log. ConsensusError when this node
   * does not lead or the target is not a voter.
   */
  async transferLeadership(toPeerId: string): Promise<void> {
    if (this.stopped || this.haltReason !== undefined) throw new NodeError('NODE_HALTED', `node ${this.peerId} is not running`, { status: 503 });
    await new Promise<void>((resolve, reject) => {
      this.enqueue(() => {
        try {
          this.raw.transferLeader(toPeerId);
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  get currentLeader(): string | null {
    return this.leader;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    if (this.cutTimer !== undefined) clearTimeout(this.cutTimer);
    if (this.orphanTimer !== undefined) clearTimeout(this.orphanTimer);
    for (const [, waiting] of this.waiters) for (const waiter of waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new NodeError('NODE_STOPPING', 'the node is shutting down', { status: 503 }));
    }
    this.waiters.clear();
    // Forwarded batches waiting for applies answer NODE_STOPPING now, not at their deadline.
    this.signalApplied();
    this.forwarder.close();
    // Let an in-progress Ready finish so nothing is half-written (LevelDB batches are atomic anyway).
    for (let i = 0; i < 200 && this.driving; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    // The block being applied finishes (the queue stops after it); the rest is in the Raft log.
    for (let i = 0; i < 500 && this.applyRunning !== undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.p2p.stop().catch(() => undefined);
    await this.verifier.close().catch(() => undefined);
    await this.store.close();
  }
}
