// The mempool: transactions admitted for ordering, bounded in count and bytes.
//
// Admission decodes the bytes, checks the signature, refuses duplicates (pending or already in
// the ledger) and a signer's nonce already pending, and pre-validates against the committed state
// with the same state machine every node applies. Each refusal is a NodeError with the ledger's
// code and an HTTP status; a full pool answers MEMPOOL_FULL (503, Retry-After) and changes nothing.
// Pre-validation keeps junk out; it is not authoritative (apply re-validates every transaction).
//
// The signature is checked inline, or by `verifySignature` (the node's worker threads) when given;
// either way before pre-validation, so a forgery never costs a state-machine run. An admission
// holds its place against the limits (reservedTxs, reservedBytes) from its capacity check to its
// insertion, across every await, and re-checks after them what a concurrent admission may have
// changed: concurrent admissions never overrun the limits nor admit a transaction or a pending
// nonce twice. The pending-nonce check comes after the signature (a forgery is refused as one,
// whatever nonce it claims), so a transaction reusing a pending nonce holds its place while its
// signature is checked.
//
// Taking transactions for a block moves them to "in flight": they still count against the
// limits until the block commits (`settle`) or the proposal is abandoned (`requeue`), so a burst of
// proposals can never overrun memory. Within a block, each signer's transactions go in nonce order.

import { assert, decodeTx, verify, type DecodedTx, type TxResult } from '@tradeledger/ledger';
import { NodeError, errorCode } from './errors.js';

export interface MempoolLimits {
  /** Transactions held, pending and in flight. */
  readonly maxTxs: number;
  /** Bytes held, pending and in flight. */
  readonly maxBytes: number;
  /** One transaction's size. */
  readonly maxTxBytes: number;
  /** What a full pool tells clients to wait, in seconds. */
  readonly retryAfterSeconds: number;
  /**
   * The longest the oldest pending transaction may wait before new ones are refused: the ledger
   * is committing slower than transactions arrive, and a longer queue only adds latency (and,
   * past the clients' deadlines, work nobody waits for). Default MEMPOOL_MAX_QUEUE_MS_DEFAULT.
   */
  readonly maxQueueMs?: number;
}

export const MEMPOOL_MAX_QUEUE_MS_DEFAULT = 2_000;

export interface MempoolDependencies {
  /** The committed state's verdict on one transaction (the state machine applied to it alone). */
  prevalidate(tx: DecodedTx): Promise<TxResult>;
  /** Whether the ledger already holds this id. */
  isCommitted(txId: Uint8Array): Promise<boolean>;
  /**
   * Whether the transaction's signature verifies, checked off this thread; rejects with a
   * NodeError when it could not be checked. Absent: verified inline (tests, hosts without threads).
   */
  verifySignature?(tx: DecodedTx): Promise<boolean>;
  /** Milliseconds, for the age of pending transactions (default Date.now). */
  now?(): number;
}

interface Entry {
  readonly tx: DecodedTx;
  readonly signerNonce: string;
  readonly admittedAtMs: number;
}

const CONFLICT_CODES = new Set(['TX_DUPLICATE', 'NONCE_REPLAY']);

/** The HTTP status of a transaction rejection code. */
export function rejectionStatus(code: string): number {
  if (CONFLICT_CODES.has(code)) return 409;
  if (code === 'TX_TOO_LARGE') return 413;
  return 400;
}

function duplicatePending(tx: DecodedTx): NodeError {
  return new NodeError('TX_DUPLICATE', `transaction ${tx.idHex} is already pending`, { status: 409 });
}

function noncePending(tx: DecodedTx): NodeError {
  return new NodeError('NONCE_REPLAY', `transaction ${tx.idHex}: nonce ${tx.tx.nonce} of this signer is already pending`, { status: 409 });
}

export class Mempool {
  private readonly pending = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Entry>();
  private readonly signerNonces = new Set<string>();
  private heldBytes = 0;
  /** Admissions between their capacity check and their insertion. */
  private reservedTxs = 0;
  private reservedBytes = 0;

