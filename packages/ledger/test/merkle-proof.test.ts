import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex, utf8 } from '../src/bytes.js';
import { MemoryMerkleNodes, MerkleLog, nodeMerkleHasher } from '../src/merkle-log.js';
import {
  consistencyProofToJSON,
  emptyRootHash,
  inclusionProofToJSON,
  parseProof,
  proofToJSON,
  rootFromConsistency,
  rootFromInclusion,
  verifyConsistency,
  verifyInclusion,
  type ConsistencyProof,
  type InclusionProof,
} from '../src/merkle-proof.js';

const SIZE = 300;
const log = MerkleLog.empty();
const nodes = new MemoryMerkleNodes();
const roots: Uint8Array[] = [];

beforeAll(() => {
  roots.push(log.root());
  for (let i = 0; i < SIZE; i++) {
    nodes.putAll(log.appendLeaf(utf8(`entry ${i}`)).writes);
    roots.push(log.root());
  }
});

const root = (size: number): Uint8Array => roots[size] as Uint8Array;
const flip = (hash: Uint8Array, byte: number, mask: number): Uint8Array => {
  const copy = hash.slice();
  copy[byte] = (copy[byte] as number) ^ mask;
  return copy;
};

const sizePair = fc.integer({ min: 1, max: SIZE }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constant(n)));
const consistencyPair = fc.integer({ min: 2, max: SIZE }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n)));
const mask = fc.integer({ min: 1, max: 255 });
const SEED = 20240917;

