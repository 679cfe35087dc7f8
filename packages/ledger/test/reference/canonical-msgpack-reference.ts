// The definition of canonical msgpack decoding, written the slow way: decode leniently with
// msgpackr, turn the result into plain data, re-encode it with encodeCanonical and accept only if
// that gives the input back byte for byte. src/canonical-msgpack.ts checks the same thing token by
// token in one pass; a property test holds the two to the same accept/reject answers and values.

import { Unpackr } from 'msgpackr';
import { encodeCanonical } from '../../src/canonical-msgpack.js';

const lenient = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'number', structuredClone: false });

/** msgpackr's Maps and Buffers as plain objects and Uint8Arrays; undefined for non-string keys. */
function toPlain(value: unknown, depth: number): { ok: true; value: unknown } | { ok: false } {
  if (depth > 64) return { ok: false };
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (typeof k !== 'string' || k === '__proto__') return { ok: false };
      const inner = toPlain(v, depth + 1);
      if (!inner.ok) return inner;
      object[k] = inner.value;
    }
    return { ok: true, value: object };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const inner = toPlain(v, depth + 1);
      if (!inner.ok) return inner;
      out.push(inner.value);
    }
    return { ok: true, value: out };
  }
  if (value instanceof Uint8Array) return { ok: true, value: new Uint8Array(value) };
  return { ok: true, value };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The value `bytes` canonically encode, or `{ ok: false }` when they are not a canonical encoding. */
export function referenceDecode(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  let decoded: unknown;
  try {
    decoded = lenient.unpack(bytes);
  } catch {
    return { ok: false };
  }
  const plain = toPlain(decoded, 0);
  if (!plain.ok) return plain;
  let again: Uint8Array;
  try {
    again = encodeCanonical(plain.value);
  } catch {
    return { ok: false };
  }
  return sameBytes(again, bytes) ? plain : { ok: false };
}
