// The light client: with no node and no network, decide whether a transaction is in the ledger,
// or whether the ledger only grew between two heads, given
//   - a trusted membership (or the genesis configuration it is derived from),
//   - certified heads (checkpoints cosigned by a quorum of member organizations, checkpoint.ts),
//   - RFC 9162 inclusion or consistency proofs (merkle-proof.ts).
// A proof only counts against a head it names exactly: its tree size and root must be the head's
// logSize and logRoot, and the head must be certified.
//
// Owns: those two verdicts and the membership derivation. Must stay browser-portable: it imports
// nothing of node:* (directly or through its imports; a test walks the import graph), so it uses
// the portable hashing of merkle-proof.ts and checkpoint.ts and never hash.ts or ed25519.ts.

import { bytesEqual, toHex } from './bytes.js';
import { checkTrustedMembership, verifyCertifiedHead, type CertifiedHead, type CertifiedHeadVerification, type Ed25519Verifier, type TrustedMembership } from './checkpoint.js';
import type { GenesisConfig } from './documents/governance.js';
import { approvalsRequired, MAJORITY } from './documents/threshold.js';
import { LedgerError } from './errors.js';
import { portableLeafHash, verifyConsistency, verifyInclusion, type ConsistencyProof, type InclusionProof } from './merkle-proof.js';

export type LightClientVerdict =
  | {
      readonly verified: true;
      /** Height, log size and root of the (newer) head the proof was checked against. */
      readonly height: number;
      readonly logSize: number;
      readonly logRoot: string;
      /** Organizations whose signatures certified that head. */
      readonly organizations: readonly string[];
    }
  | { readonly verified: false; readonly code: string; readonly reason: string; readonly field?: string };

function refuse(code: string, reason: string, field?: string): LightClientVerdict {
  return field === undefined ? { verified: false, code, reason } : { verified: false, code, reason, field };
}

/**
 * The membership that certifies heads at genesis: each organization's node keys, and a quorum of
 * approvalsRequired(governance threshold, organizations that run a node) - the same "more than the
 * threshold fraction" rule as governance, counted over those who can sign checkpoints at all.
 */
export function trustedMembershipFromGenesis(config: GenesisConfig): TrustedMembership {
  const organizations = config.organizations.map((org) => ({ lei: org.lei, nodeKeys: org.nodes.map((node) => node.publicKey) }));
  const signers = organizations.filter((org) => org.nodeKeys.length > 0).length;
  const threshold = approvalsRequired(config.governanceThreshold ?? MAJORITY, signers);
  return checkTrustedMembership({ chainId: config.chainId, organizations, threshold });
}

function certify(head: CertifiedHead, membership: TrustedMembership, verifySignature: Ed25519Verifier | undefined, which: string): CertifiedHeadVerification | LightClientVerdict {
  const result = verifyCertifiedHead(head, membership, verifySignature === undefined ? {} : { verifySignature });
  if (!result.ok) return refuse(result.error.code, `${which} head is not certified: ${result.error.message}`, result.error.field);
  return result.value;
}

function isVerdict(value: CertifiedHeadVerification | LightClientVerdict): value is LightClientVerdict {
  return 'verified' in value;
}

export interface InclusionCheck {
  readonly membership: TrustedMembership;
  readonly head: CertifiedHead;
  readonly proof: InclusionProof;
  /** What the proof must be about: the transaction's bytes or its leaf hash. Without it, only the path is checked. */
  readonly leaf?: { readonly txBytes: Uint8Array } | { readonly leafHash: Uint8Array };
  /** Ed25519 check for head signatures; default the portable strict verifier. */
  readonly verifySignature?: Ed25519Verifier;
}

/**
 * Is this leaf in the log of a certified head? Verdict codes on refusal: the head's
 * (HEAD_QUORUM_NOT_MET, HEAD_CHAIN_MISMATCH, HEAD_MALFORMED, MEMBERSHIP_INVALID), PROOF_HEAD_MISMATCH
 * (proof about another tree size or root), PROOF_LEAF_MISMATCH (proof about another leaf), and the
 * proof's own (PROOF_MALFORMED, PROOF_MISMATCH).
 */
