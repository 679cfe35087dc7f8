import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../src/bytes.js';
import { nodeBackend, publicKeyFromSeed, sign } from '../src/ed25519.js';
import { sha256 } from '../src/hash.js';
import { MemoryMerkleNodes, MerkleLog } from '../src/merkle-log.js';
import { parseProof, inclusionProofToJSON, type ConsistencyProof, type InclusionProof } from '../src/merkle-proof.js';
import { approvalsRequired, type GenesisConfig } from '../src/documents/governance.js';
import { peerIdOfEd25519PublicKey } from '../src/documents/identifiers.js';
import { parseGenesisConfig } from '../src/documents/kinds.js';
import { certifiedHeadToJSON, parseCertifiedHead, signCheckpoint, type CertifiedHead, type Checkpoint, type TrustedMembership } from '../src/checkpoint.js';
import { trustedMembershipFromGenesis, verifyConsistencyBetweenHeads, verifyInclusionAgainstHead, type LightClientVerdict } from '../src/light-client.js';

// Four organizations run nodes (seeds 10i+1, 10i+2); a fifth runs none. Majority of 4 signers = 3.
const LEIS = ['506700GE1G29325QX363', '787RXPR0UX0O0XUXPZ81', '7LTWFZYICNSX8D621K86', '8I5DZWZKVSZI1NUHU748', 'HWUPKR0MPOU8FGXBT394'];
const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const nodeSeeds = LEIS.map((_, i) => (i === 4 ? [] : [seed(10 * i + 1), seed(10 * i + 2)]));
const CHAIN = 'tradeledger-lc';

const genesisInput = {
  chainId: CHAIN,
  organizations: LEIS.map((lei, i) => ({
    lei,
    name: `Organization ${i}`,
    roles: ['importer'],
    signingKeys: [toHex(publicKeyFromSeed(seed(100 + i)))],
    nodes: (nodeSeeds[i] as Uint8Array[]).map((s) => ({ peerId: peerIdOfEd25519PublicKey(publicKeyFromSeed(s)), publicKey: toHex(publicKeyFromSeed(s)) })),
  })),
};

let membership: TrustedMembership;

function code(v: LightClientVerdict): string {
  return v.verified ? 'VERIFIED' : v.code;
}

// A log of transactions (stand-in bytes), its stored nodes, and its root at every size.
class Log {
  readonly log = MerkleLog.empty();
  readonly nodes = new MemoryMerkleNodes();
  readonly leaves: Uint8Array[] = [];
  append(bytes: Uint8Array): void {
    this.nodes.putAll(this.log.appendLeaf(bytes).writes);
    this.leaves.push(bytes);
  }
  async root(size: number): Promise<Uint8Array> {
    return this.log.rootAt(this.nodes, size);
  }
}

const tx = (i: number, fork = ''): Uint8Array => utf8(`tx ${i}${fork}`);

async function headOf(log: Log, size: number, height: number, signers: readonly [number, number][], tweak: Partial<Checkpoint> = {}): Promise<CertifiedHead> {
  const checkpoint: Checkpoint = {
    chainId: CHAIN,
    height,
    blockHash: sha256(utf8(`block ${height} of ${toHex(await log.root(size))}`)),
    logSize: size,
    logRoot: await log.root(size),
    stateRoot: sha256(utf8(`state ${height}`)),
    ...tweak,
  };
  const signatures = signers.map(([org, k]) => {
    const s = (nodeSeeds[org] as Uint8Array[])[k] as Uint8Array;
    return signCheckpoint(checkpoint, publicKeyFromSeed(s), (m) => sign(s, m), LEIS[org]);
  });
  return { checkpoint, signatures };
}

const QUORUM: [number, number][] = [
  [0, 0],
  [1, 1],
  [3, 0],
];

const main = new Log();
beforeAll(() => {
  const parsed = parseGenesisConfig(genesisInput);
  if (!parsed.ok) throw new Error(parsed.error.message);
  membership = trustedMembershipFromGenesis(parsed.value as GenesisConfig);
  for (let i = 0; i < 100; i++) main.append(tx(i));
});

