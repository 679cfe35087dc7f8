import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadCache } from '../src/read-cache.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n);

describe('ReadCache', () => {
  it('answers cached values, known-absent keys, and undefined for keys it never saw', () => {
    const cache = new ReadCache<Uint8Array>(10, 1000, (v) => v.length);
    cache.put('a', bytes(3));
    cache.put('b', null);
    expect(cache.get('a')).toEqual(bytes(3));
    expect(cache.get('b')).toBeNull();
    expect(cache.get('c')).toBeUndefined();
  });

  it('loads what it does not hold once, absent or present, and answers the rest itself', () => {
    const cache = new ReadCache<string>(10, 1000, (v) => v.length);
    const loads: string[] = [];
    const disk = new Map([['present', 'value']]);
    const load = (key: string) => () => {
      loads.push(key);
      return disk.get(key) ?? null;
    };
    expect([cache.read('present', load('present')), cache.read('absent', load('absent'))]).toEqual(['value', null]);
    expect([cache.read('present', load('present')), cache.read('absent', load('absent'))]).toEqual(['value', null]);
    expect(loads).toEqual(['present', 'absent']);
    cache.put('absent', 'written'); // a commit
    expect(cache.read('absent', load('absent'))).toBe('written');
    expect(loads).toEqual(['present', 'absent']);
  });

  it('caches nothing when a load fails, so the next read tries again', () => {
    const cache = new ReadCache<string>(10, 1000, (v) => v.length);
    expect(() =>
      cache.read('k', () => {
        throw new Error('disk');
      }),
    ).toThrow('disk');
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.read('k', () => 'ok')).toBe('ok');
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
