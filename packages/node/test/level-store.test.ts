import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sampleCommit, storeConformanceCases } from '@tradeledger/ledger/testing';
import { LevelStore, SEPARATE_VALUE_BYTES_DEFAULT } from '../src/level-store.js';

const root = mkdtempSync(join(tmpdir(), 'tl-level-store-'));
let counter = 0;
const paths = new Map<object, string>();

const factory = {
  async create() {
    const path = join(root, `db-${counter++}`);
    const store = await LevelStore.open(path);
    paths.set(store, path);
    return store;
  },
  async reopen(store: LevelStore) {
    const path = paths.get(store) as string;
    await store.close();
    const reopened = await LevelStore.open(path);
    paths.set(reopened, path);
    return reopened;
  },
};

afterAll(() => rmSync(root, { recursive: true, force: true }));

const v = (n: number): Uint8Array => new Uint8Array([n, n + 1, n + 2]);

describe('LevelStore conformance', () => {
  for (const testCase of storeConformanceCases()) {
    it(testCase.name, () => testCase.run(factory as Parameters<typeof testCase.run>[0]));
  }
});

describe('LevelStore on disk', () => {
  it('refuses to open a path that is not a database with a coded error', async () => {
    const file = join(root, 'not-a-dir');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'plain file');
    await expect(LevelStore.open(file)).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' });
  });
});

describe('LevelStore durability', () => {
  it('fsyncs a block commit unless told durable: false, and keeps both kinds across a reopen', async () => {
    let store = await factory.create();
    const syncs: unknown[] = [];
    const batch = store.raw.batch.bind(store.raw);
    vi.spyOn(store.raw, 'batch').mockImplementation(() => {
      const chained = batch();
      const write = chained.write.bind(chained);
      chained.write = ((options: { sync?: boolean }) => {
        syncs.push(options.sync);
        return write(options ?? {});
      }) as typeof chained.write;
      return chained;
    });
    await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: new Uint8Array([1]) }]));
    await store.commitBlock(sampleCommit(1, [{ key: 'doc/b', value: new Uint8Array([2]) }]), [], { durable: false });
    await store.commitBlock(sampleCommit(2, [{ key: 'doc/c', value: new Uint8Array([3]) }]), [], { durable: true });
    expect(syncs).toEqual([true, false, true]);
    store = await factory.reopen(store);
    expect((await store.head())?.height).toBe(2);
    for (const [key, byte] of [['doc/a', 1], ['doc/b', 2], ['doc/c', 3]] as const) expect(await store.getState(key)).toEqual(new Uint8Array([byte]));
    await store.close();
  });
});

