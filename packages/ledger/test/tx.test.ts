import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unsignedTxArb } from './tx-arbitraries.js';
import { bytesEqual, concatBytes, toHex } from '../src/bytes.js';
import { decodeCanonical, encodeCanonical } from '../src/canonical-msgpack.js';
import { CHAIN_ID_MAX_CHARS, TX_ENVELOPE_OVERHEAD_MAX_BYTES, TX_KIND_MAX_CHARS, TX_MAX_BYTES_DEFAULT } from '../src/constants.js';
import { nobleBackend, nodeBackend, publicKeyFromSeed, sign } from '../src/ed25519.js';
import { LedgerError } from '../src/errors.js';
import { DOMAIN, domainHash, sha256 } from '../src/hash.js';
import {
  decodeTx,
  encodeTx,
  encodeUnsignedTx,
  signingHashOf,
  signTx,
  txIdHex,
  unsignedOf,
  verifyTxSignature,
  type DecodedTx,
  type UnsignedTx,
} from '../src/tx.js';

const seed = sha256(new TextEncoder().encode('tx test signer'));
const signer = publicKeyFromSeed(seed);
const otherSeed = sha256(new TextEncoder().encode('another signer'));

function unsigned(overrides: Partial<UnsignedTx> = {}): UnsignedTx {
  return {
    version: 1,
    chainId: 'tradeledger-test',
    kind: 'document.submit',
    payload: { documentType: 'certificate-of-origin', lines: [{ hs: '8471.30', quantity: 12 }], attachment: Uint8Array.of(1, 2, 3) },
    signer,
    nonce: 7,
    timestamp: 1_767_225_600_000,
    ...overrides,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return (error as LedgerError).code;
  }
  return 'NO_ERROR';
}

/** Signed envelope bytes for an arbitrary (possibly invalid) record, signed properly. */
function signRecord(record: Record<string, unknown>): Uint8Array {
  const { signature: _ignored, ...rest } = record;
  const hash = domainHash(DOMAIN.txSignature, encodeCanonical(rest));
  return encodeCanonical({ ...rest, signature: sign(seed, hash) });
}

function validRecord(): Record<string, unknown> {
  const tx = unsigned();
  return { ...tx };
}

