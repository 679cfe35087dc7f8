// decodeBlock parses the canonical envelope directly and falls back to the generic decoder for
// anything else. Held here against the generic definition (decodeCanonical and the field checks,
// as decodeBlock did them before): same fields or the same error code for valid, mutated,
// truncated, extended and re-shaped blocks.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, toHex } from '../src/bytes.js';
import { createBlock, decodeBlock, decodeHeader } from '../src/block.js';
import { buildGenesis, chainTip } from '../src/block-verify.js';
import { decodeCanonical, encodeCanonical } from '../src/canonical-msgpack.js';
import { BLOCK_MAX_BYTES, BLOCK_MAX_TXS } from '../src/constants.js';
import { ED25519_SIGNATURE_BYTES, publicKeyFromSeed } from '../src/ed25519.js';
import { LedgerError } from '../src/errors.js';
import { recordingStateMachine as sm } from '../src/testing/ledger-state-machine.js';
import { signTx } from '../src/tx.js';

const CHAIN = 'envelope-test';
const nodeSeed = new Uint8Array(32).fill(31);
const nodeKey = publicKeyFromSeed(nodeSeed);
const clientSeed = new Uint8Array(32).fill(32);
const clientKey = publicKeyFromSeed(clientSeed);
const genesis = buildGenesis(sm, { chainId: CHAIN, timestamp: 1_700_000_000_000, config: { nodeKeys: [toHex(nodeKey)] } });
const tip = chainTip(genesis.commit.head, CHAIN);

function blockWith(txs: Uint8Array[]) {
  const header = { chainId: CHAIN, height: 1, prevHash: tip.blockHash, txRoot: new Uint8Array(32), logSize: txs.length, logRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), timestamp: tip.timestamp + 1, term: 1 };
  return createBlock(header, txs, nodeSeed, nodeKey);
}

const tx = (nonce: number, size = 10) => signTx({ version: 1, chainId: CHAIN, kind: 'note', payload: { pad: 'p'.repeat(size) }, signer: clientKey, nonce, timestamp: 1_700_000_000_000 }, clientSeed).bytes;
// Transactions on both sides of the bin8/bin16 (256 bytes) and bin16/bin32 (65,536 bytes) boundaries.
const sample = blockWith([tx(0), tx(1, 120), tx(2, 300), tx(3, 70_000)]);
const small = blockWith([tx(0), tx(1)]);

type Outcome = { ok: true; header: string; signature: string; txs: string[] } | { ok: false; code: string };

/** decodeBlock as it was: the generic decoder, then the field checks, then the header. */
function reference(bytes: Uint8Array): Outcome {
  try {
    if (bytes.length > BLOCK_MAX_BYTES) return { ok: false, code: 'BLOCK_TOO_LARGE' };
    const value = decodeCanonical(bytes, 'block', BLOCK_MAX_BYTES);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return { ok: false, code: 'BLOCK_MALFORMED' };
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!['header', 'signature', 'txs'].includes(key)) return { ok: false, code: 'BLOCK_UNKNOWN_FIELD' };
    for (const key of ['header', 'signature', 'txs']) if (!(key in record)) return { ok: false, code: 'BLOCK_MISSING_FIELD' };
    const { header, signature, txs } = record as { header: unknown; signature: unknown; txs: unknown };
    if (!(header instanceof Uint8Array) || !(signature instanceof Uint8Array)) return { ok: false, code: 'BLOCK_FIELD_TYPE' };
    if (!Array.isArray(txs) || txs.length > BLOCK_MAX_TXS || !txs.every((t) => t instanceof Uint8Array)) return { ok: false, code: 'BLOCK_FIELD_TYPE' };
    const decoded = decodeHeader(header);
    if (decoded.height === 0 && (signature.length !== 0 || txs.length !== 0)) return { ok: false, code: 'BLOCK_GENESIS' };
    if (decoded.height !== 0 && signature.length !== ED25519_SIGNATURE_BYTES) return { ok: false, code: 'BLOCK_FIELD_TYPE' };
    return { ok: true, header: toHex(header), signature: toHex(signature), txs: (txs as Uint8Array[]).map(toHex) };
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return { ok: false, code: (error as LedgerError).code };
  }
}

function actual(bytes: Uint8Array): Outcome {
  try {
    const block = decodeBlock(bytes);
    return { ok: true, header: toHex(block.headerBytes), signature: toHex(block.signature), txs: block.txs.map(toHex) };
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return { ok: false, code: (error as LedgerError).code };
  }
}

