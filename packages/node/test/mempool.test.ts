import { describe, expect, it } from 'vitest';
import { encodeCanonical, publicKeyFromSeed, sign, signingHashOf, signTx, type DecodedTx, type TxResult } from '@tradeledger/ledger';
import { Mempool, type MempoolLimits } from '../src/mempool.js';

const CHAIN = 'mempool-test';
const seedA = new Uint8Array(32).fill(21);
const seedB = new Uint8Array(32).fill(22);

function tx(seed: Uint8Array, nonce: number, size = 10): DecodedTx {
  return signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { text: 'x'.repeat(size) }, signer: publicKeyFromSeed(seed), nonce, timestamp: 1_700_000_000_000 }, seed);
}

const limits: MempoolLimits = { maxTxs: 5, maxBytes: 100_000, maxTxBytes: 4_000, retryAfterSeconds: 2 };

function pool(overrides: Partial<MempoolLimits> = {}, committed = new Set<string>(), verdict: (tx: DecodedTx) => TxResult = () => ({ ok: true })) {
  return new Mempool({ ...limits, ...overrides }, {
    prevalidate: async (t) => verdict(t),
    isCommitted: async (id) => committed.has(Buffer.from(id).toString('hex')),
  });
}

describe('Mempool admission', () => {
  it('admits a valid transaction and counts it', async () => {
    const mempool = pool();
    const t = tx(seedA, 1);
    expect((await mempool.admit(t.bytes)).idHex).toBe(t.idHex);
    expect(mempool.size).toBe(1);
    expect(mempool.bytes).toBe(t.bytes.length);
    expect(mempool.has(t.idHex)).toBe(true);
  });

  it('refuses with codes and statuses, changing nothing', async () => {
    const committedTx = tx(seedB, 9);
    const mempool = pool({}, new Set([committedTx.idHex]), (t) => (t.tx.nonce === 666 ? { ok: false, code: 'ROLE_FORBIDDEN' } : { ok: true }));
    const ok = tx(seedA, 1);
    await mempool.admit(ok.bytes);
    const { signature: _s, ...unsigned } = tx(seedA, 2).tx;
    const forged = encodeCanonical({ ...unsigned, signature: sign(seedB, signingHashOf(unsigned)) });
    const cases: Array<[Uint8Array, string, number]> = [
      [ok.bytes, 'TX_DUPLICATE', 409],
      [committedTx.bytes, 'TX_DUPLICATE', 409],
      [tx(seedA, 1, 11).bytes, 'NONCE_REPLAY', 409],
      [forged, 'TX_SIGNATURE_INVALID', 400],
      [Uint8Array.of(0xc1), expect.stringMatching(/^TX_/) as unknown as string, 400],
      [tx(seedA, 3, 5_000).bytes, 'TX_TOO_LARGE', 413],
      [tx(seedA, 666).bytes, 'ROLE_FORBIDDEN', 400],
    ];
    for (const [bytes, code, status] of cases) {
      await expect(mempool.admit(bytes)).rejects.toMatchObject({ code, status });
    }
    expect(mempool.size).toBe(1);
    expect(mempool.bytes).toBe(ok.bytes.length);
  });

  it('answers MEMPOOL_FULL with Retry-After at the count limit and the byte limit', async () => {
    const byCount = pool({ maxTxs: 2 });
    await byCount.admit(tx(seedA, 1).bytes);
    await byCount.admit(tx(seedA, 2).bytes);
    await expect(byCount.admit(tx(seedA, 3).bytes)).rejects.toMatchObject({ code: 'MEMPOOL_FULL', status: 503, retryAfterSeconds: 2 });
    expect(byCount.size).toBe(2);
    const first = tx(seedA, 1, 1000);
    const byBytes = pool({ maxBytes: first.bytes.length * 2 - 1, maxTxBytes: first.bytes.length });
    await byBytes.admit(first.bytes);
    await expect(byBytes.admit(tx(seedA, 2, 1000).bytes)).rejects.toMatchObject({ code: 'MEMPOOL_FULL' });
  });

  it('refuses new transactions while the oldest pending one has waited past maxQueueMs, and admits again once it is in a block', async () => {
    let now = 1_000;
    const mempool = new Mempool({ ...limits, maxQueueMs: 500 }, { prevalidate: async () => ({ ok: true }), isCommitted: async () => false, now: () => now });
    const first = await mempool.admit(tx(seedA, 1).bytes);
    now += 400;
    await mempool.admit(tx(seedA, 2).bytes);
    expect(mempool.oldestPendingMs()).toBe(400);
    now += 101;
    await expect(mempool.admit(tx(seedA, 3).bytes)).rejects.toMatchObject({ code: 'MEMPOOL_FULL', status: 503, retryAfterSeconds: 2, message: expect.stringContaining('501 ms') });
    expect(mempool.size).toBe(2);
    // In a block (in flight), the first no longer counts as waiting; the second has waited 101 ms.
    expect(mempool.take(1, 1 << 20).map((t) => t.idHex)).toEqual([first.idHex]);
    expect(mempool.oldestPendingMs()).toBe(101);
    await expect(mempool.admit(tx(seedA, 3).bytes)).resolves.toBeDefined();
    // A proposal given up puts its transactions back in front, with their age.
    mempool.requeue([first.idHex]);
    expect(mempool.oldestPendingMs()).toBe(501);
    await expect(mempool.admit(tx(seedA, 4).bytes)).rejects.toMatchObject({ code: 'MEMPOOL_FULL' });
  });

  it('lets exactly one of two concurrent admissions of the same transaction in', async () => {
    const mempool = pool();
    const t = tx(seedA, 1);
    const outcomes = await Promise.allSettled([mempool.admit(t.bytes), mempool.admit(t.bytes)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(mempool.size).toBe(1);
  });

  it('never exceeds its count limit under concurrent admissions', async () => {
    const mempool = pool({ maxTxs: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => mempool.admit(tx(seedA, i + 1).bytes)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(mempool.size).toBe(3);
  });
});

describe('Mempool ordering', () => {
  it('takes oldest signer first with each signer in nonce order, keeps in-flight counted, requeues and settles', async () => {
    const mempool = pool({ maxTxs: 10 });
    for (const [seed, nonce] of [[seedA, 3], [seedB, 1], [seedA, 1], [seedA, 2]] as const) await mempool.admit(tx(seed, nonce).bytes);
    const taken = mempool.take(3, 1_000_000);
    expect(taken.map((t) => `${t.tx.signer[0] === publicKeyFromSeed(seedA)[0] ? 'A' : 'B'}${t.tx.nonce}`)).toEqual(['A1', 'A3', 'B1']);
    expect(mempool.size).toBe(4);
    expect(mempool.pendingCount).toBe(1);
    mempool.requeue([taken[0]!.idHex]);
    expect(mempool.pendingCount).toBe(2);
    expect(mempool.take(1, 1_000_000)[0]!.idHex).toBe(taken[0]!.idHex);
    mempool.settle(taken.map((t) => t.idHex));
    expect(mempool.size).toBe(1);
    // A settled nonce is free again for the state machine to judge.
    await expect(mempool.admit(tx(seedA, 1, 12).bytes)).resolves.toBeDefined();
  });

  it('respects the byte budget of a block', async () => {
    const mempool = pool({ maxTxs: 10 });
    const a = tx(seedA, 1, 500);
    await mempool.admit(a.bytes);
    await mempool.admit(tx(seedA, 2, 500).bytes);
    expect(mempool.take(10, a.bytes.length + 10)).toHaveLength(1);
  });
});
