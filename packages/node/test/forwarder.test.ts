import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../src/errors.js';
import { Forwarder, verdictError, type ForwarderLimits, type SendBatch } from '../src/forwarder.js';
import { FORWARD_PROTOCOL, type ForwardRequest, type ForwardResponse } from '../src/protocols.js';

const LIMITS: ForwarderLimits = { maxBatchTxs: 3, maxBatchBytes: 100, maxInFlight: 1, timeoutMs: 5000, maxQueueMs: 1000, maxQueuedTxs: 100 };
const tx = (n: number, size = 10): Uint8Array => new Uint8Array(size).fill(n);
const idOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A leader whose answers the test releases one batch at a time. */
function leader(verdict: (bytes: Uint8Array) => { txId: string } | { code: string; message: string } = (b) => ({ txId: idOf(b) })) {
  const batches: Array<{ leader: string; request: Pick<ForwardRequest, 'txs'>; answer: (response?: ForwardResponse) => void; fail: (error: unknown) => void }> = [];
  const send: SendBatch = (to, request) =>
    new Promise((resolve, reject) => {
      batches.push({ leader: to, request, answer: (response) => resolve(response ?? { results: request.txs.map(verdict) }), fail: reject });
    });
  return { send, batches };
}

async function settled<T>(promises: Array<Promise<T>>): Promise<Array<{ ok: true; value: T } | { ok: false; code: string; status: number }>> {
  return Promise.all(promises.map((p) => p.then((value) => ({ ok: true as const, value }), (error: NodeError) => ({ ok: false as const, code: error.code, status: error.status }))));
}

describe('Forwarder', () => {
  it('sends the first transaction at once and batches what arrives while a batch is on its way', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, LIMITS);
    const answers = [1, 2, 3, 4, 5, 6].map((n) => forwarder.forward('L', tx(n)));
    expect(batches.map((b) => b.request.txs.length)).toEqual([1]);
    batches[0]?.answer();
    await Promise.resolve();
    await Promise.resolve();
    expect(batches.map((b) => b.request.txs.map((t) => t[0]))).toEqual([[1], [2, 3, 4]]);
    batches[1]?.answer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(batches.map((b) => b.request.txs.map((t) => t[0]))).toEqual([[1], [2, 3, 4], [5, 6]]);
    batches[2]?.answer();
    expect((await Promise.all(answers)).map((a) => a.txId)).toEqual([1, 2, 3, 4, 5, 6].map((n) => idOf(tx(n))));
    expect(forwarder.queued).toBe(0);
  });

  it('cuts batches by bytes, but a larger transaction still goes alone', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, { ...LIMITS, maxInFlight: 1, maxBatchTxs: 10 });
    const answers = [forwarder.forward('L', tx(1)), forwarder.forward('L', tx(2, 60)), forwarder.forward('L', tx(3, 60)), forwarder.forward('L', tx(4, 150))];
    for (let round = 0; round < 4; round++) {
      batches[round]?.answer();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(batches.map((b) => b.request.txs.map((t) => t.length))).toEqual([[10], [60], [60], [150]]);
    expect((await Promise.all(answers)).length).toBe(4);
  });

  it('keeps one verdict per transaction: refusals keep their code and status', async () => {
    const { send, batches } = leader((b) => (b[0] === 2 ? { code: 'NONCE_REPLAY', message: 'nonce 4 is already pending' } : b[0] === 3 ? { code: 'MEMPOOL_FULL', message: 'full' } : b[0] === 4 ? { code: 'SCHEMA_INVALID', message: 'bad' } : { txId: idOf(b) }));
    const forwarder = new Forwarder(send, { ...LIMITS, maxBatchTxs: 10 });
    const answers = settled([1, 2, 3, 4].map((n) => forwarder.forward('L', tx(n))));
    batches[0]?.answer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    batches[1]?.answer();
    expect(await answers).toEqual([
      { ok: true, value: { txId: idOf(tx(1)) } },
      { ok: false, code: 'NONCE_REPLAY', status: 409 },
      { ok: false, code: 'MEMPOOL_FULL', status: 503 },
      { ok: false, code: 'SCHEMA_INVALID', status: 400 },
    ]);
  });

  it("answers 503 with Retry-After for a leader's signature check that was busy or did not run", () => {
    for (const code of ['SIGNATURE_CHECK_BUSY', 'SIGNATURE_CHECK_UNAVAILABLE']) {
      expect(verdictError(code, 'retry shortly'), code).toMatchObject({ code, status: 503, retryAfterSeconds: 1 });
    }
    expect(verdictError('TX_SIGNATURE_INVALID', 'forged')).toMatchObject({ code: 'TX_SIGNATURE_INVALID', status: 400, retryAfterSeconds: undefined });
  });

  it('fails only the transaction whose verdict is malformed or names another id', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, { ...LIMITS, maxBatchTxs: 10 });
    const answers = settled([1, 2, 3].map((n) => forwarder.forward('L', tx(n))));
    batches[0]?.answer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const wire = FORWARD_PROTOCOL.parseResponse({ results: [{ txId: idOf(tx(9)) }, { code: 'not a code', message: 'x' }] });
    batches[1]?.answer({ results: wire.results });
    expect(await answers).toEqual([
      { ok: true, value: { txId: idOf(tx(1)) } },
      { ok: false, code: 'LEADER_ANSWER_MALFORMED', status: 502 },
      { ok: false, code: 'LEADER_ANSWER_MALFORMED', status: 502 },
    ]);
  });

  it('fails a lost batch as LEADER_UNREACHABLE, a busy link as LEADER_BUSY, and a short answer as unreachable', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, { ...LIMITS, maxInFlight: 3 });
    const answers = settled([forwarder.forward('L', tx(1)), forwarder.forward('L', tx(2)), forwarder.forward('L', tx(3))]);
    batches[0]?.fail(new NodeError('PEER_CLOSED_STREAM', 'gone'));
    batches[1]?.fail(new NodeError('PEER_BUSY', 'no slot'));
    batches[2]?.answer({ results: [] });
    expect(await answers).toEqual([
      { ok: false, code: 'LEADER_UNREACHABLE', status: 503 },
      { ok: false, code: 'LEADER_BUSY', status: 503 },
      { ok: false, code: 'LEADER_UNREACHABLE', status: 503 },
    ]);
  });

  it('fails what waited in the queue past maxQueueMs, without sending it', async () => {
    let now = 0;
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, LIMITS, () => now);
    const first = forwarder.forward('L', tx(1));
    const late = settled([forwarder.forward('L', tx(2))]);
    now = 1500;
    const fresh = forwarder.forward('L', tx(3));
    batches[0]?.answer();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await late).toEqual([{ ok: false, code: 'LEADER_BUSY', status: 503 }]);
    expect(batches.map((b) => b.request.txs.map((t) => t[0]))).toEqual([[1], [3]]);
    batches[1]?.answer();
    expect(await fresh).toEqual({ txId: idOf(tx(3)) });
  });

  it('refuses at once, as LEADER_BUSY, what finds maxQueuedTxs transactions waiting', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, { ...LIMITS, maxQueuedTxs: 2 });
    const sent = forwarder.forward('L', tx(1)); // goes at once: not queued
    const queued = [forwarder.forward('L', tx(2)), forwarder.forward('L', tx(3))];
    expect(forwarder.queued).toBe(2);
    expect(await settled([forwarder.forward('L', tx(4))])).toEqual([{ ok: false, code: 'LEADER_BUSY', status: 503 }]);
    expect(forwarder.queued).toBe(2);
    batches[0]?.answer();
    await sent;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(forwarder.queued).toBe(0);
    batches[1]?.answer();
    expect((await Promise.all(queued)).map((a) => a.txId)).toEqual([idOf(tx(2)), idOf(tx(3))]);
  });

  it('keeps a queue per leader, and refuses everything once closed', async () => {
    const { send, batches } = leader();
    const forwarder = new Forwarder(send, LIMITS);
    void forwarder.forward('A', tx(1)).catch(() => undefined);
    void forwarder.forward('B', tx(2)).catch(() => undefined);
    expect(batches.map((b) => b.leader)).toEqual(['A', 'B']);
    const queued = settled([forwarder.forward('A', tx(3))]);
    forwarder.close();
    expect(await queued).toEqual([{ ok: false, code: 'NODE_STOPPING', status: 503 }]);
    expect(await settled([forwarder.forward('A', tx(4))])).toEqual([{ ok: false, code: 'NODE_STOPPING', status: 503 }]);
  });
});