export function verifyInclusionAgainstHead(check: InclusionCheck): LightClientVerdict {
  const certified = certify(check.head, check.membership, check.verifySignature, 'the');
  if (isVerdict(certified)) return certified;
  const cp = certified.checkpoint;
  const p = check.proof;
  if (typeof p !== 'object' || p === null || p.type !== 'inclusion') return refuse('PROOF_MALFORMED', 'expected an inclusion proof', 'proof.type');
  if (p.treeSize !== cp.logSize) return refuse('PROOF_HEAD_MISMATCH', `proof is for tree size ${String(p.treeSize)}, the head's log has ${cp.logSize} leaves`, 'proof.treeSize');
  if (!(p.rootHash instanceof Uint8Array) || !bytesEqual(p.rootHash, cp.logRoot)) return refuse('PROOF_HEAD_MISMATCH', `proof root is not the head's log root ${toHex(cp.logRoot)}`, 'proof.rootHash');
  if (check.leaf !== undefined) {
    const expected = 'txBytes' in check.leaf ? portableLeafHash(check.leaf.txBytes) : check.leaf.leafHash;
    if (!(p.leafHash instanceof Uint8Array) || !bytesEqual(p.leafHash, expected)) {
      return refuse('PROOF_LEAF_MISMATCH', `proof is about leaf hash ${p.leafHash instanceof Uint8Array ? toHex(p.leafHash) : '?'}, not ${toHex(expected)}`, 'proof.leafHash');
    }
  }
  const result = verifyInclusion(p);
  if (!result.ok) return refuse(result.error.code, result.error.message, result.error.field);
  return { verified: true, height: cp.height, logSize: cp.logSize, logRoot: toHex(cp.logRoot), organizations: certified.organizations };
}

export interface ConsistencyCheck {
  readonly membership: TrustedMembership;
  /** Membership at the newer head when it changed in between; default `membership`. */
  readonly newerMembership?: TrustedMembership;
  readonly older: CertifiedHead;
  readonly newer: CertifiedHead;
  readonly proof: ConsistencyProof;
  readonly verifySignature?: Ed25519Verifier;
}

/**
 * Did the log of `older` grow into the log of `newer` by appending only? Both heads must be
 * certified and of one chain, in order, and the proof must name both heads' sizes and roots exactly.
 * Two certified heads at one height with different blocks are refused as HEADS_CONFLICT (a quorum
 * signed two histories). Other codes: the heads' codes, HEADS_OUT_OF_ORDER, PROOF_HEAD_MISMATCH,
 * PROOF_MALFORMED, PROOF_MISMATCH (history was rewritten).
 */
export function verifyConsistencyBetweenHeads(check: ConsistencyCheck): LightClientVerdict {
  const older = certify(check.older, check.membership, check.verifySignature, 'the older');
  if (isVerdict(older)) return older;
  const newer = certify(check.newer, check.newerMembership ?? check.membership, check.verifySignature, 'the newer');
  if (isVerdict(newer)) return newer;
  const a = older.checkpoint;
  const b = newer.checkpoint;
  if (a.chainId !== b.chainId) return refuse('HEAD_CHAIN_MISMATCH', `heads of different chains: ${a.chainId} and ${b.chainId}`, 'newer.checkpoint.chainId');
  if (a.height > b.height || a.logSize > b.logSize) {
    return refuse('HEADS_OUT_OF_ORDER', `older head (height ${a.height}, size ${a.logSize}) is ahead of newer head (height ${b.height}, size ${b.logSize})`, 'older.checkpoint.height');
  }
  if (a.height === b.height && !bytesEqual(a.blockHash, b.blockHash)) {
    return refuse('HEADS_CONFLICT', `two certified heads at height ${a.height} name different blocks ${toHex(a.blockHash)} and ${toHex(b.blockHash)}`, 'newer.checkpoint.blockHash');
  }
  const p = check.proof;
  if (typeof p !== 'object' || p === null || p.type !== 'consistency') return refuse('PROOF_MALFORMED', 'expected a consistency proof', 'proof.type');
  if (p.firstSize !== a.logSize || p.secondSize !== b.logSize) {
    return refuse('PROOF_HEAD_MISMATCH', `proof is between sizes ${String(p.firstSize)} and ${String(p.secondSize)}, the heads have ${a.logSize} and ${b.logSize}`, 'proof.firstSize');
  }
  if (!(p.firstRoot instanceof Uint8Array) || !bytesEqual(p.firstRoot, a.logRoot)) return refuse('PROOF_HEAD_MISMATCH', "proof's first root is not the older head's log root", 'proof.firstRoot');
  if (!(p.secondRoot instanceof Uint8Array) || !bytesEqual(p.secondRoot, b.logRoot)) return refuse('PROOF_HEAD_MISMATCH', "proof's second root is not the newer head's log root", 'proof.secondRoot');
  let result;
  try {
    result = verifyConsistency(p);
  } catch (error) {
    if (error instanceof LedgerError) return refuse(error.code, error.message, error.field);
    throw error;
  }
  if (!result.ok) return refuse(result.error.code, `the newer log does not extend the older one: ${result.error.message}`, result.error.field);
  return { verified: true, height: b.height, logSize: b.logSize, logRoot: toHex(b.logRoot), organizations: newer.organizations };
}
