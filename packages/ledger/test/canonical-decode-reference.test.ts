// The one-pass canonical decoder against the re-encoding definition (test/reference/): same
// accept/reject answer and same value for random bytes, mutated encodings and UTF-8 edge cases,
// and the codes the re-encoding design gave when several things are wrong at once.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../src/bytes.js';
import { decodeCanonical, encodeCanonical } from '../src/canonical-msgpack.js';
import { LedgerError } from '../src/errors.js';
import { referenceDecode } from './reference/canonical-msgpack-reference.js';

const MAX = 1 << 20;

function fastDecode(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; code: string } {
  try {
    return { ok: true, value: decodeCanonical(bytes, 'test', MAX) };
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return { ok: false, code: (error as LedgerError).code };
  }
}

function agree(bytes: Uint8Array): void {
  const fast = fastDecode(bytes);
  const reference = bytes.length === 0 ? { ok: false as const } : referenceDecode(bytes);
  expect(fast.ok, `${toHex(bytes)}: fast ${JSON.stringify(fast)}`).toBe(reference.ok);
  if (fast.ok && reference.ok) expect(fast.value).toEqual(reference.value);
  if (!fast.ok) expect(fast.code).toMatch(/^MSGPACK_/);
}

/** A str header for `length` bytes, as encodeCanonical writes it. */
function strHeader(length: number): Uint8Array {
  if (length < 32) return Uint8Array.of(0xa0 | length);
  if (length < 256) return Uint8Array.of(0xd9, length);
  return Uint8Array.of(0xda, length >> 8, length & 0xff);
}

const str = (utf8: Uint8Array): Uint8Array => concatBytes(strHeader(utf8.length), utf8);
const hex = (text: string): Uint8Array => fromHex(text, 'test');

const { value: plainArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => (s as string & { isWellFormed(): boolean }).isWellFormed()),
    fc.maxSafeInteger(),
    fc.integer({ min: -40000, max: 70000 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 6 }),
  ),
}));

describe('one-pass decoder = decode, re-encode and compare', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), agree), { numRuns: 5000 });
  });

  it('random bytes behind a valid prefix (maps, arrays, strings)', () => {
    const prefixes = ['81a161', '92', '82a16101a162', '91d920', 'a4'].map(hex);
    fc.assert(fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ minLength: 1, maxLength: 40 }), (prefix, tail) => agree(concatBytes(prefix, tail))), { numRuns: 3000 });
  });

  it('canonical encodings with one, two or three bytes changed', () => {
    fc.assert(
      fc.property(plainArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (value, changes) => {
        const bytes = encodeCanonical(value);
        agree(bytes);
        const mutated = Uint8Array.from(bytes);
        for (const [at, delta] of changes) mutated[at % mutated.length] = ((mutated[at % mutated.length] as number) + delta) & 0xff;
        agree(mutated);
      }),
      { numRuns: 1500 },
    );
  });

  it('UTF-8 edge cases in values and keys, on both sides of the ASCII fast path', () => {
    const sequences = [
      '', 'efbbbf', 'efbbbf41', 'c2a0', 'dfbf', 'e0a080', 'efbfbf', 'f0908080', 'f48fbfbf', // valid (BOM kept)
      'c0af', 'c1bf', 'e080af', 'f08080af', 'eda080', 'edbfbf', 'f4908080', 'f5808080', 'ff', 'fe', // overlong, surrogate, > U+10FFFF, never-used
      '80', 'bf', 'c2', 'e0a0', 'f09080', 'c241', 'e0a041', // stray continuation, truncated sequences
    ].map(hex);
    for (const padding of [0, 1, 30, 62, 63, 64, 65, 200]) {
      for (const sequence of sequences) {
        for (const ascii of [new Uint8Array(padding).fill(0x61), concatBytes(new Uint8Array(padding).fill(0x61), Uint8Array.of(0x62))]) {
          const inner = concatBytes(ascii, sequence);
          const reversed = concatBytes(sequence, ascii);
          for (const utf8 of [inner, reversed]) {
            agree(str(utf8));
            agree(concatBytes(Uint8Array.of(0x81), str(utf8), Uint8Array.of(0x01))); // as a key
            agree(concatBytes(Uint8Array.of(0x92), str(utf8), Uint8Array.of(0xc0)));
          }
        }
      }
    }
  });

  it('keeps a leading byte order mark as a character', () => {
    expect(decodeCanonical(hex('a3efbbbf'), 'test', MAX)).toBe('\uFEFF');
    expect(toHex(encodeCanonical('\uFEFF'))).toBe('a3efbbbf');
  });

  it('reports what the re-encoding design reported when several things are wrong', () => {
    const code = (h: string) => (fastDecode(hex(h)) as { code: string }).code;
    // A form error anywhere wins over bad UTF-8 or a refused key found earlier.
    expect(code('92a1ff' + 'cc05')).toBe('MSGPACK_NONCANONICAL');
    expect(code('92a1ff' + 'cb3ff0000000000000')).toBe('MSGPACK_TYPE');
    expect(code('93a1ff' + '81a95f5f70726f746f5f5f01')).toBe('MSGPACK_MALFORMED'); // truncated
    expect(code('92a1ff' + '81a95f5f70726f746f5f5f01' + '00')).toBe('MSGPACK_TRAILING_BYTES');
    // With the form good, a "__proto__" key (MSGPACK_TYPE) wins over bad UTF-8 before or after it.
    expect(code('92a1ff' + '81a95f5f70726f746f5f5f01')).toBe('MSGPACK_TYPE');
    expect(code('92' + '81a95f5f70726f746f5f5f01' + 'a1ff')).toBe('MSGPACK_TYPE');
    expect(code('92a1ff01')).toBe('MSGPACK_NONCANONICAL');
  });

  it('builds plain objects whose keys are own properties, including Object.prototype names', () => {
    const value = decodeCanonical(encodeCanonical({ constructor: 1, hasOwnProperty: 2, toString: [3] }), 'test', MAX) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['constructor', 'hasOwnProperty', 'toString']);
    expect(value['toString']).toEqual([3]);
  });
});
