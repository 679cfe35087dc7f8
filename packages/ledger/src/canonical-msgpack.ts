// Canonical msgpack: the one byte encoding of every signed or hashed object (transactions, block
// headers, blocks). A value has exactly one encoding, so `decodeCanonical` accepts only the bytes
// `encodeCanonical` would produce, and rejects everything else with a coded error.
//
// Data model (plain data only):
//   null, booleans, strings (well-formed UTF-16, i.e. valid UTF-8 on the wire), safe integers,
//   Uint8Array (msgpack bin), arrays, and plain objects with string keys.
// Refused: floats (and NaN/Infinity), integers outside ±(2^53 - 1), bigint, undefined, Map, Set,
// Date, other typed arrays, class instances, symbols, functions, msgpack extension types, non-string
// map keys, the key "__proto__", and nesting deeper than CANONICAL_MAX_DEPTH.
//
// Canonical form (what msgpackr writes with `useRecords: false` for the normalized value):
//   - integers in the smallest msgpack int form: positive fixint (0..127), uint8/16/32 for larger
//     non-negative values below 2^32, negative fixint/int8/16/32 down to -2^31, and int64 (0xd3,
//     as msgpackr writes wide integers) for everything wider; never uint64 or floats;
//   - strings, bin, arrays and maps with the smallest length header;
//   - map keys in ascending order of their UTF-8 bytes, no duplicates.
//
// Decoding is strict and bounded: a size limit first; then one iterative pass (no recursion) that
// checks every token (depth, lengths, types, minimal headers, key order, UTF-8, trailing bytes)
// and builds the value. Those checks together admit exactly the bytes encodeCanonical writes, so
// nothing is re-encoded to compare (test/reference/ keeps that slower definition, and a property
// test holds the two to the same answers). Callers keep the input bytes: they are what is hashed
// and stored, never a re-encoding.
//
// Remembered encodings: a caller may mark a deep-frozen value it will have encoded more than once
// (`rememberCanonicalEncoding`; a transaction's parsed payload goes into its document record, its
// history entry, and on the leader into both again). This module then owns one WeakMap from each
// marked value to a private copy of its canonical bytes, recorded the first time the writer
// writes it whole and copied wherever the value is met again. An entry lives exactly as long as
// its value and is never larger than the value's own encoding. It must never hold bytes of a value
// that can still change (so only frozen values are taken, and checked: a value that turns out to
// hold anything unfrozen is simply never remembered), nor a view into the writer's reused buffer.
// Remembering changes how fast bytes are written, never which bytes or whether a value is taken.

import { Packr } from 'msgpackr';
import { CANONICAL_MAX_BYTES, CANONICAL_MAX_DEPTH } from './constants.js';
import { assert, LedgerError } from './errors.js';

/** Error codes of this codec; tx.ts and block.ts map them to their own. */
export const CANONICAL_ERROR = {
  tooLarge: 'MSGPACK_TOO_LARGE',
  malformed: 'MSGPACK_MALFORMED',
  trailingBytes: 'MSGPACK_TRAILING_BYTES',
  nonCanonical: 'MSGPACK_NONCANONICAL',
  type: 'MSGPACK_TYPE',
  tooDeep: 'MSGPACK_TOO_DEEP',
} as const;

const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false });

const INT32_MIN = -0x8000_0000;
const UINT32_MAX = 0xffff_ffff;

// ---- encoding ----

/**
 * Orders strings by Unicode code point, which is the order of their UTF-8 bytes. UTF-16 code
 * units order differently only between surrogates and U+E000..U+FFFF, so those are remapped.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** No lone surrogates, so the string has a UTF-8 encoding (String.prototype.isWellFormed where present). */
function isWellFormed(text: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

/** Object keys in code point order; most objects arrive sorted already, so check before sorting. */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  for (let i = 1; i < keys.length; i++) {
    if (compareCodePoints(keys[i - 1] as string, keys[i] as string) > 0) return keys.sort(compareCodePoints);
  }
  return keys;
}

/** A fresh copy (Uint8Array.from would iterate element by element). */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string | number;
}

