// RFC 8785 JSON Canonicalization Scheme (JCS): the one text of a JSON value that credential proofs
// (eddsa-jcs-2022) hash. Also the strict parser that turns received credential text into values
// JCS may canonicalize (I-JSON: no duplicate member names, no lone surrogates, bounded size).
//
// Owns: canonical serialization and strict parsing of JSON values. Never touches the clock, disk or
// network, and needs no node:* module (the bytes come from TextEncoder).
//
// Why our own serializer rather than the `canonicalize` package alone: that package follows
// JSON.stringify and silently drops `undefined` and functions, calls toJSON (so a Date becomes a
// string) and accepts class instances. A signature over a value that is not JSON is a bug that
// should stop the signer, so here every non-JSON value is a coded error naming its path. The two
// agree on every JSON value (tested with fast-check); numbers use ECMAScript Number::toString,
// which is the serialization RFC 8785 section 3.2.2.3 prescribes.

import { utf8 } from '../bytes.js';
import { LedgerError } from '../errors.js';

/** Nesting limit for canonicalization and parsing (credentials are a few levels deep). */
export const JCS_MAX_DEPTH = 64;
/** Largest JSON text `parseJsonStrict` accepts by default. */
export const JCS_MAX_TEXT_CHARS = 1024 * 1024;

export const JCS_ERROR = {
  notJson: 'JCS_NOT_JSON',
  nonFinite: 'JCS_NUMBER_NOT_FINITE',
  bigint: 'JCS_BIGINT',
  loneSurrogate: 'JCS_LONE_SURROGATE',
  cycle: 'JCS_CYCLE',
  tooDeep: 'JCS_TOO_DEEP',
  parse: 'JSON_PARSE',
  duplicateKey: 'JSON_DUPLICATE_KEY',
  tooLarge: 'JSON_TOO_LARGE',
} as const;

const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

function fail(code: string, path: string, message: string): never {
  throw new LedgerError(code, `${path}: ${message}`, { field: path });
}

function serializeString(text: string, path: string): string {
  if (!isWellFormed(text)) fail(JCS_ERROR.loneSurrogate, path, 'string holds a lone surrogate, which RFC 8785 3.2.2.2 forbids');
  // JSON.stringify escapes exactly as RFC 8785 3.2.2.2 asks for well-formed strings: \b \t \n \f \r,
  // other controls as lower-case \u00xx, and \" \\; everything else as is.
  return JSON.stringify(text);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object' && value !== null) {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `an instance of ${name ?? 'an unknown class'}`;
  }
  return typeof value;
}

/** The serialization of a primitive, or undefined when `value` is a container. */
function serializePrimitive(value: unknown, path: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail(JCS_ERROR.nonFinite, path, `${String(value)} is not a JSON number (RFC 8785 3.2.2.3)`);
      return JSON.stringify(value); // ECMAScript Number::toString; -0 becomes "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return fail(JCS_ERROR.bigint, path, `bigint ${value.toString()} is not a JSON number; send it as a string`);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return undefined;
      if (isPlainObject(value)) return undefined;
      return fail(JCS_ERROR.notJson, path, `${describeValue(value)} is not a JSON value (only plain objects and arrays)`);
    default:
      return fail(JCS_ERROR.notJson, path, `${describeValue(value)} is not a JSON value`);
  }
}

