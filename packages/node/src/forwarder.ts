// A follower's client transactions go to the leader in batches: one libp2p request carries every
// transaction that arrived while earlier batches were on their way (at most `maxInFlight` batches
// per leader at once). With little load a batch holds one transaction and adds no wait; under
// load the leader serves one stream, one frame and one answer for many transactions instead of
// one each, which was most of what forwarding cost (a stream opened per transaction).
//
// Each transaction keeps its own verdict: the leader answers per transaction (its id, or the code
// and message of its refusal). A batch that fails on the way (the leader died, stalled or was
// replaced) fails each of its transactions with LEADER_UNREACHABLE or LEADER_BUSY, which clients
// retry; a transaction that waited in the queue longer than maxQueueMs fails with LEADER_BUSY.

import { hash } from 'node:crypto';
import { NodeError, errorCode } from './errors.js';
import { rejectionStatus } from './mempool.js';
import { FORWARD_ANSWER_MALFORMED, type ForwardRequest, type ForwardResponse, type ForwardVerdict } from './protocols.js';

export interface ForwarderLimits {
  /** Transactions in one batch. */
  readonly maxBatchTxs: number;
  /** Bytes of transactions in one batch (a larger single transaction still goes alone). */
  readonly maxBatchBytes: number;
  /** Batches on their way to one leader at once. */
  readonly maxInFlight: number;
  /** One batch's deadline. */
  readonly timeoutMs: number;
  /**
   * The longest a transaction waits here for a batch: the leader is admitting slower than
   * transactions arrive, and, like the leader's own mempool (mempool.maxQueueMs), the follower
   * answers LEADER_BUSY rather than let the queue grow.
   */
  readonly maxQueueMs: number;
  /** Transactions waiting for a batch, over all leaders; beyond it, LEADER_BUSY at once. */
  readonly maxQueuedTxs: number;
}

/** Sends one batch; the host adds what it alone knows (its applied index) to the request. */
export type SendBatch = (leader: string, request: Pick<ForwardRequest, 'txs'>, timeoutMs: number) => Promise<ForwardResponse>;

interface Waiting {
  readonly bytes: Uint8Array;
  readonly queuedAtMs: number;
  readonly resolve: (answer: { txId: string }) => void;
  readonly reject: (error: NodeError) => void;
}

/** Codes that mean "not now" rather than a verdict on the transaction. */
const RETRY_CODES = new Set(['MEMPOOL_FULL', 'NOT_LEADER', 'NO_LEADER', 'NODE_HALTED', 'NODE_STOPPING', 'LEADER_BUSY', 'LEADER_UNREACHABLE', 'SIGNATURE_CHECK_BUSY', 'SIGNATURE_CHECK_UNAVAILABLE']);

/** The error a client gets for the leader's refusal of one forwarded transaction. */
export function verdictError(code: string, message: string): NodeError {
  if (RETRY_CODES.has(code)) return new NodeError(code, message, { status: 503, retryAfterSeconds: 1 });
  if (code === 'INTERNAL') return new NodeError(code, message, { status: 500 });
  if (code === FORWARD_ANSWER_MALFORMED) return new NodeError(code, message, { status: 502 });
  return new NodeError(code, message, { status: rejectionStatus(code) });
}

/** The error each transaction of a batch gets when the request itself failed. */
export function batchError(leader: string, error: unknown, timeoutMs: number): NodeError {
  const code = errorCode(error) ?? 'PEER_UNREACHABLE';
  const message = error instanceof Error ? error.message : String(error);
  // A deadline that passed while waiting for a free request slot means a busy link to a leader
  // that is there, not a lost one.
  if (code === 'PEER_BUSY') {
    return new NodeError('LEADER_BUSY', `the leader ${leader} has ${timeoutMs} ms of forwarded transactions queued from this node; retry shortly`, { status: 503, retryAfterSeconds: 1, cause: error });
  }
  // A transport failure means the leader this node knows is gone, stalled or was replaced
  // mid-request: the client should retry shortly (a new leader may be elected by then; a
  // resubmission of a transaction that did reach the leader answers TX_DUPLICATE).
  if (/^(PEER_|FRAME_|P2P_)/.test(code)) {
    return new NodeError('LEADER_UNREACHABLE', `forwarding to the leader ${leader} failed (${code}): ${message}; retry shortly`, { status: 503, retryAfterSeconds: 1, cause: error });
  }
  return verdictError(code, message);
}

export class Forwarder {
  private readonly queues = new Map<string, Waiting[]>();
  private readonly active = new Map<string, number>();
  private closed = false;
  private queuedCount = 0;