describe('LevelStore large state values (under v/ keys)', () => {
  const big = (fill: number, length = SEPARATE_VALUE_BYTES_DEFAULT): Uint8Array => new Uint8Array(length).fill(fill);
  const rawKeys = async (store: LevelStore, prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    for await (const key of store.raw.keys({ gte: prefix, lt: `${prefix}\u007f` })) keys.push(key);
    return keys;
  };

  it('keeps a pointer in s/ and the value under v/, and takes the v/ entry along when the value is replaced or deleted', async () => {
    let store = await factory.create();
    const tagged = Uint8Array.of(0xc1, 1, 2); // small, but starts with the pointer tag
    await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: big(1) }, { key: 'doc/b', value: big(2) }, { key: 'doc/c', value: v(3) }, { key: 'doc/t', value: tagged }]));
    expect(await rawKeys(store, 'v/')).toHaveLength(3);
    expect((await store.raw.get('s/doc/a'))?.length).toBeLessThan(32);
    expect(new Uint8Array((await store.raw.get('s/doc/c')) as Uint8Array)).toEqual(v(3));
    expect(await store.getState('doc/a')).toEqual(big(1));
    expect(await store.getState('doc/t')).toEqual(tagged);
    // Replace a with another large value, b with a small one; delete t.
    await store.commitBlock(sampleCommit(1, [{ key: 'doc/a', value: big(9, 300) }, { key: 'doc/b', value: v(4) }, { key: 'doc/t', value: null }]));
    expect(await rawKeys(store, 'v/')).toHaveLength(1);
    // From a cold cache too: reopened, every value is read through its pointer.
    store = await factory.reopen(store);
    expect(await store.getState('doc/a')).toEqual(big(9, 300));
    expect(await store.getState('doc/b')).toEqual(v(4));
    expect(await store.getState('doc/t')).toBeUndefined();
    expect(await store.scanState('doc/')).toEqual([
      ['doc/a', big(9, 300)],
      ['doc/b', v(4)],
      ['doc/c', v(3)],
    ]);
    await store.commitBlock(sampleCommit(2, [{ key: 'doc/a', value: null }]));
    expect(await rawKeys(store, 'v/')).toHaveLength(0);
    await store.close();
  });

  it('reads a large value stored inline by an earlier version, and replaces it cleanly', async () => {
    let store = await factory.create();
    await store.commitBlock(sampleCommit(0, [{ key: 'doc/x', value: v(1) }]));
    await store.raw.put('s/doc/old', big(7, 1000)); // the layout before v/ keys
    store = await factory.reopen(store); // as that version's store is opened by this one
    expect(await store.getState('doc/old')).toEqual(big(7, 1000));
    await store.commitBlock(sampleCommit(1, [{ key: 'doc/old', value: big(8, 900) }]));
    expect(await store.getState('doc/old')).toEqual(big(8, 900));
    expect(await rawKeys(store, 'v/')).toHaveLength(1);
    await store.close();
  });

  it('answers STORE_CORRUPT for a pointer whose value is missing', async () => {
    const store = await factory.create();
    await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: big(1) }]));
    for (const key of await rawKeys(store, 'v/')) await store.raw.del(key);
    const reopened = await factory.reopen(store);
    await expect(reopened.getState('doc/a')).rejects.toMatchObject({ code: 'STORE_CORRUPT', field: 'doc/a' });
    await expect(reopened.scanState('doc/')).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await reopened.close();
  });

  it('holds exactly one v/ entry per live large value, and the values of a model, over random blocks and reopens', async () => {
    const write = fc.record({ key: fc.constantFrom('k/1', 'k/2', 'k/3', 'k/4'), value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.uniqueArray(write, { selector: (w) => w.key, maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 8 }), async (blocks) => {
        // 0, 1: small values; 2, 3: large ones.
        const valueOf = (n: number, height: number): Uint8Array => (n < 2 ? Uint8Array.of(n, height) : big(n, SEPARATE_VALUE_BYTES_DEFAULT + height));
        let store = await factory.create();
        const model = new Map<string, Uint8Array>();
        try {
          for (const [height, [writes, reopen]] of blocks.entries()) {
            const stateWrites = writes.map((w) => ({ key: w.key, value: w.value === null ? null : valueOf(w.value, height) }));
            await store.commitBlock(sampleCommit(height, [...stateWrites].sort((a, b) => (a.key < b.key ? -1 : 1))));
            for (const w of stateWrites) {
              if (w.value === null) model.delete(w.key);
              else model.set(w.key, w.value);
            }
            if (reopen) store = await factory.reopen(store);
            expect(await rawKeys(store, 'v/')).toHaveLength([...model.values()].filter((value) => value.length >= SEPARATE_VALUE_BYTES_DEFAULT).length);
            expect(await store.scanState('k/')).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
            for (const key of ['k/1', 'k/2', 'k/3', 'k/4']) expect(await store.getState(key)).toEqual(model.get(key));
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('LevelStore read cache', () => {

  it('answers from every commit: new values, deletions, keys and ids first seen absent', async () => {
    const store = await factory.create();
    try {
      await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: v(1) }, { key: 'doc/gone', value: v(2) }]));
      expect(await store.getState('doc/a')).toEqual(v(1));
      expect(await store.getState('doc/later')).toBeUndefined(); // cached as absent
      const nextTx = sampleCommit(1).txIndex[0]?.txId as Uint8Array;
      expect(await store.getTxLocation(nextTx)).toBeUndefined(); // cached as absent
      await store.commitBlock(sampleCommit(1, [{ key: 'doc/a', value: v(10) }, { key: 'doc/gone', value: null }, { key: 'doc/later', value: v(20) }]));
      expect(await store.getState('doc/a')).toEqual(v(10));
      expect(await store.getState('doc/gone')).toBeUndefined();
      expect(await store.getState('doc/later')).toEqual(v(20));
      expect(await store.getTxLocation(nextTx)).toEqual({ height: 1, position: 0, result: { ok: true } });
      // What the cache answers is what a fresh store reads from disk.
      const reopened = await factory.reopen(store);
      const fromDisk = [await reopened.getState('doc/a'), await reopened.getState('doc/gone'), await reopened.getState('doc/later')];
      expect(fromDisk.map((value) => value && new Uint8Array(value))).toEqual([v(10), undefined, v(20)]);
      await reopened.close();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  });

  it('answers repeated reads, present or absent, without going to disk', async () => {
    const written = await factory.create();
    await written.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: v(1) }, { key: 'doc/none', value: v(2) }]));
    const store = await factory.reopen(written); // a cold cache
    expect(await store.keyFilterLoaded()).toMatchObject({ complete: true });
    // Absent, yet in the key filter (which would otherwise answer for the cache).
    const unknownTx = sampleCommit(0).txIndex[0]?.txId as Uint8Array;
    await store.raw.del(`t/${Buffer.from(unknownTx).toString('hex')}`);
    await store.raw.del('s/doc/none');
    const disk = vi.spyOn(store.raw, 'getSync');
    const asyncDisk = vi.spyOn(store.raw, 'get');
    const first = await Promise.all([store.getState('doc/a'), store.getState('doc/a'), store.getState('doc/none'), store.getState('doc/none'), store.getTxLocation(unknownTx), store.getTxLocation(unknownTx)]);
    // Each key and id is read once: doc/a, and the absent key and id.
    expect(disk).toHaveBeenCalledTimes(3);
    const again = await Promise.all([store.getState('doc/a'), store.getState('doc/none'), store.getTxLocation(unknownTx)]);
    expect(disk).toHaveBeenCalledTimes(3);
    expect(asyncDisk).not.toHaveBeenCalled(); // state and location reads never leave this thread
    expect(first.map((x) => (x instanceof Uint8Array ? new Uint8Array(x) : x))).toEqual([v(1), v(1), undefined, undefined, undefined, undefined]);
    expect(again.map((x) => (x instanceof Uint8Array ? new Uint8Array(x) : x))).toEqual([v(1), undefined, undefined]);
    disk.mockRestore();
    asyncDisk.mockRestore();
    await store.close();
  });

  it('hands out copies: changing a returned value changes nothing stored', async () => {
    const store = await factory.create();
    await store.commitBlock(sampleCommit(0, [{ key: 'doc/a', value: v(1) }]));
    const first = (await store.getState('doc/a')) as Uint8Array;
    first[0] = 99;
    const second = (await store.getState('doc/a')) as Uint8Array;
    second[1] = 99;
    expect(await store.getState('doc/a')).toEqual(v(1));
    await store.close();
  });

  it('never keeps a value read while a commit was being written once that commit is done', async () => {
    const first = await factory.create();
    await first.commitBlock(sampleCommit(0, [{ key: 'doc/x', value: v(1) }]));
    const store = await factory.reopen(first); // an empty cache: the next read goes to disk
    const unknownTx = sampleCommit(1).txIndex[0]?.txId as Uint8Array;
    // Hold the commit's batch on its way to disk, and read the keys it writes meanwhile.
    const makeBatch = store.raw.batch.bind(store.raw);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writing!: () => void;
    const started = new Promise<void>((resolve) => (writing = resolve));
    const spy = vi.spyOn(store.raw, 'batch').mockImplementationOnce((() => {
      const batch = makeBatch();
      const write = batch.write.bind(batch);
      batch.write = (async (options?: Parameters<typeof write>[0]) => {
        writing();
        await held;
        return write(options ?? {});
      }) as typeof batch.write;
      return batch;
    }) as typeof store.raw.batch);
    const commit = store.commitBlock(sampleCommit(1, [{ key: 'doc/x', value: v(9) }, { key: 'doc/new', value: v(5) }]));
    await started;
    // Before the batch is written: the values from before the commit, now in the cache.
    expect(new Uint8Array((await store.getState('doc/x')) as Uint8Array)).toEqual(v(1));
    expect(await store.getState('doc/new')).toBeUndefined();
    expect(await store.getTxLocation(unknownTx)).toBeUndefined();
    release();
    await commit;
    spy.mockRestore();
    expect(new Uint8Array((await store.getState('doc/x')) as Uint8Array)).toEqual(v(9));
    expect(new Uint8Array((await store.getState('doc/new')) as Uint8Array)).toEqual(v(5));
    expect(await store.getTxLocation(unknownTx)).toEqual({ height: 1, position: 0, result: { ok: true } });
    await store.close();
  });
});

