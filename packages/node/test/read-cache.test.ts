import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadCache, SharedReads } from '../src/read-cache.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n);

describe('ReadCache', () => {
  it('answers cached values, known-absent keys, and undefined for keys it never saw', () => {
    const cache = new ReadCache<Uint8Array>(10, 1000, (v) => v.length);
    cache.fill('a', bytes(3), cache.generation);
    cache.fill('b', null, cache.generation);
    expect(cache.get('a')).toEqual(bytes(3));
    expect(cache.get('b')).toBeNull();
    expect(cache.get('c')).toBeUndefined();
  });

  it('drops a read that raced a commit, keeps one that did not', () => {
    const cache = new ReadCache<string>(10, 1000, (v) => v.length);
    const before = cache.generation;
    cache.put('k', 'new');
    cache.committed();
    cache.fill('k', 'old', before); // read began before the commit: must not overwrite
    expect(cache.get('k')).toBe('new');
    cache.fill('other', 'stale', before);
    expect(cache.get('other')).toBeUndefined();
    cache.fill('other', 'fresh', cache.generation);
    expect(cache.get('other')).toBe('fresh');
  });

  it('evicts the least recently used entry when over its count', () => {
    const cache = new ReadCache<string>(3, 1000, (v) => v.length);
    for (const k of ['a', 'b', 'c']) cache.put(k, k);
    expect(cache.get('a')).toBe('a'); // a is now the most recent
    cache.put('d', 'd');
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual(['a', 'c', 'd']);
    expect(cache.size).toBe(3);
  });

  it('evicts exactly what a reference LRU evicts over long random sequences of reads, writes and deletes', () => {
    // Evictions walk a cursor kept across calls (see ReadCache): the order must stay the least
    // recently used one however gets, replacements, deletions and wrap-arounds interleave.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 16, max: 200 }), fc.array(op, { minLength: 1, maxLength: 400 }), (maxEntries, maxBytes, ops) => {
        const cache = new ReadCache<Uint8Array>(maxEntries, maxBytes, (v) => v.length);
        const model: Array<{ key: string; size: number }> = []; // least recently used first
        const held = () => model.reduce((sum, e) => sum + e.size + e.key.length, 0);
        for (const o of ops) {
          const key = `k${o.key}`;
          const at = model.findIndex((e) => e.key === key);
          if (o.kind === 'get') {
            const expected = at < 0 ? undefined : (model[at] as { size: number }).size;
            expect(cache.get(key)?.length).toBe(expected);
            if (at >= 0) model.push(...model.splice(at, 1));
            continue;
          }
          if (at >= 0) model.splice(at, 1);
          cache.put(key, bytes(o.size));
          if (o.size <= maxBytes / 16) model.push({ key, size: o.size });
          while (model.length > maxEntries || held() > maxBytes) model.shift();
          expect(cache.size).toBe(model.length);
          expect(cache.bytes).toBe(held());
        }
        for (const e of model) expect(cache.get(e.key)?.length).toBe(e.size);
      }),
      { numRuns: 300 },
    );
  });

  it('stays within its byte budget, counts replaced values once, and never holds one value over a sixteenth of it', () => {
    const cache = new ReadCache<Uint8Array>(1000, 1600, (v) => v.length);
    for (let i = 0; i < 40; i++) cache.put(`k${i}`, bytes(90));
    expect(cache.bytes).toBeLessThanOrEqual(1600);
    expect(cache.get('k39')).toEqual(bytes(90));
    expect(cache.get('k0')).toBeUndefined();
    const held = cache.bytes;
    cache.put('k39', bytes(50));
    expect(cache.bytes).toBe(held - 40);
    cache.put('big', bytes(101));
    expect(cache.get('big')).toBeUndefined();
    cache.put('k39', null);
    expect(cache.get('k39')).toBeNull();
    expect(cache.bytes).toBe(held - 90);
  });
});

describe('SharedReads', () => {
  it('shares one load among reads of a key in the same generation, not across a commit', async () => {
    const reads = new SharedReads<string>();
    let loads = 0;
    const gate: Array<() => void> = [];
    const load = (value: string) => (): Promise<string> => {
      loads += 1;
      return new Promise((resolve) => gate.push(() => resolve(value)));
    };
    const a = reads.read('k', 0, load('first'));
    const b = reads.read('k', 0, load('unused'));
    const c = reads.read('k', 1, load('after-commit'));
    const d = reads.read('other', 0, load('other'));
    expect(loads).toBe(3);
    for (const open of gate) open();
    expect(await Promise.all([a, b, c, d])).toEqual(['first', 'first', 'after-commit', 'other']);
    expect(reads.size).toBe(0);
    const e = reads.read('k', 1, load('again'));
    gate.at(-1)?.();
    expect(await e).toBe('again');
    expect(loads).toBe(4);
  });

  it('forgets a failed load, so the next read tries again', async () => {
    const reads = new SharedReads<string>();
    await expect(reads.read('k', 0, () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(await reads.read('k', 0, () => Promise.resolve('ok'))).toBe('ok');
  });
});
