// The admission signature coalescer: one pool call per event-loop turn, each item its own verdict,
// its limits (items per call, items unanswered, calls out at once), and a failed call refusing
// exactly its own items (never "valid").
import { describe, expect, it } from 'vitest';
import { LedgerError, publicKeyFromSeed, sign, SMALL_ORDER_ENCODINGS, verify, WorkerVerifyPool, type BatchVerifier, type VerifyBatchOptions, type VerifyItem } from '@tradeledger/ledger';
import { AdmissionVerifier } from '../src/admission-verifier.js';
import { ADMISSION_VERIFY_BATCH_MAX_ITEMS, ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT, ADMISSION_VERIFY_MAX_QUEUED_ITEMS } from '../src/constants.js';

const seed = new Uint8Array(32).fill(31);
const publicKey = publicKeyFromSeed(seed);

/** A real signature over a message naming `i`; `valid: false` signs a different message. */
function signed(i: number, valid = true): VerifyItem {
  const message = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 1);
  return { publicKey, message, signature: sign(seed, valid ? message : Uint8Array.of(0)) };
}

/** A fake item whose verdict is its first message byte's lowest bit (no cryptography). */
function fake(i: number): VerifyItem {
  return { publicKey, message: Uint8Array.of(i & 0xff, (i >> 8) & 0xff), signature: new Uint8Array(64) };
}
const fakeVerdict = (item: VerifyItem): boolean => ((item.message[0] as number) & 1) === 1;

interface Call {
  readonly items: readonly VerifyItem[];
  readonly options: VerifyBatchOptions | undefined;
  answer(results?: boolean[]): void;
  fail(error: unknown): void;
}

/** A BatchVerifier that records its calls and answers each only when the test says so. */
function heldPool(): BatchVerifier & { readonly calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    verifyBatch(items, options) {
      return new Promise<boolean[]>((resolve, reject) => {
        calls.push({ items, options, answer: (results) => resolve(results ?? items.map(fakeVerdict)), fail: reject });
      });
    },
    async close() {},
  };
}

/** A BatchVerifier answering every call at once by fakeVerdict, recording the calls. */
function countingPool(): BatchVerifier & { readonly calls: Array<readonly VerifyItem[]> } {
  const calls: Array<readonly VerifyItem[]> = [];
  return {
    calls,
    async verifyBatch(items) {
      calls.push(items);
      return items.map(fakeVerdict);
    },
    async close() {},
  };
}

