// The mempool's admission checks and limits, with the signature checked inline and on worker
// threads through the admission coalescer (the leader's path): the same codes either way. The
// last part holds signatures back to show that admissions waiting on them keep their place
// against the limits and are re-checked against each other.
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCanonical, publicKeyFromSeed, sign, signingHashOf, signTx, verify, WorkerVerifyPool, type DecodedTx, type TxResult } from '@tradeledger/ledger';
import { AdmissionVerifier } from '../src/admission-verifier.js';
import { NodeError } from '../src/errors.js';
import { Mempool, type MempoolDependencies, type MempoolLimits } from '../src/mempool.js';

const CHAIN = 'mempool-test';
const seedA = new Uint8Array(32).fill(21);
const seedB = new Uint8Array(32).fill(22);

function tx(seed: Uint8Array, nonce: number, size = 10): DecodedTx {
  return signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { text: 'x'.repeat(size) }, signer: publicKeyFromSeed(seed), nonce, timestamp: 1_700_000_000_000 }, seed);
}

/** Signed by seedB but naming seedA as its signer. */
function forged(nonce: number): Uint8Array {
  const { signature: _s, ...unsigned } = tx(seedA, nonce).tx;
  return encodeCanonical({ ...unsigned, signature: sign(seedB, signingHashOf(unsigned)) });
}

const limits: MempoolLimits = { maxTxs: 5, maxBytes: 100_000, maxTxBytes: 4_000, retryAfterSeconds: 2 };

type SignatureCheck = MempoolDependencies['verifySignature'];

const workerPool = new WorkerVerifyPool(1);
afterAll(() => workerPool.close());
const coalescer = new AdmissionVerifier(workerPool);
const onWorkers: SignatureCheck = (t) => coalescer.verify({ publicKey: t.tx.signer, message: t.signingHash, signature: t.tx.signature });