describe('LevelStore key filter', () => {
  const key = (i: number): string => `doc/${i.toString(16).padStart(8, '0')}`;
  const txId = (i: number): Uint8Array => {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(28, i);
    id[0] = 0xee;
    return id;
  };
  /** A store on disk with `count` state keys and `count` transaction ids, reopened (cold cache). */
  async function filled(count: number): Promise<LevelStore> {
    const store = await factory.create();
    const perBlock = 2000;
    for (let height = 0; height * perBlock < count; height++) {
      const commit = sampleCommit(height, []);
      const from = height * perBlock;
      const to = Math.min(count, from + perBlock);
      const writes = [];
      const index = [];
      for (let i = from; i < to; i++) {
        writes.push({ key: key(i), value: v(i & 0x7f) });
        index.push({ txId: txId(i), position: i - from, result: { ok: true } as const });
      }
      await store.commitBlock({ ...commit, stateWrites: writes, txIndex: index });
    }
    return factory.reopen(store);
  }

  /** `filled(count)`, closed and opened again with its key filter's load left to the test. */
  async function filledDeferred(count: number): Promise<LevelStore> {
    const first = await filled(count);
    const path = paths.get(first) as string;
    await first.close();
    const store = await LevelStore.open(path, { keyFilter: 'deferred' });
    paths.set(store, path);
    return store;
  }

  it('answers absent keys and ids without reading LevelDB once loaded, and still finds every stored one', async () => {
    const count = 10_000; // about twenty load steps
    const store = await filled(count);
    const loaded = await store.keyFilterLoaded();
    expect(loaded).toMatchObject({ complete: true });
    expect(loaded.keys).toBeGreaterThanOrEqual(2 * count - 10); // a few may be taken for others
    const disk = vi.spyOn(store.raw, 'getSync');
    for (let i = count; i < count + 2000; i++) {
      expect(await store.getState(key(i))).toBeUndefined();
      expect(await store.getTxLocation(txId(i))).toBeUndefined();
    }
    // 4,000 absent reads: only the filter's false positives (well under 0.5% here) reach LevelDB.
    expect(disk.mock.calls.length).toBeLessThan(20);
    disk.mockClear();
    for (let i = 0; i < count; i += 7) {
      expect(new Uint8Array((await store.getState(key(i))) as Uint8Array)).toEqual(v(i & 0x7f));
      expect((await store.getTxLocation(txId(i)))?.position).toBe(i % 2000);
    }
    expect(disk.mock.calls.length).toBe(2 * Math.ceil(count / 7));
    disk.mockRestore();
    await store.close();
  });

  it('holds a key committed after the load has passed its place, so a later commit still finds its old value', async () => {
    const store = await filledDeferred(5000);
    // Hold the load after its first step over the s/ keys: it has passed 'aa/…', which sorts before
    // every doc/ key, and a commit of that key now reaches the filter only through the commit.
    const realKeys = store.raw.keys.bind(store.raw);
    let passed!: () => void;
    const firstStep = new Promise<void>((resolve) => (passed = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const spy = vi.spyOn(store.raw, 'keys').mockImplementationOnce(((options: Parameters<typeof realKeys>[0]) => {
      const iterator = realKeys(options);
      const nextv = iterator.nextv.bind(iterator);
      let steps = 0;
      iterator.nextv = (async (size: number, ...rest: unknown[]) => {
        if (steps++ === 1) {
          passed();
          await gate;
        }
        return (nextv as (size: number, ...rest: unknown[]) => Promise<string[]>)(size, ...rest);
      }) as typeof iterator.nextv;
      return iterator;
    }) as typeof store.raw.keys);
    store.loadKeyFilter();
    await firstStep;
    const big = (fill: number): Uint8Array => new Uint8Array(SEPARATE_VALUE_BYTES_DEFAULT + 10).fill(fill);
    let height = ((await store.head())?.height as number) + 1;
    await store.commitBlock(sampleCommit(height++, [{ key: 'aa/early', value: big(1) }]));
    release();
    expect(await store.keyFilterLoaded()).toMatchObject({ complete: true });
    spy.mockRestore();
    // Replacing the value must find the old pointer (through the filter) and delete its v/ entry.
    await store.commitBlock(sampleCommit(height++, [{ key: 'aa/early', value: big(2) }]));
    const values: string[] = [];
    for await (const k of store.raw.keys({ gte: 'v/', lt: 'v0' })) values.push(k);
    expect(values).toHaveLength(1);
    expect(await store.getState('aa/early')).toEqual(big(2));
    await store.close();
  });

  it('does not read the previous values of a block’s new keys when it commits it', async () => {
    const store = await filled(3000);
    await store.keyFilterLoaded();
    const height = ((await store.head())?.height as number) + 1;
    const many = vi.spyOn(store.raw, 'getMany');
    const writes = Array.from({ length: 500 }, (_, i) => ({ key: `idx/new/${i.toString().padStart(4, '0')}`, value: v(i & 0x7f) }));
    writes.push({ key: key(5), value: new Uint8Array(SEPARATE_VALUE_BYTES_DEFAULT).fill(3) }); // stored before: may point to a value
    await store.commitBlock(sampleCommit(height, writes));
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]?.[0]).toEqual([`s/${key(5)}`]);
    many.mockRestore();
    expect(new Uint8Array((await store.getState('idx/new/0499')) as Uint8Array)).toEqual(v(499 & 0x7f));
    await store.close();
  });

  it('loads only when asked, if opened with keyFilter: deferred (a node asks once it runs)', async () => {
    const store = await filledDeferred(3000);
    expect(await store.keyFilterLoaded()).toMatchObject({ complete: false, keys: 0 });
    expect(await store.getState('doc/not-there')).toBeUndefined(); // read from disk meanwhile
    store.loadKeyFilter();
    store.loadKeyFilter(); // once
    const loaded = await store.keyFilterLoaded();
    expect(loaded.complete).toBe(true);
    expect(loaded.keys).toBeGreaterThan(5990);
    expect(loaded.keys).toBeLessThanOrEqual(6000);
    await store.close();
  });

  it('stops loading when the store closes, and a store that never finished loading reads correctly', async () => {
    const store = await filled(20_000);
    await store.close(); // at once, mid-load
    expect(await store.keyFilterLoaded()).toMatchObject({ complete: false });
    const again = await LevelStore.open(paths.get(store) as string);
    const disk = vi.spyOn(again.raw, 'getSync');
    // Before the load is done every read goes to disk (and answers correctly).
    expect(await again.getState('doc/never')).toBeUndefined();
    expect(new Uint8Array((await again.getState(key(7))) as Uint8Array)).toEqual(v(7));
    expect(disk).toHaveBeenCalledTimes(2);
    disk.mockRestore();
    await again.close();
  });
});