describe('proof JSON', () => {
  it('writes exactly the documented form, key order included', async () => {
    const inclusion = await log.inclusionProof(nodes, 5, 6);
    const json = inclusionProofToJSON(inclusion);
    expect(json).toBe(
      `{"type":"inclusion","leafIndex":5,"treeSize":6,"leafHash":"${toHex(inclusion.leafHash)}","auditPath":[${inclusion.auditPath.map((h) => `"${toHex(h)}"`).join(',')}],"rootHash":"${toHex(root(6))}"}`,
    );
    expect(Object.keys(JSON.parse(json))).toEqual(['type', 'leafIndex', 'treeSize', 'leafHash', 'auditPath', 'rootHash']);
    const consistency = await log.consistencyProof(nodes, 3, 7);
    const cjson = consistencyProofToJSON(consistency);
    expect(cjson).toBe(
      `{"type":"consistency","firstSize":3,"secondSize":7,"firstRoot":"${toHex(root(3))}","secondRoot":"${toHex(root(7))}","proof":[${consistency.proof.map((h) => `"${toHex(h)}"`).join(',')}]}`,
    );
    expect(Object.keys(JSON.parse(cjson))).toEqual(['type', 'firstSize', 'secondSize', 'firstRoot', 'secondRoot', 'proof']);
    expect(consistencyProofToJSON(await log.consistencyProof(nodes, 4, 4))).toBe(
      `{"type":"consistency","firstSize":4,"secondSize":4,"firstRoot":"${toHex(root(4))}","secondRoot":"${toHex(root(4))}","proof":[]}`,
    );
  });

  it('round-trips byte for byte, and parsing keeps the proof valid', async () => {
    await fc.assert(
      fc.asyncProperty(sizePair, consistencyPair, async ([i, n], [m, n2]) => {
        const inclusion = await log.inclusionProof(nodes, i, n);
        const json = inclusionProofToJSON(inclusion);
        const parsed = parseProof(json);
        expect(parsed.type).toBe('inclusion');
        expect(proofToJSON(parsed)).toBe(json);
        expect(parseProof(JSON.parse(json))).toEqual(parsed);
        expect(verifyInclusion(parsed as InclusionProof).ok).toBe(true);
        const consistency = await log.consistencyProof(nodes, m, n2);
        const cjson = consistencyProofToJSON(consistency);
        const cparsed = parseProof(cjson);
        expect(proofToJSON(cparsed)).toBe(cjson);
        expect(verifyConsistency(cparsed as ConsistencyProof).ok).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('accepts keys in another order but always writes the one order', async () => {
    const proof = await log.inclusionProof(nodes, 2, 9);
    const value = JSON.parse(inclusionProofToJSON(proof)) as Record<string, unknown>;
    const reordered = JSON.stringify({ rootHash: value['rootHash'], auditPath: value['auditPath'], type: 'inclusion', treeSize: 9, leafIndex: 2, leafHash: value['leafHash'] });
    expect(proofToJSON(parseProof(reordered))).toBe(inclusionProofToJSON(proof));
  });
});

describe('parseProof is strict', () => {
  const h = 'ab'.repeat(32);
  const inclusion = { type: 'inclusion', leafIndex: 1, treeSize: 3, leafHash: h, auditPath: [h, h], rootHash: h };
  const consistency = { type: 'consistency', firstSize: 2, secondSize: 3, firstRoot: h, secondRoot: h, proof: [h] };
  const cases: [string, unknown, string][] = [
    ['unknown key', { ...inclusion, extra: 1 }, 'extra'],
    ['unknown key (consistency)', { ...consistency, leafIndex: 0 }, 'leafIndex'],
    ['__proto__ key', JSON.parse(`{"__proto__":{},${JSON.stringify(inclusion).slice(1)}`), '__proto__'],
    ['missing key', { type: 'inclusion', leafIndex: 1, treeSize: 3, leafHash: h, rootHash: h }, 'auditPath'],
    ['missing key (consistency)', { type: 'consistency', firstSize: 2, secondSize: 3, firstRoot: h, secondRoot: h }, 'proof'],
    ['unknown type', { ...inclusion, type: 'audit' }, 'type'],
    ['no type', { leafIndex: 1 }, 'type'],
    ['index as string', { ...inclusion, leafIndex: '1' }, 'leafIndex'],
    ['fractional size', { ...inclusion, treeSize: 3.5 }, 'treeSize'],
    ['negative index', { ...inclusion, leafIndex: -1 }, 'leafIndex'],
    ['unsafe integer', { ...inclusion, treeSize: 2 ** 53 }, 'treeSize'],
    ['unsafe integer (consistency)', { ...consistency, secondSize: 2 ** 60 }, 'secondSize'],
    ['index equal to size', { ...inclusion, leafIndex: 3 }, 'leafIndex'],
    ['first above second', { ...consistency, firstSize: 4 }, 'firstSize'],
    ['upper-case hex', { ...inclusion, leafHash: h.toUpperCase() }, 'leafHash'],
    ['short hash', { ...inclusion, rootHash: 'ab'.repeat(31) }, 'rootHash'],
    ['non-hex', { ...consistency, firstRoot: 'zz'.repeat(32) }, 'firstRoot'],
    ['hash as number', { ...consistency, secondRoot: 5 }, 'secondRoot'],
    ['bad path element', { ...inclusion, auditPath: [h, `${h}00`] }, 'auditPath[1]'],
    ['path not an array', { ...inclusion, auditPath: h }, 'auditPath'],
    ['path too long', { ...inclusion, auditPath: Array.from({ length: 65 }, () => h) }, 'auditPath'],
    ['proof too long', { ...consistency, proof: Array.from({ length: 129 }, () => h) }, 'proof'],
    ['array', [inclusion], '$'],
    ['null', null, '$'],
    ['not JSON', '{"type":', '$'],
    ['number JSON', '42', '$'],
  ];
  for (const [name, input, field] of cases) {
    it(`rejects ${name}, naming ${field}`, () => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      for (const form of typeof input === 'string' ? [text] : [text, input]) {
        expect(() => parseProof(form)).toThrow(expect.objectContaining({ name: 'LedgerError', code: 'PROOF_MALFORMED', field }));
      }
    });
  }
  it('accepts the well-formed originals (the cases above differ in one thing)', () => {
    expect(parseProof(JSON.stringify(inclusion)).type).toBe('inclusion');
    expect(parseProof(consistency).type).toBe('consistency');
  });
  it('refuses to serialize a malformed proof object', () => {
    const bad = { type: 'inclusion', leafIndex: 3, treeSize: 3, leafHash: new Uint8Array(32), auditPath: [], rootHash: new Uint8Array(32) } as const;
    expect(() => inclusionProofToJSON(bad)).toThrow(expect.objectContaining({ code: 'PROOF_MALFORMED', field: 'leafIndex' }));
  });
});

describe('verification rejects any tampering (property tests)', () => {
  it('inclusion: a changed byte anywhere, two swapped path elements, a wrong index or size', async () => {
    await fc.assert(
      fc.asyncProperty(sizePair, fc.nat(), fc.integer({ min: 0, max: 31 }), mask, fc.nat(), fc.nat(), async ([i, n], where, byte, bits, a, b) => {
        const proof = await log.inclusionProof(nodes, i, n);
        expect(verifyInclusion(proof)).toEqual({ ok: true, value: true });
        // One changed byte in the leaf hash, the root or any path element.
        const targets = 2 + proof.auditPath.length;
        const target = where % targets;
        const tampered: InclusionProof =
          target === 0
            ? { ...proof, leafHash: flip(proof.leafHash, byte, bits) }
            : target === 1
              ? { ...proof, rootHash: flip(proof.rootHash, byte, bits) }
              : { ...proof, auditPath: proof.auditPath.map((p, k) => (k === target - 2 ? flip(p, byte, bits) : p)) };
        const verdict = verifyInclusion(tampered);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok) expect(verdict.error.code).toBe('PROOF_MISMATCH');
        // Two path elements reordered.
        if (proof.auditPath.length >= 2) {
          const x = a % proof.auditPath.length;
          const y = (x + 1 + (b % (proof.auditPath.length - 1))) % proof.auditPath.length;
          const swapped = proof.auditPath.slice();
          [swapped[x], swapped[y]] = [swapped[y] as Uint8Array, swapped[x] as Uint8Array];
          expect(verifyInclusion({ ...proof, auditPath: swapped }).ok).toBe(false);
        }
        // Another index in the same tree.
        if (n > 1) {
          const other = (i + 1 + (a % (n - 1))) % n;
          expect(verifyInclusion({ ...proof, leafIndex: other }).ok).toBe(false);
        }
        // Another size, checked against that size's true root (the head a client would hold).
        const otherSize = i + 1 + (b % (SIZE - i));
        if (otherSize !== n) expect(verifyInclusion({ ...proof, treeSize: otherSize, rootHash: root(otherSize) }).ok).toBe(false);
        // A path element dropped or added.
        if (proof.auditPath.length > 0) expect(verifyInclusion({ ...proof, auditPath: proof.auditPath.slice(1) }).ok).toBe(false);
        expect(verifyInclusion({ ...proof, auditPath: [...proof.auditPath, proof.rootHash] }).ok).toBe(false);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('consistency: a changed byte anywhere, two swapped proof elements, wrong sizes', async () => {
    await fc.assert(
      fc.asyncProperty(consistencyPair, fc.nat(), fc.integer({ min: 0, max: 31 }), mask, fc.nat(), fc.nat(), async ([m, n], where, byte, bits, a, b) => {
        const proof = await log.consistencyProof(nodes, m, n);
        expect(verifyConsistency(proof)).toEqual({ ok: true, value: true });
        const targets = 2 + proof.proof.length;
        const target = where % targets;
        const tampered: ConsistencyProof =
          target === 0
            ? { ...proof, firstRoot: flip(proof.firstRoot, byte, bits) }
            : target === 1
              ? { ...proof, secondRoot: flip(proof.secondRoot, byte, bits) }
              : { ...proof, proof: proof.proof.map((p, k) => (k === target - 2 ? flip(p, byte, bits) : p)) };
        const verdict = verifyConsistency(tampered);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok) expect(verdict.error.code).toBe('PROOF_MISMATCH');
        if (proof.proof.length >= 2) {
          const x = a % proof.proof.length;
          const y = (x + 1 + (b % (proof.proof.length - 1))) % proof.proof.length;
          const swapped = proof.proof.slice();
          [swapped[x], swapped[y]] = [swapped[y] as Uint8Array, swapped[x] as Uint8Array];
          expect(verifyConsistency({ ...proof, proof: swapped }).ok).toBe(false);
        }
        // Other sizes, each with its true root.
        const otherFirst = 1 + (a % n);
        if (otherFirst !== m) expect(verifyConsistency({ ...proof, firstSize: otherFirst, firstRoot: root(otherFirst) }).ok).toBe(false);
        const otherSecond = m + (b % (SIZE - m + 1));
        if (otherSecond !== n) expect(verifyConsistency({ ...proof, secondSize: otherSecond, secondRoot: root(otherSecond) }).ok).toBe(false);
        expect(verifyConsistency({ ...proof, firstRoot: proof.secondRoot, secondRoot: proof.firstRoot }).ok).toBe(false);
        expect(verifyConsistency({ ...proof, proof: proof.proof.slice(0, -1) }).ok).toBe(false);
        expect(verifyConsistency({ ...proof, proof: [proof.firstRoot, ...proof.proof] }).ok).toBe(false);
        expect(verifyConsistency({ ...proof, proof: [...proof.proof, proof.secondRoot] }).ok).toBe(false);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('verification edge cases', () => {
  it('equal sizes need an empty proof and equal roots', () => {
    const proof: ConsistencyProof = { type: 'consistency', firstSize: 9, secondSize: 9, firstRoot: root(9), secondRoot: root(9), proof: [] };
    expect(verifyConsistency(proof).ok).toBe(true);
    expect(verifyConsistency({ ...proof, secondRoot: root(8) })).toMatchObject({ ok: false, error: { code: 'PROOF_MISMATCH', field: 'secondRoot' } });
    expect(verifyConsistency({ ...proof, proof: [root(1)] })).toMatchObject({ ok: false, error: { code: 'PROOF_MISMATCH', field: 'proof' } });
  });

  it('from the empty tree: empty proof and the empty root only', () => {
    const proof: ConsistencyProof = { type: 'consistency', firstSize: 0, secondSize: 9, firstRoot: emptyRootHash(), secondRoot: root(9), proof: [] };
    expect(verifyConsistency(proof).ok).toBe(true);
    expect(verifyConsistency({ ...proof, firstRoot: root(1) })).toMatchObject({ ok: false, error: { field: 'firstRoot' } });
    expect(verifyConsistency({ ...proof, proof: [root(1)] })).toMatchObject({ ok: false, error: { field: 'proof' } });
    expect(rootFromConsistency(0, 9, emptyRootHash(), [])).toEqual({ ok: true, value: undefined });
  });

  it('different sizes with an empty proof are rejected (RFC 9162 2.1.4.2 step 1)', () => {
    const proof: ConsistencyProof = { type: 'consistency', firstSize: 4, secondSize: 9, firstRoot: root(4), secondRoot: root(9), proof: [] };
    expect(verifyConsistency(proof)).toMatchObject({ ok: false, error: { code: 'PROOF_MISMATCH', field: 'proof' } });
  });

  it('a one-leaf tree: the leaf hash is the root and the path is empty', async () => {
    const proof = await log.inclusionProof(nodes, 0, 1);
    expect(proof.auditPath).toEqual([]);
    expect(toHex(proof.rootHash)).toBe(toHex(proof.leafHash));
    expect(verifyInclusion(proof).ok).toBe(true);
  });

  it('rootFromInclusion returns the root; malformed inputs are PROOF_MALFORMED, not thrown', async () => {
    const proof = await log.inclusionProof(nodes, 77, 250);
    const computed = rootFromInclusion(77, 250, proof.leafHash, proof.auditPath);
    expect(computed.ok && toHex(computed.value)).toBe(toHex(root(250)));
    expect(rootFromInclusion(250, 250, proof.leafHash, proof.auditPath)).toMatchObject({ ok: false, error: { code: 'PROOF_MALFORMED', field: 'leafIndex' } });
    expect(rootFromInclusion(0, 2 ** 53, proof.leafHash, [])).toMatchObject({ ok: false, error: { code: 'PROOF_MALFORMED', field: 'treeSize' } });
    expect(rootFromInclusion(1, 250, new Uint8Array(31), proof.auditPath)).toMatchObject({ ok: false, error: { field: 'leafHash' } });
    expect(verifyInclusion({ ...proof, auditPath: [new Uint8Array(33)] })).toMatchObject({ ok: false, error: { code: 'PROOF_MALFORMED', field: 'auditPath[0]' } });
    expect(verifyConsistency({ type: 'consistency', firstSize: 5, secondSize: 4, firstRoot: root(5), secondRoot: root(4), proof: [] })).toMatchObject({ ok: false, error: { code: 'PROOF_MALFORMED', field: 'firstSize' } });
  });

  it('the node:crypto hasher gives the same verdicts as the portable one', async () => {
    const proof = await log.inclusionProof(nodes, 123, 299);
    expect(verifyInclusion(proof, nodeMerkleHasher).ok).toBe(true);
    expect(verifyInclusion({ ...proof, leafIndex: 124 }, nodeMerkleHasher).ok).toBe(false);
    const consistency = await log.consistencyProof(nodes, 100, 299);
    expect(verifyConsistency(consistency, nodeMerkleHasher).ok).toBe(true);
  });
});

describe('the light-client module', () => {
  it('reaches nothing but pure modules and @noble/hashes (no node:*, no hash.ts)', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const text = readFileSync(new URL(`../src/${name}`, import.meta.url), 'utf8');
      for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
        const spec = match[1] as string;
        if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
        else external.add(spec);
      }
    };
    visit('merkle-proof.ts');
    expect([...seen].sort()).toEqual(['bytes.ts', 'errors.ts', 'merkle-proof.ts', 'sha256-portable.ts']);
    expect([...external]).toEqual(['@noble/hashes/sha2.js']);
  });

});
