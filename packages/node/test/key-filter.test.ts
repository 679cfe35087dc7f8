import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_FILTER_FIRST_CAPACITY, KeyFilter } from '../src/key-filter.js';

describe('KeyFilter', () => {
  it('holds every key it was given, across the growth of several segments', () => {
    const filter = new KeyFilter();
    const salt = randomBytes(8).toString('hex');
    const keys = Array.from({ length: KEY_FILTER_FIRST_CAPACITY * 7 }, (_, i) => `t/${salt}${i.toString(16).padStart(56, '0')}`);
    for (const key of keys) filter.add(key);
    expect(keys.every((key) => filter.mightContain(key))).toBe(true);
    // 7 × the first capacity fills segments of 1, 2 and 4 times it.
    expect(filter.bytes).toBe((KEY_FILTER_FIRST_CAPACITY * 7 * 16) / 8);
    expect(filter.keys).toBeGreaterThan(keys.length * 0.99); // the rest were taken for keys held
    expect(filter.keys).toBeLessThanOrEqual(keys.length);
  });

  it('holds any string it was given (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 200 }), (keys) => {
        const filter = new KeyFilter();
        for (const key of keys) filter.add(key);
        return keys.every((key) => filter.mightContain(key));
      }),
    );
  });

  it('takes few keys it was never given for ones it holds', () => {
    const filter = new KeyFilter();
    const added = KEY_FILTER_FIRST_CAPACITY * 3; // two full segments
    for (let i = 0; i < added; i++) filter.add(`s/doc/${i.toString(16).padStart(64, '0')}`);
    let taken = 0;
    const probes = 200_000;
    for (let i = 0; i < probes; i++) if (filter.mightContain(`s/doc/${(added + i).toString(16).padStart(64, '0')}`)) taken++;
    // About 0.15% per full segment (measured: 0.77% over five); probes that overlap, as a
    // position step of x·i within the block did, gave 3.5%.
    expect(taken / probes).toBeLessThan(0.01);
  });

  it('counts a key written again (a signer’s nonce, every transaction) once', () => {
    const filter = new KeyFilter();
    for (let i = 0; i < 100_000; i++) filter.add(`s/nonce/${i % 10}`);
    expect(filter.keys).toBe(10);
    expect(filter.bytes).toBe((KEY_FILTER_FIRST_CAPACITY * 16) / 8);
  });
});
