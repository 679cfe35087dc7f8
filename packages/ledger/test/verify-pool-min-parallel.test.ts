// verifyBatch's minParallelItems: a caller can send batches smaller than VERIFY_PARALLEL_MIN_ITEMS
// to the workers, with answers identical to ed25519.verify item by item, while calls without the
// option keep verifying small batches on the calling thread. ed25519.ts is wrapped here so the
// test can count the verifications that ran on this thread (workers run their own copy of OpenSSL's
// verify and never reach the wrapper; vi.mock is hoisted above the imports).
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { VERIFY_PARALLEL_MIN_ITEMS } from '../src/constants.js';
import { publicKeyFromSeed, sign, SMALL_ORDER_ENCODINGS, verify } from '../src/ed25519.js';
import { WorkerVerifyPool, type VerifyItem } from '../src/verify-pool.js';

const calls = vi.hoisted(() => ({ verify: 0 }));
vi.mock('../src/ed25519.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/ed25519.js')>();
  return {
    ...original,
    verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
      calls.verify += 1;
      return original.verify(publicKey, message, signature);
    },
  };
});


const pool = new WorkerVerifyPool(2);
afterAll(() => pool.close());
beforeEach(() => {
  calls.verify = 0;
});

function item(i: number): VerifyItem {
  const seed = new Uint8Array(32).fill((i % 5) + 60);
  const message = Uint8Array.of(i & 0xff, i >> 8, 3);
  return { publicKey: publicKeyFromSeed(seed), message, signature: sign(seed, message) };
}

/** Valid items, with a wrong message, a flipped signature bit and three strict-precheck failures among them. */
function mixed(count: number): VerifyItem[] {
  const items = Array.from({ length: count }, (_, i) => item(i));
  const set = (i: number, f: (x: VerifyItem) => VerifyItem) => {
    if (i < count) items[i] = f(items[i] as VerifyItem);
  };
  set(1, (x) => ({ ...x, message: Uint8Array.of(77) }));
  set(2, (x) => {
    const signature = x.signature.slice();
    signature[5] = (signature[5] as number) ^ 0x10;
    return { ...x, signature };
  });
  set(3, (x) => ({ ...x, publicKey: SMALL_ORDER_ENCODINGS[0] as Uint8Array }));
  set(4, (x) => ({ ...x, signature: x.signature.slice(0, 63) }));
  // S = L (the group order) is not canonical: refused by the precheck even if OpenSSL took it.
  set(5, (x) => {
    const signature = x.signature.slice();
    signature.set(Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex')), 32);
    return { ...x, signature };
  });
  return items;
}

function expectedOf(items: readonly VerifyItem[]): boolean[] {
  const expected = items.map((x) => verify(x.publicKey, x.message, x.signature));
  calls.verify = 0;
  return expected;
}

describe('WorkerVerifyPool minParallelItems', () => {
  it('with minParallelItems 1, answers small batches exactly like ed25519.verify without verifying any item on the calling thread', async () => {
    for (const count of [1, 2, 7, VERIFY_PARALLEL_MIN_ITEMS - 1]) {
      const items = mixed(count);
      const expected = expectedOf(items);
      if (count >= 7) expect(expected.filter((v) => !v)).toHaveLength(5);
      expect(await pool.verifyBatch(items, { minParallelItems: 1 }), `${count} items`).toEqual(expected);
      expect(calls.verify, `${count} items`).toBe(0);
    }
  });

  it('answers a batch whose items all fail the strict precheck without a worker', async () => {
    const items = mixed(6).slice(3, 6);
    expect(expectedOf(items)).toEqual([false, false, false]);
    expect(await pool.verifyBatch(items, { minParallelItems: 1 })).toEqual([false, false, false]);
    expect(calls.verify).toBe(0);
  });

  it(`without the option, verifies fewer than ${VERIFY_PARALLEL_MIN_ITEMS} passing items on the calling thread and more on the workers, as blocks did`, async () => {
    const small = mixed(VERIFY_PARALLEL_MIN_ITEMS + 2);
    const smallExpected = expectedOf(small);
    // 3 of the items fail the precheck: VERIFY_PARALLEL_MIN_ITEMS - 1 pass, one short of the threshold.
    expect(await pool.verifyBatch(small)).toEqual(smallExpected);
    expect(calls.verify).toBe(VERIFY_PARALLEL_MIN_ITEMS - 1);
    calls.verify = 0;
    const large = mixed(VERIFY_PARALLEL_MIN_ITEMS + 3);
    const largeExpected = expectedOf(large);
    expect(await pool.verifyBatch(large)).toEqual(largeExpected);
    expect(calls.verify).toBe(0);
  });

  it('keeps small batches on the calling thread when minParallelItems is above their size, and refuses a value below 1', async () => {
    const items = mixed(VERIFY_PARALLEL_MIN_ITEMS * 2);
    const expected = expectedOf(items);
    expect(await pool.verifyBatch(items, { minParallelItems: VERIFY_PARALLEL_MIN_ITEMS * 2 })).toEqual(expected);
    expect(calls.verify).toBe(VERIFY_PARALLEL_MIN_ITEMS * 2 - 3);
    await expect(pool.verifyBatch(items, { minParallelItems: 0 })).rejects.toMatchObject({ code: 'ASSERTION_FAILED' });
    await expect(pool.verifyBatch(items, { minParallelItems: 1.5 })).rejects.toMatchObject({ code: 'ASSERTION_FAILED' });
  });
});
