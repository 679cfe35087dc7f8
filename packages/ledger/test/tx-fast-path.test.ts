// decodeTx reads the common envelope layout on a fast path and leaves everything else to the
// general canonical decoder. The two must give the same answer for every input: the same decoded
// transaction, id and signing hash, or the same error (code, field and message). decodeTxGeneral
// is the general path alone.
import fc from 'fast-check';
import { unsignedTxArb } from './tx-arbitraries.js';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { CANONICAL_MAX_DEPTH } from '../src/constants.js';
import { publicKeyFromSeed } from '../src/ed25519.js';
import { LedgerError } from '../src/errors.js';
import { sha256 } from '../src/hash.js';
import { decodeTx, decodeTxBatch, decodeTxGeneral, signTx, type DecodedTx, type UnsignedTx } from '../src/tx.js';

const seed = sha256(new TextEncoder().encode('fast path signer'));
const signer = publicKeyFromSeed(seed);

/** Everything a decode says, as comparable values. */
function answer(decode: () => DecodedTx): unknown {
  try {
    const d = decode();
    const { tx } = d;
    return {
      tx: encodeCanonical({ ...tx }).length,
      fields: [tx.chainId, tx.kind, tx.nonce, tx.timestamp, tx.version, toHex(tx.signer), toHex(tx.signature), JSON.stringify(tx.payload, (_, v: unknown) => (v instanceof Uint8Array ? `bytes:${toHex(v)}` : v))],
      keys: Object.keys(tx),
      bytes: toHex(d.bytes),
      id: toHex(d.id),
      idHex: d.idHex,
      signingHash: toHex(d.signingHash),
    };
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return { code: error.code, field: error.field, message: error.message };
  }
}

function expectSameAnswer(bytes: Uint8Array, maxBytes?: number): void {
  const options = maxBytes === undefined ? {} : { maxBytes };
  const general = answer(() => decodeTxGeneral(bytes, options));
  expect(answer(() => decodeTx(bytes, options))).toEqual(general);
  const [outcome] = decodeTxBatch([bytes], options);
  expect(answer(() => {
    if (outcome === undefined) throw new Error('no outcome');
    if (!outcome.ok) throw outcome.error;
    return outcome.decoded;
  })).toEqual(general);
}

const txArb = unsignedTxArb(signer);

describe('decodeTx fast path and general decoder', () => {
  it('agree on random valid transactions, and the common layout takes the fast path', () => {
    fc.assert(
      fc.property(txArb, (tx: UnsignedTx) => {
        const { bytes } = signTx(tx, seed);
        expectSameAnswer(bytes);
        // The fast path's signer and signature are views into the decoded bytes; the general
        // path's are copies of their own. So this shows which path answered.
        const fast = decodeTx(bytes);
        expect(fast.tx.signer.buffer).toBe(fast.bytes.buffer);
        expect(decodeTxGeneral(bytes).tx.signer.buffer).not.toBe(decodeTxGeneral(bytes).bytes.buffer);
      }),
      { numRuns: 120 },
    );
  });

  it('agree on mutated transactions: changed, inserted and removed bytes, truncations, extensions', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('append' as const), at: fc.constant(0), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(txArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (tx, mutations) => {
        let bytes = Array.from(signTx(tx, seed).bytes);
        for (const m of mutations) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.kind === 'flip' && bytes.length > 0) bytes[at] = ((bytes[at] as number) ^ m.value) & 0xff;
          else if (m.kind === 'insert') bytes.splice(at, 0, m.value);
          else if (m.kind === 'remove') bytes.splice(at, 1);
          else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
          else if (m.kind === 'append') bytes.push(m.value);
        }
        expectSameAnswer(Uint8Array.from(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('agree on canonical envelopes with wrong field values, and on size limits', () => {
    const base = { chainId: 'chain-a', kind: 'note', nonce: 5, payload: { a: 1 }, signature: new Uint8Array(64).fill(7), signer, timestamp: 1_700_000_000_000, version: 1 };
    const variants: Array<Record<string, unknown>> = [
      base,
      { ...base, version: 2 },
      { ...base, version: 0 },
      { ...base, chainId: '' },
      { ...base, chainId: 'x'.repeat(64) },
      { ...base, chainId: 'x'.repeat(65) },
      { ...base, chainId: 'bad chain' },
      { ...base, chainId: 'é' },
      { ...base, kind: 'a/b' },
      { ...base, chainId: 'a/b' },
      { ...base, kind: 'k'.repeat(31) },
      { ...base, kind: 'k'.repeat(32) },
      { ...base, nonce: -1 },
      { ...base, timestamp: -5 },
      { ...base, nonce: 'x' },
      { ...base, signature: new Uint8Array(63) },
      { ...base, signer: new Uint8Array(33) },
      { ...base, signer: 'key' },
      { ...base, extra: 1 },
      { chainId: base.chainId, kind: base.kind },
    ];
    for (const variant of variants) {
      const bytes = encodeCanonical(variant);
      expectSameAnswer(bytes);
      expectSameAnswer(bytes, bytes.length - 1);
    }
    expectSameAnswer(new Uint8Array(0));
  });

  it('agree at the nesting limit: a payload as deep as allowed, and one level deeper', () => {
    // The payload sits inside the envelope map: it may nest CANONICAL_MAX_DEPTH - 1 arrays.
    const marker = encodeCanonical({ chainId: 'c', kind: 'k', nonce: 1, payload: 0, signature: new Uint8Array(64), signer, timestamp: 2, version: 1 });
    const key = [0xa7, ...new TextEncoder().encode('payload')];
    const at = marker.findIndex((_, i) => key.every((b, j) => marker[i + j] === b)) + key.length;
    expect(marker[at]).toBe(0x00);
    for (const arrays of [CANONICAL_MAX_DEPTH - 2, CANONICAL_MAX_DEPTH - 1, CANONICAL_MAX_DEPTH]) {
      const bytes = Uint8Array.from([...marker.subarray(0, at), ...new Array<number>(arrays).fill(0x91), 0x01, ...marker.subarray(at + 1)]);
      expectSameAnswer(bytes);
      const general = answer(() => decodeTxGeneral(bytes));
      expect(general).toMatchObject(arrays <= CANONICAL_MAX_DEPTH - 1 ? { keys: expect.any(Array) } : { code: 'TX_MALFORMED' });
    }
  });
});