describe('FORWARD_PROTOCOL', () => {
  it('takes 1 to 256 transactions as bytes and the sender\'s applied index, and nothing else', () => {
    expect(FORWARD_PROTOCOL.parseRequest({ txs: [tx(1), tx(2)], appliedIndex: 7 })).toEqual({ txs: [tx(1), tx(2)], appliedIndex: 7 });
    const ok = { appliedIndex: 0 };
    for (const bad of [
      { txs: [], ...ok },
      { txs: 'x', ...ok },
      { txs: ['x'], ...ok },
      { tx: tx(1), ...ok },
      { txs: [tx(1)], more: 1, ...ok },
      { txs: Array.from({ length: 257 }, () => tx(1)), ...ok },
      { txs: [tx(1)] },
      { txs: [tx(1)], appliedIndex: -1 },
      { txs: [tx(1)], appliedIndex: 1.5 },
      { txs: [tx(1)], appliedIndex: '3' },
    ]) {
      expect(() => FORWARD_PROTOCOL.parseRequest(bad)).toThrow(expect.objectContaining({ code: 'FRAME_MALFORMED' }));
    }
  });

  it('takes verdicts that are an id or a code with a message; a malformed one costs only its own transaction', () => {
    const id = 'ab'.repeat(32);
    expect(FORWARD_PROTOCOL.parseResponse({ results: [{ txId: id }, { code: 'NONCE_REPLAY', message: 'm' }] }).results).toEqual([{ txId: id }, { code: 'NONCE_REPLAY', message: 'm' }]);
    for (const bad of [{ txId: 'zz' }, { code: 'lower', message: '' }, { code: 'X', message: 'm'.repeat(513) }, { txId: id, code: 'X' }, 7, null]) {
      const [first, second] = FORWARD_PROTOCOL.parseResponse({ results: [bad, { txId: id }] }).results;
      expect(first).toMatchObject({ code: 'LEADER_ANSWER_MALFORMED' });
      expect(second).toEqual({ txId: id });
    }
    for (const bad of [{ results: 1 }, {}, { results: [], more: 1 }, { results: Array.from({ length: 257 }, () => ({ txId: id })) }]) {
      expect(() => FORWARD_PROTOCOL.parseResponse(bad)).toThrow(expect.objectContaining({ code: 'FRAME_MALFORMED' }));
    }
  });
});
