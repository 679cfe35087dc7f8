// What the page trusts and how it checks each document: the membership pinned in localStorage on
// first use (one pin per origin), the certified head it holds (refetched only when a transaction is
// not in it), and the check of each transaction: its signed bytes, its inclusion proof against the
// held head, and (for documents) that what the page shows is what the bytes say.
//
// Owns: the pin in localStorage and the per-load caches. Must never: mark anything verified itself
// (verify.ts decides), replace a pinned membership without the person accepting it, or remember a
// failure (a later render asks again).

import { ApiError, getJson, onTokenChange, readToken } from './api.js';
import {
  checkDocumentProof,
  checkShownContent,
  decideStoredPin,
  decodeSignedTx,
  checkClaims,
  failed,
  headToHold,
  MEMBERSHIP_PIN_KEY,
  parseMembershipView,
  pinText,
  txBytesFor,
  unavailable,
  VerifyError,
  type ClaimExpectation,
  type MembershipAnchor,
  type ProofOutcome,
  type ShownDocument,
  type SignedTxView,
} from './verify.js';

/** Checks remembered per page load (documents on one page are far fewer). */
const CHECK_CACHE_MAX = 500;

export interface TrustState {
  /** The membership every check uses: the pinned one (or the served one on first use). */
  readonly anchor: MembershipAnchor;
  readonly chainId: string;
  /** Set when the node serves another membership (or chain) than the pinned one. */
  readonly change?: { readonly pinned: MembershipAnchor; readonly served: MembershipAnchor };
  /** True when this load pinned the membership for the first time. */
  readonly firstUse: boolean;
}

function readStoredPin(): string | null {
  try {
    return localStorage.getItem(MEMBERSHIP_PIN_KEY);
  } catch {
    return null;
  }
}

function writePin(anchor: MembershipAnchor): void {
  try {
    localStorage.setItem(MEMBERSHIP_PIN_KEY, pinText(anchor));
  } catch {
    // storage disabled: trust lasts for this load only
  }
}

/** A promise remembered while pending or fulfilled, forgotten when it rejects (the next call retries). */
function retrying<T>(load: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let held: Promise<T> | undefined;
  return {
    get() {
      if (held === undefined) {
        const p = load();
        held = p;
        p.catch(() => {
          if (held === p) held = undefined;
        });
      }
      return held;
    },
    reset() {
      held = undefined;
    },
  };
}

const trustListeners = new Set<(state: TrustState) => void>();

const trust = retrying(async (): Promise<TrustState> => {
  const served = parseMembershipView(await getJson('/v1/membership', undefined));
  const decision = decideStoredPin(readStoredPin(), served);
  if (decision.action === 'pin') writePin(decision.anchor);
  const state: TrustState =
    decision.action === 'changed'
      ? { anchor: decision.pinned, chainId: decision.pinned.membership.chainId, change: { pinned: decision.pinned, served: decision.served }, firstUse: false }
      : { anchor: decision.anchor, chainId: decision.anchor.membership.chainId, firstUse: decision.action === 'pin' };
  trustListeners.forEach((listener) => listener(state));
  return state;
});

export function loadTrust(): Promise<TrustState> {
  return trust.get();
}

export function onTrust(listener: (state: TrustState) => void): () => void {
  trustListeners.add(listener);
  return () => trustListeners.delete(listener);
}

/** The person accepts the membership the node now serves: pin it and check everything again. */
export function acceptServedMembership(state: TrustState): void {
  if (state.change === undefined) return;
  writePin(state.change.served);
  location.reload();
}

// ---------------------------------------------------------------------------------------------
// The certified head held by this load

interface HeldHead {
  readonly json: unknown;
  readonly logSize: number;
}

/** The certified head, checked against the pinned membership before it is held: a bad head throws (and is not remembered). */
async function fetchHead(): Promise<HeldHead> {
  const [state, json] = await Promise.all([loadTrust(), getJson('/v1/head/certified', undefined)]);
  return headToHold(json, state.anchor.membership);
}

const head = retrying(fetchHead);

/** The certified head as last fetched (JSON), for the ledger view. */
export async function currentCertifiedHead(): Promise<unknown> {
  return (await head.get()).json;
}

