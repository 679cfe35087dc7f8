import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { concatBytes, fromHex, toHex } from '../src/bytes.js';
import { decodeCanonical, encodeCanonical } from '../src/canonical-msgpack.js';
import { CANONICAL_MAX_DEPTH } from '../src/constants.js';
import { LedgerError } from '../src/errors.js';

const MAX = 1 << 20;
const hex = (text: string): Uint8Array => fromHex(text, 'test');
const decode = (bytes: Uint8Array, maxBytes = MAX): unknown => decodeCanonical(bytes, 'test', maxBytes);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return (error as LedgerError).code;
  }
  return 'NO_ERROR';
}

describe('canonical encoding: exact bytes at every header boundary', () => {
  const ints: Array<[number, string]> = [
    [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'], [65536, 'ce00010000'],
    [0xffffffff, 'ceffffffff'], [0x100000000, 'd30000000100000000'], [Number.MAX_SAFE_INTEGER, 'd3001fffffffffffff'],
    [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'], [-129, 'd1ff7f'], [-32768, 'd18000'], [-32769, 'd2ffff7fff'],
    [-0x80000000, 'd280000000'], [-0x80000001, 'd3ffffffff7fffffff'], [Number.MIN_SAFE_INTEGER, 'd3ffe0000000000001'],
    [-0, '00'],
  ];
  for (const [value, bytes] of ints) {
    it(`integer ${Object.is(value, -0) ? '-0' : value} is ${bytes} and decodes back`, () => {
      expect(toHex(encodeCanonical(value))).toBe(bytes);
      expect(decode(hex(bytes))).toBe(value === 0 ? 0 : value);
    });
  }

  it('strings, bin, arrays and maps take the smallest length header', () => {
    const header = (value: unknown, n: number) => toHex(encodeCanonical(value).subarray(0, n));
    expect(header('x'.repeat(31), 1)).toBe('bf');
    expect(header('x'.repeat(32), 2)).toBe('d920');
    expect(header('é'.repeat(16), 2)).toBe('d920'); // 32 UTF-8 bytes, 16 characters
    expect(header('x'.repeat(255), 2)).toBe('d9ff');
    expect(header('x'.repeat(256), 3)).toBe('da0100');
    expect(header('x'.repeat(65536), 5)).toBe('db00010000');
    expect(header(new Uint8Array(0), 2)).toBe('c400');
    expect(header(new Uint8Array(255), 2)).toBe('c4ff');
    expect(header(new Uint8Array(256), 3)).toBe('c50100');
    expect(header(new Uint8Array(65536), 5)).toBe('c600010000');
    expect(header(new Array(15).fill(0), 1)).toBe('9f');
    expect(header(new Array(16).fill(0), 3)).toBe('dc0010');
    expect(header(new Array(65536).fill(0), 5)).toBe('dd00010000');
    const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(5, '0')}`, 0]));
    expect(header(map(15), 1)).toBe('8f');
    expect(header(map(16), 3)).toBe('de0010');
    expect(header(map(65536), 5)).toBe('df00010000');
    expect(toHex(encodeCanonical([null, true, false]))).toBe('93c0c3c2');
  });

  it('sorts map keys by UTF-8 bytes whatever the object order (integer-like and non-BMP keys included)', () => {
    const a = encodeCanonical({ b: 1, a: 2, '9': 3, '10': 4 });
    expect(toHex(a)).toBe('84a23130' + '04' + 'a139' + '03' + 'a161' + '02' + 'a162' + '01');
    expect(toHex(encodeCanonical({ a: 2, b: 1, '10': 4, '9': 3 }))).toBe(toHex(a));
    // U+E000 (ee 80 80) sorts before U+1F600 (f0 9f 98 80) in UTF-8, after it in UTF-16 code units.
    const keys = Object.keys(decode(encodeCanonical({ '\u{1F600}': 1, '\uE000': 2 })) as object);
    expect(keys).toEqual(['\uE000', '\u{1F600}']);
    expect(toHex(encodeCanonical({ '\u{1F600}': 1, '\uE000': 2 }))).toBe('82a3ee808002a4f09f988001');
  });

  it('returns fresh bytes each call (msgpackr reuses its buffer)', () => {
    const first = encodeCanonical({ a: 'first' });
    const firstHex = toHex(first);
    encodeCanonical({ a: 'second, longer value that would overwrite a shared buffer' });
    expect(toHex(first)).toBe(firstHex);
  });
});

describe('encodeCanonical refuses what is not plain data', () => {
  class Thing { x = 1; }
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const proto = JSON.parse('{"__proto__": 1}') as object;
  const cases: Array<[string, unknown]> = [
    ['float', 1.5], ['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['2^53', 2 ** 53], ['-2^53', -(2 ** 53)],
    ['bigint', 5n], ['undefined', undefined], ['Map', new Map()], ['Set', new Set()], ['Date', new Date(0)],
    ['Int16Array', new Int16Array(2)], ['ArrayBuffer', new ArrayBuffer(2)], ['class instance', new Thing()],
    ['function', () => 1], ['symbol', Symbol('s')], ['lone surrogate', 'a\uD800b'], ['lone surrogate key', { '\uDC00': 1 }],
    ['sparse array', [1, , 3]], ['cycle', cyclic], ['__proto__ key', proto], ['symbol key', { [Symbol('k')]: 1 }],
    ['nested float', { a: [{ b: 0.1 }] }], ['nested undefined', { a: undefined }],
  ];
  for (const [name, value] of cases) {
    it(`${name}: MSGPACK_TYPE`, () => {
      expect(codeOf(() => encodeCanonical(value))).toBe('MSGPACK_TYPE');
    });
  }
  it('names the path of the bad value', () => {
    expect(() => encodeCanonical({ a: [{ b: 0.5 }] })).toThrow(expect.objectContaining({ field: 'value.a[0].b' }));
  });
  it('accepts nesting up to the depth limit and refuses one more', () => {
    let ok: unknown = 0;
    for (let i = 0; i < CANONICAL_MAX_DEPTH; i++) ok = [ok];
    expect(decode(encodeCanonical(ok))).toEqual(ok);
    expect(codeOf(() => encodeCanonical([ok]))).toBe('MSGPACK_TYPE');
  });
});

describe('decodeCanonical rejects every other encoding', () => {
  const rejections: Array<[string, string, string]> = [
    // [what, hex, code]
    ['uint8 holding 5', 'cc05', 'MSGPACK_NONCANONICAL'],
    ['uint16 holding 200', 'cd00c8', 'MSGPACK_NONCANONICAL'],
    ['uint32 holding 65535', 'ce0000ffff', 'MSGPACK_NONCANONICAL'],
    ['uint64 holding 1', 'cf0000000000000001', 'MSGPACK_NONCANONICAL'],
    ['uint64 holding 2^32', 'cf0000000100000000', 'MSGPACK_NONCANONICAL'],
    ['int8 holding -1', 'd0ff', 'MSGPACK_NONCANONICAL'],
    ['int8 holding 5', 'd005', 'MSGPACK_NONCANONICAL'],
    ['int16 holding -100', 'd1ff9c', 'MSGPACK_NONCANONICAL'],
    ['int32 holding -30000', 'd2ffff8ad0', 'MSGPACK_NONCANONICAL'],
    ['int64 holding 7', 'd30000000000000007', 'MSGPACK_NONCANONICAL'],
    ['int64 holding 2^32-1', 'd300000000ffffffff', 'MSGPACK_NONCANONICAL'],
    ['int64 holding -2^31', 'd3ffffffff80000000', 'MSGPACK_NONCANONICAL'],
    ['int64 above 2^53', 'd30020000000000000', 'MSGPACK_TYPE'],
    ['int64 -2^53', 'd3ffe0000000000000', 'MSGPACK_TYPE'],
    ['int64 min', 'd38000000000000000', 'MSGPACK_TYPE'],
    ['uint64 max', 'cfffffffffffffffff', 'MSGPACK_TYPE'],
    ['float64 1.0', 'cb3ff0000000000000', 'MSGPACK_TYPE'],
    ['float64 1.5', 'cb3ff8000000000000', 'MSGPACK_TYPE'],
    ['float32 1.0', 'ca3f800000', 'MSGPACK_TYPE'],
    ['str8 of 3 bytes', 'd903616263', 'MSGPACK_NONCANONICAL'],
    ['str16 of 3 bytes', 'da0003616263', 'MSGPACK_NONCANONICAL'],
    ['str32 of 3 bytes', 'db00000003616263', 'MSGPACK_NONCANONICAL'],
    ['bin16 of 1 byte', 'c5000100', 'MSGPACK_NONCANONICAL'],
    ['bin32 of 1 byte', 'c60000000100', 'MSGPACK_NONCANONICAL'],
    ['array16 of 1', 'dc000100', 'MSGPACK_NONCANONICAL'],
    ['array32 of 1', 'dd0000000100', 'MSGPACK_NONCANONICAL'],
    ['map16 of 1', 'de0001a16100', 'MSGPACK_NONCANONICAL'],
    ['map32 of 1', 'df00000001a16100', 'MSGPACK_NONCANONICAL'],
    ['keys out of order', '82a16201a16102', 'MSGPACK_NONCANONICAL'],
    ['duplicate keys', '82a16101a16102', 'MSGPACK_NONCANONICAL'],
    ['integer key', '810100', 'MSGPACK_TYPE'],
    ['bin key', '81c4016100', 'MSGPACK_TYPE'],
    ['nil key', '81c000', 'MSGPACK_TYPE'],
    ['"__proto__" key', '81a95f5f70726f746f5f5f01', 'MSGPACK_TYPE'],
    ['invalid UTF-8', 'a2ff41', 'MSGPACK_NONCANONICAL'],
    ['overlong UTF-8 for "/"', 'a2c0af', 'MSGPACK_NONCANONICAL'],
    ['UTF-8 encoded surrogate', 'a3eda080', 'MSGPACK_NONCANONICAL'],
    ['fixext1 (undefined in msgpackr)', 'd40000', 'MSGPACK_TYPE'],
    ['timestamp extension (Date)', 'd6ff00000000', 'MSGPACK_TYPE'],
    ['ext8', 'c7010501', 'MSGPACK_TYPE'],
    ['ext16', 'c800010501', 'MSGPACK_TYPE'],
    ['ext32', 'c90000000105ff', 'MSGPACK_TYPE'],
    ['fixext16', 'd805' + '00'.repeat(16), 'MSGPACK_TYPE'],
    ['never-used byte 0xc1', 'c1', 'MSGPACK_MALFORMED'],
    ['trailing byte', '0100', 'MSGPACK_TRAILING_BYTES'],
    ['two values', '9100c0', 'MSGPACK_TRAILING_BYTES'],
    ['truncated string', 'a3616263'.slice(0, 6), 'MSGPACK_MALFORMED'],
    ['truncated array', '9201', 'MSGPACK_MALFORMED'],
    ['truncated int', 'cd01', 'MSGPACK_MALFORMED'],
    ['truncated map value', '81a161', 'MSGPACK_MALFORMED'],
    ['array count beyond the input', 'ddffffffff00', 'MSGPACK_MALFORMED'],
    ['map count beyond the input', 'dfffffffff', 'MSGPACK_MALFORMED'],
    ['bin length beyond the input', 'c6ffffffff00', 'MSGPACK_MALFORMED'],
    ['empty input', '', 'MSGPACK_MALFORMED'],
  ];
  for (const [what, bytes, code] of rejections) {
    it(`${what}: ${code}`, () => {
      expect(codeOf(() => decode(hex(bytes)))).toBe(code);
    });
  }

  it('checks the size limit before anything else, at the limit exactly', () => {
    const bytes = encodeCanonical('x'.repeat(100)); // 102 bytes
    expect(bytes.length).toBe(102);
    expect(decode(bytes, 102)).toBe('x'.repeat(100));
    expect(codeOf(() => decode(bytes, 101))).toBe('MSGPACK_TOO_LARGE');
    expect(codeOf(() => decode(concatBytes(bytes, Uint8Array.of(0xc1)), 102))).toBe('MSGPACK_TOO_LARGE');
  });

  it('bounds nesting without recursion: depth limit exactly, one more, and a megabyte of nesting', () => {
    expect(decode(hex('91'.repeat(CANONICAL_MAX_DEPTH - 1) + '90'))).toBeDefined();
    expect(codeOf(() => decode(hex('91'.repeat(CANONICAL_MAX_DEPTH) + '90')))).toBe('MSGPACK_TOO_DEEP');
    expect(codeOf(() => decode(new Uint8Array(1 << 20).fill(0x91)))).toBe('MSGPACK_TOO_DEEP');
    expect(decode(hex('81a161'.repeat(CANONICAL_MAX_DEPTH) + 'c0'))).toBeDefined();
    expect(codeOf(() => decode(hex('81a161'.repeat(CANONICAL_MAX_DEPTH + 1) + 'c0')))).toBe('MSGPACK_TOO_DEEP');
  });

  it('names the field it was given', () => {
    expect(() => decodeCanonical(hex('cc05'), 'header', 10)).toThrow(expect.objectContaining({ field: 'header' }));
  });

  it('returns plain objects and fresh Uint8Arrays, never views into the input', () => {
    const input = encodeCanonical({ b: Uint8Array.of(1, 2, 3) });
    const value = decode(input) as { b: Uint8Array };
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.b.constructor).toBe(Uint8Array);
    input[input.length - 1] = 9;
    expect(Array.from(value.b)).toEqual([1, 2, 3]);
  });
});

// Plain data as the codec defines it.
const { value: plainArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.integer({ min: -40000, max: 70000 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 6 }),
  ),
}));

describe('properties', () => {
  it('every plain value round-trips, and its decoding re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(plainArb, (value) => {
        const bytes = encodeCanonical(value);
        const decoded = decode(bytes);
        expect(decoded).toEqual(value === null || typeof value !== 'number' ? value : value === 0 ? 0 : value);
        expect(toHex(encodeCanonical(decoded))).toBe(toHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes either decode to a value whose encoding is those bytes, or fail with a coded error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        let value: unknown;
        try {
          value = decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(LedgerError);
          expect((error as LedgerError).code).toMatch(/^MSGPACK_/);
          return;
        }
        expect(toHex(encodeCanonical(value))).toBe(toHex(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('any single changed byte of a canonical encoding decodes to a different value or fails', () => {
    fc.assert(
      fc.property(plainArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, delta) => {
        const bytes = encodeCanonical(value);
        const mutated = Uint8Array.from(bytes);
        const i = at % bytes.length;
        mutated[i] = ((mutated[i] as number) + delta) & 0xff;
        let decoded: unknown;
        try {
          decoded = decode(mutated);
        } catch {
          return;
        }
        expect(toHex(encodeCanonical(decoded))).toBe(toHex(mutated));
        expect(toHex(encodeCanonical(decoded))).not.toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('what plain msgpackr writes for wide integers (float64) is refused', () => {
    expect(toHex(pack(2 ** 40))).toMatch(/^cb/);
    expect(codeOf(() => decode(pack(2 ** 40)))).toBe('MSGPACK_TYPE');
  });
});
