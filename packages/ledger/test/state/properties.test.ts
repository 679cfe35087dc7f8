// Property tests: determinism (same blocks, same roots and answers), any mutated byte is rejected,
// no input makes applyBlock throw, the overlay agrees with a plain map, the state root's rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { DOCUMENT_KINDS } from '../../src/documents/kinds.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { MemoryStore } from '../../src/memory-store.js';
import { applyBlock } from '../../src/state/apply.js';
import { StateOverlay } from '../../src/state/overlay.js';
import { checkEntryLine, checkProduct, getDocument } from '../../src/state/queries.js';
import { GENESIS_PREVIOUS_STATE_ROOT, nextStateRoot } from '../../src/state/state-root.js';
import type { StateWrite } from '../../src/store.js';
import { decodeTx, verifyTxSignature, type DecodedTx } from '../../src/tx.js';
import { sha256 } from '../../src/hash.js';
import { resolveExampleRefs } from '../../src/documents/example-refs.js';
import { readExample, readManifest } from '../documents/example-files.js';
import { LEI } from '../documents/fixtures.js';
import { CHAIN_ID, EXAMPLE_TIME_MS, exampleSeed, TestChain } from './harness.js';

const SEED = Number(process.env.TL_SEED ?? 20250312);

async function runExamples(): Promise<{ chain: TestChain; roots: string[] }> {
  const chain = await TestChain.fromExampleGenesis();
  const roots = [toHex(chain.stateRoot)];
  for (const submission of readManifest().submissions) {
    await chain.submit(submission.signer, submission.kind, chain.resolve(readExample(submission.file)), { name: submission.name });
    roots.push(toHex(chain.stateRoot));
  }
  return { chain, roots };
}