describe('trusted membership from genesis', () => {
  it('takes node keys per organization and a majority of the organizations that run nodes', () => {
    expect(membership.chainId).toBe(CHAIN);
    expect(membership.threshold).toBe(3);
    expect(membership.threshold).toBe(approvalsRequired({ numerator: 1, denominator: 2 }, 4));
    expect(membership.organizations.map((o) => o.nodeKeys.length)).toEqual([2, 2, 2, 2, 0]);
    const twoThirds = trustedMembershipFromGenesis({ ...(genesisInput as unknown as GenesisConfig), governanceThreshold: { numerator: 2, denominator: 3 } });
    expect(twoThirds.threshold).toBe(3); // floor(4 * 2 / 3) + 1
    const high = trustedMembershipFromGenesis({ ...(genesisInput as unknown as GenesisConfig), governanceThreshold: { numerator: 3, denominator: 4 } });
    expect(high.threshold).toBe(4);
  });
});

describe('inclusion against a certified head', () => {
  it('a proof against a certified head verifies, for the transaction bytes, at every tenth leaf', async () => {
    const head = await headOf(main, 100, 10, QUORUM);
    for (let i = 0; i < 100; i += 9) {
      const proof = await main.log.inclusionProof(main.nodes, i, 100);
      const verdict = verifyInclusionAgainstHead({ membership, head, proof, leaf: { txBytes: tx(i) } });
      expect(verdict).toEqual({ verified: true, height: 10, logSize: 100, logRoot: toHex(head.checkpoint.logRoot), organizations: [LEIS[0], LEIS[1], LEIS[3]].sort() });
    }
    // Through both JSON forms, as a browser would receive them; and with node:crypto for signatures.
    const proof = await main.log.inclusionProof(main.nodes, 5, 100);
    const wire = verifyInclusionAgainstHead({ membership, head: parseCertifiedHead(certifiedHeadToJSON(head)), proof: parseProof(inclusionProofToJSON(proof)) as InclusionProof, leaf: { leafHash: proof.leafHash } });
    expect(code(wire)).toBe('VERIFIED');
    expect(code(verifyInclusionAgainstHead({ membership, head, proof, verifySignature: nodeBackend.verify }))).toBe('VERIFIED');
  });

  it('rejects a head signed by fewer than a quorum, by a non-member, or by two keys of one organization', async () => {
    const proof = await main.log.inclusionProof(main.nodes, 7, 100);
    const few = await headOf(main, 100, 10, QUORUM.slice(0, 2));
    expect(code(verifyInclusionAgainstHead({ membership, head: few, proof }))).toBe('HEAD_QUORUM_NOT_MET');
    const twoKeysOneOrg = await headOf(main, 100, 10, [[0, 0], [0, 1], [1, 0]]);
    expect(code(verifyInclusionAgainstHead({ membership, head: twoKeysOneOrg, proof }))).toBe('HEAD_QUORUM_NOT_MET');
    const withOutsider = await headOf(main, 100, 10, QUORUM.slice(0, 2));
    const outsider = seed(250);
    const outsiderSig = signCheckpoint(withOutsider.checkpoint, publicKeyFromSeed(outsider), (m) => sign(outsider, m));
    const nonMember: CertifiedHead = { ...withOutsider, signatures: [...withOutsider.signatures, outsiderSig] };
    const verdict = verifyInclusionAgainstHead({ membership, head: nonMember, proof });
    expect(code(verdict)).toBe('HEAD_QUORUM_NOT_MET');
    expect(verdict.verified ? '' : verdict.reason).toMatch(/#2 SIGNER_NOT_MEMBER/);
  });

  it('rejects a forged head (valid single signature, wrong root) and relabelled genuine signatures', async () => {
    const forgedLog = new Log();
    for (let i = 0; i < 100; i++) forgedLog.append(i === 42 ? utf8('forged tx') : tx(i));
    const forgedProof = await forgedLog.log.inclusionProof(forgedLog.nodes, 42, 100);
    const single = await headOf(forgedLog, 100, 10, [[2, 0]]);
    expect(code(verifyInclusionAgainstHead({ membership, head: single, proof: forgedProof, leaf: { txBytes: utf8('forged tx') } }))).toBe('HEAD_QUORUM_NOT_MET');
    // Genuine quorum signatures moved onto a checkpoint with the forged root do not verify.
    const genuine = await headOf(main, 100, 10, QUORUM);
    const moved: CertifiedHead = { checkpoint: { ...genuine.checkpoint, logRoot: single.checkpoint.logRoot }, signatures: genuine.signatures };
    expect(code(verifyInclusionAgainstHead({ membership, head: moved, proof: forgedProof }))).toBe('HEAD_QUORUM_NOT_MET');
    // And the forged proof against the genuine head names another root.
    expect(code(verifyInclusionAgainstHead({ membership, head: genuine, proof: forgedProof }))).toBe('PROOF_HEAD_MISMATCH');
  });

  it('a proof must name the head exactly and be about the given leaf', async () => {
    const head = await headOf(main, 100, 10, QUORUM);
    const atOtherSize = await main.log.inclusionProof(main.nodes, 7, 99);
    expect(code(verifyInclusionAgainstHead({ membership, head, proof: atOtherSize }))).toBe('PROOF_HEAD_MISMATCH');
    const proof = await main.log.inclusionProof(main.nodes, 7, 100);
    expect(code(verifyInclusionAgainstHead({ membership, head, proof, leaf: { txBytes: tx(8) } }))).toBe('PROOF_LEAF_MISMATCH');
    // A leaf swapped into the proof (claimed index and hash of another tx) breaks the path.
    const swapped: InclusionProof = { ...proof, leafHash: (await main.log.inclusionProof(main.nodes, 8, 100)).leafHash };
    expect(code(verifyInclusionAgainstHead({ membership, head, proof: swapped, leaf: { txBytes: tx(8) } }))).toBe('PROOF_MISMATCH');
    const shortPath: InclusionProof = { ...proof, auditPath: proof.auditPath.slice(1) };
    expect(code(verifyInclusionAgainstHead({ membership, head, proof: shortPath }))).toBe('PROOF_MISMATCH');
    const otherChain: TrustedMembership = { ...membership, chainId: 'tradeledger-other' };
    expect(code(verifyInclusionAgainstHead({ membership: otherChain, head, proof }))).toBe('HEAD_CHAIN_MISMATCH');
  });
});

describe('consistency between certified heads', () => {
  it('proves append-only growth between two certified heads (and from the empty log)', async () => {
    const older = await headOf(main, 37, 4, QUORUM);
    const newer = await headOf(main, 100, 10, [[1, 0], [2, 1], [3, 1]]);
    const proof = await main.log.consistencyProof(main.nodes, 37, 100);
    expect(verifyConsistencyBetweenHeads({ membership, older, newer, proof })).toEqual({ verified: true, height: 10, logSize: 100, logRoot: toHex(newer.checkpoint.logRoot), organizations: [LEIS[1], LEIS[2], LEIS[3]].sort() });
    const genesisHead = await headOf(main, 0, 0, QUORUM);
    expect(code(verifyConsistencyBetweenHeads({ membership, older: genesisHead, newer, proof: await main.log.consistencyProof(main.nodes, 0, 100) }))).toBe('VERIFIED');
    const same = await headOf(main, 100, 11, QUORUM);
    expect(code(verifyConsistencyBetweenHeads({ membership, older: newer, newer: same, proof: await main.log.consistencyProof(main.nodes, 100, 100) }))).toBe('VERIFIED');
  });

  it('fails when history was rewritten: two logs that diverge at leaf 20', async () => {
    const rewritten = new Log();
    for (let i = 0; i < 100; i++) rewritten.append(i < 20 ? tx(i) : tx(i, ' rewritten'));
    const older = await headOf(main, 37, 4, QUORUM);
    // Even a certified head of the rewritten log (a colluding quorum) is not a continuation.
    const newer = await headOf(rewritten, 100, 10, QUORUM);
    const rewrittenProof = await rewritten.log.consistencyProof(rewritten.nodes, 37, 100);
    expect(code(verifyConsistencyBetweenHeads({ membership, older, newer, proof: rewrittenProof }))).toBe('PROOF_HEAD_MISMATCH');
    // Claiming the older head's root inside that proof makes the path itself fail.
    const claimed: ConsistencyProof = { ...rewrittenProof, firstRoot: older.checkpoint.logRoot };
    expect(code(verifyConsistencyBetweenHeads({ membership, older, newer, proof: claimed }))).toBe('PROOF_MISMATCH');
    // A genuine proof from the main log names a second root that is not the rewritten head's.
    expect(code(verifyConsistencyBetweenHeads({ membership, older, newer, proof: await main.log.consistencyProof(main.nodes, 37, 100) }))).toBe('PROOF_HEAD_MISMATCH');
    // Divergence after the older size is an honest extension: the prefix of 20 is shared.
    const olderAt20 = await headOf(main, 20, 2, QUORUM);
    expect(code(verifyConsistencyBetweenHeads({ membership, older: olderAt20, newer, proof: await rewritten.log.consistencyProof(rewritten.nodes, 20, 100) }))).toBe('VERIFIED');
  });

  it('refuses uncertified, out-of-order, conflicting and cross-chain heads', async () => {
    const older = await headOf(main, 37, 4, QUORUM);
    const newer = await headOf(main, 100, 10, QUORUM);
    const proof = await main.log.consistencyProof(main.nodes, 37, 100);
    expect(code(verifyConsistencyBetweenHeads({ membership, older, newer: await headOf(main, 100, 10, [[0, 0]]), proof }))).toBe('HEAD_QUORUM_NOT_MET');
    expect(code(verifyConsistencyBetweenHeads({ membership, older: await headOf(main, 37, 4, [[0, 0], [0, 1]]), newer, proof }))).toBe('HEAD_QUORUM_NOT_MET');
    expect(code(verifyConsistencyBetweenHeads({ membership, older: newer, newer: older, proof }))).toBe('HEADS_OUT_OF_ORDER');
    const fork = await headOf(main, 100, 10, QUORUM, { blockHash: sha256(utf8('other block')) });
    expect(code(verifyConsistencyBetweenHeads({ membership, older: newer, newer: fork, proof: await main.log.consistencyProof(main.nodes, 100, 100) }))).toBe('HEADS_CONFLICT');
    const noChain: TrustedMembership = { organizations: membership.organizations, threshold: membership.threshold };
    const otherChain = await headOf(main, 100, 10, QUORUM, { chainId: 'tradeledger-other' });
    expect(code(verifyConsistencyBetweenHeads({ membership: noChain, older, newer: otherChain, proof }))).toBe('HEAD_CHAIN_MISMATCH');
  });
});

describe('browser portability', () => {
  // Walks the relative imports of the light client's modules and of the browser entry point (what
  // the web page bundles): none may load node:* or the node:crypto modules (hash.ts, ed25519.ts),
  // directly or through another module, nor the document validators (zod) the page never uses.
  it('browser.ts, light-client.ts, checkpoint.ts and merkle-proof.ts import nothing from node:*, nor zod', () => {
    const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
    const seen = new Set<string>();
    const pending = ['browser.ts', 'light-client.ts', 'checkpoint.ts', 'merkle-proof.ts'].map((f) => join(srcDir, f));
    const external = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1] as string;
        if (/^import\s+type\s/.test(m[0]) || /^export\s+type\s/.test(m[0])) continue;
        if (spec.startsWith('.')) pending.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else external.add(spec);
      }
    }
    const files = [...seen].map((f) => f.slice(srcDir.length + 1)).sort();
    expect(files).toContain('checkpoint.ts');
    expect(files).toContain('documents/threshold.ts');
    expect(files).not.toContain('documents/governance.ts');
    expect(files).not.toContain('hash.ts');
    expect(files).not.toContain('ed25519.ts');
    expect([...external].filter((s) => s.startsWith('node:'))).toEqual([]);
    expect([...external].sort()).toEqual(['@noble/curves/ed25519.js', '@noble/curves/utils.js', '@noble/hashes/sha2.js', 'msgpackr']);
  });
});
