// The same blocks applied in the same order on the LevelDB store and on the in-memory store give
// identical state roots and identical answers to every query (issue 3), whatever the split of
// the example story into blocks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildBlock, buildGenesis, byCertificate, byGtin, byHsCode, byLei, chainTip, checkEntryLine, checkProduct, decodeBlock, executeBlock,
  getDocument, MemoryStore, openVerifications, toHex, tradeStateMachine, verifyBlock, type LedgerStore, type StoreHead,
} from '@tradeledger/ledger';
import { exampleSubmissions, readExampleManifest } from '../src/examples.js';
import { LevelStore } from '../src/level-store.js';
import { EXAMPLES_DIR, exampleGenesisWithNodes, exampleNodeIdentity } from './support/example-network.js';

const root = mkdtempSync(join(tmpdir(), 'tl-cross-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sm = tradeStateMachine({ verifySignatures: false });
const NOW = Date.parse('2026-06-01T12:00:00Z');

async function answers(store: LedgerStore, ids: readonly string[]): Promise<string> {
  const manifest = readExampleManifest(EXAMPLES_DIR);
  const out: unknown[] = [];
  for (const lei of Object.values(manifest.signers)) out.push(await byLei(store, lei));
  out.push(await byGtin(store, '00012345600012'), await byHsCode(store, '870830'), await openVerifications(store));
  for (const id of ids) out.push(await getDocument(store, id), await byCertificate(store, id));
  out.push(await checkEntryLine(store, { importerLei: 'INR2EJN1ERAN0W5ZP974', gtin: '00012345600012', date: '2026-06-01' }));
  out.push(await checkProduct(store, { gtin: '00012345600012', sellerLei: 'Y87794H0US1R65VBXU25' }));
  return JSON.stringify(out, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
}

describe('LevelDB and in-memory stores', () => {
  it('reach identical state roots and query answers for any split of the example story into blocks', async () => {
    const genesis = exampleGenesisWithNodes(['customs']);
    const proposer = exampleNodeIdentity('customs');
    const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs: NOW, chainId: genesis.chainId });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: submissions.length, maxLength: submissions.length }), async (sizes) => {
        const memory = new MemoryStore();
        const level = await LevelStore.open(join(root, `run-${run++}`));
        try {
          const { commit } = buildGenesis(sm, genesis);
          await memory.commitBlock(commit);
          await level.commitBlock(commit);
          let next = 0;
          let b = 0;
          while (next < submissions.length) {
            const txs = submissions.slice(next, next + (sizes[b++] ?? 1)).map((s) => s.tx);
            next += txs.length;
            const head = (await memory.head()) as StoreHead;
            const tip = chainTip(head, genesis.chainId);
            const built = await buildBlock(memory, sm, { tip, txs, timestamp: NOW + b * 1000, term: 1, proposerSeed: proposer.seed, proposerPublicKey: proposer.publicKey });
            await memory.commitBlock(built.commit);
            const levelTip = chainTip((await level.head()) as StoreHead, genesis.chainId);
            const verified = await verifyBlock(decodeBlock(built.block.bytes), levelTip, { authorizeProposer: () => ({ ok: true }) });
            await level.commitBlock(await executeBlock(level, verified, levelTip, sm));
          }
          const [m, l] = [(await memory.head()) as StoreHead, (await level.head()) as StoreHead];
          expect(toHex(l.stateRoot)).toBe(toHex(m.stateRoot));
          expect(toHex(l.blockHash)).toBe(toHex(m.blockHash));
          const ids = submissions.map((s) => s.tx.idHex);
          const answered = await answers(memory, ids);
          expect(answered.length).toBeGreaterThan(5000);
          expect(answered).toContain(submissions.find((s) => s.name === "entry")!.tx.idHex);
          expect(await answers(level, ids)).toBe(answered);
        } finally {
          await level.close();
        }
      }),
      { numRuns: 4 },
    );
  });
});