function dependencies(verifySignature: SignatureCheck, committed: ReadonlySet<string>, verdict: (tx: DecodedTx) => TxResult): MempoolDependencies {
  return {
    prevalidate: async (t) => verdict(t),
    isCommitted: async (id) => committed.has(Buffer.from(id).toString('hex')),
    ...(verifySignature === undefined ? {} : { verifySignature }),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

interface Tracked {
  /** What the admission has come to by the next event-loop turn: `admitted <nonce>`, its error's code, or 'waiting'. */
  state(): Promise<string>;
}

/** Follows an admission from its start, so that a refusal is never an unhandled rejection. */
function track(admission: Promise<DecodedTx>): Tracked {
  let outcome: string | undefined;
  const settled = admission.then(
    (t) => (outcome = `admitted ${t.tx.nonce}`),
    (error: { code?: string }) => (outcome = error.code ?? 'uncoded'),
  );
  return {
    async state() {
      await Promise.race([settled, nextTurn()]);
      return outcome ?? 'waiting';
    },
  };
}

const stateOf = (admission: Promise<DecodedTx>): Promise<string> => track(admission).state();

describe.each([
  ['inline', undefined],
  ['on worker threads through the admission coalescer', onWorkers],
] as const)('Mempool admission, signatures checked %s', (_how, verifySignature) => {
  function pool(overrides: Partial<MempoolLimits> = {}, committed = new Set<string>(), verdict: (tx: DecodedTx) => TxResult = () => ({ ok: true })) {
    return new Mempool({ ...limits, ...overrides }, dependencies(verifySignature, committed, verdict));
  }

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
    const cases: Array<[Uint8Array, string, number]> = [
      [ok.bytes, 'TX_DUPLICATE', 409],
      [committedTx.bytes, 'TX_DUPLICATE', 409],
      [tx(seedA, 1, 11).bytes, 'NONCE_REPLAY', 409],
      [forged(2), 'TX_SIGNATURE_INVALID', 400],
      // A forgery of a pending nonce is a forgery first.
      [forged(1), 'TX_SIGNATURE_INVALID', 400],
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
    const mempool = new Mempool({ ...limits, maxQueueMs: 500 }, { ...dependencies(verifySignature, new Set(), () => ({ ok: true })), now: () => now });
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

  it('never runs pre-validation or the ledger look-up for a forged transaction', async () => {
    let stateRuns = 0;
    const mempool = new Mempool(limits, {
      ...dependencies(verifySignature, new Set(), () => ({ ok: true })),
      prevalidate: async () => {
        stateRuns += 1;
        return { ok: true };
      },
      isCommitted: async () => {
        stateRuns += 1;
        return false;
      },
    });
    await expect(mempool.admit(forged(1))).rejects.toMatchObject({ code: 'TX_SIGNATURE_INVALID' });
    expect(stateRuns).toBe(0);
    await mempool.admit(tx(seedA, 1).bytes);
    expect(stateRuns).toBe(2);
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
    expect(outcomes.filter((o) => o.status === 'rejected' && (o.reason as NodeError).code === 'MEMPOOL_FULL')).toHaveLength(7);
    expect(mempool.size).toBe(3);
  });

  it('lets one of two concurrent admissions of one nonce in, and refuses the other with NONCE_REPLAY', async () => {
    const mempool = pool();
    const outcomes = await Promise.allSettled([mempool.admit(tx(seedA, 1, 10).bytes), mempool.admit(tx(seedA, 1, 11).bytes)]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'admitted' : (o.reason as NodeError).code))).toEqual(['admitted', 'NONCE_REPLAY']);
    expect(mempool.size).toBe(1);
  });
});

function pool(overrides: Partial<MempoolLimits> = {}) {
  return new Mempool({ ...limits, ...overrides }, dependencies(undefined, new Set(), () => ({ ok: true })));
}

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

/** A signature check that answers only when the test releases it (then with the real verdict). */
function heldSignatures() {
  const held: Array<{ readonly nonce: number; release(): void; fail(error: NodeError): void }> = [];
  const verifySignature = (t: DecodedTx) =>
    new Promise<boolean>((resolve, reject) => {
      held.push({ nonce: t.tx.nonce, release: () => resolve(verify(t.tx.signer, t.signingHash, t.tx.signature)), fail: reject });
    });
  return { held, verifySignature };
}

describe('Mempool admissions waiting on their signature check', () => {
  function heldPool(overrides: Partial<MempoolLimits> = {}) {
    const signatures = heldSignatures();
    return { ...signatures, mempool: new Mempool({ ...limits, ...overrides }, dependencies(signatures.verifySignature, new Set(), () => ({ ok: true }))) };
  }

  it('hold their place at maxTxs: the next admission is refused at once, and the waiting ones are all admitted', async () => {
    const { held, mempool } = heldPool({ maxTxs: 2 });
    const first = track(mempool.admit(tx(seedA, 1).bytes));
    const second = track(mempool.admit(tx(seedA, 2).bytes));
    expect(held).toHaveLength(2);
    expect(await stateOf(mempool.admit(tx(seedA, 3).bytes))).toBe('MEMPOOL_FULL');
    expect(mempool.size).toBe(0);
    for (const h of held) h.release();
    expect([await first.state(), await second.state()]).toEqual(['admitted 1', 'admitted 2']);
    expect(mempool.size).toBe(2);
    expect(await stateOf(mempool.admit(tx(seedA, 3).bytes))).toBe('MEMPOOL_FULL');
  });

  it('hold their place at maxBytes: a transaction that fits only without the waiting ones is refused', async () => {
    const a = tx(seedA, 1, 1000);
    const b = tx(seedA, 2, 1000);
    const { held, mempool } = heldPool({ maxTxs: 10, maxBytes: a.bytes.length + b.bytes.length, maxTxBytes: a.bytes.length });
    const first = track(mempool.admit(a.bytes));
    expect(await stateOf(mempool.admit(tx(seedA, 3, 1000).bytes))).toBe('waiting');
    expect(await stateOf(mempool.admit(tx(seedA, 4, 1).bytes))).toBe('MEMPOOL_FULL');
    for (const h of held) h.release();
    expect(await first.state()).toBe('admitted 1');
    expect(mempool.bytes).toBe(a.bytes.length + tx(seedA, 3, 1000).bytes.length);
  });

  it('give their place back when the signature is forged or could not be checked', async () => {
    const { held, mempool } = heldPool({ maxTxs: 1 });
    const forgery = track(mempool.admit(forged(1)));
    expect(await stateOf(mempool.admit(tx(seedA, 2).bytes))).toBe('MEMPOOL_FULL');
    held[0]!.release();
    expect(await forgery.state()).toBe('TX_SIGNATURE_INVALID');
    const unchecked = mempool.admit(tx(seedA, 2).bytes);
    held[1]!.fail(new NodeError('SIGNATURE_CHECK_UNAVAILABLE', 'signature worker failed', { status: 503, retryAfterSeconds: 1 }));
    await expect(unchecked).rejects.toMatchObject({ code: 'SIGNATURE_CHECK_UNAVAILABLE', status: 503 });
    expect(mempool.size).toBe(0);
    const admitted = track(mempool.admit(tx(seedA, 2).bytes));
    held[2]!.release();
    expect(await admitted.state()).toBe('admitted 2');
    expect(mempool.size).toBe(1);
  });

  it('admit one transaction or one nonce once, with the code of the one that lost, whichever signature answers first', async () => {
    for (const order of [[0, 1], [1, 0]]) {
      const { held, mempool } = heldPool();
      const same = tx(seedA, 1);
      const twins = [mempool.admit(same.bytes), mempool.admit(same.bytes)].map(track);
      const rivals = [mempool.admit(tx(seedB, 7, 10).bytes), mempool.admit(tx(seedB, 7, 11).bytes)].map(track);
      expect(held).toHaveLength(4);
      for (const i of order) {
        held[i]!.release();
        held[i + 2]!.release();
        await nextTurn();
      }
      const winner = order[0] as number;
      const twinStates = await Promise.all(twins.map((t) => t.state()));
      const rivalStates = await Promise.all(rivals.map((t) => t.state()));
      expect(twinStates[winner]).toBe('admitted 1');
      expect(twinStates[1 - winner]).toBe('TX_DUPLICATE');
      expect(rivalStates[winner]).toBe('admitted 7');
      expect(rivalStates[1 - winner]).toBe('NONCE_REPLAY');
      expect(mempool.size).toBe(2);
    }
  });

  it('refuse a transaction or nonce admitted while their signature was checked without running pre-validation for it', async () => {
    const signatures = heldSignatures();
    let prevalidations = 0;
    const mempool = new Mempool(limits, {
      ...dependencies(signatures.verifySignature, new Set(), () => ({ ok: true })),
      prevalidate: async () => {
        prevalidations += 1;
        return { ok: true };
      },
    });
    const same = tx(seedA, 1);
    const [twin, lateTwin] = [mempool.admit(same.bytes), mempool.admit(same.bytes)].map(track);
    const [rival, lateRival] = [mempool.admit(tx(seedB, 7, 10).bytes), mempool.admit(tx(seedB, 7, 11).bytes)].map(track);
    signatures.held[0]!.release();
    signatures.held[2]!.release();
    expect([await twin!.state(), await rival!.state()]).toEqual(['admitted 1', 'admitted 7']);
    expect(prevalidations).toBe(2);
    signatures.held[1]!.release();
    signatures.held[3]!.release();
    expect([await lateTwin!.state(), await lateRival!.state()]).toEqual(['TX_DUPLICATE', 'NONCE_REPLAY']);
    expect(prevalidations).toBe(2);
  });

  it('never overrun maxTxs when many wait, some forged, and answer in any order', async () => {
    const { held, mempool } = heldPool({ maxTxs: 4 });
    const admissions = Array.from({ length: 12 }, (_, i) => track(mempool.admit(i % 3 === 0 ? forged(i + 1) : tx(seedA, i + 1).bytes)));
    // Only the first four reached their signature check; the others were refused at once.
    expect(held.map((h) => h.nonce)).toEqual([1, 2, 3, 4]);
    for (const h of [...held].reverse()) h.release();
    const states = await Promise.all(admissions.map((t) => t.state()));
    expect(states).toEqual(['TX_SIGNATURE_INVALID', 'admitted 2', 'admitted 3', 'TX_SIGNATURE_INVALID', ...new Array(8).fill('MEMPOOL_FULL')]);
    expect(mempool.size).toBe(2);
    const more = Array.from({ length: 3 }, (_, i) => track(mempool.admit(tx(seedA, 20 + i).bytes)));
    for (const h of held.slice(4)) h.release();
    expect(await Promise.all(more.map((t) => t.state()))).toEqual(['admitted 20', 'admitted 21', 'MEMPOOL_FULL']);
    expect(mempool.size).toBe(4);
  });
});
