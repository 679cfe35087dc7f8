// decodeTxBatch answers exactly what decodeTx answers for each transaction, with private copies.
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { BLOCK_MAX_TXS } from '../src/constants.js';
import { publicKeyFromSeed } from '../src/ed25519.js';
import { decodeTx, decodeTxBatch, signTx } from '../src/tx.js';

const seed = new Uint8Array(32).fill(51);
const signer = publicKeyFromSeed(seed);
const tx = (nonce: number, pad = 0) => signTx({ version: 1, chainId: 'batch-test', kind: 'note', payload: { pad: 'q'.repeat(pad) }, signer, nonce, timestamp: 1_767_225_600_000 }, seed).bytes;

function single(bytes: Uint8Array, maxBytes?: number): string {
  try {
    return decodeTx(bytes, maxBytes === undefined ? {} : { maxBytes }).idHex;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('decodeTxBatch', () => {
  it('gives each transaction decodeTx\'s answer, refusals included, at the size limit and past it', () => {
    const big = tx(5, 400);
    const list: Uint8Array[] = [tx(0), Uint8Array.of(1, 2, 3), tx(1), new Uint8Array(0), encodeCanonical({ a: 1 }), big, Buffer.from(tx(2)), 'not bytes' as unknown as Uint8Array, tx(3).subarray(0, 20)];
    for (const maxBytes of [undefined, big.length, big.length - 1]) {
      const outcomes = decodeTxBatch(list, maxBytes === undefined ? {} : { maxBytes });
      expect(outcomes.map((o) => (o.ok ? o.decoded.idHex : o.error.code))).toEqual(list.map((bytes) => single(bytes, maxBytes)));
    }
    const codes = decodeTxBatch(list).map((o) => (o.ok ? 'ok' : o.error.code));
    expect(codes).toEqual(['ok', 'TX_TRAILING_BYTES', 'ok', 'TX_MALFORMED', 'TX_UNKNOWN_FIELD', 'ok', 'ok', 'TX_MALFORMED', 'TX_MALFORMED']);
  });

  it('decodes into private plain Uint8Arrays that the caller\'s later writes do not reach', () => {
    const buffers = [Buffer.from(tx(10)), Buffer.from(tx(11, 300))];
    const outcomes = decodeTxBatch(buffers);
    const before = outcomes.map((o) => (o.ok ? toHex(o.decoded.bytes) : ''));
    for (const b of buffers) b.fill(0);
    expect(outcomes.map((o) => (o.ok ? toHex(o.decoded.bytes) : ''))).toEqual(before);
    for (const o of outcomes) expect(o.ok && o.decoded.bytes.constructor).toBe(Uint8Array);
  });

  it(`takes at most ${BLOCK_MAX_TXS} transactions`, () => {
    expect(() => decodeTxBatch(new Array<Uint8Array>(BLOCK_MAX_TXS + 1).fill(new Uint8Array(0)))).toThrow(expect.objectContaining({ code: 'ASSERTION_FAILED' }));
    expect(decodeTxBatch(new Array<Uint8Array>(BLOCK_MAX_TXS).fill(new Uint8Array(0)))).toHaveLength(BLOCK_MAX_TXS);
  });
});