function compareUtf16(a: string, b: string): number {
  // Code-unit order (RFC 8785 3.2.3), which is what < on strings does.
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Frame {
  readonly container: unknown[] | Record<string, unknown>;
  readonly keys: string[] | undefined; // undefined for arrays
  readonly path: string;
  index: number;
}

function memberPath(parent: string, key: string): string {
  return /^[A-Za-z_$@][A-Za-z0-9_$@-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * RFC 8785 canonical JSON text of `value`. Throws a LedgerError (codes in JCS_ERROR, `field` the
 * JSON path) on anything that is not a JSON value: undefined, functions, symbols, bigint, NaN and
 * ±Infinity, lone surrogates, non-plain objects (Date, Map, typed arrays, class instances), cycles,
 * and nesting deeper than JCS_MAX_DEPTH. Iterative, so depth never costs call stack.
 */
export function canonicalizeJson(value: unknown): string {
  const root = serializePrimitive(value, '$');
  if (root !== undefined) return root;

  const onPath = new Set<object>();
  const stack: Frame[] = [];
  let out = '';

  const open = (container: object, path: string): void => {
    if (onPath.has(container)) fail(JCS_ERROR.cycle, path, 'the value contains itself');
    if (stack.length >= JCS_MAX_DEPTH) fail(JCS_ERROR.tooDeep, path, `nesting deeper than ${JCS_MAX_DEPTH}`);
    onPath.add(container);
    if (Array.isArray(container)) {
      stack.push({ container, keys: undefined, path, index: 0 });
      out += '[';
    } else {
      const record = container as Record<string, unknown>;
      if (Object.getOwnPropertySymbols(record).length > 0) fail(JCS_ERROR.notJson, path, 'object has symbol-keyed properties');
      const keys = Object.keys(record).sort(compareUtf16);
      stack.push({ container: record, keys, path, index: 0 });
      out += '{';
    }
  };

  open(value as object, '$');
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const { container, keys } = frame;
    let descended = false;
    if (keys === undefined) {
      const list = container as unknown[];
      while (frame.index < list.length) {
        const i = frame.index++;
        const path = `${frame.path}[${i}]`;
        if (!(i in list)) fail(JCS_ERROR.notJson, path, 'sparse array hole is not a JSON value');
        if (i > 0) out += ',';
        const element = list[i];
        const text = serializePrimitive(element, path);
        if (text !== undefined) {
          out += text;
          continue;
        }
        open(element as object, path);
        descended = true;
        break;
      }
      if (!descended) out += ']';
    } else {
      const record = container as Record<string, unknown>;
      while (frame.index < keys.length) {
        const key = keys[frame.index++] as string;
        const path = memberPath(frame.path, key);
        if (frame.index > 1) out += ',';
        out += `${serializeString(key, path)}:`;
        const member = record[key];
        const text = serializePrimitive(member, path);
        if (text !== undefined) {
          out += text;
          continue;
        }
        open(member as object, path);
        descended = true;
        break;
      }
      if (!descended) out += '}';
    }
    if (!descended) {
      onPath.delete(container);
      stack.pop();
    }
  }
  return out;
}

/** UTF-8 bytes of the canonical text (RFC 8785 3.2.4): what gets hashed. */
export function canonicalizeJsonBytes(value: unknown): Uint8Array {
  return utf8(canonicalizeJson(value));
}

// ---------------------------------------------------------------------------------------------
// Strict parsing (I-JSON, RFC 7493): JSON.parse keeps the last of duplicate member names, so two
// readers of one text could see different values under one signature. The scan below finds
// duplicates before JSON.parse runs; it needs JSON.parse to accept the text as well.

/**
 * Parses JSON text for signature checking: at most `maxChars` characters, valid JSON, no duplicate
 * member names in any object, no lone surrogates in any string (escaped or not), nesting at most
 * JCS_MAX_DEPTH. Throws a LedgerError (JSON_TOO_LARGE, JSON_PARSE, JSON_DUPLICATE_KEY,
 * JCS_LONE_SURROGATE, JCS_TOO_DEEP) naming the path or offset.
 */
export function parseJsonStrict(text: string, maxChars: number = JCS_MAX_TEXT_CHARS): unknown {
  if (typeof text !== 'string') fail(JCS_ERROR.parse, '$', `expected JSON text, got ${typeof text}`);
  if (text.length > maxChars) fail(JCS_ERROR.tooLarge, '$', `JSON text is ${text.length} characters, limit ${maxChars}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LedgerError(JCS_ERROR.parse, `$: not valid JSON (${(error as Error).message})`, { field: '$', cause: error });
  }
  scanObjectsForDuplicates(text);
  checkParsedStrings(value);
  return value;
}

/**
 * Walks the (already valid) JSON text, keeping one set of member names per open object. Strings are
 * decoded with JSON.parse of their literal so escaped and literal spellings of a name compare equal.
 */
function scanObjectsForDuplicates(text: string): void {
  const objects: (Set<string> | undefined)[] = []; // undefined marks an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = objects[objects.length - 1];
      if (expectKey && top !== undefined) {
        const name = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(name)) fail(JCS_ERROR.duplicateKey, `offset ${i}`, `duplicate member name ${JSON.stringify(name.slice(0, 80))} (I-JSON forbids it)`);
        top.add(name);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      if (objects.length >= JCS_MAX_DEPTH) fail(JCS_ERROR.tooDeep, `offset ${i}`, `nesting deeper than ${JCS_MAX_DEPTH}`);
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      if (objects.length >= JCS_MAX_DEPTH) fail(JCS_ERROR.tooDeep, `offset ${i}`, `nesting deeper than ${JCS_MAX_DEPTH}`);
      objects.push(undefined);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = objects[objects.length - 1] !== undefined;
    }
  }
}

/** Lone surrogates can arrive escaped (\ud800), which JSON.parse accepts; refuse them here. */
function checkParsedStrings(root: unknown): void {
  const pending: [unknown, string][] = [[root, '$']];
  while (pending.length > 0) {
    const [value, path] = pending.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (!isWellFormed(value)) fail(JCS_ERROR.loneSurrogate, path, 'string holds a lone surrogate');
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) pending.push([value[i], `${path}[${i}]`]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        const memberAt = memberPath(path, key);
        if (!isWellFormed(key)) fail(JCS_ERROR.loneSurrogate, memberAt, 'member name holds a lone surrogate');
        pending.push([member, memberAt]);
      }
    }
  }
}