describe('determinism', () => {
  it('gives identical state roots, state and query answers for the same blocks twice', async () => {
    const a = await runExamples();
    const b = await runExamples();
    expect(a.roots).toEqual(b.roots);
    expect(new Set(a.roots).size).toBe(a.roots.length); // every block changed the root
    const stateA = await a.chain.store.scanState('');
    const stateB = await b.chain.store.scanState('');
    expect(stateA.map(([k, v]) => `${k}=${toHex(v)}`)).toEqual(stateB.map(([k, v]) => `${k}=${toHex(v)}`));
    const query = { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2025-03-10', manufacturerLei: LEI.deutscheBank };
    expect(await checkEntryLine(a.chain.store, query)).toEqual(await checkEntryLine(b.chain.store, query));
    expect(await checkProduct(a.chain.store, { gtin: '5901234123457', sellerLei: LEI.walmart })).toEqual(await checkProduct(b.chain.store, { gtin: '5901234123457', sellerLei: LEI.walmart }));
    expect(await getDocument(a.chain.store, a.chain.ids['certificate-of-origin'] as string)).toEqual(await getDocument(b.chain.store, b.chain.ids['certificate-of-origin'] as string));
  });
});

describe('mutated transactions', () => {
  it('rejects any transaction with one byte changed (decode, signature or validation)', async () => {
    const chain = await TestChain.fromExampleGenesis();
    const signed = chain.sign('rightsholder', 'right', readExample('right.json'));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: signed.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, xor) => {
        const bytes = signed.bytes.slice();
        bytes[index] = (bytes[index] as number) ^ xor;
        let decoded: DecodedTx;
        try {
          decoded = decodeTx(bytes);
        } catch (error) {
          expect((error as { code?: string }).code).toMatch(/^TX_/);
          return;
        }
        if (!verifyTxSignature(decoded)) return;
        const { results } = await applyBlock(chain.store, { chainId: CHAIN_ID, height: 1, timestampMs: EXAMPLE_TIME_MS }, [decoded]);
        expect(results[0]?.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/** A DecodedTx that was never signed (apply with verifySignatures: false reaches the kind rules). */
function unsignedTx(signer: string, kind: string, payload: unknown, nonce: number): DecodedTx {
  const id = sha256(new TextEncoder().encode(`${signer}/${kind}/${nonce}/${JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? 'undefined'}`));
  return { tx: { version: 1, chainId: CHAIN_ID, kind, payload, signer: publicKeyFromSeed(exampleSeed(signer)), nonce, timestamp: EXAMPLE_TIME_MS, signature: new Uint8Array(64) }, bytes: new Uint8Array(0), id, idHex: toHex(id), signingHash: new Uint8Array(32) };
}

const SIGNERS = ['customs', 'producer', 'importer', 'broker', 'retailer', 'rightsholder'] as const;

/** Replaces the value at a random path of a JSON value with `replacement`. */
function mutateAt(value: unknown, choices: readonly number[], replacement: unknown): unknown {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[(choices[0] as number) % keys.length] as string;
  copy[key] = mutateAt(copy[key], choices.slice(1), replacement);
  return copy;
}

describe('applyBlock never throws', () => {
  it('on random kinds and payloads', async () => {
    const chain = await TestChain.fromExampleGenesis();
    await chain.submitExamples('license-revoke');
    const kind = fc.oneof(fc.constantFrom(...DOCUMENT_KINDS), fc.string({ maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...SIGNERS), kind, fc.anything({ maxDepth: 4 }), fc.nat({ max: 1e6 })), { maxLength: 6 }), async (specs) => {
        const txs = specs.map(([signer, k, payload, nonce]) => unsignedTx(signer, k, payload, nonce + 1000));
        const { results, writes } = await applyBlock(chain.store, { chainId: CHAIN_ID, height: chain.height + 1, timestampMs: EXAMPLE_TIME_MS }, txs, { verifySignatures: false });
        expect(results).toHaveLength(txs.length);
        for (const r of results) expect(typeof r.ok).toBe('boolean');
        expect(writes.some((w) => w.key === 'meta/block')).toBe(true);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('on example payloads with a random field replaced', async () => {
    const chain = await TestChain.fromExampleGenesis();
    await chain.submitExamples('license-revoke');
    const submissions = readManifest().submissions;
    const replacement = fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom('', 'ab'.repeat(32), LEI.nike, LEI.microsoft, '00012345600012', '2025-03-12', 0, -1, 2 ** 53, null, [], {}));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: submissions.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), replacement, fc.constantFrom(...SIGNERS), async (which, path, value, signer) => {
        const submission = submissions[which] as (typeof submissions)[number];
        const ids = { ...chain.ids };
        for (const name of ['license-revoke', 'key-rotate', 'node-set-change', 'org-remove', 'broker-designation-revoke', 'certificate-withdraw']) ids[name] ??= 'ab'.repeat(32);
        const payload = mutateAt(resolveExampleRefs(readExample(submission.file), ids), path, value);
        const tx = unsignedTx(signer, submission.kind, payload, 5000 + which);
        const { results } = await applyBlock(chain.store, { chainId: CHAIN_ID, height: chain.height + 1, timestampMs: EXAMPLE_TIME_MS }, [tx, tx], { verifySignatures: false });
        expect(results[1]).toEqual({ ok: false, code: 'TX_DUPLICATE' });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('the block overlay', () => {
  it('reads and scans like a map with the writes applied', async () => {
    const keyArb = fc.constantFrom<string>('a/1', 'a/2', 'a/3', 'a/10', 'b/1', 'b/2', 'ab/1', 'c');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(keyArb, fc.nat(9))), fc.array(fc.tuple(keyArb, fc.option(fc.nat(9)))), fc.constantFrom('', 'a', 'a/', 'b/', 'z'), fc.option(keyArb), fc.integer({ min: 1, max: 5 }), async (base, writes, prefix, after, limit) => {
        const store = new MemoryStore();
        const baseWrites = new Map(base.map(([k, v]) => [k, Uint8Array.of(v)]));
        await store.commitBlock({ height: 0, blockHash: new Uint8Array(32), blockBytes: new Uint8Array(0), txIndex: [], merkleWrites: [], stateWrites: [...baseWrites].map(([key, value]) => ({ key, value })), head: { height: 0, timestamp: 0, blockHash: new Uint8Array(32), logSize: 0, logRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), frontier: [] } });
        const overlay = new StateOverlay(store);
        const model = new Map(baseWrites);
        for (const [k, v] of writes) {
          if (v === null) {
            overlay.delete(k);
            model.delete(k);
          } else {
            overlay.set(k, Uint8Array.of(v + 100));
            model.set(k, Uint8Array.of(v + 100));
          }
        }
        const expected = [...model.keys()].filter((k) => k.startsWith(prefix) && (after === null || k > after)).sort().slice(0, limit);
        const got = await overlay.scanState(prefix, after === null ? { limit } : { after, limit });
        expect(got.map(([k]) => k)).toEqual(expected);
        for (const [k, v] of got) expect(v).toEqual(model.get(k));
        for (const k of ['a/1', 'c', 'b/2']) expect(await overlay.getState(k)).toEqual(model.get(k));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('the state root', () => {
  const w = (key: string, value: number[] | null): StateWrite => ({ key, value: value === null ? null : Uint8Array.from(value) });
  it('does not depend on the order writes are listed in', () => {
    const writes = [w('b', [1]), w('a', [2]), w('c', null)];
    expect(nextStateRoot(GENESIS_PREVIOUS_STATE_ROOT, writes)).toEqual(nextStateRoot(GENESIS_PREVIOUS_STATE_ROOT, [...writes].reverse()));
  });
  it('tells a deletion from an empty value, a key from a key+value split, and chains the previous root', () => {
    const root = (writes: StateWrite[], prev = GENESIS_PREVIOUS_STATE_ROOT) => toHex(nextStateRoot(prev, writes));
    const roots = [root([w('a', null)]), root([w('a', [])]), root([w('ab', [])]), root([w('a', [0x62])]), root([]), root([], new Uint8Array(32).fill(1))];
    expect(new Set(roots).size).toBe(roots.length);
  });
  it('refuses two writes to one key', () => {
    expect(() => nextStateRoot(GENESIS_PREVIOUS_STATE_ROOT, [w('a', [1]), w('a', [2])])).toThrow(/one write per key/);
  });
  it('differs from the first block where two states differ, and after', async () => {
    const a = await TestChain.fromExampleGenesis();
    const b = await TestChain.fromExampleGenesis();
    expect(a.stateRoot).toEqual(b.stateRoot);
    await a.submit('rightsholder', 'right', readExample('right.json'));
    await b.submit('rightsholder', 'right', { ...(readExample('right.json') as object), brands: ['Nike'] });
    expect(toHex(a.stateRoot)).not.toBe(toHex(b.stateRoot));
    await a.block([]);
    await b.block([]);
    expect(toHex(a.stateRoot)).not.toBe(toHex(b.stateRoot));
  });
});