  constructor(
    private readonly limits: MempoolLimits,
    private readonly deps: MempoolDependencies,
  ) {
    if (!(limits.maxTxs >= 1 && limits.maxBytes >= limits.maxTxBytes && limits.maxTxBytes >= 1)) {
      throw new NodeError('CONFIG_INVALID', 'mempool limits: maxTxs >= 1 and maxBytes >= maxTxBytes >= 1', { status: 500 });
    }
  }

  get size(): number {
    return this.pending.size + this.inFlight.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** A transaction still held here (pending or in flight). */
  pendingTx(txIdHex: string): DecodedTx | undefined {
    return (this.pending.get(txIdHex) ?? this.inFlight.get(txIdHex))?.tx;
  }

  has(txIdHex: string): boolean {
    return this.pending.has(txIdHex) || this.inFlight.has(txIdHex);
  }

  private full(extraBytes: number): boolean {
    return this.size + this.reservedTxs + 1 > this.limits.maxTxs || this.heldBytes + this.reservedBytes + extraBytes > this.limits.maxBytes;
  }

  private busy(why = `the mempool is full (${this.size} transactions, ${this.heldBytes} bytes)`): NodeError {
    return new NodeError('MEMPOOL_FULL', `${why}: retry later`, { status: 503, retryAfterSeconds: this.limits.retryAfterSeconds });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** How long the oldest transaction not yet in a block has waited (0 when none). */
  oldestPendingMs(now: number = this.now()): number {
    const oldest = this.pending.values().next();
    return oldest.done === true ? 0 : now - oldest.value.admittedAtMs;
  }

  private behind(): NodeError | undefined {
    const waited = this.oldestPendingMs();
    const limit = this.limits.maxQueueMs ?? MEMPOOL_MAX_QUEUE_MS_DEFAULT;
    if (waited <= limit) return undefined;
    return this.busy(`the ledger is behind: the oldest pending transaction has waited ${waited} ms (limit ${limit} ms)`);
  }

  /** Admits signed transaction bytes, or throws a NodeError saying why not. */
  async admit(bytes: Uint8Array): Promise<DecodedTx> {
    if (bytes.length > this.limits.maxTxBytes) {
      throw new NodeError('TX_TOO_LARGE', `transaction: ${bytes.length} bytes exceeds the limit of ${this.limits.maxTxBytes}`, { status: 413 });
    }
    if (this.full(bytes.length)) throw this.busy();
    const behind = this.behind();
    if (behind !== undefined) throw behind;
    let tx: DecodedTx;
    try {
      tx = decodeTx(bytes, { maxBytes: this.limits.maxTxBytes });
    } catch (error) {
      const code = errorCode(error) ?? 'TX_MALFORMED';
      throw new NodeError(code, (error as Error).message, { status: rejectionStatus(code), cause: error });
    }
    if (this.has(tx.idHex)) throw duplicatePending(tx);
    const signerNonce = `${Buffer.from(tx.tx.signer).toString('hex')}/${tx.tx.nonce}`;

    // Nothing above awaits, so the capacity check still holds: the place is taken before the first await.
    this.reservedTxs += 1;
    this.reservedBytes += bytes.length;
    assert(this.size + this.reservedTxs <= this.limits.maxTxs, 'admissions in progress and held transactions stay within maxTxs');
    assert(this.heldBytes + this.reservedBytes <= this.limits.maxBytes, 'admissions in progress and held bytes stay within maxBytes');
    let verdict: TxResult;
    let committed: boolean;
    try {
      const signatureValid = this.deps.verifySignature === undefined ? verify(tx.tx.signer, tx.signingHash, tx.tx.signature) : await this.deps.verifySignature(tx);
      if (!signatureValid) {
        throw new NodeError('TX_SIGNATURE_INVALID', `transaction ${tx.idHex}: the signature does not verify for signer ${Buffer.from(tx.tx.signer).toString('hex')}`, { status: 400 });
      }
      // A concurrent admission of this transaction or nonce may have been inserted while the
      // signature was checked: refused here, before it costs a pre-validation.
      if (this.has(tx.idHex)) throw duplicatePending(tx);
      if (this.signerNonces.has(signerNonce)) throw noncePending(tx);
      [committed, verdict] = await Promise.all([this.deps.isCommitted(tx.id), this.deps.prevalidate(tx)]);
    } finally {
      this.reservedTxs -= 1;
      this.reservedBytes -= bytes.length;
    }
    if (committed) throw new NodeError('TX_DUPLICATE', `transaction ${tx.idHex} is already in the ledger`, { status: 409 });
    if (!verdict.ok) throw new NodeError(verdict.code, `transaction ${tx.idHex} rejected: ${verdict.code}`, { status: rejectionStatus(verdict.code) });
    // Concurrent admissions of the same transaction or nonce may have raced past the checks above.
    if (this.has(tx.idHex)) throw duplicatePending(tx);
    if (this.signerNonces.has(signerNonce)) throw noncePending(tx);
    if (this.full(bytes.length)) throw this.busy();
    this.pending.set(tx.idHex, { tx, signerNonce, admittedAtMs: this.now() });
    this.signerNonces.add(signerNonce);
    this.heldBytes += bytes.length;
    return tx;
  }

  /**
   * Moves up to `maxTxs` / `maxBytes` of pending transactions in flight, oldest signer first and
   * each signer's transactions in nonce order, and returns them in block order.
   */
  take(maxTxs: number, maxBytes: number): DecodedTx[] {
    const chosen: Entry[] = [];
    let bytes = 0;
    for (const entry of this.pending.values()) {
      if (chosen.length >= maxTxs || bytes + entry.tx.bytes.length > maxBytes) break;
      chosen.push(entry);
      bytes += entry.tx.bytes.length;
    }
    for (const entry of chosen) {
      this.pending.delete(entry.tx.idHex);
      this.inFlight.set(entry.tx.idHex, entry);
    }
    // Group by signer in order of each signer's first appearance, nonces ascending within.
    const bySigner = new Map<string, Entry[]>();
    for (const entry of chosen) {
      const signer = entry.signerNonce.slice(0, entry.signerNonce.indexOf('/'));
      const list = bySigner.get(signer);
      if (list === undefined) bySigner.set(signer, [entry]);
      else list.push(entry);
    }
    const ordered: DecodedTx[] = [];
    for (const list of bySigner.values()) {
      list.sort((a, b) => a.tx.tx.nonce - b.tx.tx.nonce);
      for (const entry of list) ordered.push(entry.tx);
    }
    return ordered;
  }

  /** Returns in-flight transactions of an abandoned proposal to the front of the pool. */
  requeue(txIds: readonly string[]): void {
    const back: Array<[string, Entry]> = [];
    for (const id of txIds) {
      const entry = this.inFlight.get(id);
      if (entry === undefined) continue;
      this.inFlight.delete(id);
      back.push([id, entry]);
    }
    if (back.length === 0) return;
    const rest = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, entry] of [...back, ...rest]) this.pending.set(id, entry);
  }

  /** Forgets transactions that a committed block holds, wherever they are in the pool. */
  settle(txIds: readonly string[]): void {
    for (const id of txIds) {
      const entry = this.inFlight.get(id) ?? this.pending.get(id);
      if (entry === undefined) continue;
      this.inFlight.delete(id);
      this.pending.delete(id);
      this.signerNonces.delete(entry.signerNonce);
      this.heldBytes -= entry.tx.bytes.length;
    }
  }

  /** Drops everything (a node that lost leadership hands clients back to the new leader). */
  clear(): DecodedTx[] {
    const all = [...this.inFlight.values(), ...this.pending.values()].map((entry) => entry.tx);
    this.pending.clear();
    this.inFlight.clear();
    this.signerNonces.clear();
    this.heldBytes = 0;
    return all;
  }
}