describe('round trip', () => {
  it('signs, decodes byte-exactly, verifies on both back ends, and names the tx by SHA-256 of its bytes', () => {
    const signed = signTx(unsigned(), seed);
    const decoded = decodeTx(signed.bytes);
    expect(toHex(decoded.bytes)).toBe(toHex(signed.bytes));
    expect(toHex(encodeTx(decoded.tx))).toBe(toHex(signed.bytes));
    expect(() => encodeTx({ ...decoded.tx, signature: new Uint8Array(10) })).toThrow(expect.objectContaining({ code: 'TX_FIELD_TYPE', field: 'tx.signature' }));
    expect(decoded.tx).toEqual({ ...unsigned(), signature: signed.tx.signature });
    expect(toHex(decoded.id)).toBe(toHex(sha256(signed.bytes)));
    expect(decoded.idHex).toBe(txIdHex(signed.bytes));
    expect(toHex(decoded.signingHash)).toBe(toHex(signingHashOf(unsigned())));
    expect(toHex(decoded.signingHash)).toBe(toHex(domainHash(DOMAIN.txSignature, encodeUnsignedTx(unsigned()))));
    expect(verifyTxSignature(decoded)).toBe(true);
    expect(verifyTxSignature(decoded, nobleBackend)).toBe(true);
    // Both back ends sign identically (Ed25519 is deterministic).
    expect(toHex(signTx(unsigned(), seed, nobleBackend).bytes)).toBe(toHex(signed.bytes));
  });

  it('writes the envelope keys in ascending byte order, version last', () => {
    const value = decodeCanonical(signTx(unsigned(), seed).bytes, 'tx', TX_MAX_BYTES_DEFAULT) as object;
    expect(Object.keys(value)).toEqual(['chainId', 'kind', 'nonce', 'payload', 'signature', 'signer', 'timestamp', 'version']);
    expect(toHex(signTx(unsigned(), seed).bytes.subarray(0, 9))).toBe('88a7' + toHex(new TextEncoder().encode('chainId')));
  });

  it('keeps the bytes that arrived, in a private copy', () => {
    const { bytes } = signTx(unsigned(), seed);
    const buffer = Buffer.concat([Buffer.from('junk'), bytes]).subarray(4);
    const decoded = decodeTx(buffer);
    buffer[0] = 0;
    expect(decoded.bytes[0]).toBe(0x88);
    expect(decoded.bytes.constructor).toBe(Uint8Array);
    expect(Object.isFrozen(decoded) && Object.isFrozen(decoded.tx)).toBe(true);
  });

  it('derives the signing hash from the arrived bytes for every width of timestamp and nonce', () => {
    for (const n of [0, 127, 128, 255, 256, 65535, 65536, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER]) {
      const tx = unsigned({ timestamp: n, nonce: n });
      const decoded = decodeTx(signTx(tx, seed).bytes);
      expect(toHex(decoded.signingHash)).toBe(toHex(domainHash(DOMAIN.txSignature, encodeUnsignedTx(tx))));
      expect(verifyTxSignature(decoded)).toBe(true);
    }
  });

  it('refuses to sign with a seed that is not the signer\'s', () => {
    expect(codeOf(() => signTx(unsigned(), otherSeed))).toBe('TX_SIGNER_MISMATCH');
  });

  it('the largest envelope overhead is what constants.ts says it is', () => {
    const tx = unsigned({ chainId: 'c'.repeat(CHAIN_ID_MAX_CHARS), kind: 'k'.repeat(TX_KIND_MAX_CHARS), payload: null, nonce: Number.MAX_SAFE_INTEGER, timestamp: Number.MAX_SAFE_INTEGER });
    expect(signTx(tx, seed).bytes.length).toBe(TX_ENVELOPE_OVERHEAD_MAX_BYTES + CHAIN_ID_MAX_CHARS + TX_KIND_MAX_CHARS + 1);
  });
});

describe('replay protection', () => {
  it('a transaction signed for one chain does not verify when its chainId is changed to another', () => {
    const original = signTx(unsigned({ chainId: 'network-a' }), seed);
    const replayed = decodeTx(encodeCanonical({ ...original.tx, chainId: 'network-b' }));
    expect(verifyTxSignature(replayed)).toBe(false);
    expect(verifyTxSignature(replayed, nobleBackend)).toBe(false);
    expect(toHex(replayed.signingHash)).not.toBe(toHex(original.signingHash));
  });

  it('the signing hash is domain-separated: a signature over the raw unsigned bytes does not verify', () => {
    const tx = unsigned();
    const raw = encodeCanonical({ ...tx, signature: sign(seed, encodeUnsignedTx(tx)) });
    expect(verifyTxSignature(decodeTx(raw))).toBe(false);
  });
});