const settle = <T>(promises: ReadonlyArray<Promise<T>>) =>
  Promise.all(promises.map((p) => p.then((value) => ({ value }), (error: { code?: string; status?: number; cause?: { code?: string } }) => ({ error }))));

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AdmissionVerifier', () => {
  it('sends the items of one event-loop turn, including those queued from microtasks, as one call with minParallelItems 1', async () => {
    const pool = heldPool();
    const verifier = new AdmissionVerifier(pool);
    const answers = [0, 1, 2].map((i) => verifier.verify(fake(i)));
    await Promise.resolve();
    answers.push(verifier.verify(fake(3)));
    await null;
    answers.push(verifier.verify(fake(4)));
    expect(pool.calls).toHaveLength(0);
    await nextTurn();
    expect(pool.calls).toHaveLength(1);
    expect(pool.calls[0]!.items.map((x) => x.message[0])).toEqual([0, 1, 2, 3, 4]);
    expect(pool.calls[0]!.options).toEqual({ minParallelItems: 1 });
    // An item of a later turn goes in a call of its own.
    answers.push(verifier.verify(fake(5)));
    await nextTurn();
    expect(pool.calls).toHaveLength(2);
    pool.calls[0]!.answer();
    pool.calls[1]!.answer();
    expect(await Promise.all(answers)).toEqual([false, true, false, true, false, true]);
  });

  it('answers each item its own verdict, in order, from a real worker pool', async () => {
    const pool = new WorkerVerifyPool(1);
    const verifier = new AdmissionVerifier(pool);
    try {
      const items = Array.from({ length: 40 }, (_, i) => signed(i, i % 3 !== 0));
      items[7] = { ...items[7]!, publicKey: SMALL_ORDER_ENCODINGS[2] as Uint8Array };
      items[8] = { ...items[8]!, signature: items[8]!.signature.slice(0, 63) };
      const expected = items.map((x) => verify(x.publicKey, x.message, x.signature));
      expect(expected.filter((v) => !v)).toHaveLength(16);
      expect(await Promise.all(items.map((x) => verifier.verify(x)))).toEqual(expected);
      expect(verifier.queuedItems).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it(`cuts a turn into calls of at most ADMISSION_VERIFY_BATCH_MAX_ITEMS (${ADMISSION_VERIFY_BATCH_MAX_ITEMS}), in order`, async () => {
    const pool = countingPool();
    const verifier = new AdmissionVerifier(pool);
    const count = 2 * ADMISSION_VERIFY_BATCH_MAX_ITEMS + 1;
    const items = Array.from({ length: count }, (_, i) => fake(i));
    const answers = await Promise.all(items.map((x) => verifier.verify(x)));
    expect(pool.calls.map((call) => call.length)).toEqual([ADMISSION_VERIFY_BATCH_MAX_ITEMS, ADMISSION_VERIFY_BATCH_MAX_ITEMS, 1]);
    expect(pool.calls.flat()).toEqual(items);
    expect(answers).toEqual(items.map(fakeVerdict));
    // Exactly one full call: no cut.
    const exact = countingPool();
    const exactVerifier = new AdmissionVerifier(exact);
    await Promise.all(items.slice(0, ADMISSION_VERIFY_BATCH_MAX_ITEMS).map((x) => exactVerifier.verify(x)));
    expect(exact.calls.map((call) => call.length)).toEqual([ADMISSION_VERIFY_BATCH_MAX_ITEMS]);
  });

  it(`refuses with SIGNATURE_CHECK_BUSY past ADMISSION_VERIFY_MAX_QUEUED_ITEMS (${ADMISSION_VERIFY_MAX_QUEUED_ITEMS}) unanswered items, and accepts again once answered`, async () => {
    const pool = heldPool();
    const verifier = new AdmissionVerifier(pool);
    const accepted = Array.from({ length: ADMISSION_VERIFY_MAX_QUEUED_ITEMS }, (_, i) => verifier.verify(fake(i)));
    expect(verifier.queuedItems).toBe(ADMISSION_VERIFY_MAX_QUEUED_ITEMS);
    await expect(verifier.verify(fake(1))).rejects.toMatchObject({ code: 'SIGNATURE_CHECK_BUSY', status: 503, retryAfterSeconds: 1 });
    await nextTurn();
    // Items sent to the pool and not answered still count, and so do those queued behind them.
    expect(pool.calls).toHaveLength(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT);
    await expect(verifier.verify(fake(1))).rejects.toMatchObject({ code: 'SIGNATURE_CHECK_BUSY' });
    pool.calls[0]!.answer();
    await Promise.all(accepted.slice(0, ADMISSION_VERIFY_BATCH_MAX_ITEMS));
    expect(verifier.queuedItems).toBe(ADMISSION_VERIFY_MAX_QUEUED_ITEMS - ADMISSION_VERIFY_BATCH_MAX_ITEMS);
    const again = verifier.verify(fake(1));
    // Answer every call as it goes out: the accepted items and `again` take one more call than
    // the limit holds full ones.
    const calls = ADMISSION_VERIFY_MAX_QUEUED_ITEMS / ADMISSION_VERIFY_BATCH_MAX_ITEMS + 1;
    for (let answered = 1; answered < calls; answered++) {
      while (pool.calls.length <= answered) await nextTurn();
      pool.calls[answered]!.answer();
    }
    expect(await again).toBe(true);
    expect((await Promise.all(accepted)).filter((v) => v)).toHaveLength(ADMISSION_VERIFY_MAX_QUEUED_ITEMS / 2);
    expect(pool.calls).toHaveLength(calls);
    expect(pool.calls.at(-1)!.items).toHaveLength(1);
    expect(verifier.queuedItems).toBe(0);
  });

  it(`keeps at most ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT (${ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT}) calls out: what queues behind them goes in one call when one is answered`, async () => {
    const pool = heldPool();
    const verifier = new AdmissionVerifier(pool);
    const answers: Array<Promise<boolean>> = [];
    // One turn per item: each turn gets its own call while there is room.
    for (let i = 0; i < ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT; i++) {
      answers.push(verifier.verify(fake(i)));
      await nextTurn();
    }
    expect(pool.calls.map((call) => call.items.length)).toEqual(new Array(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT).fill(1));
    // Three more turns while every call is out: nothing is sent.
    for (let i = 0; i < 3; i++) {
      answers.push(verifier.verify(fake(10 + i)), verifier.verify(fake(20 + i)));
      await nextTurn();
    }
    expect(pool.calls).toHaveLength(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT);
    expect(verifier.queuedItems).toBe(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT + 6);
    pool.calls[0]!.answer();
    await answers[0];
    // The six queued items went out together, in order, as soon as a call was answered.
    expect(pool.calls).toHaveLength(ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT + 1);
    expect(pool.calls.at(-1)!.items.map((x) => x.message[0])).toEqual([10, 20, 11, 21, 12, 22]);
    for (const call of pool.calls.slice(1)) call.answer();
    expect(await Promise.all(answers)).toEqual(answers.map((_, i) => fakeVerdict(fake(i < ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT ? i : [10, 20, 11, 21, 12, 22][i - ADMISSION_VERIFY_MAX_CALLS_IN_FLIGHT] as number))));
    expect(verifier.queuedItems).toBe(0);
  });

  it('takes smaller limits, at their edge', async () => {
    const pool = heldPool();
    const verifier = new AdmissionVerifier(pool, { limits: { maxBatchItems: 2, maxQueuedItems: 5, maxCallsInFlight: 8 } });
    const answers = [0, 1, 2, 3, 4].map((i) => verifier.verify(fake(i)));
    const refused = await settle([verifier.verify(fake(5))]);
    expect(refused[0]).toMatchObject({ error: { code: 'SIGNATURE_CHECK_BUSY' } });
    await nextTurn();
    expect(pool.calls.map((call) => call.items.length)).toEqual([2, 2, 1]);
    for (const call of pool.calls) call.answer();
    expect(await Promise.all(answers)).toEqual([false, true, false, true, false]);
    expect(() => new AdmissionVerifier(pool, { limits: { maxBatchItems: 0, maxQueuedItems: 5, maxCallsInFlight: 8 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new AdmissionVerifier(pool, { limits: { maxBatchItems: 4, maxQueuedItems: 3, maxCallsInFlight: 8 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new AdmissionVerifier(pool, { limits: { maxBatchItems: 2, maxQueuedItems: 5, maxCallsInFlight: 0 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('fails exactly the items of a failed call with a coded error, answers the others, and reports the failure', async () => {
    const pool = heldPool();
    const failures: Array<[string | undefined, number]> = [];
    const verifier = new AdmissionVerifier(pool, { limits: { maxBatchItems: 3, maxQueuedItems: 100, maxCallsInFlight: 8 }, onBatchFailed: (error, items) => failures.push([(error as { code?: string }).code, items]) });
    const answers = Array.from({ length: 11 }, (_, i) => verifier.verify(fake(i)));
    await nextTurn();
    expect(pool.calls.map((call) => call.items.length)).toEqual([3, 3, 3, 2]);
    pool.calls[0]!.answer();
    pool.calls[1]!.fail(new LedgerError('VERIFY_WORKER_FAILED', 'signature worker failed: exited with code 1'));
    pool.calls[2]!.fail(new LedgerError('VERIFY_POOL_CLOSED', 'the verification pool was closed before answering'));
    pool.calls[3]!.fail(new Error('something unexpected'));
    const outcomes = await settle(answers);
    expect(outcomes.slice(0, 3)).toEqual([{ value: false }, { value: true }, { value: false }]);
    for (const outcome of outcomes.slice(3, 6)) expect(outcome).toMatchObject({ error: { code: 'SIGNATURE_CHECK_UNAVAILABLE', status: 503, cause: { code: 'VERIFY_WORKER_FAILED' } } });
    for (const outcome of outcomes.slice(6, 9)) expect(outcome).toMatchObject({ error: { code: 'SIGNATURE_CHECK_UNAVAILABLE', status: 503, cause: { code: 'VERIFY_POOL_CLOSED' } } });
    for (const outcome of outcomes.slice(9)) expect(outcome).toMatchObject({ error: { code: 'INTERNAL', status: 500 } });
    expect(failures).toEqual([['VERIFY_WORKER_FAILED', 3], ['VERIFY_POOL_CLOSED', 3], [undefined, 2]]);
    expect(verifier.queuedItems).toBe(0);
    // The verifier keeps working after failures.
    const later = verifier.verify(fake(1));
    await nextTurn();
    pool.calls[4]!.answer();
    expect(await later).toBe(true);
  });

  it('never answers "valid" for an item the pool did not answer: short or malformed answers and a throwing verifier refuse the call', async () => {
    const pool = heldPool();
    const verifier = new AdmissionVerifier(pool, { limits: { maxBatchItems: 2, maxQueuedItems: 10, maxCallsInFlight: 8 } });
    const short = [verifier.verify(fake(1)), verifier.verify(fake(3))];
    const holey = [verifier.verify(fake(5)), verifier.verify(fake(7))];
    await nextTurn();
    pool.calls[0]!.answer([true]);
    pool.calls[1]!.answer([true, 'yes' as unknown as boolean]);
    expect(await settle(short)).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'INTERNAL' }) }), expect.objectContaining({ error: expect.objectContaining({ code: 'INTERNAL' }) })]);
    expect(await Promise.all(holey)).toEqual([true, false]);
    // A verifier that throws: an ordinary error refuses the call as INTERNAL, a broken invariant
    // reaches the caller as itself (not an ordinary refusal that hides it).
    const thrown: Error[] = [new Error('disk on fire'), new LedgerError('ASSERTION_FAILED', 'invariant broken: misuse')];
    const throwing = new AdmissionVerifier({
      verifyBatch() {
        throw thrown.shift();
      },
      async close() {},
    });
    await expect(throwing.verify(fake(1))).rejects.toMatchObject({ code: 'INTERNAL', status: 500 });
    const invariant = await settle([throwing.verify(fake(1))]);
    expect(invariant[0]).toMatchObject({ error: { code: 'ASSERTION_FAILED' } });
    expect(invariant[0]).not.toMatchObject({ error: { status: expect.anything() } });
    expect(throwing.queuedItems).toBe(0);
  });

  it('refuses with SIGNATURE_CHECK_UNAVAILABLE once its worker pool is closed', async () => {
    const pool = new WorkerVerifyPool(1);
    const verifier = new AdmissionVerifier(pool);
    expect(await verifier.verify(signed(1))).toBe(true);
    await pool.close();
    await expect(verifier.verify(signed(2))).rejects.toMatchObject({ code: 'SIGNATURE_CHECK_UNAVAILABLE', status: 503, cause: { code: 'VERIFY_POOL_CLOSED' } });
  });
});
