// encodeCanonical writes bytes directly (one pass, no intermediate Maps). Its definition is what
// msgpackr writes for the normalized value: objects as Maps with keys in UTF-8 byte order, integers
// at or beyond 32 bits as bigint. This file holds the direct writer to that definition, byte for
// byte, on random plain data and on every length where a header changes size.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeCanonical } from '../src/canonical-msgpack.js';
import { toHex } from '../src/bytes.js';

const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false });
const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** The msgpackr form of a plain value, written the obvious recursive way. */
function msgpackrForm(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 ? 0 : value < -0x8000_0000 || value > 0xffff_ffff ? BigInt(value) : value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(msgpackrForm);
  const keys = Object.keys(value).sort(compareUtf8);
  return new Map(keys.map((k) => [k, msgpackrForm((value as Record<string, unknown>)[k])]));
}

const reference = (value: unknown): string => toHex(packr.pack(msgpackrForm(value)));

const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()), fc.string({ maxLength: 300 }));
const { value: plainArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    text,
    fc.maxSafeInteger(),
    fc.integer({ min: -70000, max: 70000 }),
    fc.constantFrom(-0x8000_0001, -0x8000_0000, 0xffff_ffff, 0x1_0000_0000, -(2 ** 53) + 1, 2 ** 53 - 1, -0),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(text.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 20 }),
  ),
}));

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
