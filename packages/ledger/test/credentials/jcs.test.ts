import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { toHex } from '../../src/bytes.js';
import { LedgerError } from '../../src/errors.js';
import { canonicalizeJson, canonicalizeJsonBytes, JCS_MAX_DEPTH, parseJsonStrict } from '../../src/credentials/jcs.js';
import { codeOf } from './code-of.js';


// RFC 8785 section 3.2.2 (input) and 3.2.3 / 3.2.4 (canonical text and its UTF-8 bytes).
const RFC_3_2_2_INPUT = `{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
  "literals": [null, true, false]
}`;
const RFC_3_2_3_OUTPUT = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
const RFC_3_2_4_HEX = `7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
  75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
  5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
  65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
  5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
  30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`.replace(/\s+/g, '');

// RFC 8785 section 3.2.3: sorting test data and the expected order of the values.
const RFC_SORT_INPUT = `{
  "\\u20ac": "Euro Sign",
  "\\r": "Carriage Return",
  "\\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\\ud83d\\ude00": "Emoji: Grinning Face",
  "\\u0080": "Control",
  "\\u00f6": "Latin Small Letter O With Diaeresis"
}`;
const RFC_SORT_ORDER = ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh'];

// RFC 8785 Appendix B: IEEE 754 bit patterns and their JSON text ('' = must be rejected).
const APPENDIX_B: readonly [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['7fffffffffffffff', ''],
  ['7ff0000000000000', ''],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function doubleFromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 published examples', () => {
  it('canonicalizes the section 3.2.2 sample to the section 3.2.3 text and 3.2.4 bytes', () => {
    const parsed = parseJsonStrict(RFC_3_2_2_INPUT);
    expect(canonicalizeJson(parsed)).toBe(RFC_3_2_3_OUTPUT);
    expect(toHex(canonicalizeJsonBytes(parsed))).toBe(RFC_3_2_4_HEX);
  });

  it('sorts property names by UTF-16 code units (section 3.2.3 sorting data)', () => {
    const parsed = parseJsonStrict(RFC_SORT_INPUT) as Record<string, string>;
    const text = canonicalizeJson(parsed);
    // Read the order from the text: JS objects list integer-like keys ("1") first.
    const positions = RFC_SORT_ORDER.map((name) => text.indexOf(`"${name}"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Code-point (UTF-8) order would put U+FB33 before U+1F600: make sure we did not.
    expect(text.indexOf('Emoji')).toBeLessThan(text.indexOf('Hebrew'));
  });

  it.each(APPENDIX_B)('serializes IEEE 754 %s as %j (Appendix B)', (hex, expected) => {
    const value = doubleFromHex(hex);
    if (expected === '') {
      expect(codeOf(() => canonicalizeJson(value))).toBe('JCS_NUMBER_NOT_FINITE');
      expect(codeOf(() => canonicalizeJson({ n: [value] }))).toBe('JCS_NUMBER_NOT_FINITE');
    } else {
      expect(canonicalizeJson(value)).toBe(expected);
      expect(canonicalizeJson([value])).toBe(`[${expected}]`);
    }
  });
});

describe('non-JSON values are coded errors naming the path', () => {
  const cases: [string, unknown, string, string][] = [
    ['undefined member', { a: 1, b: undefined }, 'JCS_NOT_JSON', '$.b'],
    ['undefined element', [1, undefined], 'JCS_NOT_JSON', '$[1]'],
    ['top-level undefined', undefined, 'JCS_NOT_JSON', '$'],
    ['function', { f: () => 1 }, 'JCS_NOT_JSON', '$.f'],
    ['symbol', { s: Symbol('x') }, 'JCS_NOT_JSON', '$.s'],
    ['NaN', { n: Number.NaN }, 'JCS_NUMBER_NOT_FINITE', '$.n'],
    ['Infinity', { x: { y: [Number.POSITIVE_INFINITY] } }, 'JCS_NUMBER_NOT_FINITE', '$.x.y[0]'],
    ['-Infinity', [Number.NEGATIVE_INFINITY], 'JCS_NUMBER_NOT_FINITE', '$[0]'],
    ['BigInt', { amount: 10n }, 'JCS_BIGINT', '$.amount'],
    ['Date', { when: new Date(0) }, 'JCS_NOT_JSON', '$.when'],
    ['Map', { m: new Map() }, 'JCS_NOT_JSON', '$.m'],
    ['Uint8Array', { b: new Uint8Array(2) }, 'JCS_NOT_JSON', '$.b'],
    ['class instance', { c: new (class Point { x = 1 })() }, 'JCS_NOT_JSON', '$.c'],
    ['lone high surrogate value', { s: 'a\uD800' }, 'JCS_LONE_SURROGATE', '$.s'],
    ['lone low surrogate key', { '\uDC00': 1 }, 'JCS_LONE_SURROGATE', '$["\\udc00"]'],
    ['sparse array', [1, , 3], 'JCS_NOT_JSON', '$[1]'], // eslint-disable-line no-sparse-arrays
    ['weird key path', { 'a b': [undefined] }, 'JCS_NOT_JSON', '$["a b"][0]'],
  ];
  it.each(cases)('%s', (_name, value, code, field) => {
    try {
      canonicalizeJson(value);
      expect.unreachable('canonicalizeJson accepted a non-JSON value');
    } catch (error) {
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe(code);
      expect((error as LedgerError).field).toBe(field);
      expect((error as LedgerError).message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it('rejects cycles and excessive depth', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop['self'] = { back: loop };
    expect(codeOf(() => canonicalizeJson(loop))).toBe('JCS_CYCLE');
    let deep: unknown = 1;
    for (let i = 0; i < JCS_MAX_DEPTH + 1; i++) deep = [deep];
    expect(codeOf(() => canonicalizeJson(deep))).toBe('JCS_TOO_DEEP');
    let atLimit: unknown = 1;
    for (let i = 0; i < JCS_MAX_DEPTH; i++) atLimit = [atLimit];
    expect(canonicalizeJson(atLimit)).toBe(`${'['.repeat(JCS_MAX_DEPTH)}1${']'.repeat(JCS_MAX_DEPTH)}`);
  });

  it('accepts a shared (non-cyclic) sub-object twice and null-prototype objects', () => {
    const shared = { z: 1, a: 2 };
    const bare = Object.create(null) as Record<string, unknown>;
    bare['k'] = shared;
    expect(canonicalizeJson({ x: shared, y: shared, b: bare })).toBe('{"b":{"k":{"a":2,"z":1}},"x":{"a":2,"z":1},"y":{"a":2,"z":1}}');
  });

  it('writes -0 as 0 and control characters in lower-case hex', () => {
    expect(canonicalizeJson({ z: -0, s: '\u0000\u001f\u007f\b\t\n\f\r' })).toBe('{"s":"\\u0000\\u001f\u007f\\b\\t\\n\\f\\r","z":0}');
  });
});

describe('agrees with the canonicalize package on JSON values', () => {
  it('property: same text for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalizeJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  it('property: canonical text parses back to an equal value and is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = canonicalizeJson(value);
        const back = parseJsonStrict(text);
        expect(canonicalizeJson(back)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseJsonStrict', () => {
  it('rejects duplicate member names, also when spelled with escapes', () => {
    expect(codeOf(() => parseJsonStrict('{"a":1,"a":2}'))).toBe('JSON_DUPLICATE_KEY');
    expect(codeOf(() => parseJsonStrict('{"a":1,"\\u0061":2}'))).toBe('JSON_DUPLICATE_KEY');
    expect(codeOf(() => parseJsonStrict('[{"x":{"a":1}},{"a":[1,{"b":1,"b":1}]}]'))).toBe('JSON_DUPLICATE_KEY');
  });

  it('accepts the same name in different objects and names that look like values', () => {
    expect(parseJsonStrict('{"a":{"a":"a"},"b":["a","a"],"c":{"a":1},"d":"\\"a\\""}')).toEqual({ a: { a: 'a' }, b: ['a', 'a'], c: { a: 1 }, d: '"a"' });
  });

  it('rejects escaped lone surrogates, invalid JSON, oversize text and deep nesting', () => {
    expect(codeOf(() => parseJsonStrict('{"s":"\\ud800"}'))).toBe('JCS_LONE_SURROGATE');
    expect(codeOf(() => parseJsonStrict('{"a":1,}'))).toBe('JSON_PARSE');
    expect(codeOf(() => parseJsonStrict('{"a":1}', 6))).toBe('JSON_TOO_LARGE');
    expect(codeOf(() => parseJsonStrict(`${'['.repeat(JCS_MAX_DEPTH + 1)}${']'.repeat(JCS_MAX_DEPTH + 1)}`))).toBe('JCS_TOO_DEEP');
    expect(parseJsonStrict('"\\ud83d\\ude00"')).toBe('😀');
  });
});