/** A newer head than `seen`: fetched once for every check that finds its transaction missing from `seen`. */
let refetch: { readonly after: HeldHead; readonly next: Promise<HeldHead> } | undefined;
function newerHead(seen: HeldHead): Promise<HeldHead> {
  if (refetch?.after !== seen) {
    head.reset();
    const next = head.get();
    refetch = { after: seen, next };
    next.catch(() => {
      if (refetch?.next === next) refetch = undefined;
    });
  }
  return refetch.next;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** A verified transaction: its outcome and its decoded signed bytes. */
interface CheckedTx {
  readonly outcome: ProofOutcome;
  readonly signed?: SignedTxView;
}

/** Successful checks only, per token (a token change empties it). */
const checked = new Map<string, Promise<CheckedTx>>();
onTokenChange(() => checked.clear());

function asOutcome(error: unknown): ProofOutcome {
  if (error instanceof ApiError || error instanceof VerifyError) return failed(error.code, error.message);
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
  return failed(code, error instanceof Error ? error.message : String(error));
}

function checkTxOnce(txId: string, token: string): Promise<CheckedTx> {
  const key = `${token}\n${txId}`;
  const found = checked.get(key);
  if (found !== undefined) return found;
  if (checked.size >= CHECK_CACHE_MAX) checked.clear();
  const run = runCheck(txId, token).catch((error: unknown): CheckedTx => ({ outcome: asOutcome(error) }));
  checked.set(key, run);
  // Only verified answers stay: a failure (network, a node that lied once) is asked again next time.
  void run.then((result) => {
    if (result.outcome.state !== 'verified' && checked.get(key) === run) checked.delete(key);
  });
  return run;
}

async function proofAt(txId: string, held: HeldHead): Promise<unknown | undefined> {
  try {
    const answer = await getJson(`/v1/proof/inclusion/${txId}?treeSize=${held.logSize}`, undefined);
    return typeof answer === 'object' && answer !== null ? (answer as { proof?: unknown }).proof : undefined;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'TX_NOT_FOUND') return undefined;
    throw error;
  }
}

async function runCheck(txId: string, token: string): Promise<CheckedTx> {
  if (!/^[0-9a-f]{64}$/.test(txId)) return { outcome: failed('TX_ID_INVALID', `tx id ${txId.slice(0, 80)}: expected 64 lower-case hex characters`) };
  const [state, bytes, first] = await Promise.all([loadTrust(), txBytesOf(txId, token), head.get()]);
  let held = first;
  let proof = await proofAt(txId, held);
  if (proof === undefined) {
    // Not in the head this load holds: the transaction may be newer. One newer head, then give up.
    held = await newerHead(held);
    proof = await proofAt(txId, held);
    if (proof === undefined) return { outcome: failed('TX_NOT_FOUND', `transaction ${txId}: not in the log at the certified head's size ${held.logSize}`) };
  }
  const outcome = checkDocumentProof({ txId, membership: state.anchor.membership, head: held.json, proof, txBytes: bytes });
  if (outcome.state !== 'verified') return { outcome };
  return { outcome, signed: decodeSignedTx(bytes) };
}

async function txBytesOf(txId: string, token: string): Promise<Uint8Array> {
  const view = (await getJson(`/v1/tx/${txId}`, token)) as { tx?: { bytes?: unknown } };
  const text = view.tx?.bytes;
  if (typeof text !== 'string') throw new ApiError('RESPONSE_MALFORMED', `/v1/tx/${txId}: no tx.bytes in the answer`, 200);
  return txBytesFor(txId, text);
}

/**
 * The badge's verdict for transaction `txId`. Without a token nothing is checked (unavailable).
 * With `doc`, the document shown must also match the signed bytes, for the version it shows.
 */
export async function checkTx(txId: string, doc?: ShownDocument, expected?: ClaimExpectation): Promise<ProofOutcome> {
  const token = readToken();
  if (token === undefined) return unavailable();
  const result = await checkTxOnce(txId, token);
  if ((doc === undefined && expected === undefined) || result.outcome.state !== 'verified') return result.outcome;
  try {
    if (result.signed === undefined) return failed('TX_DECODE_FAILED', `tx ${txId}: no decoded bytes`);
    if (expected !== undefined) {
      const claims = checkClaims(expected, result.signed);
      if (!claims.ok) return failed(claims.code, claims.reason);
    }
    if (doc === undefined) return result.outcome;
    const content = checkShownContent(doc, txId, result.signed);
    if (!content.ok) return failed(content.code, content.reason);
    for (const other of content.alsoCheck) {
      const more = await checkTxOnce(other, token);
      if (more.outcome.state !== 'verified') return more.outcome.state === 'failed' ? failed(more.outcome.code, `the current version's transaction ${other.slice(0, 12)}…: ${more.outcome.reason}`) : more.outcome;
      if (more.signed === undefined) return failed('TX_DECODE_FAILED', `tx ${other}: no decoded bytes`);
      const amended = checkShownContent(doc, other, more.signed);
      if (!amended.ok) return failed(amended.code, amended.reason);
    }
  } catch (error) {
    return asOutcome(error);
  }
  return result.outcome;
}

/** The decoded signed bytes of a verified transaction (the ledger view shows the payload from them). */
export async function verifiedTx(txId: string): Promise<{ readonly outcome: ProofOutcome; readonly signed?: SignedTxView }> {
  const token = readToken();
  if (token === undefined) return { outcome: unavailable() };
  return checkTxOnce(txId, token);
}

/** An organization's name from the pinned membership, when it has one (never from a membership the node serves instead). */
export function nameOf(state: TrustState | undefined, lei: string): string | undefined {
  return state?.anchor.names[lei];
}
