// The page's proof check, as pure functions over values already fetched (so they run the same in a
// unit test and in the browser): the membership the page trusts and its fingerprint, whether a
// certified head is certified by it, and whether a document's transaction is in that head's log.
// Everything is decided with the ledger's light client (`@tradeledger/ledger/browser`); nothing the
// server says about validity is taken on trust.
//
// Owns: the verdicts the badges show. Must never: touch the DOM, storage or the network, or answer
// 'verified' unless verifyInclusionAgainstHead verified the document's own bytes.

import {
  checkTrustedMembership,
  fromHex,
  parseCertifiedHead,
  parseProof,
  sha256Portable,
  toHex,
  utf8,
  verifyCertifiedHead,
  verifyInclusionAgainstHead,
  type CertifiedHead,
  type InclusionProof,
  type TrustedMembership,
} from '@tradeledger/ledger/browser';

/** Hex characters of SHA-256 shown as a membership's fingerprint. */
export const FINGERPRINT_HEX_CHARS = 16;
/** Longest transaction accepted as bytes (the hex text of it), well above the node's limit. */
const TX_TEXT_MAX_CHARS = 4 * 1024 * 1024;

/** A membership the page may trust: the light client's form, names for display, its fingerprint. */
export interface MembershipAnchor {
  readonly membership: TrustedMembership & { readonly chainId: string };
  readonly names: Readonly<Record<string, string>>;
  readonly fingerprint: string;
}

export class VerifyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VerifyError';
  }
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'ERROR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Membership: parse what /v1/membership answers, fingerprint it, decide against the pinned one.

/**
 * The canonical JSON of a membership (RFC 8785 for these values: keys sorted, no spaces), with
 * organizations sorted by LEI and keys sorted, so one set of members has one fingerprint.
 * Names are left out: they are labels, not part of what certifies heads.
 */
export function canonicalMembershipJson(membership: TrustedMembership): string {
  const organizations = [...membership.organizations]
    .map((org) => ({ lei: org.lei, nodeKeys: [...org.nodeKeys].sort() }))
    .sort((a, b) => (a.lei < b.lei ? -1 : a.lei > b.lei ? 1 : 0));
  const orgs = organizations.map((org) => `{"lei":${JSON.stringify(org.lei)},"nodeKeys":[${org.nodeKeys.map((k) => JSON.stringify(k)).join(',')}]}`);
  const chain = membership.chainId === undefined ? '' : `"chainId":${JSON.stringify(membership.chainId)},`;
  return `{${chain}"organizations":[${orgs.join(',')}],"threshold":${membership.threshold}}`;
}

export function membershipFingerprint(membership: TrustedMembership): string {
  return toHex(sha256Portable(utf8(canonicalMembershipJson(membership)))).slice(0, FINGERPRINT_HEX_CHARS);
}

