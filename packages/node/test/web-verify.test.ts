// The web page's proof check (packages/node/web/src/verify.ts) against a real log: a small Merkle
// log of transaction bytes, a head cosigned by member node keys, proofs and heads in their wire
// JSON as the page receives them. Each way a proof can be wrong must fail with its code.

import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  certifiedHeadToJSON,
  documentKinds,
  encodeTx,
  exampleRefNames,
  inclusionProofToJSON,
  isDocumentKind,
  MemoryMerkleNodes,
  MerkleLog,
  publicKeyFromSeed,
  resolveExampleRefs,
  sha256,
  sign,
  signCheckpoint,
  signingHashOf,
  toHex,
  utf8,
  type CertifiedHead,
  type Checkpoint,
  type TrustedMembership,
  type UnsignedTx,
} from '@tradeledger/ledger';
import { leiProblem } from '../web/src/lei.js';
import {
  canonicalMembershipJson,
  checkDocumentProof,
  checkHead,
  checkClaims,
  checkShownContent,
  decidePin,
  decideStoredPin,
  decodeSignedTx,
  firstDifference,
  headToHold,
  membershipFingerprint,
  normalise,
  oneOf,
  parseMembershipView,
  pinText,
  proofTreeSize,
  readPinText,
  txBytesFor,
  type ShownDocument,
} from '../web/src/verify.js';

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

  it('without the bytes checks nothing: unavailable, with no head, even for a genuine proof', async () => {
    const head = await headJson([0, 1, 2]);
    const outcome = checkDocumentProof({ txId: txIdOf(4), membership, head, proof: await proofJson(4) });
    expect(outcome).toEqual({ state: 'unavailable', reason: "not checked: the document's signed bytes need an access token" });
  });

  it('never reports a valid proof for another leaf as checked for a tx id', async () => {
    const head = await headJson([0, 1, 3]);
    // the genuine proof of leaf 3, offered for transaction 6: without bytes not checked, with 6's bytes failed
    const without = checkDocumentProof({ txId: txIdOf(6), membership, head, proof: await proofJson(3) });
    expect(without.state).toBe('unavailable');
    expect(JSON.stringify(without)).not.toMatch(/verified|proof checked|height/);
    expect(checkDocumentProof({ txId: txIdOf(6), membership, head, proof: await proofJson(3), txBytes: txBytes(6) }).state).toBe('failed');
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
    // same members, other names: the pinned names stay (a node cannot relabel a member)
    const renamed = parseMembershipView({ ...membershipView, organizations: membershipView.organizations.map((o) => ({ ...o, name: `Fake ${o.name}` })) });
    expect(decidePin(served, renamed)).toEqual({ action: 'same', anchor: served });
    expect(readPinText(pinText(served))?.names[LEIS[0] as string]).toBe('Org 0');
    const other = parseMembershipView({ ...membershipView, threshold: 4 });
    expect(decidePin(served, other)).toEqual({ action: 'changed', pinned: served, served: other });
  });

  it('keeps one pin per origin: a node serving another chainId with its own members is a change, not a new pin', () => {
    const { height: _h, ...pinned } = parseMembershipView(membershipView);
    const stored = pinText(pinned);
    expect(decideStoredPin(null, pinned).action).toBe('pin');
    expect(decideStoredPin(stored, parseMembershipView({ ...membershipView, height: 9 })).action).toBe('same');
    // another chain, same members: a change
    const sameMembersOtherChain = parseMembershipView({ ...membershipView, chainId: 'other-chain' });
    const changed = decideStoredPin(stored, sameMembersOtherChain);
    expect(changed.action).toBe('changed');
    if (changed.action === 'changed') expect(changed.pinned.membership.chainId).toBe(CHAIN);
    // another chain with its own membership: a change, and checks keep the pinned membership
    const rogue = parseMembershipView({ chainId: 'rogue', organizations: LEIS.map((lei, i) => ({ lei, nodeKeys: [toHex(publicKeyFromSeed(new Uint8Array(32).fill(50 + i)))] })), threshold: 3 });
    const decision = decideStoredPin(stored, rogue);
    expect(decision).toMatchObject({ action: 'changed', pinned: { fingerprint: pinned.fingerprint }, served: { fingerprint: rogue.fingerprint } });
    // a pin that no longer parses is no pin
    expect(decideStoredPin('{not json', rogue).action).toBe('pin');
    expect(decideStoredPin(pinText(pinned), pinned)).toMatchObject({ action: 'same', anchor: { names: { [LEIS[0] as string]: 'Org 0' } } });
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

// ---------------------------------------------------------------------------------------------
// What the page shows against what the bytes say

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const SIGNER_SEED = new Uint8Array(32).fill(7);

function signedTxBytes(kind: string, payload: unknown, nonce = 1): Uint8Array {
  const unsigned: UnsignedTx = { version: 1, chainId: CHAIN, kind, payload, signer: publicKeyFromSeed(SIGNER_SEED), nonce, timestamp: 1_764_000_000_000 + nonce };
  return encodeTx({ ...unsigned, signature: sign(SIGNER_SEED, signingHashOf(unsigned)) });
}

function example(name: string): unknown {
  const raw = JSON.parse(readFileSync(`${EXAMPLES}${name}.json`, 'utf8')) as unknown;
  const ids = Object.fromEntries(exampleRefNames(raw).map((ref, i) => [ref, toHex(sha256(utf8(`ref ${ref} ${i}`)))]));
  return resolveExampleRefs(raw, ids);
}

const parsers = documentKinds();

function parsed(kind: string, payload: unknown): unknown {
  if (!isDocumentKind(kind)) throw new Error(`${kind} is not a document kind`);
  const result = parsers[kind].parse(payload);
  if (!result.ok) throw new Error(`${kind}: ${result.error.message}`);
  return result.value;
}

/** A document as the node answers it: the stored (parsed) payloads, history with the tx ids. */
function shownDoc(kind: string, raw: unknown, amend?: { txId: string; raw: { amended: unknown } }): ShownDocument & { history: Array<{ txId: string; action: string; version: number; payload?: unknown }> } {
  const id = toHex(sha256(signedTxBytes(kind, raw)));
  const created = parsed(kind, raw);
  const history: Array<{ txId: string; action: string; version: number; payload?: unknown }> = [{ txId: id, action: 'created', version: 1, payload: created }];
  if (amend === undefined) return { record: { id, kind, payload: created, version: 1 }, history };
  const amended = (parsed('certificate-amend', amend.raw) as { amended: unknown }).amended;
  history.push({ txId: amend.txId, action: 'amended', version: 2, payload: amended });
  return { record: { id, kind, payload: amended, version: 2 }, history };
}

describe('the page compares what it shows with the signed bytes', () => {
  it('normalises exactly as the ledger stores payloads, for every example document', () => {
    const kinds = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter(isDocumentKind);
    expect(kinds.length).toBeGreaterThan(10);
    for (const kind of kinds) {
      const raw = example(kind);
      expect(firstDifference(normalise(raw), parsed(kind, raw)), kind).toBeUndefined();
    }
  });

  it('normalises GTINs, HS/HTSUS codes and entry numbers at any depth, and nothing else', () => {
    const raw = { entryNumber: '9A1-0012345-6', lines: [{ htsus: '8708.30.5090', gtin: '012345600012', description: '8708.30 a-b-c' }], goods: [{ hsCode: '8708.30' }], gtins: ['96385074', '0012345600012'], note: { gtin: 'x' } };
    expect(normalise(raw)).toEqual({ entryNumber: '9A100123456', lines: [{ htsus: '8708305090', gtin: '00012345600012', description: '8708.30 a-b-c' }], goods: [{ hsCode: '870830' }], gtins: ['00000096385074', '00012345600012'], note: { gtin: 'x' } });
    expect(raw.lines[0]?.htsus).toBe('8708.30.5090'); // the input is not changed
    // the ledger agrees on an entry written with the short GTIN form
    const entry = example('entry') as { lines: Array<{ gtin?: string }> };
    const short = { ...entry, lines: entry.lines.map((l) => (l.gtin === undefined ? l : { ...l, gtin: l.gtin.replace(/^00/, '') })) };
    expect(firstDifference(normalise(short), parsed('entry', short))).toBeUndefined();
  });

  it('names the first differing path, keys in sorted order, arrays by position', () => {
    expect(firstDifference({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBeUndefined();
    expect(firstDifference({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] })).toBe('payload.b[1]');
    expect(firstDifference({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2, 3] })).toBe('payload.b[2]');
    expect(firstDifference({ a: 1, c: 1 }, { a: 1, b: 1, c: 1 })).toBe('payload.b');
    expect(firstDifference({ a: '1' }, { a: 1 })).toBe('payload.a');
    expect(firstDifference({ a: null }, { a: {} })).toBe('payload.a');
    expect(firstDifference([], {})).toBe('payload');
  });

  it('decodes the signed envelope the ledger encodes', () => {
    const raw = example('entry');
    const bytes = signedTxBytes('entry', raw);
    const tx = decodeSignedTx(bytes);
    expect(tx).toMatchObject({ version: 1, chainId: CHAIN, kind: 'entry', nonce: 1, timestamp: 1_764_000_000_001, signer: toHex(publicKeyFromSeed(SIGNER_SEED)) });
    expect(tx.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(tx.payload).toEqual(raw);
    expect(() => decodeSignedTx(utf8('not msgpack at all'))).toThrow(expect.objectContaining({ code: expect.stringMatching(/^TX_/) }));
  });

  it('refuses a transaction whose signature does not verify, and bytes that are not one canonical envelope', () => {
    const raw = example('entry');
    const unsigned: UnsignedTx = { version: 1, chainId: CHAIN, kind: 'entry', payload: raw, signer: publicKeyFromSeed(SIGNER_SEED), nonce: 9, timestamp: 1_764_000_000_009 };
    const signature = sign(SIGNER_SEED, signingHashOf(unsigned));
    expect(decodeSignedTx(encodeTx({ ...unsigned, signature })).kind).toBe('entry');
    // the ledger records such a transaction (rejected) in its log: the page must not vouch for it
    const bad = Uint8Array.from(signature);
    bad[0] = (bad[0] as number) ^ 1;
    expect(() => decodeSignedTx(encodeTx({ ...unsigned, signature: bad }))).toThrow(expect.objectContaining({ code: 'TX_SIGNATURE_INVALID' }));
    // signed by another key than the one named
    expect(() => decodeSignedTx(encodeTx({ ...unsigned, signer: publicKeyFromSeed(seedOf(0)), signature }))).toThrow(expect.objectContaining({ code: 'TX_SIGNATURE_INVALID' }));
    // a byte after the envelope
    const good = encodeTx({ ...unsigned, signature });
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(() => decodeSignedTx(trailing)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^TX_(?!SIGNATURE)/) }));
  });

  it('accepts the document as stored, and refuses one changed value with CONTENT_MISMATCH naming it', () => {
    const raw = example('entry') as { lines: Array<{ value: string }> };
    const doc = shownDoc('entry', raw);
    const signed = decodeSignedTx(signedTxBytes('entry', raw));
    expect(checkShownContent(doc, doc.record.id, signed)).toEqual({ ok: true, alsoCheck: [] });
    // the record shown differs (an entry line's value)
    const payload = structuredClone(doc.record.payload) as { lines: Array<{ value: string }> };
    (payload.lines[0] as { value: string }).value = '1.00';
    expect(checkShownContent({ ...doc, record: { ...doc.record, payload } }, doc.record.id, signed)).toEqual({ ok: false, code: 'CONTENT_MISMATCH', reason: 'record.payload.lines[0].value differs from the signed version 1' });
    // both the record and its history entry changed alike: the signed bytes still disagree
    const history = [{ ...(doc.history[0] as ShownDocument['history'][number]), payload }];
    const both = checkShownContent({ record: { ...doc.record, payload }, history }, doc.record.id, signed);
    expect(both).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
    expect(both.ok ? '' : both.reason).toMatch(/^history\[0\]\.payload\.lines\[0\]\.value differs/);
    // a history without the created entry of this document
    expect(checkShownContent({ ...doc, history: [] }, doc.record.id, signed)).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
    // another document's bytes for this record
    const other = decodeSignedTx(signedTxBytes('entry', { ...raw, lines: raw.lines.slice(1) }, 2));
    expect(checkShownContent(doc, doc.record.id, other)).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
  });

  it('an amended certificate: the record must be the amendment, checked against the amend transaction too', () => {
    const certificate = example('certificate-of-origin') as { goods: Array<{ originCriterion: string }> };
    const amendRaw = example('certificate-amend') as { certificate: string; amended: unknown };
    const certSigned = decodeSignedTx(signedTxBytes('certificate-of-origin', certificate));
    const certId = toHex(sha256(signedTxBytes('certificate-of-origin', certificate)));
    const amend = { ...amendRaw, certificate: certId };
    const amendBytes = signedTxBytes('certificate-amend', amend, 3);
    const amendId = toHex(sha256(amendBytes));
    const doc = shownDoc('certificate-of-origin', certificate, { txId: amendId, raw: amend });
    const first = checkShownContent(doc, certId, certSigned);
    expect(first).toEqual({ ok: true, alsoCheck: [amendId] });
    expect(checkShownContent(doc, amendId, decodeSignedTx(amendBytes))).toEqual({ ok: true, alsoCheck: [] });
    // the origin criterion shown is not what the amendment signed
    const shown = structuredClone(doc.record.payload) as { goods: Array<{ originCriterion: string }> };
    (shown.goods[0] as { originCriterion: string }).originCriterion = shown.goods[0]?.originCriterion === 'A' ? 'B' : 'A';
    expect(checkShownContent({ ...doc, record: { ...doc.record, payload: shown } }, certId, certSigned)).toEqual({ ok: false, code: 'CONTENT_MISMATCH', reason: 'record.payload.goods[0].originCriterion differs from the signed version 2' });
    // an amendment signed for another certificate
    const stray = signedTxBytes('certificate-amend', { ...amend, certificate: txIdOf(1) }, 4);
    const strayId = toHex(sha256(stray));
    const strayDoc = { ...doc, history: [doc.history[0] as ShownDocument['history'][number], { ...(doc.history[1] as ShownDocument['history'][number]), txId: strayId }] };
    expect(checkShownContent(strayDoc, strayId, decodeSignedTx(stray))).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
  });
});

describe('a badge vouches only for the transaction it names', () => {
  it('refuses a verified transaction shown next to a document it did not make, or under another kind', () => {
    const raw = example('entry');
    const doc = shownDoc('entry', raw);
    // another document's verified transaction, shown as this document's badge: nothing of it is compared
    const otherRaw = example('entry-review');
    const otherBytes = signedTxBytes('entry-review', otherRaw, 5);
    const otherId = toHex(sha256(otherBytes));
    const stray = checkShownContent(doc, otherId, decodeSignedTx(otherBytes));
    expect(stray).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
    expect(stray.ok ? '' : stray.reason).toMatch(/is not transaction/);
    // a record whose id is the badge's but whose kind is not the signed kind
    const signed = decodeSignedTx(signedTxBytes('entry', raw));
    expect(checkShownContent({ ...doc, record: { ...doc.record, kind: 'entry-review' } }, doc.record.id, signed)).toEqual({ ok: false, code: 'CONTENT_MISMATCH', reason: 'record.kind entry-review differs from the signed kind entry' });
    // an 'amended' history entry made by a transaction that is no certificate-amend
    const reviewAsAmend = { ...doc, history: [...doc.history, { txId: otherId, action: 'amended', version: 2, payload: {} }] };
    expect(checkShownContent(reviewAsAmend, otherId, decodeSignedTx(otherBytes))).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
  });

  it('checks what a view shows from a check answer against the signed payload, naming the first path that differs', () => {
    const license = example('license') as { licensor: string; licensee: string; role: string; validFrom: string; validTo: string; territory: string[]; gtins: string[]; right: string };
    const signed = decodeSignedTx(signedTxBytes('license', license, 6));
    const shown = { right: license.right, licensor: license.licensor, licensee: license.licensee, role: license.role, validFrom: license.validFrom, validTo: license.validTo, territory: license.territory };
    expect(checkClaims({ kind: 'license', fields: shown }, signed)).toEqual({ ok: true });
    // GTINs compare as the ledger stores them: padded to 14 digits
    expect(checkClaims({ kind: 'license', fields: { gtins: license.gtins.map((g) => g.padStart(14, '0')) } }, signed)).toEqual({ ok: true });
    // a node that names another licensee under a genuine license's id
    expect(checkClaims({ kind: 'license', fields: { ...shown, licensee: LEIS[3] } }, signed)).toEqual({ ok: false, code: 'CONTENT_MISMATCH', reason: `payload.licensee: shown as "${LEIS[3]}", signed as "${license.licensee}"` });
    expect(checkClaims({ kind: 'license', fields: { ...shown, territory: [...license.territory, 'ZZ'] } }, signed)).toMatchObject({ ok: false, reason: expect.stringMatching(/^payload\.territory:/) });
    // the right kind matters: a license shown as a right, or a revocation as a license
    expect(checkClaims({ kind: 'right', fields: {} }, signed)).toEqual({ ok: false, code: 'CONTENT_MISMATCH', reason: 'kind: shown as right, signed as license' });
    // a path the signed payload lacks
    expect(checkClaims({ kind: 'license', fields: { parent: txIdOf(2) } }, signed)).toMatchObject({ ok: false, reason: expect.stringMatching(/^payload\.parent: .* absent/) });
  });

  it('maps over arrays (a right’s marks and attachments) and accepts one of several names (a credential by id or hash)', () => {
    const right = example('right') as { rightsHolder: string; brands: string[]; marks: Array<{ mark: string }>; attachments: Array<{ sha256: string }> };
    const signed = decodeSignedTx(signedTxBytes('right', right, 7));
    const fields = { rightsHolder: right.rightsHolder, brands: right.brands, 'marks[].mark': right.marks.map((m) => m.mark), 'attachments[].sha256': right.attachments.map((a) => a.sha256) };
    expect(right.attachments.length).toBeGreaterThan(0);
    expect(checkClaims({ kind: 'right', fields }, signed)).toEqual({ ok: true });
    // the node's evidence names an attachment hash the right never signed
    const swapped = { ...fields, 'attachments[].sha256': [txIdOf(3), ...right.attachments.slice(1).map((a) => a.sha256)] };
    expect(checkClaims({ kind: 'right', fields: swapped }, signed)).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH', reason: expect.stringMatching(/^payload\.attachments\[\]\.sha256:/) });
    expect(checkClaims({ kind: 'right', fields: { ...fields, 'marks[].mark': ['Another mark'] } }, signed)).toMatchObject({ ok: false, reason: expect.stringMatching(/^payload\.marks\[\]\.mark:/) });
    const revoke = decodeSignedTx(signedTxBytes('credential-revoke', { credential: txIdOf(4), reason: 'lost' }, 8));
    expect(checkClaims({ kind: 'credential-revoke', fields: { credential: oneOf(txIdOf(5), txIdOf(4)) } }, revoke)).toEqual({ ok: true });
    expect(checkClaims({ kind: 'credential-revoke', fields: { credential: oneOf(txIdOf(5), txIdOf(6)) } }, revoke)).toMatchObject({ ok: false, code: 'CONTENT_MISMATCH' });
  });

  it('holds a certified head only when the pinned membership certifies it', async () => {
    const good = await headJson([0, 1, 2]);
    expect(headToHold(good, membership)).toEqual({ json: good, logSize: SIZE });
    expect(() => headToHold({ checkpoint: {} }, membership)).toThrow();
    const weak = await headJson([0, 1]);
    expect(() => headToHold(weak, membership)).toThrow(expect.objectContaining({ code: 'HEAD_QUORUM_NOT_MET' }));
  });
});

describe('a seller LEI typed into the product form', () => {
  it('is checked for its ISO 17442 check digits before the node is asked', () => {
    expect(leiProblem('Y87794H0US1R65VBXU25')).toBeUndefined();
    expect(leiProblem('506700GE1G29325QX363')).toBeUndefined();
    expect(leiProblem('Y87794H0US1R65VBXU52')).toMatch(/check digits/);
    expect(leiProblem('Y87794H0US1R65VBXU2')).toMatch(/20 characters/);
    expect(leiProblem('y87794H0US1R65VBXU25')).toMatch(/upper-case/);
  });
});

function flip(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}
