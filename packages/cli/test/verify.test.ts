// verify-proof's core against a small real chain: blocks built and signed by a member node key,
// proofs from the Merkle log, the API's header JSON. Every refusal names its code and field.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBlock, buildGenesis, chainTip, MemoryStore, MerkleLog, consistencyProofToJSON, inclusionProofToJSON, publicKeyFromSeed, signTx, toHex, type DecodedBlock, type DecodedTx, type StoreHead, type TrustedMembership } from '@tradeledger/ledger';
import { recordingStateMachine } from '@tradeledger/ledger/testing';
import { parseHeadFile, parseProofDocument, verifyProofDocument } from '../src/verify.js';

const CHAIN = 'verify-test';
const nodeSeed = new Uint8Array(32).fill(7);
const strangerSeed = new Uint8Array(32).fill(8);
const clientSeed = new Uint8Array(32).fill(9);
const membership: TrustedMembership = { chainId: CHAIN, organizations: [{ lei: '506700GE1G29325QX363', nodeKeys: [toHex(publicKeyFromSeed(nodeSeed))] }], threshold: 1 };

const store = new MemoryStore();
const blocks: DecodedBlock[] = [];
const txs: DecodedTx[] = [];
let head: StoreHead;

function headerJson(block: DecodedBlock): Record<string, unknown> {
  const h = block.header;
  return { height: h.height, hash: block.hashHex, chainId: h.chainId, prevHash: toHex(h.prevHash), txRoot: toHex(h.txRoot), logSize: h.logSize, logRoot: toHex(h.logRoot), stateRoot: toHex(h.stateRoot), timestamp: h.timestamp, proposer: toHex(h.proposer), term: h.term, signature: toHex(block.signature) };
}

beforeAll(async () => {
  const genesis = buildGenesis(recordingStateMachine, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(publicKeyFromSeed(nodeSeed))] } });
  await store.commitBlock(genesis.commit);
  head = genesis.commit.head;
  let nonce = 1;
  for (let b = 1; b <= 3; b++) {
    const batch = [];
    for (let i = 0; i < 3; i++) batch.push(signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { n: nonce }, signer: publicKeyFromSeed(clientSeed), nonce: nonce++, timestamp: 1_700_000_000_000 }, clientSeed));
    const { block, commit } = await buildBlock(store, recordingStateMachine, { tip: chainTip(head, CHAIN), txs: batch, timestamp: head.timestamp + 1000, term: 1, proposerSeed: nodeSeed, proposerPublicKey: publicKeyFromSeed(nodeSeed) });
    await store.commitBlock(commit);
    head = commit.head;
    blocks.push(block);
    txs.push(...batch);
  }
});

async function inclusionFile(leafIndex: number, withTx = true): Promise<Record<string, unknown>> {
  const log = MerkleLog.fromFrontier(head.logSize, head.frontier);
  const proof = await log.inclusionProof(store, leafIndex, head.logSize);
  const tx = txs[leafIndex] as DecodedTx;
  return { proof: JSON.parse(inclusionProofToJSON(proof)) as unknown, header: headerJson(blocks.at(-1) as DecodedBlock), txId: tx.idHex, ...(withTx ? { tx: toHex(tx.bytes) } : {}) };
}

function flipHexChar(text: string): string {
  return text.replace(/^(.)/, (c) => (c === '0' ? '1' : '0'));
}