/** Narrows a /v1/membership answer (or a pinned copy) and checks it with the light client. Throws MEMBERSHIP_INVALID. */
export function parseMembershipView(json: unknown): MembershipAnchor & { readonly height?: number } {
  const bad = (field: string, what: string): never => {
    throw new VerifyError('MEMBERSHIP_INVALID', `membership.${field}: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('', 'expected an object');
  const view = json as { chainId?: unknown; organizations?: unknown; threshold?: unknown; height?: unknown };
  if (typeof view.chainId !== 'string') bad('chainId', 'expected a string');
  if (!Array.isArray(view.organizations)) bad('organizations', 'expected an array');
  if (typeof view.threshold !== 'number') bad('threshold', 'expected a number');
  const names: Record<string, string> = {};
  const organizations = (view.organizations as unknown[]).map((org, i) => {
    if (typeof org !== 'object' || org === null) return bad(`organizations[${i}]`, 'expected an object');
    const o = org as { lei?: unknown; name?: unknown; nodeKeys?: unknown };
    if (typeof o.lei !== 'string') bad(`organizations[${i}].lei`, 'expected a string');
    if (!Array.isArray(o.nodeKeys) || !o.nodeKeys.every((k): k is string => typeof k === 'string')) bad(`organizations[${i}].nodeKeys`, 'expected an array of strings');
    if (typeof o.name === 'string') names[o.lei as string] = o.name;
    return { lei: o.lei as string, nodeKeys: [...(o.nodeKeys as string[])] };
  });
  const membership = { chainId: view.chainId as string, organizations, threshold: view.threshold as number };
  try {
    checkTrustedMembership(membership);
  } catch (error) {
    throw new VerifyError(codeOf(error), messageOf(error));
  }
  const anchor = { membership, names, fingerprint: membershipFingerprint(membership) };
  return typeof view.height === 'number' ? { ...anchor, height: view.height } : anchor;
}

/** What to do with the membership a node serves, given the one pinned on first use (if any). */
export type PinDecision =
  | { readonly action: 'pin'; readonly anchor: MembershipAnchor }
  | { readonly action: 'same'; readonly anchor: MembershipAnchor }
  /** Verify against `pinned` until the person accepts `served`. */
  | { readonly action: 'changed'; readonly pinned: MembershipAnchor; readonly served: MembershipAnchor };

export function decidePin(pinned: MembershipAnchor | undefined, served: MembershipAnchor): PinDecision {
  if (pinned === undefined) return { action: 'pin', anchor: served };
  if (pinned.fingerprint === served.fingerprint && canonicalMembershipJson(pinned.membership) === canonicalMembershipJson(served.membership)) {
    // Same members: take the served names (they may have been renamed).
    return { action: 'same', anchor: { ...pinned, names: { ...pinned.names, ...served.names } } };
  }
  return { action: 'changed', pinned, served };
}

// ---------------------------------------------------------------------------------------------
// Certified heads

export type HeadCheck =
  | {
      readonly ok: true;
      readonly head: CertifiedHead;
      readonly height: number;
      readonly logSize: number;
      readonly logRoot: string;
      readonly blockHash: string;
      /** LEIs whose signature counted, sorted. */
      readonly organizations: readonly string[];
      readonly threshold: number;
      /** Signatures that did not count, with why. */
      readonly ignored: readonly { readonly signerPublicKey: string; readonly reason: string }[];
    }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** Parses a /v1/head/certified answer and checks its signatures against the membership. */
export function checkHead(json: unknown, membership: TrustedMembership): HeadCheck {
  let head: CertifiedHead;
  try {
    head = parseCertifiedHead(json);
  } catch (error) {
    return { ok: false, code: codeOf(error), reason: messageOf(error) };
  }
  const result = verifyCertifiedHead(head, membership);
  if (!result.ok) return { ok: false, code: result.error.code, reason: result.error.message };
  const cp = result.value.checkpoint;
  return {
    ok: true,
    head,
    height: cp.height,
    logSize: cp.logSize,
    logRoot: toHex(cp.logRoot),
    blockHash: toHex(cp.blockHash),
    organizations: result.value.organizations,
    threshold: result.value.threshold,
    ignored: result.value.ignored.map((x) => ({ signerPublicKey: x.signerPublicKey, reason: x.reason })),
  };
}

// ---------------------------------------------------------------------------------------------
// Transaction bytes

/**
 * The signed bytes of transaction `txId` from the text /v1/tx answers (`tx.bytes`, lower-case hex).
 * The hash is the check: bytes that do not hash to the id are refused with TX_BYTES_MISMATCH.
 */
export function txBytesFor(txId: string, text: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(txId)) throw new VerifyError('TX_ID_INVALID', `tx id ${txId.slice(0, 80)}: expected 64 lower-case hex characters`);
  if (text.length === 0 || text.length > TX_TEXT_MAX_CHARS || text.length % 2 !== 0 || !/^[0-9a-f]+$/.test(text)) {
    throw new VerifyError('TX_BYTES_MISMATCH', `tx.bytes: expected 2 to ${TX_TEXT_MAX_CHARS} lower-case hex characters, got ${text.length} characters`);
  }
  const bytes = fromHex(text, 'tx.bytes');
  if (toHex(sha256Portable(bytes)) !== txId) throw new VerifyError('TX_BYTES_MISMATCH', `tx.bytes: the bytes the node sent do not hash to ${txId}`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// One document's proof

export type ProofOutcome =
  | { readonly state: 'verified'; readonly height: number; readonly logSize: number; readonly organizations: readonly string[]; readonly threshold: number }
  /** The path reaches the certified head, but without the bytes the leaf is not bound to the document. */
  | { readonly state: 'unavailable'; readonly height: number; readonly logSize: number; readonly organizations: readonly string[]; readonly threshold: number }
  | { readonly state: 'failed'; readonly code: string; readonly reason: string };

export interface DocumentProofInput {
  readonly txId: string;
  readonly membership: TrustedMembership;
  /** The certified head as the node sent it (JSON value). */
  readonly head: unknown;
  /** The `proof` member of /v1/proof/inclusion/{txId}?at=certified (JSON value). */
  readonly proof: unknown;
  /** The transaction's signed bytes (already checked to hash to txId), when the page could read them. */
  readonly txBytes?: Uint8Array;
}

export function failed(code: string, reason: string): ProofOutcome {
  return { state: 'failed', code, reason };
}

/** The proof's tree size, to tell whether it was built against another head than the one held. */
export function proofTreeSize(proofJson: unknown): number | undefined {
  if (typeof proofJson !== 'object' || proofJson === null) return undefined;
  const size = (proofJson as { treeSize?: unknown }).treeSize;
  return typeof size === 'number' ? size : undefined;
}

/**
 * verified only when the head is certified by the membership, the proof reaches its exact size
 * and root, and the leaf is the hash of the given bytes, which hash to txId; unavailable when all
 * but the bytes hold; failed (with the light client's code) otherwise.
 */
export function checkDocumentProof(input: DocumentProofInput): ProofOutcome {
  const headCheck = checkHead(input.head, input.membership);
  if (!headCheck.ok) return failed(headCheck.code, headCheck.reason);
  let proof: InclusionProof;
  try {
    const parsed = parseProof(input.proof);
    if (parsed.type !== 'inclusion') return failed('PROOF_MALFORMED', `expected an inclusion proof, got a ${parsed.type} proof`);
    proof = parsed;
  } catch (error) {
    return failed(codeOf(error), messageOf(error));
  }
  if (input.txBytes !== undefined && toHex(sha256Portable(input.txBytes)) !== input.txId) {
    return failed('TX_BYTES_MISMATCH', `the transaction bytes do not hash to ${input.txId}`);
  }
  const leaf = input.txBytes !== undefined ? { txBytes: input.txBytes } : { leafHash: proof.leafHash };
  const verdict = verifyInclusionAgainstHead({ membership: input.membership, head: headCheck.head, proof, leaf });
  if (!verdict.verified) return failed(verdict.code, verdict.reason);
  const summary = { height: verdict.height, logSize: verdict.logSize, organizations: verdict.organizations, threshold: headCheck.threshold };
  return input.txBytes !== undefined ? { state: 'verified', ...summary } : { state: 'unavailable', ...summary };
}