describe('decodeTx rejections', () => {
  it('TX_TOO_LARGE above the default limit and above a configured one; accepts at the limit exactly', () => {
    const { bytes } = signTx(unsigned(), seed);
    expect(decodeTx(bytes, { maxBytes: bytes.length }).idHex).toBe(txIdHex(bytes));
    expect(codeOf(() => decodeTx(bytes, { maxBytes: bytes.length - 1 }))).toBe('TX_TOO_LARGE');
    const big = signRecord({ ...validRecord(), payload: new Uint8Array(TX_MAX_BYTES_DEFAULT) });
    expect(codeOf(() => decodeTx(big))).toBe('TX_TOO_LARGE');
    expect(decodeTx(big, { maxBytes: 2 * TX_MAX_BYTES_DEFAULT }).tx.kind).toBe('document.submit');
    expect(codeOf(() => signTx(unsigned({ payload: new Uint8Array(TX_MAX_BYTES_DEFAULT) }), seed))).toBe('TX_TOO_LARGE');
  });

  it('TX_UNKNOWN_FIELD and TX_MISSING_FIELD, naming the field', () => {
    expect(() => decodeTx(signRecord({ ...validRecord(), memo: 'hi' }))).toThrow(expect.objectContaining({ code: 'TX_UNKNOWN_FIELD', field: 'tx.memo' }));
    for (const field of ['chainId', 'kind', 'nonce', 'payload', 'signer', 'timestamp', 'version']) {
      const record = validRecord();
      delete record[field];
      expect(() => decodeTx(signRecord(record))).toThrow(expect.objectContaining({ code: 'TX_MISSING_FIELD', field: `tx.${field}` }));
    }
    const { signature: _s, ...noSignature } = signTx(unsigned(), seed).tx;
    expect(() => decodeTx(encodeCanonical(noSignature))).toThrow(expect.objectContaining({ code: 'TX_MISSING_FIELD', field: 'tx.signature' }));
  });

  it('TX_FIELD_TYPE for every envelope field of the wrong type or shape', () => {
    const bad: Array<[string, unknown]> = [
      ['version', '1'], ['version', true], ['chainId', 5], ['chainId', ''], ['chainId', 'has space'], ['chainId', 'x'.repeat(CHAIN_ID_MAX_CHARS + 1)],
      ['kind', null], ['kind', ''], ['kind', 'é'], ['kind', 'k'.repeat(TX_KIND_MAX_CHARS + 1)], ['signer', new Uint8Array(31)], ['signer', 'key'],
      ['nonce', -1], ['nonce', '7'], ['timestamp', -5], ['timestamp', null],
    ];
    for (const [field, value] of bad) {
      expect(() => decodeTx(signRecord({ ...validRecord(), [field]: value }))).toThrow(expect.objectContaining({ code: 'TX_FIELD_TYPE', field: `tx.${field}` }));
    }
    const shortSignature = encodeCanonical({ ...validRecord(), signature: new Uint8Array(63) });
    expect(() => decodeTx(shortSignature)).toThrow(expect.objectContaining({ code: 'TX_FIELD_TYPE', field: 'tx.signature' }));
    expect(codeOf(() => decodeTx(signRecord({ ...validRecord(), version: 2 })))).toBe('TX_VERSION');
  });

  it('TX_FIELD_TYPE for floats, non-safe integers and extension types anywhere, payload included', () => {
    const good = toHex(signTx(unsigned({ payload: { n: 1 } }), seed).bytes);
    // The payload {n: 1} is "81 a1 6e 01"; swap the 1 for a float64 1.5, an int64 of 2^53 and a Date (timestamp ext).
    const at = good.indexOf('81a16e01');
    expect(at).toBeGreaterThan(0);
    for (const replacement of ['cb3ff8000000000000', 'd30020000000000000', 'd6ff00000000', 'd40000']) {
      const bytes = Buffer.from(good.slice(0, at + 6) + replacement + good.slice(at + 8), 'hex');
      expect(codeOf(() => decodeTx(bytes))).toBe('TX_FIELD_TYPE');
    }
    expect(codeOf(() => signTx(unsigned({ payload: { n: 1.5 } }), seed))).toBe('TX_FIELD_TYPE');
    expect(() => signTx(unsigned({ payload: { when: new Date(0) } }), seed)).toThrow(expect.objectContaining({ code: 'TX_FIELD_TYPE', field: 'tx.payload.when' }));
    expect(codeOf(() => signTx(unsigned({ payload: { big: 10n } }), seed))).toBe('TX_FIELD_TYPE');
    expect(codeOf(() => signTx(unsigned({ payload: new Map() }), seed))).toBe('TX_FIELD_TYPE');
    expect(codeOf(() => signTx(unsigned({ payload: { u: undefined } }), seed))).toBe('TX_FIELD_TYPE');
    expect(codeOf(() => signTx(unsigned({ nonce: 2 ** 53 }), seed))).toBe('TX_FIELD_TYPE');
    expect(codeOf(() => signTx(unsigned({ timestamp: 1.5 }), seed))).toBe('TX_FIELD_TYPE');
  });

  it('TX_TRAILING_BYTES, TX_MALFORMED and TX_NONCANONICAL', () => {
    const { bytes } = signTx(unsigned(), seed);
    expect(codeOf(() => decodeTx(concatBytes(bytes, Uint8Array.of(0))))).toBe('TX_TRAILING_BYTES');
    expect(codeOf(() => decodeTx(bytes.subarray(0, bytes.length - 1)))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(new Uint8Array(0)))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(encodeCanonical([1, 2])))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(encodeCanonical('tx')))).toBe('TX_MALFORMED');
    // The nonce 7 written as uint8 instead of fixint: same value, other bytes.
    const text = toHex(bytes);
    const nonceAt = text.indexOf(toHex(new TextEncoder().encode('nonce'))) + 10;
    expect(text.slice(nonceAt, nonceAt + 2)).toBe('07');
    const wider = Buffer.from(text.slice(0, nonceAt) + 'cc07' + text.slice(nonceAt + 2), 'hex');
    expect(codeOf(() => decodeTx(wider))).toBe('TX_NONCANONICAL');
    // Keys in object order instead of sorted order.
    const tx = signTx(unsigned(), seed).tx;
    const unsorted = Buffer.concat([Buffer.from([0x88]), ...['version', 'chainId', 'kind', 'payload', 'signer', 'nonce', 'timestamp', 'signature'].map((key) => {
      const pair = encodeCanonical({ [key]: (tx as unknown as Record<string, unknown>)[key] });
      return pair.subarray(1);
    })]);
    expect(codeOf(() => decodeTx(unsorted))).toBe('TX_NONCANONICAL');
    // A duplicated key (the second "version" would win in a lenient decoder).
    const duplicated = Buffer.concat([Buffer.from([0x89]), bytes.subarray(1), encodeCanonical({ version: 1 }).subarray(1)]);
    expect(codeOf(() => decodeTx(duplicated))).toBe('TX_NONCANONICAL');
  });
});

