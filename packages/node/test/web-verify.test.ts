// The web page's proof check (packages/node/web/src/verify.ts) against a real log: a small Merkle
// log of transaction bytes, a head cosigned by member node keys, proofs and heads in their wire
// JSON as the page receives them. Each way a proof can be wrong must fail with its code.

import { beforeAll, describe, expect, it } from 'vitest';
import { certifiedHeadToJSON, inclusionProofToJSON, MemoryMerkleNodes, MerkleLog, publicKeyFromSeed, sha256, sign, signCheckpoint, toHex, utf8, type CertifiedHead, type Checkpoint, type TrustedMembership } from '@tradeledger/ledger';
import { canonicalMembershipJson, checkDocumentProof, checkHead, decidePin, membershipFingerprint, parseMembershipView, proofTreeSize, txBytesFor } from '../web/src/verify.js';

const LEIS = ['506700GE1G29325QX363', '787RXPR0UX0O0XUXPZ81', '7LTWFZYICNSX8D621K86', 'HWUPKR0MPOU8FGXBT394'];
const CHAIN = 'tradeledger-web';
const seedOf = (org: number): Uint8Array => new Uint8Array(32).fill(org + 1);
const nodeKey = (org: number): string => toHex(publicKeyFromSeed(seedOf(org)));
const txBytes = (i: number): Uint8Array => utf8(`signed transaction ${i}`);
const txIdOf = (i: number): string => toHex(sha256(txBytes(i)));
const SIZE = 13;

const membershipView = {
  chainId: CHAIN,
  organizations: LEIS.map((lei, i) => ({ lei, name: `Org ${i}`, nodeKeys: [nodeKey(i)] })),
  threshold: 3,
  height: 7,
};
let membership: TrustedMembership;
const log = MerkleLog.empty();
const nodes = new MemoryMerkleNodes();

async function headJson(signers: readonly number[], size = SIZE): Promise<unknown> {
  const logRoot = await log.rootAt(nodes, size);
  const checkpoint: Checkpoint = { chainId: CHAIN, height: 5, blockHash: sha256(utf8('block 5')), logSize: size, logRoot, stateRoot: sha256(utf8('state 5')) };
  const signatures = signers.map((org) => signCheckpoint(checkpoint, publicKeyFromSeed(seedOf(org)), (m) => sign(seedOf(org), m), LEIS[org]));
  const head: CertifiedHead = { checkpoint, signatures };
  return JSON.parse(certifiedHeadToJSON(head)) as unknown;
}

async function proofJson(index: number, size = SIZE): Promise<Record<string, unknown>> {
  return JSON.parse(inclusionProofToJSON(await log.inclusionProof(nodes, index, size))) as Record<string, unknown>;
}

beforeAll(() => {
  for (let i = 0; i < SIZE; i++) nodes.putAll(log.appendLeaf(txBytes(i)).writes);
  membership = parseMembershipView(membershipView).membership;
});