const agree = (bytes: Uint8Array) => expect(actual(bytes)).toEqual(reference(bytes));

describe('decodeBlock: direct envelope parsing = the generic decoder', () => {
  it('valid blocks, genesis included, across bin header sizes', () => {
    for (const bytes of [sample.bytes, small.bytes, genesis.block.bytes, blockWith([]).bytes]) {
      agree(bytes);
      expect(actual(bytes).ok).toBe(true);
    }
    expect(decodeBlock(sample.bytes).txs.map((t) => t.length)).toEqual(sample.txs.map((t) => t.length));
  });

  it('one to three changed bytes, truncations and appended bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (changes) => {
        const mutated = small.bytes.slice();
        for (const [at, delta] of changes) mutated[at % mutated.length] = ((mutated[at % mutated.length] as number) + delta) & 0xff;
        agree(mutated);
      }),
      { numRuns: 1500 },
    );
    // Byte changes in the envelope's own bytes (keys and headers), where the direct parser looks.
    for (let at = 0; at < 20; at++) for (const x of [1, 0x10, 0x80, 0xff]) {
      const mutated = sample.bytes.slice();
      mutated[at] = (mutated[at] as number) ^ x;
      agree(mutated);
    }
    for (let cut = 0; cut < small.bytes.length; cut += 7) agree(small.bytes.subarray(0, cut));
    agree(concatBytes(small.bytes, Uint8Array.of(0)));
    agree(concatBytes(small.bytes, Uint8Array.of(0xc0, 0xc0)));
  });

  it('the same fields in every other shape: non-minimal headers, other keys, other types', () => {
    const { headerBytes, signature, txs } = small;
    const pair = (key: string, value: Uint8Array) => encodeCanonical({ [key]: value }).subarray(1);
    const bin16 = (b: Uint8Array) => concatBytes(Uint8Array.of(0xc5, b.length >> 8, b.length & 0xff), b);
    const shapes = [
      encodeCanonical({ header: headerBytes, signature, txs, extra: 1 }),
      encodeCanonical({ header: headerBytes, signature }),
      encodeCanonical({ header: headerBytes, signature, txs: [...txs, 'text'] }),
      encodeCanonical({ header: headerBytes, signature: 'sig', txs }),
      encodeCanonical({ header: headerBytes, signature, txs: 5 }),
      encodeCanonical([headerBytes, signature, txs]),
      // Keys out of order.
      concatBytes(Uint8Array.of(0x83), pair('signature', signature), pair('header', headerBytes), encodeCanonical({ txs }).subarray(1)),
      // A bin16 header for a short signature, and an array16 header for two transactions.
      concatBytes(Uint8Array.of(0x83), pair('header', headerBytes), encodeCanonical('signature'), bin16(signature), encodeCanonical({ txs }).subarray(1)),
      concatBytes(Uint8Array.of(0x83), pair('header', headerBytes), pair('signature', signature), encodeCanonical('txs'), Uint8Array.of(0xdc, 0, 2), ...txs.map((t) => encodeCanonical(t))),
      // A transaction count above the limit (empty bins keep it small).
      encodeCanonical({ header: headerBytes, signature, txs: Array.from({ length: BLOCK_MAX_TXS + 1 }, () => new Uint8Array(0)) }),
      // More transactions declared than bytes left.
      concatBytes(Uint8Array.of(0x83), pair('header', headerBytes), pair('signature', signature), encodeCanonical('txs'), Uint8Array.of(0xdd, 0, 1, 0, 0)),
    ];
    for (const bytes of shapes) {
      agree(bytes);
      expect(actual(bytes).ok).toBe(false);
    }
    expect(() => decodeBlock(small.bytes, { maxBytes: small.bytes.length - 1 })).toThrow(expect.objectContaining({ code: 'BLOCK_TOO_LARGE' }));
  });

  it('returns private plain Uint8Arrays even when given a Buffer the caller then reuses', () => {
    const buffer = Buffer.from(small.bytes);
    const decoded = decodeBlock(buffer);
    const before = decoded.txs.map(toHex);
    buffer.fill(0);
    expect(decoded.txs.map(toHex)).toEqual(before);
    expect(toHex(decoded.headerBytes)).toBe(toHex(small.headerBytes));
    for (const field of [decoded.headerBytes, decoded.signature, ...decoded.txs]) expect(field.constructor).toBe(Uint8Array);
    expect(decoded.bytes).toBe(buffer);
  });
});