describe('properties', () => {
  const txArb = unsignedTxArb(signer);

  it('random valid transactions round-trip byte-exactly', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const signed = signTx(tx, seed);
        const decoded = decodeTx(signed.bytes);
        expect(toHex(encodeCanonical(decoded.tx))).toBe(toHex(signed.bytes));
        expect(toHex(encodeUnsignedTx(unsignedOf(decoded.tx)))).toBe(toHex(encodeUnsignedTx(tx)));
        expect(verifyTxSignature(decoded)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('any single changed byte of a signed transaction fails decoding or verification, never both passing', () => {
    fc.assert(
      fc.property(txArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (tx, at, delta) => {
        const signed = signTx(tx, seed);
        const mutated = Uint8Array.from(signed.bytes);
        const i = at % mutated.length;
        mutated[i] = ((mutated[i] as number) + delta) & 0xff;
        let decoded: DecodedTx;
        try {
          decoded = decodeTx(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(LedgerError);
          expect((error as LedgerError).code).toMatch(/^TX_/);
          return;
        }
        expect(decoded.idHex).not.toBe(signed.idHex);
        const node = verifyTxSignature(decoded, nodeBackend);
        expect(verifyTxSignature(decoded, nobleBackend)).toBe(node);
        expect(node).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('ids are SHA-256 of the signed bytes and differ whenever the bytes differ', () => {
    const a = signTx(unsigned({ nonce: 1 }), seed);
    const b = signTx(unsigned({ nonce: 2 }), seed);
    expect(a.idHex).not.toBe(b.idHex);
    expect(bytesEqual(a.id, sha256(a.bytes))).toBe(true);
  });
});
