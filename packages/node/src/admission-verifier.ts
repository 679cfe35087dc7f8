// Coalesces the leader's admission signature checks into batches for the node's verification
// workers, so that the main thread (the whole network's bottleneck under load) only prechecks and
// packs them instead of running every Ed25519 verification itself.
//
// `verify(item)` queues the item and answers its own verdict. Everything queued in one turn of the
// event loop goes to the pool together: the flush runs from setImmediate, after the poll phase
// that delivered the turn's HTTP submissions and forwarded batches. A microtask would flush after
// the first I/O callback of the phase already (one HTTP submission per pool call); a forwarded
// batch of 256 reaches verify() in one synchronous map and would be one call either way.
//
// At most maxCallsInFlight pool calls are out at once (the node passes its pool's worker count): what
// arrives meanwhile waits and goes in one call when a call is answered, so under load the calls
// grow with the work instead of each small turn paying its own packing and two messages (measured
// on a loaded leader before this cap: the calls cost its main thread about half of what the
// verifications they moved away had).
//
// Limits: ADMISSION_VERIFY_BATCH_MAX_ITEMS per pool call (a larger turn is cut into several), and
// ADMISSION_VERIFY_MAX_QUEUED_ITEMS accepted and not yet answered, beyond which verify refuses at
// once with SIGNATURE_CHECK_BUSY (503). A failed pool call fails only its own items, with
// SIGNATURE_CHECK_UNAVAILABLE (503) when the pool lost a worker or was closed, the pool's own
// error when it broke an invariant (ASSERTION_FAILED: not turned into an ordinary refusal), and
// INTERNAL otherwise. It must never answer "valid" for an item the pool did not answer, and never let a
// pool failure escape into the event loop.

import { assert, VERIFY_BATCH_MAX_ITEMS, type BatchVerifier, type VerifyItem } from '@tradeledger/ledger';
import { ADMISSION_VERIFY_BATCH_MAX_ITEMS, ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT, ADMISSION_VERIFY_MAX_QUEUED_ITEMS } from './constants.js';
import { errorCode, NodeError } from './errors.js';

export interface AdmissionVerifierLimits {
  /** Items in one call to the pool. */
  readonly maxBatchItems: number;
  /** Items accepted and not yet answered: waiting for the flush, or in a pool call. */
  readonly maxQueuedItems: number;
  /** Pool calls out at once; items queue behind them. */
  readonly maxCallsInFlight: number;
}

export const ADMISSION_VERIFIER_LIMITS: AdmissionVerifierLimits = {
  maxBatchItems: ADMISSION_VERIFY_BATCH_MAX_ITEMS,
  maxQueuedItems: ADMISSION_VERIFY_MAX_QUEUED_ITEMS,
  maxCallsInFlight: ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT,
};

export interface AdmissionVerifierOptions {
  readonly limits?: AdmissionVerifierLimits;
  /** Told of each failed pool call after its items were refused (the node logs it). Must not throw: it runs in a promise handler. */
  readonly onBatchFailed?: (error: unknown, items: number) => void;
}

interface Waiting {
  readonly item: VerifyItem;
  resolve(valid: boolean): void;
  reject(error: Error): void;
}

/** Pool codes meaning the check did not run (a worker died, the pool closed): not a verdict. */
const UNAVAILABLE_CODES = new Set(['VERIFY_WORKER_FAILED', 'VERIFY_POOL_CLOSED']);

/** What each item of a failed pool call is refused with. */
export function batchRefusal(error: unknown, items: number): NodeError {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new NodeError('SIGNATURE_CHECK_UNAVAILABLE', `the signature could not be checked (${code}: ${message}); retry shortly`, { status: 503, retryAfterSeconds: 1, cause: error });
  }
  return new NodeError('INTERNAL', `checking a batch of ${items} signatures failed: ${message}`, { status: 500, cause: error });
}

export class AdmissionVerifier {
  private readonly limits: AdmissionVerifierLimits;
  private readonly onBatchFailed: ((error: unknown, items: number) => void) | undefined;
  /** Waiting items are queue[queueHead..]: a head index, so a flush does not copy what stays. */
  private queue: Waiting[] = [];
  private queueHead = 0;
  private unanswered = 0;
  private callsInFlight = 0;
  private flushScheduled = false;

