// The conformance suite every LedgerStore must pass: the in-memory store here, the LevelDB
// store in @tradeledger/node. Framework-free: each case is a named async function that throws on
// failure, so any test runner can run it (`for (const c of storeConformanceCases()) it(c.name, ...)`).

import { bytesEqual, toHex } from '../bytes.js';
import { LedgerError } from '../errors.js';
import type { BlockCommit, LedgerStore, StateWrite, StoreHead } from '../store.js';
import { STATE_SCAN_MAX_ENTRIES } from '../store.js';

export interface StoreFactory {
  /** A new, empty store. */
  create(): Promise<LedgerStore>;
  /** Closes `store` and opens the same data again; absent for stores that cannot outlive a close. */
  reopen?(store: LedgerStore): Promise<LedgerStore>;
}

export interface StoreConformanceCase {
  readonly name: string;
  run(factory: StoreFactory): Promise<void>;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new LedgerError('CONFORMANCE_FAILED', message);
}

function bytes(seed: number, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}

function head(height: number, extra: Partial<StoreHead> = {}): StoreHead {
  return { height, blockHash: bytes(1000 + height), logSize: height * 2, logRoot: bytes(2000 + height), stateRoot: bytes(3000 + height), timestamp: 1_700_000_000_000 + height, frontier: [bytes(4000 + height)], ...extra };
}

/** A plausible commit for `height` (contents are arbitrary bytes: stores do not interpret them). */
export function sampleCommit(height: number, stateWrites: StateWrite[] = []): BlockCommit {
  return {
    height,
    blockHash: bytes(1000 + height),
    blockBytes: bytes(5000 + height, 100 + height),
    txIndex: [
      { txId: bytes(6000 + height * 2), position: 0, result: { ok: true } },
      { txId: bytes(6001 + height * 2), position: 1, result: { ok: false, code: 'NONCE_REPLAY' } },
    ],
    merkleWrites: [
      { level: 0, index: height * 2, hash: bytes(7000 + height * 2) },
      { level: 0, index: height * 2 + 1, hash: bytes(7001 + height * 2) },
      { level: 1, index: height, hash: bytes(8000 + height) },
    ],
    stateWrites,
    head: head(height),
  };
}

async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    check(error instanceof LedgerError && error.code === code, `${what}: expected ${code}, got ${(error as Error).message}`);
    return;
  }
  throw new LedgerError('CONFORMANCE_FAILED', `${what}: expected ${code}, but it succeeded`);
}

async function checkCommitted(store: LedgerStore, upTo: number): Promise<void> {
  const h = await store.head();
  check(h !== undefined && h.height === upTo, `head height: expected ${upTo}, got ${h?.height}`);
  check(bytesEqual((h as StoreHead).blockHash, bytes(1000 + upTo)), 'head blockHash round-trips');
  check((h as StoreHead).frontier.length === 1 && bytesEqual((h as StoreHead).frontier[0] as Uint8Array, bytes(4000 + upTo)), 'head frontier round-trips');
  check((h as StoreHead).timestamp === 1_700_000_000_000 + upTo, 'head timestamp round-trips');
  for (let height = 0; height <= upTo; height++) {
    const block = await store.getBlock(height);
    check(block !== undefined && bytesEqual(block, bytes(5000 + height, 100 + height)), `block ${height} round-trips byte for byte`);
    const ok = await store.getTxLocation(bytes(6000 + height * 2));
    check(ok !== undefined && ok.height === height && ok.position === 0 && ok.result.ok, `tx index of block ${height} position 0`);
    const bad = await store.getTxLocation(bytes(6001 + height * 2));
    check(bad !== undefined && bad.position === 1 && !bad.result.ok && bad.result.code === 'NONCE_REPLAY', `tx index of block ${height} keeps the rejection code`);
    check(bytesEqual(await store.getNode(1, height), bytes(8000 + height)), `Merkle node (1, ${height})`);
  }
}

