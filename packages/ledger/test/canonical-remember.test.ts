// Remembered encodings (rememberCanonicalEncoding): a marked deep-frozen value is written from its
// remembered bytes wherever it is met again, and the output must be what encodeCanonical writes
// for an equal value that is not marked, byte for byte and error for error: on random values, with
// the value nested in a larger one and several times in one, inside another marked value, where
// the writer's buffer grows, and at the depth limit. A value that is not deep-frozen, or holds
// bytes, is never remembered: it is written by walking it every time, so a change is never missed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { encodeCanonical, rememberCanonicalEncoding } from '../src/canonical-msgpack.js';
import { CANONICAL_MAX_DEPTH } from '../src/constants.js';
import { msgpackrReference, plainData, text } from './canonical-plain-data.js';

const HOLE = { hole: 'where the remembered value goes' };

/** `host` with every HOLE replaced by `value` (the same object each time). */
function fill(host: unknown, value: unknown): unknown {
  if (host === HOLE) return value;
  if (host === null || typeof host !== 'object' || host instanceof Uint8Array) return host;
  if (Array.isArray(host)) return host.map((member) => fill(member, value));
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(host)) out[key] = fill(member, value);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** A frozen copy to mark, and an unfrozen one never marked (the answer without remembering). */
function twins<T>(value: T): { frozen: T; plain: T } {
  return { frozen: deepFreeze(structuredClone(value)), plain: structuredClone(value) };
}

/** The hex bytes, or the error's code and field. */
function outcome(value: unknown): string {
  try {
    return toHex(encodeCanonical(value));
  } catch (error) {
    const { code, field } = error as { code?: string; field?: string };
    return `error ${code} ${field}`;
  }
}

const container = fc.oneof(fc.array(plainData({ bytes: false }), { minLength: 1, maxLength: 12 }), fc.dictionary(text.filter((k) => k !== '__proto__'), plainData({ bytes: false }), { minKeys: 1, maxKeys: 12 }));
const hostWithHoles = plainData({ bytes: true, leaves: [fc.constant(HOLE)] });

describe('remembered encodings, byte for byte', () => {
  it('write a marked value, alone and in a larger value (once or several times), as an unmarked equal value is written', () => {
    fc.assert(
      fc.property(container, hostWithHoles, (inner, host) => {
        const { frozen, plain } = twins(inner);
        const shape = { first: HOLE, host, last: [HOLE] };
        const expected = outcome(fill(shape, plain));
        if (!expected.startsWith('error')) expect(expected).toBe(msgpackrReference(fill(shape, plain)));
        rememberCanonicalEncoding(frozen);
        // The first encoding records the bytes at the first place it meets the value and copies them
        // at the others; the second copies them everywhere.
        expect(outcome(fill(shape, frozen))).toBe(expected);
        expect(outcome(fill(shape, frozen))).toBe(expected);
        expect(outcome(frozen)).toBe(outcome(plain));
      }),
      { numRuns: 400 },
    );
  });

  it('write a marked value inside another marked value as unmarked equal values are written, whichever was written first', () => {
    fc.assert(
      fc.property(container, plainData({ bytes: false }), fc.boolean(), (inner, other, innerFirst) => {
        const { frozen: frozenInner, plain: plainInner } = twins(inner);
        const frozenOuter = deepFreeze({ a: frozenInner, b: [other, frozenInner] });
        const plainOuter = { a: plainInner, b: [structuredClone(other), plainInner] };
        rememberCanonicalEncoding(frozenInner);
        rememberCanonicalEncoding(frozenOuter);
        if (innerFirst) expect(outcome(frozenInner)).toBe(outcome(plainInner));
        const expected = outcome([plainOuter, plainInner, { x: plainOuter }]);
        expect(outcome([frozenOuter, frozenInner, { x: frozenOuter }])).toBe(expected);
        expect(outcome([frozenOuter, frozenInner, { x: frozenOuter }])).toBe(expected);
        expect(outcome(frozenOuter)).toBe(outcome(plainOuter));
      }),
      { numRuns: 300 },
    );
  });

  it('return fresh bytes: changing what encodeCanonical returned does not change what it remembered', () => {
    const { frozen, plain } = twins({ a: [1, 'two'], b: { c: null } });
    rememberCanonicalEncoding(frozen);
    const first = encodeCanonical(frozen);
    first.fill(0);
    const second = encodeCanonical({ wrap: frozen });
    second.fill(0);
    expect(toHex(encodeCanonical(frozen))).toBe(msgpackrReference(plain));
    expect(toHex(encodeCanonical({ wrap: frozen }))).toBe(msgpackrReference({ wrap: plain }));
  });
});

