// What the page trusts and how it checks each document, per page load: the membership pinned in
// localStorage on first use, the certified head (fetched once, refetched once when a proof names a
// newer size), and one proof check per transaction, run concurrently and remembered.
//
// Owns: the pin in localStorage and the per-load caches. Must never: mark anything verified itself
// (verify.ts decides), or replace a pinned membership without the person accepting it.

import { ApiError, getJson, readToken } from './api.js';
import { checkDocumentProof, decidePin, failed, parseMembershipView, proofTreeSize, txBytesFor, type MembershipAnchor, type ProofOutcome } from './verify.js';

export const MEMBERSHIP_PIN_PREFIX = 'tradeledger.membership.';
/** Proof checks remembered per page load (documents on one page are far fewer). */
const PROOF_CACHE_MAX = 500;

export interface TrustState {
  /** The membership every check uses: the pinned one (or the served one on first use). */
  readonly anchor: MembershipAnchor;
  readonly chainId: string;
  /** Set when the node serves another membership than the pinned one. */
  readonly change?: { readonly pinned: MembershipAnchor; readonly served: MembershipAnchor };
  /** True when this load pinned the membership for the first time. */
  readonly firstUse: boolean;
}

function pinKey(chainId: string): string {
  return `${MEMBERSHIP_PIN_PREFIX}${chainId}`;
}

function readPin(chainId: string): MembershipAnchor | undefined {
  let text: string | null;
  try {
    text = localStorage.getItem(pinKey(chainId));
  } catch {
    return undefined;
  }
  if (text === null) return undefined;
  try {
    const stored = JSON.parse(text) as { membership?: unknown; names?: unknown };
    const membership = stored.membership as { organizations?: unknown } | undefined;
    const names = (typeof stored.names === 'object' && stored.names !== null ? stored.names : {}) as Record<string, string>;
    const organizations = Array.isArray(membership?.organizations) ? (membership.organizations as Array<{ lei: string }>).map((o) => ({ ...o, name: names[o.lei] })) : membership?.organizations;
    return parseMembershipView({ ...membership, organizations });
  } catch {
    // A pin that no longer parses is no pin; the served membership is shown as new.
    return undefined;
  }
}

function writePin(anchor: MembershipAnchor): void {
  try {
    localStorage.setItem(pinKey(anchor.membership.chainId), JSON.stringify({ membership: anchor.membership, names: anchor.names, fingerprint: anchor.fingerprint }));
  } catch {
    // storage disabled: trust lasts for this load only
  }
}

let trust: Promise<TrustState> | undefined;
const trustListeners = new Set<(state: TrustState) => void>();

export function loadTrust(): Promise<TrustState> {
  trust ??= (async () => {
    const served = parseMembershipView(await getJson('/v1/membership', undefined));
    const chainId = served.membership.chainId;
    const decision = decidePin(readPin(chainId), served);
    if (decision.action === 'pin') writePin(decision.anchor);
    const state: TrustState =
      decision.action === 'changed'
        ? { anchor: decision.pinned, chainId, change: { pinned: decision.pinned, served: decision.served }, firstUse: false }
        : { anchor: decision.anchor, chainId, firstUse: decision.action === 'pin' };
    trustListeners.forEach((listener) => listener(state));
    return state;
  })();
  return trust;
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

let head: Promise<unknown> | undefined;
let headRefetched = false;

function certifiedHead(): Promise<unknown> {
  head ??= getJson('/v1/head/certified', undefined);
  return head;
}

/** The certified head as last fetched (JSON), for the ledger view. */
export function currentCertifiedHead(): Promise<unknown> {
  return certifiedHead();
}

function headSize(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const cp = (json as { checkpoint?: { logSize?: unknown } }).checkpoint;
  return typeof cp?.logSize === 'number' ? cp.logSize : undefined;
}

const proofs = new Map<string, Promise<ProofOutcome>>();

/** The badge's verdict for transaction `txId`; with a token the document's bytes are bound. */
export function checkTx(txId: string): Promise<ProofOutcome> {
  const token = readToken();
  const key = `${token === undefined ? 'public' : 'member'}:${txId}`;
  let found = proofs.get(key);
  if (found === undefined) {
    if (proofs.size >= PROOF_CACHE_MAX) proofs.clear();
    found = runCheck(txId, token).catch((error: unknown) => {
      if (error instanceof ApiError) return failed(error.code, error.message);
      const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
      return failed(code, error instanceof Error ? error.message : String(error));
    });
    proofs.set(key, found);
  }
  return found;
}

async function runCheck(txId: string, token: string | undefined): Promise<ProofOutcome> {
  if (!/^[0-9a-f]{64}$/.test(txId)) return failed('TX_ID_INVALID', `tx id ${txId.slice(0, 80)}: expected 64 lower-case hex characters`);
  const [state, answer, bytes] = await Promise.all([
    loadTrust(),
    getJson(`/v1/proof/inclusion/${txId}?at=certified`, undefined),
    token === undefined ? Promise.resolve(undefined) : txBytesOf(txId, token),
  ]);
  const proof = typeof answer === 'object' && answer !== null ? (answer as { proof?: unknown }).proof : undefined;
  let headJson = await certifiedHead();
  const size = proofTreeSize(proof);
  if (size !== undefined && size !== headSize(headJson) && !headRefetched) {
    // The node answers against its current certified head, which moved on since this load fetched one.
    headRefetched = true;
    head = getJson('/v1/head/certified', undefined);
    headJson = await head;
  }
  return checkDocumentProof(bytes === undefined ? { txId, membership: state.anchor.membership, head: headJson, proof } : { txId, membership: state.anchor.membership, head: headJson, proof, txBytes: bytes });
}

async function txBytesOf(txId: string, token: string): Promise<Uint8Array> {
  const view = (await getJson(`/v1/tx/${txId}`, token)) as { tx?: { bytes?: unknown } };
  const text = view.tx?.bytes;
  if (typeof text !== 'string') throw new ApiError('RESPONSE_MALFORMED', `/v1/tx/${txId}: no tx.bytes in the answer`, 200);
  return txBytesFor(txId, text);
}

/** An organization's name from the trusted membership, when it has one. */
export function nameOf(state: TrustState | undefined, lei: string): string | undefined {
  return state?.anchor.names[lei] ?? state?.change?.served.names[lei];
}
