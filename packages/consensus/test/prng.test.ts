import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConsensusError, createPrng, randomInt, randomUnit } from '../src/index.js';
import { referenceOutputs } from './reference/xoshiro128-reference.js';

describe('prng (xoshiro128** seeded by splitmix32)', () => {
  test('matches the BigInt reference output for output', () => {
    for (const seed of [0, 1, 42, 0xffffffff, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      const prng = createPrng(seed);
      const fast = Array.from({ length: 200 }, () => prng.nextUint32());
      expect(fast).toEqual(referenceOutputs(seed, 200));
    }
  });

  test('property: any seed matches the reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seed) => {
        const prng = createPrng(seed);
        const fast = Array.from({ length: 8 }, () => prng.nextUint32());
        expect(fast).toEqual(referenceOutputs(seed, 8));
      }),
      { numRuns: 200 },
    );
  });

  test('randomInt stays in [0, bound) and covers it; bad bounds and seeds are refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 1000 }), (seed, bound) => {
        const prng = createPrng(seed);
        for (let i = 0; i < 20; i++) {
          const v = randomInt(prng, bound);
          expect(Number.isInteger(v) && v >= 0 && v < bound).toBe(true);
        }
      }),
    );
    const prng = createPrng(9);
    const seen = new Set(Array.from({ length: 500 }, () => randomInt(prng, 10)));
    expect(seen.size).toBe(10);
    const unit = randomUnit(prng);
    expect(unit >= 0 && unit < 1).toBe(true);
    expect(() => randomInt(prng, 0)).toThrow(ConsensusError);
    expect(() => createPrng(-1)).toThrow(ConsensusError);
  });

  test('same seed, same sequence; different seeds differ', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const c = createPrng(8);
    const seqA = Array.from({ length: 10 }, () => a.nextUint32());
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 10 }, () => c.nextUint32())).not.toEqual(seqA);
  });
});