describe('remembered encodings where the writer buffer grows', () => {
  // The writer reuses a 64 KiB buffer, replaces it with a larger one when a value needs more, and
  // starts over at 64 KiB after a value of more than 1 MiB: after `resetBuffer` the buffer grows
  // at byte 65,536. The marked value is placed to end before that byte, straddle it, and start on
  // it, both when its bytes are recorded and when they are copied.
  const GROWS_AT_BYTES = 64 * 1024;
  const resetBuffer = (): void => {
    expect(encodeCanonical(new Uint8Array(1536 * 1024)).length).toBe(1 + 4 + 1536 * 1024);
  };
  const lines = { lines: Array.from({ length: 40 }, (_, i) => ({ n: i * 1000, text: `line ${i} ${'é'.repeat(i)}`, tags: ['a', 'b'.repeat(i)] })) };
  const innerBytes = encodeCanonical(structuredClone(lines)).length;
  // The host [bin(pad), value] puts the value at byte pad + 4 (array header, bin16 header).
  const starts = [-innerBytes - 2, -innerBytes - 1, -innerBytes, -innerBytes + 1, -(innerBytes >> 1), -1, 0, 1].map((d) => GROWS_AT_BYTES + d);

  it.each(starts)('a value at byte %i: recorded and copied as an unmarked value is written', (start) => {
    const { frozen, plain } = twins(lines);
    const pad = new Uint8Array(start - 4).fill(0x5a);
    const expected = msgpackrReference([pad, plain]);
    rememberCanonicalEncoding(frozen);
    resetBuffer();
    const recorded = encodeCanonical([pad, frozen]);
    expect(recorded.length - innerBytes).toBe(start);
    expect(toHex(recorded)).toBe(expected);
    // Another value overwrites the reused buffer: remembered bytes must not be a view of it.
    expect(encodeCanonical({ other: new Uint8Array(100_000).fill(0xee) }).length).toBeGreaterThan(100_000);
    expect(toHex(encodeCanonical(frozen))).toBe(msgpackrReference(plain));
    resetBuffer();
    expect(toHex(encodeCanonical([pad, frozen]))).toBe(expected);
    expect(toHex(encodeCanonical([pad, frozen, frozen]))).toBe(msgpackrReference([pad, plain, plain]));
  });
});

describe('remembered encodings at the depth limit', () => {
  it('refuse a marked value nested past CANONICAL_MAX_DEPTH with the error an unmarked one gets, before and after it was recorded', () => {
    let deepest: unknown[] = [];
    for (let i = 1; i < CANONICAL_MAX_DEPTH; i++) deepest = [deepest];
    const { frozen, plain } = twins(deepest); // CANONICAL_MAX_DEPTH levels of arrays: the most one value may hold
    rememberCanonicalEncoding(frozen);
    const refused = outcome([plain]);
    expect(refused).toMatch(/^error MSGPACK_TYPE value(\[0\]){32}$/);
    expect(outcome([frozen])).toBe(refused); // not recorded yet: the walk refuses it
    expect(outcome(frozen)).toBe(msgpackrReference(plain)); // recorded at depth 0
    expect(outcome([frozen])).toBe(refused); // recorded: its height refuses it
    expect(outcome({ a: { b: frozen } })).toBe(outcome({ a: { b: plain } }));
    expect(outcome(frozen)).toBe(msgpackrReference(plain));
  });

  it('record the height of a marked value that holds another recorded one', () => {
    let deep: unknown[] = [];
    for (let i = 1; i < CANONICAL_MAX_DEPTH - 1; i++) deep = [deep];
    const { frozen: inner } = twins(deep);
    rememberCanonicalEncoding(inner);
    expect(outcome(inner)).toBe(msgpackrReference(deep)); // recorded: one level less than the limit
    const outer = deepFreeze({ x: inner });
    rememberCanonicalEncoding(outer);
    expect(outcome(outer)).toBe(msgpackrReference({ x: deep })); // its bytes copied from inner's
    expect(outcome([outer])).toBe(outcome([{ x: deep }]));
    expect(outcome([outer])).toMatch(/^error MSGPACK_TYPE /);
  });
});

