// Limits of @tradeledger/node that more than one module relies on, with the assertions on how they
// relate (the p2p layer keeps its own in p2p/constants.ts). New limits go here, in a section of
// their own; older ones still sit beside the module that owns them.

import { assert, VERIFY_BATCH_MAX_ITEMS } from '@tradeledger/ledger';
import { FORWARD_BATCH_MAX_TXS } from './protocols.js';

// ---- Admission signature checks (admission-verifier.ts) ----

/**
 * Signatures in one call to the verification pool: a forwarded batch fits one call, and a larger
 * queue is cut so its first admissions go on to pre-validation while the workers still verify the
 * rest (the pool cuts each call into parts for its workers anyway).
 */
export const ADMISSION_VERIFY_BATCH_MAX_ITEMS = FORWARD_BATCH_MAX_TXS;
/**
 * Signatures accepted and not yet answered (waiting for the next flush or in a pool call). About
 * 1.1 s of work for two workers at 0.14 ms each, half the mempool's default queue age limit
 * (MEMPOOL_MAX_QUEUE_MS_DEFAULT): past it a client waits longer than the mempool would let it,
 * so it is told to retry (SIGNATURE_CHECK_BUSY) instead.
 */
export const ADMISSION_VERIFY_MAX_QUEUED_ITEMS = 16_384;
/**
 * Pool calls out at once, by default: one per worker of a two-core machine's pool. The node passes
 * its own pool's worker count. A call of up to 32 items goes to one worker whole, so one call per
 * worker keeps them busy; more would only split the same work into more messages, each paid for
 * by the leader's main thread.
 */
export const ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT = 2;

assert(ADMISSION_VERIFY_BATCH_MAX_ITEMS >= 1 && ADMISSION_VERIFY_BATCH_MAX_ITEMS <= VERIFY_BATCH_MAX_ITEMS, 'an admission batch is one valid verifyBatch call');
assert(ADMISSION_VERIFY_MAX_QUEUED_ITEMS >= ADMISSION_VERIFY_BATCH_MAX_ITEMS, 'the queue holds at least one full batch');
assert(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT >= 1, 'at least one admission call can be out');

// ---- Forwarded transactions (ledger-node.ts) ----

/** How long a follower waits for the leader to accept a forwarded transaction. */
export const FORWARD_TIMEOUT_MS = 5_000;
/**
 * How long a leader waits to have applied what a forwarding follower had applied before judging
 * its batch. A client that saw a document committed on a follower may cite it at once through
 * that follower, and a follower can apply a block before its leader; judged earlier, the citation
 * (or anything that depends on that block) would be refused. Usually no wait at all: the leader
 * applies first. Well inside FORWARD_TIMEOUT_MS, so the follower still hears the verdicts.
 */
export const FORWARD_CATCH_UP_MAX_MS = 2_000;

assert(FORWARD_CATCH_UP_MAX_MS * 2 <= FORWARD_TIMEOUT_MS, 'a catch-up wait leaves the forwarded request time for its answer');