  constructor(
    private readonly pool: BatchVerifier,
    options: AdmissionVerifierOptions = {},
  ) {
    const limits = options.limits ?? ADMISSION_VERIFIER_LIMITS;
    const { maxBatchItems, maxQueuedItems, maxCallsInFlight } = limits;
    if (
      !(
        Number.isSafeInteger(maxBatchItems) &&
        maxBatchItems >= 1 &&
        maxBatchItems <= VERIFY_BATCH_MAX_ITEMS &&
        Number.isSafeInteger(maxQueuedItems) &&
        maxQueuedItems >= maxBatchItems &&
        Number.isSafeInteger(maxCallsInFlight) &&
        maxCallsInFlight >= 1
      )
    ) {
      throw new NodeError(
        'CONFIG_INVALID',
        `admission verifier limits: 1 <= maxBatchItems (${maxBatchItems}) <= ${VERIFY_BATCH_MAX_ITEMS}, maxQueuedItems (${maxQueuedItems}) >= maxBatchItems, maxCallsInFlight (${maxCallsInFlight}) >= 1`,
        { status: 500 },
      );
    }
    this.limits = limits;
    this.onBatchFailed = options.onBatchFailed;
  }

  /** Signatures accepted and not yet answered. */
  get queuedItems(): number {
    return this.unanswered;
  }

  /** Whether the signature verifies, from the pool; rejects with a NodeError when it was not checked. */
  verify(item: VerifyItem): Promise<boolean> {
    if (this.unanswered >= this.limits.maxQueuedItems) {
      return Promise.reject(
        new NodeError('SIGNATURE_CHECK_BUSY', `${this.unanswered} signatures are waiting for the verification workers (limit ${this.limits.maxQueuedItems}): retry later`, { status: 503, retryAfterSeconds: 1 }),
      );
    }
    this.unanswered += 1;
    assert(this.unanswered <= this.limits.maxQueuedItems, 'admission signatures waiting stay within maxQueuedItems');
    const answer = new Promise<boolean>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
    });
    // With every call out, the next answered call sends what is queued.
    if (!this.flushScheduled && this.callsInFlight < this.limits.maxCallsInFlight) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return answer;
  }

  /** Sends what is queued, in calls of at most maxBatchItems, while fewer than maxCallsInFlight are out. */
  private flush(): void {
    while (this.queueHead < this.queue.length && this.callsInFlight < this.limits.maxCallsInFlight) {
      const batch = this.queue.slice(this.queueHead, this.queueHead + this.limits.maxBatchItems);
      this.queueHead += batch.length;
      this.send(batch);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > this.queue.length / 2) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private send(batch: readonly Waiting[]): void {
    assert(batch.length >= 1 && batch.length <= this.limits.maxBatchItems, 'a pool call holds 1..maxBatchItems items');
    this.callsInFlight += 1;
    assert(this.callsInFlight <= this.limits.maxCallsInFlight, 'at most maxCallsInFlight pool calls are out');
    // minParallelItems 1: this thread's time is what admission saves, even on a call of one item.
    // The Promise constructor also catches a verifier that throws instead of rejecting.
    const answered = new Promise<boolean[]>((resolve) => {
      resolve(this.pool.verifyBatch(batch.map((waiting) => waiting.item), { minParallelItems: 1 }));
    });
    void answered.then(
      (results) => {
        this.settled(batch);
        if (results.length !== batch.length) {
          this.refuse(batch, new Error(`the verification pool answered ${results.length} verdicts for ${batch.length} signatures`));
          return;
        }
        // Anything but true (a hole, a non-boolean) is "not valid": an unchecked item never passes.
        batch.forEach((waiting, i) => waiting.resolve(results[i] === true));
      },
      (error: unknown) => {
        this.settled(batch);
        this.refuse(batch, error);
      },
    );
  }

  /**
   * Frees the batch's places before its callers resume, so one that queues again is not refused,
   * and sends what queued behind the call: it has waited for a whole call already.
   */
  private settled(batch: readonly Waiting[]): void {
    this.unanswered -= batch.length;
    this.callsInFlight -= 1;
    assert(this.unanswered >= 0 && this.callsInFlight >= 0, 'no more admission signatures or calls answered than sent');
    if (this.queueHead < this.queue.length) this.flush();
  }

  private refuse(batch: readonly Waiting[], error: unknown): void {
    // A pool that broke an invariant is not "unavailable": its callers see the broken invariant.
    const refusal = errorCode(error) === 'ASSERTION_FAILED' ? (error as Error) : batchRefusal(error, batch.length);
    for (const waiting of batch) waiting.reject(refusal);
    this.onBatchFailed?.(error, batch.length);
  }
}