describe('remembered encodings of values outside the data model', () => {
  it('are never recorded: the errors, codes and paths are those of an unmarked value', () => {
    const bad = deepFreeze({ a: [{ b: 0.5 }] });
    rememberCanonicalEncoding(bad);
    expect(outcome(bad)).toBe('error MSGPACK_TYPE value.a[0].b');
    expect(outcome({ x: bad })).toBe('error MSGPACK_TYPE value.x.a[0].b');
    expect(outcome(bad)).toBe('error MSGPACK_TYPE value.a[0].b');

    const good = deepFreeze({ ok: [1, 2] });
    rememberCanonicalEncoding(good);
    expect(outcome({ x: good, y: 0.5 })).toBe('error MSGPACK_TYPE value.y');
    expect(outcome({ x: good, y: 1 })).toBe(msgpackrReference({ x: { ok: [1, 2] }, y: 1 }));
    expect(outcome({ x: good, y: '\ud800' })).toBe('error MSGPACK_TYPE value.y');
  });
});

describe('rememberCanonicalEncoding never remembers what can change', () => {
  it('does not mark an unfrozen value, bytes, or anything not an object', () => {
    expect(rememberCanonicalEncoding({ a: 1 })).toBe(false);
    expect(rememberCanonicalEncoding([1, 2])).toBe(false);
    expect(rememberCanonicalEncoding(Object.freeze(new Uint8Array(0)))).toBe(false);
    expect(rememberCanonicalEncoding(7)).toBe(false);
    expect(rememberCanonicalEncoding(null)).toBe(false);
    expect(rememberCanonicalEncoding(Object.freeze({ a: 1 }))).toBe(true);
    // An unmarked value encodes (and changes) like any other.
    const value = { a: 1 };
    rememberCanonicalEncoding(value);
    expect(toHex(encodeCanonical(value))).toBe(msgpackrReference({ a: 1 }));
    value.a = 2;
    expect(toHex(encodeCanonical(value))).toBe(msgpackrReference({ a: 2 }));
  });

  it('keeps no bytes for a frozen value with an unfrozen member: every change to the member is written', () => {
    const member = { b: 1 };
    const value = Object.freeze({ a: member, c: [2] });
    expect(rememberCanonicalEncoding(value)).toBe(true);
    expect(toHex(encodeCanonical(value))).toBe(msgpackrReference({ a: { b: 1 }, c: [2] }));
    expect(toHex(encodeCanonical({ wrap: [value] }))).toBe(msgpackrReference({ wrap: [{ a: { b: 1 }, c: [2] }] }));
    // Had anything been recorded, it would now be stale.
    member.b = 2;
    expect(toHex(encodeCanonical(value))).toBe(msgpackrReference({ a: { b: 2 }, c: [2] }));
    (value.c as number[]).push(3);
    expect(toHex(encodeCanonical({ wrap: value }))).toBe(msgpackrReference({ wrap: { a: { b: 2 }, c: [2, 3] } }));
    // Frozen all the way down and marked again, it is remembered from then on.
    Object.freeze(member);
    Object.freeze(value.c);
    expect(rememberCanonicalEncoding(value)).toBe(true);
    expect(toHex(encodeCanonical(value))).toBe(msgpackrReference({ a: { b: 2 }, c: [2, 3] }));
    expect(toHex(encodeCanonical([value, value]))).toBe(msgpackrReference([{ a: { b: 2 }, c: [2, 3] }, { a: { b: 2 }, c: [2, 3] }]));
  });

  it('keeps no bytes for a frozen value holding bytes (which cannot be frozen): a change to them is written', () => {
    const held = new Uint8Array([1, 2, 3]);
    const value = Object.freeze({ b: held });
    expect(rememberCanonicalEncoding(value)).toBe(true);
    expect(toHex(encodeCanonical({ x: value }))).toBe(msgpackrReference({ x: { b: new Uint8Array([1, 2, 3]) } }));
    held[0] = 9;
    expect(toHex(encodeCanonical({ x: value }))).toBe(msgpackrReference({ x: { b: new Uint8Array([9, 2, 3]) } }));
    const fine = deepFreeze({ n: [1] });
    expect(rememberCanonicalEncoding(fine)).toBe(true);
    expect(toHex(encodeCanonical([fine, new Uint8Array([9])]))).toBe(msgpackrReference([{ n: [1] }, new Uint8Array([9])]));
  });

  it('keeps no bytes for a marked value holding a marked value that can change', () => {
    const member = { b: 1 };
    const inner = Object.freeze({ m: member });
    const outer = Object.freeze({ inner, tag: 'x' });
    rememberCanonicalEncoding(inner);
    rememberCanonicalEncoding(outer);
    expect(toHex(encodeCanonical(outer))).toBe(msgpackrReference({ inner: { m: { b: 1 } }, tag: 'x' }));
    member.b = 5;
    expect(toHex(encodeCanonical(outer))).toBe(msgpackrReference({ inner: { m: { b: 5 } }, tag: 'x' }));
    expect(toHex(encodeCanonical(inner))).toBe(msgpackrReference({ m: { b: 5 } }));
  });
});