describe('verify-proof against a member-signed block header', () => {
  it('verifies an inclusion proof with its header and transaction bytes', async () => {
    const verdict = verifyProofDocument(parseProofDocument(await inclusionFile(4)), { membership });
    expect(verdict).toMatchObject({ verified: true, type: 'inclusion', against: 'header', height: 3, logSize: 9, logRoot: toHex(head.logRoot), txId: (txs[4] as DecodedTx).idHex, organizations: ['506700GE1G29325QX363'] });
  });

  it('refuses a one-character change anywhere in the proof, the header or the transaction', async () => {
    const file = await inclusionFile(4);
    const proof = file['proof'] as { auditPath: string[]; leafHash: string; rootHash: string };
    const header = file['header'] as Record<string, string>;
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['auditPath[0]', { ...file, proof: { ...proof, auditPath: [flipHexChar(proof.auditPath[0] as string), ...proof.auditPath.slice(1)] } }, 'PROOF_MISMATCH'],
      ['leafHash', { ...file, proof: { ...proof, leafHash: flipHexChar(proof.leafHash) }, tx: undefined }, 'PROOF_MISMATCH'],
      ['rootHash', { ...file, proof: { ...proof, rootHash: flipHexChar(proof.rootHash) } }, 'PROOF_HEAD_MISMATCH'],
      ['header.logRoot', { ...file, header: { ...header, logRoot: flipHexChar(header['logRoot'] as string) } }, 'HEAD_HASH_MISMATCH'],
      ['header.signature', { ...file, header: { ...header, signature: flipHexChar(header['signature'] as string) } }, 'HEAD_SIGNATURE_INVALID'],
      ['tx', { ...file, tx: flipHexChar(file['tx'] as string) }, 'PROOF_LEAF_MISMATCH'],
    ];
    for (const [what, changed, code] of cases) {
      const verdict = verifyProofDocument(parseProofDocument(JSON.parse(JSON.stringify(changed))), { membership });
      expect(verdict, what).toMatchObject({ verified: false, code });
    }
  });

  it('refuses a header signed by a node outside the membership, and one of another chain', async () => {
    const file = await inclusionFile(0);
    const stranger: TrustedMembership = { organizations: [{ lei: 'INR2EJN1ERAN0W5ZP974', nodeKeys: [toHex(publicKeyFromSeed(strangerSeed))] }], threshold: 1 };
    expect(verifyProofDocument(parseProofDocument(file), { membership: stranger })).toMatchObject({ verified: false, code: 'HEAD_SIGNER_NOT_MEMBER', field: 'head.proposer' });
    expect(verifyProofDocument(parseProofDocument(file), { membership: { ...membership, chainId: 'other' } })).toMatchObject({ verified: false, code: 'HEAD_CHAIN_MISMATCH' });
  });

  it('refuses a proof against a head of another size, and a given head overrides the one in the file', async () => {
    const file = await inclusionFile(1);
    const olderHead = parseHeadFile(headerJson(blocks[1] as DecodedBlock), 'head');
    expect(verifyProofDocument(parseProofDocument(file), { membership, head: olderHead })).toMatchObject({ verified: false, code: 'PROOF_HEAD_MISMATCH', field: 'proof.treeSize' });
  });

  it('checks a consistency proof between two headers, and fails when the older root was rewritten', async () => {
    const log = MerkleLog.fromFrontier(head.logSize, head.frontier);
    const proof = JSON.parse(consistencyProofToJSON(await log.consistencyProof(store, 3, 9))) as Record<string, unknown>;
    const file = { proof, header: headerJson(blocks[2] as DecodedBlock), older: headerJson(blocks[0] as DecodedBlock) };
    expect(verifyProofDocument(parseProofDocument(file), { membership })).toMatchObject({ verified: true, type: 'consistency', logSize: 9 });
    const rewritten = { ...file, proof: { ...proof, firstRoot: flipHexChar(proof['firstRoot'] as string) } };
    expect(verifyProofDocument(parseProofDocument(rewritten), { membership })).toMatchObject({ verified: false, code: 'PROOF_HEAD_MISMATCH', field: 'proof.firstRoot' });
    const withoutOlder = { proof: rewritten.proof, header: file.header };
    expect(verifyProofDocument(parseProofDocument(withoutOlder), { membership })).toMatchObject({ verified: false, code: 'PROOF_MISMATCH' });
  });

  it('checks the path alone with --path-only, and asks for a membership otherwise', async () => {
    const file = await inclusionFile(8, false);
    expect(verifyProofDocument(parseProofDocument(file), { pathOnly: true })).toMatchObject({ verified: true, against: 'path', logSize: 9 });
    expect(() => verifyProofDocument(parseProofDocument(file), {})).toThrow(expect.objectContaining({ code: 'MEMBERSHIP_REQUIRED', exitCode: 2 }));
    expect(() => verifyProofDocument(parseProofDocument({ proof: file['proof'] }), { membership })).toThrow(expect.objectContaining({ code: 'HEAD_REQUIRED' }));
  });

  it('checks a header served with its exact bytes: the JSON fields must be what the bytes say', async () => {
    const file = await inclusionFile(3);
    const block = blocks.at(-1) as DecodedBlock;
    const served: Record<string, unknown> = { ...(file['header'] as Record<string, unknown>), version: 1, headerBytes: toHex(block.headerBytes) };
    expect(verifyProofDocument(parseProofDocument({ ...file, header: served }), { membership })).toMatchObject({ verified: true, against: 'header' });
    const lying = { ...served, logRoot: flipHexChar(served['logRoot'] as string) };
    expect(verifyProofDocument(parseProofDocument({ ...file, header: lying }), { membership })).toMatchObject({ verified: false, code: 'HEAD_FIELDS_MISMATCH', field: 'head.logRoot' });
    const otherBytes = { ...served, headerBytes: toHex((blocks[0] as DecodedBlock).headerBytes) };
    expect(verifyProofDocument(parseProofDocument({ ...file, header: otherBytes }), { membership })).toMatchObject({ verified: false, code: 'HEAD_FIELDS_MISMATCH' });
  });

  it('refuses unknown members of a proof file and malformed headers', async () => {
    const file = await inclusionFile(2);
    expect(() => parseProofDocument({ ...file, extra: 1 })).toThrow(expect.objectContaining({ code: 'PROOF_MALFORMED', field: 'extra' }));
    expect(() => parseProofDocument({ ...file, header: { ...(file['header'] as object), height: -1 } })).toThrow(expect.objectContaining({ code: 'HEAD_MALFORMED', field: 'header.height' }));
    expect(() => parseProofDocument({ ...file, header: { ...(file['header'] as object), colour: 'red' } })).toThrow(expect.objectContaining({ code: 'HEAD_MALFORMED', field: 'header.colour' }));
  });
});
