// encodeCanonical writes bytes directly (one pass, no intermediate Maps). Its definition is what
// msgpackr writes for the normalized value: objects as Maps with keys in UTF-8 byte order, integers
// at or beyond 32 bits as bigint. This file holds the direct writer to that definition, byte for
// byte, on random plain data and on every length where a header changes size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { toHex } from '../src/bytes.js';
import { msgpackrReference as reference, plainData } from './canonical-plain-data.js';

const utf8 = new TextEncoder();
const plainArb = plainData({ bytes: true });

describe('encodeCanonical (direct writer)', () => {
  it('writes what msgpackr writes for the normalized value, on random plain data', () => {
    fc.assert(
      fc.property(plainArb, (value) => {
        expect(toHex(encodeCanonical(value))).toBe(reference(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes the same header as msgpackr at every length where a str, bin, array or map header grows', () => {
    const lengths = [0, 1, 15, 16, 31, 32, 33, 255, 256, 65535, 65536, 70000];
    for (const n of lengths) {
      // Strings of one-, two-, three- and four-byte characters: the byte length decides the header.
      for (const unit of ['a', 'é', '€', '😀']) {
        const s = unit.repeat(Math.ceil(n / utf8.encode(unit).length));
        expect(toHex(encodeCanonical(s)), `${unit} × ${s.length}`).toBe(reference(s));
        // Around the boundaries where the space reserved for a multi-byte string's header differs
        // from the header its encoded length takes.
        expect(toHex(encodeCanonical(`${s}x`)), `${unit} × ${s.length} + x`).toBe(reference(`${s}x`));
      }
      expect(toHex(encodeCanonical(new Uint8Array(n)))).toBe(reference(new Uint8Array(n)));
      if (n <= 65536) {
        expect(toHex(encodeCanonical(new Array(n).fill(1)))).toBe(reference(new Array(n).fill(1)));
        const object = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
        expect(toHex(encodeCanonical(object))).toBe(reference(object));
      }
    }
  });

  it('returns fresh bytes of exactly the value, also after a value larger than its buffer', () => {
    const big = encodeCanonical({ blob: new Uint8Array(3 * 1024 * 1024).fill(7) });
    const small = encodeCanonical({ a: 1 });
    expect(toHex(small)).toBe('81a16101');
    expect(big.length).toBe(1 + 5 + 5 + 3 * 1024 * 1024);
    expect(big[big.length - 1]).toBe(7);
    const again = encodeCanonical({ a: 2 });
    expect(toHex(small)).toBe('81a16101');
    expect(toHex(again)).toBe('81a16102');
  });

  it('leaves values outside the data model to the general path: same codes and paths as before', () => {
    const cases: Array<[unknown, string]> = [
      [{ a: [{ b: 0.5 }] }, 'value.a[0].b'],
      [{ a: 'ok', b: '\ud800' }, 'value.b'],
      [{ x: [1, undefined] }, 'value.x[1]'],
      [{ m: new Map() }, 'value.m'],
    ];
    for (const [value, field] of cases) {
      expect(() => encodeCanonical(value)).toThrow(expect.objectContaining({ code: 'MSGPACK_TYPE', field }));
    }
    // And the writer is left clean: the next value encodes alone.
    expect(toHex(encodeCanonical([1, 2]))).toBe('920102');
  });
});
