// Limits of @tradeledger/node that more than one module relies on, with the assertions on how they
// relate (the p2p layer keeps its own in p2p/constants.ts). New limits go here, in a section of
// their own; older ones still sit beside the module that owns them.

import { VERIFY_BATCH_MAX_ITEMS } from '@tradeledger/ledger';
import { FORWARD_BATCH_MAX_TXS } from './protocols.js';

function assertLimit(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assert: node constants: ${message}`);
}

// ---- Admission signature checks (admission-verifier.ts) ----

/**
 * Signatures in one call to the verification pool. One forwarded batch goes in one call, and a
 * larger turn is cut so its first admissions go on to pre-validation while the workers still
 * verify the rest (the pool cuts each call into parts for its workers anyway).
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
 * Pool calls out at once: one per worker of the default pool (two on a two-core machine). A call
 * of fewer than 64 items goes to one worker whole, so two keep both busy; more would only split
 * the same work into more messages while the leader's main thread pays for each.
 */
export const ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT = 2;

assertLimit(ADMISSION_VERIFY_BATCH_MAX_ITEMS >= 1 && ADMISSION_VERIFY_BATCH_MAX_ITEMS <= VERIFY_BATCH_MAX_ITEMS, 'an admission batch is one valid verifyBatch call');
assertLimit(ADMISSION_VERIFY_BATCH_MAX_ITEMS >= FORWARD_BATCH_MAX_TXS, 'a forwarded batch is verified in one call');
assertLimit(ADMISSION_VERIFY_MAX_QUEUED_ITEMS >= ADMISSION_VERIFY_BATCH_MAX_ITEMS, 'the queue holds at least one full batch');
assertLimit(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT >= 1, 'at least one admission call can be out');
