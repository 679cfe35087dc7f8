import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, compareBytes, concatBytes, fromHex, toHex } from '../src/bytes.js';
import { LedgerError } from '../src/errors.js';
import { DOMAIN, domainHash, sha256 } from '../src/hash.js';

describe('bytes', () => {
  it('round-trips hex for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(fromHex(toHex(bytes), 'x')).toEqual(bytes);
    }));
  });
  it('rejects upper-case, odd-length and wrong-length hex with a coded error naming the field', () => {
    expect(() => fromHex('AB', 'leafHash')).toThrow(expect.objectContaining({ code: 'HEX_INVALID', field: 'leafHash' }));
    expect(() => fromHex('abc', 'x')).toThrowError(LedgerError);
    expect(() => fromHex('abcd', 'root', 32)).toThrow(expect.objectContaining({ code: 'HEX_LENGTH' }));
  });
  it('compares and concatenates', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe('hash', () => {
  it('matches the FIPS 180-2 vector for "abc"', () => {
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('separates domains', () => {
    const data = Uint8Array.of(1, 2, 3);
    expect(toHex(domainHash(DOMAIN.txSignature, data))).not.toBe(toHex(domainHash(DOMAIN.blockHeader, data)));
    expect(toHex(domainHash(DOMAIN.txSignature, data))).not.toBe(toHex(sha256(data)));
  });
});