export function storeConformanceCases(): StoreConformanceCase[] {
  return [
    {
      name: 'an empty store has no head, block, transaction, node or state',
      async run(factory) {
        const store = await factory.create();
        check((await store.head()) === undefined, 'empty head');
        check((await store.getBlock(0)) === undefined, 'no block 0');
        check((await store.getTxLocation(bytes(1))) === undefined, 'no tx');
        check((await store.getState('doc/x')) === undefined, 'no state');
        check((await store.scanState('')).length === 0, 'empty scan');
        await expectCode(store.getNode(0, 0), 'MERKLE_NODE_MISSING', 'missing node');
        await store.close();
      },
    },
    {
      name: 'blocks, index entries, Merkle nodes, state and head round-trip',
      async run(factory) {
        const store = await factory.create();
        for (let height = 0; height <= 3; height++) await store.commitBlock(sampleCommit(height, [{ key: `doc/${height}`, value: bytes(9000 + height, 10) }]));
        await checkCommitted(store, 3);
        check(bytesEqual((await store.getState('doc/2')) as Uint8Array, bytes(9002, 10)), 'state value round-trips');
        await store.close();
      },
    },
    {
      name: 'a height gap is refused and changes nothing',
      async run(factory) {
        const store = await factory.create();
        await store.commitBlock(sampleCommit(0));
        await expectCode(store.commitBlock(sampleCommit(2, [{ key: 'doc/gap', value: bytes(1) }])), 'STORE_HEIGHT_GAP', 'commit of height 2 after 0');
        await expectCode(store.commitBlock(sampleCommit(0)), 'STORE_HEIGHT_GAP', 'a second commit of height 0');
        check((await store.getBlock(2)) === undefined, 'no block 2 after a refused commit');
        check((await store.getState('doc/gap')) === undefined, 'no state from a refused commit');
        check((await store.head())?.height === 0, 'head unchanged');
        await store.close();
      },
    },
    {
      name: 'state writes overwrite and delete; scans are ordered, prefixed, paged and capped',
      async run(factory) {
        const store = await factory.create();
        await store.commitBlock(sampleCommit(0, [
          { key: 'idx/gtin/00012345600012/b', value: bytes(2, 4) },
          { key: 'idx/gtin/00012345600012/a', value: bytes(1, 4) },
          { key: 'idx/gtin/00012345600012/c', value: bytes(3, 4) },
          { key: 'idx/gtin/00012345600013/a', value: bytes(4, 4) },
          { key: 'idx/gtim', value: bytes(5, 4) },
          { key: 'doc/a', value: bytes(6, 4) },
        ]));
        await store.commitBlock(sampleCommit(1, [
          { key: 'idx/gtin/00012345600012/b', value: null },
          { key: 'doc/a', value: bytes(7, 4) },
          { key: 'doc/never', value: null },
        ]));
        const scanned = await store.scanState('idx/gtin/00012345600012/');
        check(scanned.map(([k]) => k).join(',') === 'idx/gtin/00012345600012/a,idx/gtin/00012345600012/c', `prefix scan, got ${scanned.map(([k]) => k).join(',')}`);
        check(bytesEqual(scanned[1]?.[1] as Uint8Array, bytes(3, 4)), 'scan returns values');
        check((await store.getState('idx/gtin/00012345600012/b')) === undefined, 'deleted key is gone');
        check(bytesEqual((await store.getState('doc/a')) as Uint8Array, bytes(7, 4)), 'overwritten value');
        const paged = await store.scanState('idx/gtin/', { after: 'idx/gtin/00012345600012/a', limit: 1 });
        check(paged.length === 1 && paged[0]?.[0] === 'idx/gtin/00012345600012/c', `paging after a key, got ${paged.map(([k]) => k).join(',')}`);
        const all = await store.scanState('idx/');
        check(all.map(([k]) => k).join(',') === 'idx/gtim,idx/gtin/00012345600012/a,idx/gtin/00012345600012/c,idx/gtin/00012345600013/a', `ordered scan, got ${all.map(([k]) => k).join(',')}`);
        await store.close();
      },
    },
    {
      name: `a scan returns at most ${STATE_SCAN_MAX_ENTRIES} entries whatever limit is asked`,
      async run(factory) {
        const store = await factory.create();
        const writes: StateWrite[] = [];
        for (let i = 0; i <= STATE_SCAN_MAX_ENTRIES; i++) writes.push({ key: `n/${i.toString().padStart(6, '0')}`, value: Uint8Array.of(i & 0xff) });
        await store.commitBlock(sampleCommit(0, writes));
        const scanned = await store.scanState('n/', { limit: STATE_SCAN_MAX_ENTRIES * 2 });
        check(scanned.length === STATE_SCAN_MAX_ENTRIES, `capped scan, got ${scanned.length}`);
        check(scanned[0]?.[0] === 'n/000000' && scanned.at(-1)?.[0] === `n/${(STATE_SCAN_MAX_ENTRIES - 1).toString().padStart(6, '0')}`, 'capped scan starts at the first key');
        await store.close();
      },
    },
    {
      name: 'values read out are copies: mutating them changes nothing stored',
      async run(factory) {
        const store = await factory.create();
        await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: bytes(1, 8) }]));
        const block = (await store.getBlock(0)) as Uint8Array;
        block[0] = (block[0] as number) ^ 0xff;
        const value = (await store.getState('doc/a')) as Uint8Array;
        value[0] = (value[0] as number) ^ 0xff;
        const node = await store.getNode(0, 0);
        node[0] = (node[0] as number) ^ 0xff;
        check(bytesEqual((await store.getBlock(0)) as Uint8Array, bytes(5000, 100)), 'block unchanged');
        check(bytesEqual((await store.getState('doc/a')) as Uint8Array, bytes(1, 8)), 'state unchanged');
        check(bytesEqual(await store.getNode(0, 0), bytes(7000)), 'node unchanged');
        // Node Buffers (from LevelDB, msgpackr, the network) are views when sliced: a store must
        // copy what it is given, not keep the caller's memory.
        const given = Buffer.from(bytes(42, 16));
        await store.commitBlock(sampleCommit(1, [{ key: 'doc/buffer', value: given }]));
        given.fill(0);
        check(bytesEqual((await store.getState('doc/buffer')) as Uint8Array, bytes(42, 16)), 'a committed Buffer value is copied');
        await store.close();
      },
    },
    {
      name: 'reopening resumes at the last block without replaying',
      async run(factory) {
        if (factory.reopen === undefined) return;
        let store = await factory.create();
        for (let height = 0; height <= 4; height++) await store.commitBlock(sampleCommit(height, [{ key: `doc/${height}`, value: bytes(height, 3) }]));
        store = await factory.reopen(store);
        await checkCommitted(store, 4);
        check(bytesEqual((await store.getState('doc/4')) as Uint8Array, bytes(4, 3)), `state after reopen (${toHex((await store.getState('doc/4')) ?? new Uint8Array())})`);
        await store.commitBlock(sampleCommit(5));
        check((await store.head())?.height === 5, 'commits continue after reopen');
        await store.close();
      },
    },
  ];
}
