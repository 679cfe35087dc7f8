// The pool's queue: many calls at once, each answered exactly like ed25519.verify item by item;
// closing fails calls still waiting instead of leaving them hanging.
import { afterAll, describe, expect, it } from 'vitest';
import { VERIFY_PARALLEL_MIN_ITEMS } from '../src/constants.js';
import { publicKeyFromSeed, sign, verify } from '../src/ed25519.js';
import { WorkerVerifyPool, type VerifyItem } from '../src/verify-pool.js';

const seeds = Array.from({ length: 5 }, (_, k) => new Uint8Array(32).fill(40 + k));
const keys = seeds.map((seed) => publicKeyFromSeed(seed));

function item(i: number): VerifyItem {
  const k = i % seeds.length;
  const message = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 7, 7);
  return { publicKey: keys[k] as Uint8Array, message, signature: sign(seeds[k] as Uint8Array, message) };
}

/** Every `every`-th item gets a flipped message bit, so the answers are not all true. */
function batch(offset: number, count: number, every: number): VerifyItem[] {
  return Array.from({ length: count }, (_, j) => {
    const x = item(offset + j);
    if ((offset + j) % every !== 0) return x;
    const message = x.message.slice();
    message[0] = (message[0] as number) ^ 1;
    return { ...x, message };
  });
}

const pool = new WorkerVerifyPool(2);
afterAll(() => pool.close());

describe('WorkerVerifyPool scheduling', () => {
  it('answers eight concurrent calls of different sizes, each item exactly as ed25519.verify does', async () => {
    const calls = [VERIFY_PARALLEL_MIN_ITEMS, 65, 100, 257, 300, 64, 500, 130].map((count, c) => batch(c * 1000, count, 7 + c));
    const expected = calls.map((items) => items.map((x) => verify(x.publicKey, x.message, x.signature)));
    expect(expected.flat().filter((v) => !v).length).toBeGreaterThan(100);
    const answers = await Promise.all(calls.map((items) => pool.verifyBatch(items)));
    expect(answers).toEqual(expected);
  });

  it('fails calls that are still waiting when the pool closes, with VERIFY_POOL_CLOSED', async () => {
    const closing = new WorkerVerifyPool(1);
    const waiting = closing.verifyBatch(batch(0, 600, 5));
    const settled = waiting.then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    await closing.close();
    expect(await settled).toBe('VERIFY_POOL_CLOSED');
    await expect(closing.verifyBatch(batch(0, 1, 5))).rejects.toMatchObject({ code: 'VERIFY_POOL_CLOSED' });
  });
});
