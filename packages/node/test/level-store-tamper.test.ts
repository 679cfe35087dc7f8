// Flip one byte in any stored value of a LevelDB store on disk: the audit finds it, at the height
// that wrote the value. Every key of a small real chain is tampered with in turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStore, buildBlock, buildGenesis, chainTip, publicKeyFromSeed, signTx, toHex, type StoreHead } from '@tradeledger/ledger';
import { recordingStateMachine } from '@tradeledger/ledger/testing';
import { LevelStore } from '../src/level-store.js';

const root = mkdtempSync(join(tmpdir(), 'tl-tamper-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Both layouts of state values: inline in their s/ keys (the records of this chain are small), and
// every value behind a pointer under v/ keys (what large records use).
for (const [name, layout] of [
  ['values inline', { separateValueBytes: 256 }],
  ['values under v/ keys', { separateValueBytes: 1 }],
] as const) {
  const dataDir = join(root, name.replaceAll(' ', '-').replaceAll('/', ''));
  const CHAIN_ID = 'tamper-test';
  const BLOCKS = 6;
  const nodeSeed = new Uint8Array(32).fill(3);
  const clientSeed = new Uint8Array(32).fill(4);

  beforeAll(async () => {
    const store = await LevelStore.open(dataDir, layout);
    const nodeKey = publicKeyFromSeed(nodeSeed);
    const clientKey = publicKeyFromSeed(clientSeed);
    const genesis = buildGenesis(recordingStateMachine, { chainId: CHAIN_ID, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
    await store.commitBlock(genesis.commit);
    let head: StoreHead = genesis.commit.head;
    let nonce = 0;
    for (let b = 1; b <= BLOCKS; b++) {
      const txs = [];
      for (let i = 0; i < 3; i++, nonce++) {
        txs.push(signTx({ version: 1, chainId: CHAIN_ID, kind: 'note', payload: { n: nonce }, signer: clientKey, nonce, timestamp: 1_700_000_000_000 + nonce }, clientSeed));
      }
      // A replayed transaction: recorded with its code, indexed at its first occurrence only.
      if (b === 3) txs.push(txs[0]!);
      const { commit } = await buildBlock(store, recordingStateMachine, { tip: chainTip(head, CHAIN_ID), txs, timestamp: head.timestamp + 1000, term: 1, proposerSeed: nodeSeed, proposerPublicKey: nodeKey });
      await store.commitBlock(commit);
      head = commit.head;
    }
    await store.close();
  });

  async function audit() {
    let store: LevelStore;
    try {
      store = await LevelStore.open(dataDir, layout);
    } catch (error) {
      return { ok: false as const, code: (error as { code?: string }).code ?? 'OPEN_FAILED' };
    }
    try {
      return await auditStore(store, { stateMachine: recordingStateMachine });
    } finally {
      await store.close();
    }
  }

  describe(`audit of a tampered LevelDB store (${name})`, () => {
    it('audits clean before tampering', async () => {
      expect(await audit()).toMatchObject({ ok: true, headHeight: BLOCKS, blocks: BLOCKS + 1 });
    });

    it('finds one flipped byte in every stored value, then audits clean once it is restored', async () => {
      const store = await LevelStore.open(dataDir, layout);
      const keys: string[] = [];
      for await (const key of store.raw.keys()) keys.push(key);
      await store.close();
      expect(keys.filter((k) => k.startsWith('b/')).length).toBe(BLOCKS + 1);
      expect(keys.some((k) => k.startsWith('t/')) && keys.some((k) => k.startsWith('m/')) && keys.some((k) => k.startsWith('s/')) && keys.includes('h')).toBe(true);
      // Every state value behind a pointer (v/ keys, one per live value: none left behind by the
      // nonces each block replaces), or none.
      expect(keys.filter((k) => k.startsWith('v/')).length).toBe(layout.separateValueBytes === 1 ? keys.filter((k) => k.startsWith('s/')).length : 0);
      const missed: string[] = [];
      for (const [i, key] of keys.entries()) {
        const db = await LevelStore.open(dataDir, layout);
        const original = (await db.raw.get(key)) as Uint8Array;
        const tampered = new Uint8Array(original);
        const position = (i * 7919) % tampered.length;
        tampered[position] = (tampered[position] as number) ^ (1 << (i % 8));
        await db.raw.put(key, tampered);
        await db.close();
        const report = await audit();
        if (report.ok) missed.push(`${key}@${position}`);
        const restore = await LevelStore.open(dataDir, layout).catch(async () => null);
        if (restore === null) {
          // The head itself did not decode: restore it through the raw database.
          const { Level } = await import('level');
          const raw = new Level<string, Uint8Array>(dataDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
          await raw.put(key, original);
          await raw.close();
        } else {
          await restore.raw.put(key, original);
          await restore.close();
        }
      }
      expect(missed).toEqual([]);
      expect(await audit()).toMatchObject({ ok: true, headHeight: BLOCKS });
    });

    it('reports the height that wrote a tampered block', async () => {
      const db = await LevelStore.open(dataDir, layout);
      const key = `b/${(4).toString(16).padStart(12, '0')}`;
      const original = (await db.raw.get(key)) as Uint8Array;
      const tampered = new Uint8Array(original);
      tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x01;
      await db.raw.put(key, tampered);
      await db.close();
      const report = await audit();
      expect(report).toMatchObject({ ok: false, badHeight: 4 });
      const restore = await LevelStore.open(dataDir, layout);
      await restore.raw.put(key, original);
      await restore.close();
    });
  });
}