  constructor(
    private readonly send: SendBatch,
    private readonly limits: ForwarderLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limits.maxBatchTxs >= 1 && limits.maxBatchBytes >= 1 && limits.maxInFlight >= 1 && limits.timeoutMs >= 1 && limits.maxQueueMs >= 1 && limits.maxQueuedTxs >= 1)) {
      throw new NodeError('CONFIG_INVALID', 'forwarder limits must be positive', { status: 500 });
    }
  }

  /** Transactions waiting for a batch, over all leaders. */
  get queued(): number {
    return this.queuedCount;
  }

  /** Resolves with the id the leader admitted, or rejects with a NodeError saying why not. */
  forward(leader: string, bytes: Uint8Array): Promise<{ txId: string }> {
    if (this.closed) return Promise.reject(new NodeError('NODE_STOPPING', 'the node is shutting down', { status: 503 }));
    if (this.queuedCount >= this.limits.maxQueuedTxs) {
      return Promise.reject(batchError(leader, new NodeError('PEER_BUSY', `${this.queuedCount} transactions already wait to be forwarded`), this.limits.timeoutMs));
    }
    this.queuedCount += 1;
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(leader);
      if (queue === undefined) {
        queue = [];
        this.queues.set(leader, queue);
      }
      queue.push({ bytes, queuedAtMs: this.now(), resolve, reject });
      this.pump(leader);
    });
  }

  /** Fails everything still queued; batches on their way finish by their own deadline. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) for (const waiting of queue.splice(0)) waiting.reject(new NodeError('NODE_STOPPING', 'the node is shutting down', { status: 503 }));
    this.queues.clear();
    this.queuedCount = 0;
  }

  private pump(leader: string): void {
    const queue = this.queues.get(leader);
    if (queue === undefined) return;
    while (queue.length > 0 && (this.active.get(leader) ?? 0) < this.limits.maxInFlight) {
      const batch = this.take(leader, queue);
      if (batch.length === 0) continue;
      this.active.set(leader, (this.active.get(leader) ?? 0) + 1);
      void this.sendBatch(leader, batch).finally(() => {
        const left = (this.active.get(leader) ?? 1) - 1;
        if (left === 0) this.active.delete(leader);
        else this.active.set(leader, left);
        this.pump(leader);
      });
    }
    if (queue.length === 0) this.queues.delete(leader);
  }

  /** The next batch from the front of the queue; fails what waited past the deadline. */
  private take(leader: string, queue: Waiting[]): Waiting[] {
    const batch: Waiting[] = [];
    let bytes = 0;
    const now = this.now();
    while (queue.length > 0 && batch.length < this.limits.maxBatchTxs) {
      const next = queue[0] as Waiting;
      if (now - next.queuedAtMs > this.limits.maxQueueMs) {
        queue.shift();
        this.queuedCount -= 1;
        next.reject(batchError(leader, new NodeError('PEER_BUSY', `waited ${now - next.queuedAtMs} ms for a batch`), this.limits.timeoutMs));
        continue;
      }
      if (batch.length > 0 && bytes + next.bytes.length > this.limits.maxBatchBytes) break;
      queue.shift();
      this.queuedCount -= 1;
      batch.push(next);
      bytes += next.bytes.length;
    }
    return batch;
  }

  private async sendBatch(leader: string, batch: readonly Waiting[]): Promise<void> {
    let response: ForwardResponse;
    try {
      response = await this.send(leader, { txs: batch.map((waiting) => waiting.bytes) }, this.limits.timeoutMs);
    } catch (error) {
      const failure = batchError(leader, error, this.limits.timeoutMs);
      for (const waiting of batch) waiting.reject(failure);
      return;
    }
    if (response.results.length !== batch.length) {
      const failure = batchError(leader, new NodeError('FRAME_MALFORMED', `the leader answered ${response.results.length} verdicts for ${batch.length} transactions`), this.limits.timeoutMs);
      for (const waiting of batch) waiting.reject(failure);
      return;
    }
    batch.forEach((waiting, i) => {
      const verdict = response.results[i] as ForwardVerdict;
      if (!('txId' in verdict)) waiting.reject(verdictError(verdict.code, verdict.message));
      // The id is the SHA-256 of the bytes sent: an answer naming another one is not an answer.
      else if (verdict.txId !== hash('sha256', waiting.bytes)) waiting.reject(verdictError(FORWARD_ANSWER_MALFORMED, `the leader admitted ${verdict.txId} for a transaction whose id is another`));
      else waiting.resolve({ txId: verdict.txId });
    });
  }
}