function pathText(root: string, node: PathNode | undefined): string {
  const parts: string[] = [];
  for (let at = node; at !== undefined; at = at.parent) parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${at.key}`);
  return root + parts.reverse().join('');
}

function typeError(path: PathNode | undefined, what: string): LedgerError {
  const where = pathText('value', path);
  return new LedgerError(CANONICAL_ERROR.type, `${where}: ${what}`, { field: where });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object without prototype';
  if (typeof value === 'number') return `number ${String(value)}`;
  return typeof value;
}

interface EncodeWork {
  readonly value: unknown;
  readonly depth: number;
  readonly path: PathNode | undefined;
  readonly into: unknown[] | Map<string, unknown> | undefined;
}

/**
 * Turns plain data into what msgpackr writes canonically: objects become Maps with sorted keys
 * (a JS object would put integer-like keys first), wide integers become bigint (msgpackr writes
 * numbers at or above 2^32 as float64). Iterative, bounded by CANONICAL_MAX_DEPTH.
 */
function normalize(value: unknown): unknown {
  let root: unknown;
  const stack: EncodeWork[] = [{ value, depth: 0, path: undefined, into: undefined }];
  while (stack.length > 0) {
    const work = stack.pop() as EncodeWork;
    const { value: v, path } = work;
    let out: unknown;
    if (v === null || typeof v === 'boolean') {
      out = v;
    } else if (typeof v === 'string') {
      if (!isWellFormed(v)) throw typeError(path, 'string holds a lone UTF-16 surrogate (not valid UTF-8)');
      out = v;
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw typeError(path, `only safe integers are allowed, got ${String(v)}`);
      out = v < INT32_MIN || v > UINT32_MAX ? BigInt(v) : v === 0 ? 0 : v; // -0 is written as 0
    } else if (v instanceof Uint8Array) {
      out = v;
    } else if (Array.isArray(v)) {
      if (work.depth >= CANONICAL_MAX_DEPTH) throw typeError(path, `nesting deeper than ${CANONICAL_MAX_DEPTH}`);
      const array: unknown[] = new Array(v.length);
      for (let i = v.length - 1; i >= 0; i--) {
        if (!(i in v)) throw typeError({ parent: path, key: i }, 'sparse array hole');
        stack.push({ value: v[i], depth: work.depth + 1, path: { parent: path, key: i }, into: array });
      }
      out = array;
    } else if (typeof v === 'object' && isPlainObject(v)) {
      if (work.depth >= CANONICAL_MAX_DEPTH) throw typeError(path, `nesting deeper than ${CANONICAL_MAX_DEPTH}`);
      if (Object.getOwnPropertySymbols(v).length > 0) throw typeError(path, 'symbol keys are not allowed');
      const keys = sortedKeys(v);
      const map = new Map<string, unknown>();
      for (const key of keys) {
        if (key === '__proto__') throw typeError(path, 'the key "__proto__" is not allowed');
        if (!isWellFormed(key)) throw typeError(path, 'a key holds a lone UTF-16 surrogate');
        map.set(key, undefined); // reserve the sorted position; the value is filled in below
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (v as Record<string, unknown>)[key], depth: work.depth + 1, path: { parent: path, key }, into: map });
      }
      out = map;
    } else {
      throw typeError(path, `${describe(v)} is not canonical msgpack data (null, boolean, string, safe integer, Uint8Array, array, plain object)`);
    }
    const into = work.into;
    if (into === undefined) root = out;
    else if (Array.isArray(into)) into[(path as PathNode).key as number] = out;
    else into.set((path as PathNode).key as string, out);
  }
  return root;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---- remembered encodings ----

interface RememberedEncoding {
  /** Its canonical bytes once the writer has written it whole; a copy owned here, never a view. */
  bytes: Uint8Array | undefined;
  /** Levels of containers in the value, itself included: its bytes fit where depth + height <= CANONICAL_MAX_DEPTH. */
  height: number;
}

const remembered = new WeakMap<object, RememberedEncoding>();

/**
 * Marks `value`, deep-frozen plain data, as a value whose canonical encoding will be asked for
 * again: the first encodeCanonical that writes it records its bytes, and later ones, with the
 * value at any place inside any larger value, copy them instead of walking it. The output is the
 * same byte for byte, and so are the errors (a value outside the data model is never recorded;
 * nested too deep it is refused as before). Marking a value again changes nothing.
 *
 * Bytes remembered for a value that later changed would be written stale, so only a value whose
 * every array and plain object is frozen, and that holds no bytes (a Uint8Array cannot be
 * frozen), is remembered: the value itself is checked here (false: not marked), every member as
 * the writer records the value's bytes (the walk that happens anyway; freezing cannot be undone,
 * so a member frozen then stays frozen), and a value found to hold anything else is unmarked and
 * written by walking it, as if it had never been marked. Never throws: a caller's choice to mark a
 * value must not be able to stop the state machine. Accessor properties are the caller's to rule out.
 */
export function rememberCanonicalEncoding(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || !Object.isFrozen(value)) return false;
  if (!remembered.has(value)) remembered.set(value, { bytes: undefined, height: 0 });
  return true;
}

/** The canonical bytes of a plain-data value; throws MSGPACK_TYPE naming the path of a bad value. */
export function encodeCanonical(value: unknown): Uint8Array {
  out.length = 0;
  recording = 0;
  changeable = false;
  deepestContainer = 0;
  try {
    write(value, 0);
  } catch (error) {
    if (error !== NOT_WRITTEN) throw error;
    // Outside the data model (or a case `write` leaves to the general path): normalize throws the
    // coded error naming the path; what it accepts, msgpackr writes canonically.
    return copyOf(packr.pack(normalize(value)));
  }
  const bytes = out.bytes.slice(0, out.length);
  // A rare large value (a whole block) must not keep its buffer alive for good.
  if (out.bytes.length > WRITE_BUFFER_KEEP_BYTES) {
    out.bytes = new Uint8Array(WRITE_BUFFER_BYTES);
    out.view = new DataView(out.bytes.buffer);
  }
  return bytes;
}

// The direct writer: one pass over the value into a reused buffer, no intermediate Maps, the same
// bytes as msgpackr writes for the normalized value (a property test compares the two). Anything
// it does not handle itself (a value outside the data model, mostly) throws NOT_WRITTEN and the
// general path above takes over, so the errors and their paths come from one place.

const NOT_WRITTEN = Symbol('not written by the direct writer');
const WRITE_BUFFER_BYTES = 64 * 1024;
const WRITE_BUFFER_KEEP_BYTES = 1024 * 1024;
const out = { bytes: new Uint8Array(WRITE_BUFFER_BYTES), view: undefined as unknown as DataView, length: 0 };
out.view = new DataView(out.bytes.buffer);
const utf8Encoder = new TextEncoder();

function reserve(n: number): number {
  const at = out.length;
  if (at + n > out.bytes.length) {
    const grown = new Uint8Array(Math.max(out.bytes.length * 2, at + n));
    grown.set(out.bytes.subarray(0, at));
    out.bytes = grown;
    out.view = new DataView(grown.buffer);
  }
  out.length = at + n;
  return at;
}

// `reserve` may replace out.bytes: callers take the offset first, then index the (new) buffer.
function putByte(byte: number): void {
  const at = reserve(1);
  out.bytes[at] = byte;
}

/** A msgpack type byte followed by a big-endian length of 0, 1, 2 or 4 bytes. */
function header(small: number, smallMax: number, wide8: number, wide16: number, wide32: number, n: number): void {
  if (n <= smallMax) {
    putByte(small | n);
  } else if (n < 0x100 && wide8 !== 0) {
    const at = reserve(2);
    out.bytes[at] = wide8;
    out.bytes[at + 1] = n;
  } else if (n < 0x1_0000) {
    const at = reserve(3);
    out.bytes[at] = wide16;
    out.view.setUint16(at + 1, n);
  } else {
    const at = reserve(5);
    out.bytes[at] = wide32;
    out.view.setUint32(at + 1, n);
  }
}

function writeInt(v: number): void {
  if (v >= 0) {
    if (v < 0x80) putByte(v);
    else if (v < 0x100) {
      const at = reserve(2);
      out.bytes[at] = 0xcc;
      out.bytes[at + 1] = v;
    } else if (v < 0x1_0000) {
      const at = reserve(3);
      out.bytes[at] = 0xcd;
      out.view.setUint16(at + 1, v);
    } else if (v <= UINT32_MAX) {
      const at = reserve(5);
      out.bytes[at] = 0xce;
      out.view.setUint32(at + 1, v);
    } else writeInt64(v);
  } else if (v >= -0x20) putByte(v & 0xff);
  else if (v >= -0x80) {
    const at = reserve(2);
    out.bytes[at] = 0xd0;
    out.view.setInt8(at + 1, v);
  } else if (v >= -0x8000) {
    const at = reserve(3);
    out.bytes[at] = 0xd1;
    out.view.setInt16(at + 1, v);
  } else if (v >= INT32_MIN) {
    const at = reserve(5);
    out.bytes[at] = 0xd2;
    out.view.setInt32(at + 1, v);
  } else writeInt64(v);
}

function writeInt64(v: number): void {
  const at = reserve(9);
  out.bytes[at] = 0xd3;
  out.view.setBigInt64(at + 1, BigInt(v));
}

/** Bytes of a str header for a string of `n` UTF-8 bytes. */
function stringHeaderBytes(n: number): number {
  return n <= 0x1f ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : 5;
}

function writeString(text: string): void {
  const n = text.length;
  if (n <= 0x1f) {
    // Short ASCII (keys, codes, identifiers): copied as it is checked.
    const at = reserve(1 + n);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out.bytes[at + 1 + i] = c;
    }
    if (i === n) {
      out.bytes[at] = 0xa0 | n;
      return;
    }
    out.length = at;
  }
  // TextEncoder would write a lone surrogate as U+FFFD: such a string has no UTF-8 encoding.
  if (!isWellFormed(text)) throw NOT_WRITTEN;
  // Encoded in place after room for the longest header it could need (3 bytes per UTF-16 unit at
  // most), then moved down if the actual length takes a shorter one.
  const most = 3 * n;
  const room = stringHeaderBytes(most);
  const at = reserve(room + most);
  const { written } = utf8Encoder.encodeInto(text, out.bytes.subarray(at + room, at + room + most));
  const used = stringHeaderBytes(written);
  if (used < room) out.bytes.copyWithin(at + used, at + room, at + room + written);
  out.length = at;
  header(0xa0, 0x1f, 0xd9, 0xda, 0xdb, written);
  out.length = at + used + written;
}

function write(v: unknown, depth: number): void {
  if (typeof v === 'string') writeString(v);
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw NOT_WRITTEN;
    writeInt(v === 0 ? 0 : v);
  } else if (v === null) putByte(0xc0);
  else if (typeof v === 'boolean') putByte(v ? 0xc3 : 0xc2);
  else if (v instanceof Uint8Array) {
    if (recording > 0) changeable = true; // a Uint8Array cannot be frozen
    header(0, -1, 0xc4, 0xc5, 0xc6, v.length);
    const at = reserve(v.length);
    out.bytes.set(v, at);
  } else if (typeof v === 'object') {
    const entry = remembered.get(v);
    if (entry === undefined) writeContainer(v, depth);
    else writeRemembered(v, entry, depth);
  } else throw NOT_WRITTEN;
}

// While a remembered value is being recorded (recording > 0), `changeable` notes a container that
// is not frozen or bytes met on the way: the value's bytes are then not kept. deepestContainer is
// one more than the depth of the deepest container written so far, which gives a recorded value
// its height. All three are reset by every encodeCanonical, since a walk that is refused part-way
// leaves them set.
let recording = 0;
let changeable = false;
let deepestContainer = 0;

function writeRemembered(v: object, entry: RememberedEncoding, depth: number): void {
  const bytes = entry.bytes;
  if (bytes !== undefined) {
    // Its innermost containers would pass the depth limit here: the walk would refuse it too.
    if (depth + entry.height > CANONICAL_MAX_DEPTH) throw NOT_WRITTEN;
    const at = reserve(bytes.length);
    out.bytes.set(bytes, at);
    if (depth + entry.height > deepestContainer) deepestContainer = depth + entry.height;
    return;
  }
  const start = out.length;
  const deepestOutside = deepestContainer;
  const changeableOutside = changeable;
  deepestContainer = depth;
  changeable = false;
  recording++;
  writeContainer(v, depth);
  recording--;
  const heldChangeable = changeable;
  // A value holding this one holds what can change too.
  changeable = changeableOutside || heldChangeable;
  if (heldChangeable) remembered.delete(v);
  else {
    // Taken from out.bytes as it is after the walk (`reserve` may have replaced it on the way), and
    // a copy: the buffer is reused for the next value.
    entry.bytes = out.bytes.slice(start, out.length);
    entry.height = deepestContainer - depth;
  }
  if (deepestOutside > deepestContainer) deepestContainer = deepestOutside;
}

function writeContainer(v: object, depth: number): void {
  if (depth >= deepestContainer) deepestContainer = depth + 1;
  if (Array.isArray(v)) {
    if (depth >= CANONICAL_MAX_DEPTH) throw NOT_WRITTEN;
    if (recording > 0 && !Object.isFrozen(v)) changeable = true;
    header(0x90, 0x0f, 0, 0xdc, 0xdd, v.length);
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) throw NOT_WRITTEN;
      write(v[i], depth + 1);
    }
  } else if (isPlainObject(v)) {
    if (depth >= CANONICAL_MAX_DEPTH || Object.getOwnPropertySymbols(v).length > 0) throw NOT_WRITTEN;
    if (recording > 0 && !Object.isFrozen(v)) changeable = true;
    const keys = sortedKeys(v);
    header(0x80, 0x0f, 0, 0xde, 0xdf, keys.length);
    for (const key of keys) {
      if (key === '__proto__') throw NOT_WRITTEN;
      writeString(key);
      write((v as Record<string, unknown>)[key], depth + 1);
    }
  } else throw NOT_WRITTEN;
}

// ---- decoding ----

function fail(code: string, field: string, message: string): never {
  throw new LedgerError(code, `${field}: ${message}`, { field });
}

// `ignoreBOM: true` keeps a leading U+FEFF as a character: the default would silently drop it,
// and the value would no longer encode to the bytes it came from.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes that are pure ASCII are built without a TextDecoder call. */
const ASCII_FAST_PATH_MAX_BYTES = 64;

// Map keys and short names (chainId, kind) repeat in every object of a kind: short ASCII strings
// come from a small direct-mapped cache, compared byte for byte, instead of a fresh string each.
const SHORT_STRING_CACHE_MAX_BYTES = 16;
const SHORT_STRING_CACHE_SLOTS = 512;
const shortStringBytes: Array<Uint8Array | undefined> = new Array(SHORT_STRING_CACHE_SLOTS).fill(undefined);
const shortStringTexts: string[] = new Array(SHORT_STRING_CACHE_SLOTS).fill('');

function readShortAscii(bytes: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  let slot = length;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c >= 0x80) return undefined;
    slot = (slot * 31 + c) & (SHORT_STRING_CACHE_SLOTS - 1);
  }
  const cached = shortStringBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = cached[i] === bytes[start + i];
    if (same) return shortStringTexts[slot] as string;
  }
  const text = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  // A copy, never a view: the input may be a Buffer (whose slice is a view) that its owner reuses.
  const copy = new Uint8Array(length);
  for (let i = 0; i < length; i++) copy[i] = bytes[start + i] as number;
  shortStringBytes[slot] = copy;
  shortStringTexts[slot] = text;
  return text;
}

/** The string in bytes[start, end), or undefined when those bytes are not well-formed UTF-8. */
function readUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start <= SHORT_STRING_CACHE_MAX_BYTES) {
    const text = readShortAscii(bytes, start, end);
    if (text !== undefined) return text;
  } else if (end - start <= ASCII_FAST_PATH_MAX_BYTES) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) break;
      text += String.fromCharCode(c);
    }
    if (i === end) return text;
  }
  try {
    return utf8Strict.decode(bytes.subarray(start, end));
  } catch (error) {
    // A fatal TextDecoder throws only a TypeError for malformed input: a rejection, reported by the caller.
    assert(error instanceof TypeError, 'TextDecoder fails only with a TypeError');
    return undefined;
  }
}

interface Frame {
  remaining: number; // values still to read in this container (a map counts keys and values)
  readonly isMap: boolean;
  readonly container: unknown[] | Record<string, unknown>;
  index: number; // next array slot
  key: string | undefined; // map: the key whose value comes next; undefined when that key was refused
  lastKeyStart: number; // offset of the previous key's UTF-8 bytes in this map, -1 before the first
  lastKeyEnd: number;
}

function compareRanges(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = (bytes[aStart + i] as number) - (bytes[bStart + i] as number);
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/**
 * One iterative pass that checks the token stream and builds the value: exactly one value, only
 * the canonical data model's types, minimal headers and integers, string keys in strictly
 * ascending byte order, bounded depth, lengths within the input, no trailing bytes, well-formed
 * UTF-8, no "__proto__" key.
 *
 * Those rules are exactly "the bytes are what encodeCanonical writes for the value": every other
 * freedom of msgpack (header widths, integer forms, key order, duplicate keys, floats, extension
 * types) is refused token by token, and valid UTF-8 is the one encoding of a well-formed string.
 * test/reference/canonical-msgpack-reference.ts decodes leniently and re-encodes instead; a
 * property test holds the two to the same answers.
 *
 * Form errors are thrown at the first offending byte. A refused key (MSGPACK_TYPE) and malformed
 * UTF-8 (MSGPACK_NONCANONICAL) are reported only once the whole form is known to be good, in that
 * order, so every input gets the same code as the scan-then-decode-then-re-encode design this
 * replaced (which re-encoded megabytes per block just to compare).
 */
function decodeStrict(bytes: Uint8Array, field: string, from = 0, depth = 0, whole = true): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const stack: Frame[] = [];
  let pos = from;
  let root: unknown;
  let refusedKey: LedgerError | undefined;
  let badUtf8: LedgerError | undefined;
  const need = (count: number, what: string): void => {
    if (count > end - pos) fail(CANONICAL_ERROR.malformed, field, `truncated ${what} at byte ${pos} (needs ${count} more bytes, ${end - pos} left)`);
  };
  const nonCanonical = (at: number, what: string): never => fail(CANONICAL_ERROR.nonCanonical, field, `${what} at byte ${at}`);

  for (;;) {
    const top = stack.length > 0 ? (stack[stack.length - 1] as Frame) : undefined;
    const isKey = top !== undefined && top.isMap && top.remaining % 2 === 0;
    const start = pos;
    need(1, 'value');
    const t = bytes[pos++] as number;
    let value: unknown;
    let containerCount = -1;
    let containerIsMap = false;
    let stringStart = -1;
    let stringEnd = -1;

    if (t <= 0x7f) {
      value = t;
    } else if (t >= 0xe0) {
      value = t - 0x100;
    } else if (t === 0xc0) {
      value = null;
    } else if (t === 0xc2 || t === 0xc3) {
      value = t === 0xc3;
    } else if (t >= 0xa0 && t <= 0xbf) {
      const length = t & 0x1f;
      need(length, 'string');
      stringStart = pos;
      pos += length;
      stringEnd = pos;
    } else if (t >= 0x90 && t <= 0x9f) {
      containerCount = t & 0x0f;
    } else if (t >= 0x80 && t <= 0x8f) {
      containerCount = t & 0x0f;
      containerIsMap = true;
    } else {
      switch (t) {
        case 0xcc: need(1, 'uint8'); value = bytes[pos] as number; if ((value as number) < 0x80) nonCanonical(start, 'uint8 below 128 (fixint is shorter)'); pos += 1; break;
        case 0xcd: need(2, 'uint16'); value = view.getUint16(pos); if ((value as number) < 0x100) nonCanonical(start, 'uint16 below 256'); pos += 2; break;
        case 0xce: need(4, 'uint32'); value = view.getUint32(pos); if ((value as number) < 0x10000) nonCanonical(start, 'uint32 below 65536'); pos += 4; break;
        case 0xd0: need(1, 'int8'); value = view.getInt8(pos); if ((value as number) >= -32) nonCanonical(start, 'int8 at or above -32'); pos += 1; break;
        case 0xd1: need(2, 'int16'); value = view.getInt16(pos); if ((value as number) >= -128) nonCanonical(start, 'int16 at or above -128'); pos += 2; break;
        case 0xd2: need(4, 'int32'); value = view.getInt32(pos); if ((value as number) >= -32768) nonCanonical(start, 'int32 at or above -32768'); pos += 4; break;
        case 0xd3: {
          need(8, 'int64');
          const high = view.getInt32(pos);
          const low = view.getUint32(pos + 4);
          const wide = high * 0x1_0000_0000 + low;
          if (high < -0x20_0000 || high >= 0x20_0000 || !Number.isSafeInteger(wide)) fail(CANONICAL_ERROR.type, field, `integer at byte ${start} is outside the safe range ±(2^53 - 1)`);
          if (wide >= INT32_MIN && wide <= UINT32_MAX) nonCanonical(start, `int64 holding ${wide} (a shorter int form exists)`);
          value = wide;
          pos += 8;
          break;
        }
        case 0xcf: {
          need(8, 'uint64');
          const high = view.getUint32(pos);
          if (high >= 0x20_0000) fail(CANONICAL_ERROR.type, field, `integer at byte ${start} is outside the safe range ±(2^53 - 1)`);
          nonCanonical(start, 'uint64 (canonical wide integers are int64)');
          break;
        }
        case 0xca: case 0xcb:
          fail(CANONICAL_ERROR.type, field, `float at byte ${start}: floats are not allowed`);
          break;
        case 0xd9: case 0xda: case 0xdb: {
          const headerBytes = t === 0xd9 ? 1 : t === 0xda ? 2 : 4;
          need(headerBytes, 'string header');
          const length = t === 0xd9 ? (bytes[pos] as number) : t === 0xda ? view.getUint16(pos) : view.getUint32(pos);
          const minimum = t === 0xd9 ? 0x20 : t === 0xda ? 0x100 : 0x10000;
          if (length < minimum) nonCanonical(start, `string of ${length} bytes with a ${headerBytes}-byte length header`);
          pos += headerBytes;
          need(length, 'string');
          stringStart = pos;
          pos += length;
          stringEnd = pos;
          break;
        }
        case 0xc4: case 0xc5: case 0xc6: {
          const headerBytes = t === 0xc4 ? 1 : t === 0xc5 ? 2 : 4;
          need(headerBytes, 'bin header');
          const length = t === 0xc4 ? (bytes[pos] as number) : t === 0xc5 ? view.getUint16(pos) : view.getUint32(pos);
          const minimum = t === 0xc4 ? 0 : t === 0xc5 ? 0x100 : 0x10000;
          if (length < minimum) nonCanonical(start, `bin of ${length} bytes with a ${headerBytes}-byte length header`);
          pos += headerBytes;
          need(length, 'bin');
          // A fresh plain Uint8Array, never a view: the caller's buffer may be reused (or be a Buffer).
          const copy = new Uint8Array(length);
          copy.set(bytes.subarray(pos, pos + length));
          value = copy;
          pos += length;
          break;
        }
        case 0xdc: case 0xdd: case 0xde: case 0xdf: {
          const wide = t === 0xdd || t === 0xdf;
          need(wide ? 4 : 2, 'container header');
          containerCount = wide ? view.getUint32(pos) : view.getUint16(pos);
          containerIsMap = t === 0xde || t === 0xdf;
          if (containerCount < (wide ? 0x10000 : 0x10)) nonCanonical(start, `${containerIsMap ? 'map' : 'array'} of ${containerCount} entries with a ${wide ? 4 : 2}-byte count`);
          pos += wide ? 4 : 2;
          break;
        }
        case 0xc1:
          fail(CANONICAL_ERROR.malformed, field, `byte 0xc1 (never used in msgpack) at byte ${start}`);
          break;
        default:
          // 0xc7-0xc9 and 0xd4-0xd8: extension types (timestamps, records, typed arrays, undefined)
          fail(CANONICAL_ERROR.type, field, `msgpack extension type (0x${t.toString(16)}) at byte ${start} is not supported`);
      }
    }

    if (isKey) {
      if (stringStart < 0) fail(CANONICAL_ERROR.type, field, `map key at byte ${start} is not a string`);
      const frame = top as Frame;
      if (frame.lastKeyStart >= 0 && compareRanges(bytes, frame.lastKeyStart, frame.lastKeyEnd, stringStart, stringEnd) >= 0) {
        nonCanonical(start, 'map key not in strictly ascending byte order (out of order or duplicate)');
      }
      frame.lastKeyStart = stringStart;
      frame.lastKeyEnd = stringEnd;
      const key = readUtf8(bytes, stringStart, stringEnd);
      frame.key = undefined;
      if (key === undefined) badUtf8 ??= new LedgerError(CANONICAL_ERROR.nonCanonical, `${field}: map key at byte ${start} is not well-formed UTF-8`, { field });
      else if (key === '__proto__') refusedKey ??= new LedgerError(CANONICAL_ERROR.type, `${field}: the key "__proto__" is not allowed`, { field });
      else frame.key = key;
    } else {
      if (stringStart >= 0) {
        const text = readUtf8(bytes, stringStart, stringEnd);
        if (text === undefined) badUtf8 ??= new LedgerError(CANONICAL_ERROR.nonCanonical, `${field}: string at byte ${start} is not well-formed UTF-8`, { field });
        value = text ?? '';
      }
      let frame: Frame | undefined;
      if (containerCount >= 0) {
        // Containers count towards depth even when empty (the encoder counts them the same way).
        if (depth + stack.length + 1 > CANONICAL_MAX_DEPTH) fail(CANONICAL_ERROR.tooDeep, field, `nesting deeper than ${CANONICAL_MAX_DEPTH} at byte ${start}`);
        const values = containerIsMap ? containerCount * 2 : containerCount;
        // Every value takes at least one byte: a count beyond the input is malformed, not a reason to allocate.
        if (values > end - pos) fail(CANONICAL_ERROR.malformed, field, `${containerIsMap ? 'map' : 'array'} at byte ${start} declares ${containerCount} entries, more than the bytes left`);
        const container: unknown[] | Record<string, unknown> = containerIsMap ? {} : new Array<unknown>(containerCount);
        value = container;
        if (containerCount > 0) frame = { remaining: values, isMap: containerIsMap, container, index: 0, key: undefined, lastKeyStart: -1, lastKeyEnd: -1 };
      }
      if (top === undefined) root = value;
      else if (!top.isMap) (top.container as unknown[])[top.index++] = value;
      else if (top.key !== undefined) (top.container as Record<string, unknown>)[top.key] = value;
      if (frame !== undefined) {
        stack.push(frame);
        continue;
      }
    }
    // A complete value (a scalar, a key or an empty container): close every container it completes.
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      frame.remaining--;
      if (frame.remaining > 0) break;
      stack.pop();
    }
    if (stack.length === 0) break;
  }
  if (whole && pos !== end) fail(CANONICAL_ERROR.trailingBytes, field, `${end - pos} bytes after the end of the value (at byte ${pos})`);
  if (refusedKey !== undefined) throw refusedKey;
  if (badUtf8 !== undefined) throw badUtf8;
  return { value: root, end: pos };
}

/**
 * Decodes bytes that must be the canonical encoding of one plain-data value, at most `maxBytes`
 * long. Throws a LedgerError (MSGPACK_TOO_LARGE, MSGPACK_MALFORMED, MSGPACK_TRAILING_BYTES,
 * MSGPACK_NONCANONICAL, MSGPACK_TYPE, MSGPACK_TOO_DEEP) whose `field` is `field`. Objects are
 * plain, byte strings fresh Uint8Arrays (never views into `bytes`).
 */
export function decodeCanonical(bytes: Uint8Array, field: string, maxBytes: number): unknown {
  assert(Number.isSafeInteger(maxBytes) && maxBytes > 0 && maxBytes <= CANONICAL_MAX_BYTES, `maxBytes within 1..${CANONICAL_MAX_BYTES}`);
  if (!(bytes instanceof Uint8Array)) fail(CANONICAL_ERROR.malformed, field, `expected bytes, got ${describe(bytes)}`);
  if (bytes.length > maxBytes) fail(CANONICAL_ERROR.tooLarge, field, `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  if (bytes.length === 0) fail(CANONICAL_ERROR.malformed, field, 'no bytes');
  return decodeStrict(bytes, field).value;
}

/**
 * Decodes the one canonical value that starts at bytes[from] and sits `depth` containers deep in
 * an enclosing canonical value (for a caller that parses a fixed envelope around it): the same
 * checks and errors as decodeCanonical gives that value in place, except that bytes after it are
 * left to the caller. Returns the value and the offset just past it. No size limit of its own:
 * the caller bounded `bytes`.
 */
export function decodeCanonicalValueAt(bytes: Uint8Array, from: number, depth: number, field: string): { value: unknown; end: number } {
  assert(Number.isSafeInteger(from) && from >= 0 && from < bytes.length && Number.isSafeInteger(depth) && depth >= 0, 'decodeCanonicalValueAt: a start inside the bytes and a depth');
  return decodeStrict(bytes, field, from, depth, false);
}
