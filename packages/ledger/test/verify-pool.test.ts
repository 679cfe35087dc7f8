import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VERIFY_BATCH_MAX_ITEMS, VERIFY_PARALLEL_MIN_ITEMS } from '../src/constants.js';
import { publicKeyFromSeed, sign, SMALL_ORDER_ENCODINGS, verify } from '../src/ed25519.js';
import { inlineVerifier, WorkerVerifyPool, type VerifyItem } from '../src/verify-pool.js';

const pool = new WorkerVerifyPool(2);
afterAll(() => pool.close());

function item(i: number): VerifyItem {
  const seed = new Uint8Array(32).fill((i % 7) + 1);
  const message = Uint8Array.of(i & 0xff, i >> 8, 42);
  return { publicKey: publicKeyFromSeed(seed), message, signature: sign(seed, message) };
}

describe('WorkerVerifyPool', () => {
  it('answers exactly like ed25519.verify for valid, mutated and small-order items, in order', async () => {
    const items: VerifyItem[] = Array.from({ length: VERIFY_PARALLEL_MIN_ITEMS * 4 }, (_, i) => item(i));
    const mutate = (i: number, f: (x: VerifyItem) => VerifyItem) => (items[i] = f(items[i] as VerifyItem));
    mutate(3, (x) => ({ ...x, message: Uint8Array.of(9) }));
    mutate(10, (x) => ({ ...x, publicKey: SMALL_ORDER_ENCODINGS[1] as Uint8Array }));
    mutate(11, (x) => ({ ...x, signature: x.signature.slice(0, 63) }));
    mutate(200, (x) => {
      const s = x.signature.slice();
      s[0] = (s[0] as number) ^ 1;
      return { ...x, signature: s };
    });
    const expected = items.map((x) => verify(x.publicKey, x.message, x.signature));
    expect(expected.filter((v) => !v)).toHaveLength(4);
    expect(await pool.verifyBatch(items)).toEqual(expected);
    expect(await inlineVerifier.verifyBatch(items)).toEqual(expected);
  });

  it('agrees with inline verification on random batches around the parallel threshold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: VERIFY_PARALLEL_MIN_ITEMS * 3 }), fc.array(fc.nat(), { maxLength: 5 }), async (n, flips) => {
        const items = Array.from({ length: n }, (_, i) => item(i));
        for (const f of flips) {
          if (n === 0) break;
          const at = f % n;
          const s = (items[at] as VerifyItem).signature.slice();
          s[f % 64] = (s[f % 64] as number) ^ 0x80;
          items[at] = { ...(items[at] as VerifyItem), signature: s };
        }
        expect(await pool.verifyBatch(items)).toEqual(await inlineVerifier.verifyBatch(items));
      }),
      { numRuns: 15 },
    );
  });

  it(`refuses a batch above ${VERIFY_BATCH_MAX_ITEMS} items and works after a closed pool is refused`, async () => {
    const big = new Array<VerifyItem>(VERIFY_BATCH_MAX_ITEMS + 1).fill(item(1));
    await expect(pool.verifyBatch(big)).rejects.toMatchObject({ code: 'ASSERTION_FAILED' });
    const closed = new WorkerVerifyPool(1);
    await closed.close();
    await expect(closed.verifyBatch([item(1)])).rejects.toMatchObject({ code: 'VERIFY_POOL_CLOSED' });
    expect(await pool.verifyBatch([item(1), item(2)])).toEqual([true, true]);
  });
});