describe('the page verifies a document against the certified head', () => {
  it('verifies a genuine proof with the transaction bytes, naming the cosigning organizations', async () => {
    const head = await headJson([0, 1, 3]);
    for (const i of [0, 6, 12]) {
      const outcome = checkDocumentProof({ txId: txIdOf(i), membership, head, proof: await proofJson(i), txBytes: txBytes(i) });
      expect(outcome).toEqual({ state: 'verified', height: 5, logSize: SIZE, organizations: [LEIS[0], LEIS[1], LEIS[3]].sort(), threshold: 3 });
    }
  });

  it('without the bytes, checks the path against the head but is only "unavailable", never verified', async () => {
    const outcome = checkDocumentProof({ txId: txIdOf(4), membership, head: await headJson([0, 1, 2]), proof: await proofJson(4) });
    expect(outcome.state).toBe('unavailable');
    // and a broken path still fails without the bytes
    const proof = await proofJson(4);
    const path = proof.auditPath as string[];
    proof.auditPath = [flip(path[0] as string), ...path.slice(1)];
    expect(checkDocumentProof({ txId: txIdOf(4), membership, head: await headJson([0, 1, 2]), proof })).toMatchObject({ state: 'failed', code: 'PROOF_MISMATCH' });
  });

  it('fails a proof with one hex character of the audit path flipped: PROOF_MISMATCH', async () => {
    const proof = await proofJson(6);
    const path = proof.auditPath as string[];
    proof.auditPath = path.map((h, k) => (k === path.length - 1 ? flip(h) : h));
    const outcome = checkDocumentProof({ txId: txIdOf(6), membership, head: await headJson([0, 1, 3]), proof, txBytes: txBytes(6) });
    expect(outcome).toMatchObject({ state: 'failed', code: 'PROOF_MISMATCH' });
  });

  it('fails when the proof is about another transaction than the one shown: PROOF_LEAF_MISMATCH', async () => {
    // the genuine proof of leaf 3, offered for transaction 6 with 6's own bytes
    const outcome = checkDocumentProof({ txId: txIdOf(6), membership, head: await headJson([0, 1, 3]), proof: await proofJson(3), txBytes: txBytes(6) });
    expect(outcome).toMatchObject({ state: 'failed', code: 'PROOF_LEAF_MISMATCH' });
  });

  it('fails bytes that do not hash to the tx id: TX_BYTES_MISMATCH', async () => {
    const outcome = checkDocumentProof({ txId: txIdOf(6), membership, head: await headJson([0, 1, 3]), proof: await proofJson(3), txBytes: txBytes(3) });
    expect(outcome).toMatchObject({ state: 'failed', code: 'TX_BYTES_MISMATCH' });
    expect(() => txBytesFor(txIdOf(6), toHex(txBytes(3)))).toThrow(expect.objectContaining({ code: 'TX_BYTES_MISMATCH' }));
  });

  it('fails a head signed by too few members, or by a key outside the membership: HEAD_QUORUM_NOT_MET', async () => {
    const proof = await proofJson(2);
    expect(checkDocumentProof({ txId: txIdOf(2), membership, head: await headJson([0, 1]), proof, txBytes: txBytes(2) })).toMatchObject({ state: 'failed', code: 'HEAD_QUORUM_NOT_MET' });
    const outsider = parseMembershipView({ ...membershipView, organizations: membershipView.organizations.map((o, i) => (i === 3 ? { ...o, nodeKeys: [toHex(publicKeyFromSeed(new Uint8Array(32).fill(99)))] } : o)) });
    expect(checkDocumentProof({ txId: txIdOf(2), membership: outsider.membership, head: await headJson([0, 1, 3]), proof, txBytes: txBytes(2) })).toMatchObject({ state: 'failed', code: 'HEAD_QUORUM_NOT_MET' });
    const check = checkHead(await headJson([0, 1]), membership);
    expect(check.ok ? 'ok' : check.code).toBe('HEAD_QUORUM_NOT_MET');
  });

  it('fails a proof built against another tree size than the head held: PROOF_HEAD_MISMATCH', async () => {
    const proof = await proofJson(2, SIZE - 1);
    expect(proofTreeSize(proof)).toBe(SIZE - 1);
    expect(checkDocumentProof({ txId: txIdOf(2), membership, head: await headJson([0, 1, 3]), proof, txBytes: txBytes(2) })).toMatchObject({ state: 'failed', code: 'PROOF_HEAD_MISMATCH' });
  });

  it('fails malformed answers with the parser code instead of throwing', async () => {
    expect(checkDocumentProof({ txId: txIdOf(1), membership, head: { nonsense: true }, proof: await proofJson(1), txBytes: txBytes(1) })).toMatchObject({ state: 'failed', code: 'HEAD_MALFORMED' });
    expect(checkDocumentProof({ txId: txIdOf(1), membership, head: await headJson([0, 1, 3]), proof: { type: 'inclusion' }, txBytes: txBytes(1) })).toMatchObject({ state: 'failed', code: 'PROOF_MALFORMED' });
  });
});

describe('the membership the page pins', () => {
  it('has one fingerprint per set of members, whatever the order, and a new one when a key changes', () => {
    const reordered = parseMembershipView({ ...membershipView, organizations: [...membershipView.organizations].reverse(), height: 99 });
    expect(reordered.fingerprint).toBe(membershipFingerprint(membership));
    expect(reordered.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(canonicalMembershipJson(membership)).toBe(`{"chainId":"${CHAIN}","organizations":[${LEIS.map((lei, i) => `{"lei":"${lei}","nodeKeys":["${nodeKey(i)}"]}`).join(',')}],"threshold":3}`);
    const changed = parseMembershipView({ ...membershipView, threshold: 2 });
    expect(changed.fingerprint).not.toBe(reordered.fingerprint);
  });

  it('pins on first use, keeps the pin while the same, and flags a different membership', () => {
    const served = parseMembershipView(membershipView);
    expect(decidePin(undefined, served).action).toBe('pin');
    expect(decidePin(served, parseMembershipView({ ...membershipView, height: 8 })).action).toBe('same');
    const other = parseMembershipView({ ...membershipView, threshold: 4 });
    expect(decidePin(served, other)).toEqual({ action: 'changed', pinned: served, served: other });
  });

  it('refuses a membership the light client would not trust', () => {
    expect(() => parseMembershipView({ ...membershipView, threshold: 5 })).toThrow(expect.objectContaining({ code: 'MEMBERSHIP_INVALID' }));
    expect(() => parseMembershipView({ ...membershipView, organizations: 'x' })).toThrow(expect.objectContaining({ code: 'MEMBERSHIP_INVALID' }));
  });
});

describe('transaction bytes from /v1/tx', () => {
  it('reads the hex the node sends, and refuses text that is not hex or does not hash to the id', () => {
    const bytes = txBytes(9);
    expect(txBytesFor(txIdOf(9), toHex(bytes))).toEqual(bytes);
    expect(() => txBytesFor(txIdOf(9), Buffer.from(bytes).toString('base64'))).toThrow(expect.objectContaining({ code: 'TX_BYTES_MISMATCH' }));
    expect(() => txBytesFor(txIdOf(9), toHex(bytes).toUpperCase())).toThrow(expect.objectContaining({ code: 'TX_BYTES_MISMATCH' }));
    expect(() => txBytesFor(txIdOf(9), toHex(bytes).slice(1))).toThrow(expect.objectContaining({ code: 'TX_BYTES_MISMATCH' }));
    expect(() => txBytesFor('XYZ', toHex(bytes))).toThrow(expect.objectContaining({ code: 'TX_ID_INVALID' }));
  });
});

function flip(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}
