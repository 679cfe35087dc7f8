// Ed25519 key files: the one module of the ledger allowed to touch the disk.
//
//   { "type": "ed25519", "version": 1, "publicKey": "<64 hex>", "privateKey": "<64 hex: the seed>" }
//
// Written with mode 0600 from the moment the file exists (created with that mode, never chmod-ed
// afterwards, so no other user can open it in between), never over an existing file unless asked,
// and then by an atomic rename of a fresh 0600 file. Reading validates everything (shape, hex,
// public key derived from the seed) and warns when group or others may read the file.

import { closeSync, constants, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { fromHex, toHex, bytesEqual } from './bytes.js';
import { KEY_FILE_MAX_BYTES } from './constants.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, publicKeyFromSeed } from './ed25519.js';
import { assert, LedgerError } from './errors.js';

export const KEY_FILE_TYPE = 'ed25519';
export const KEY_FILE_VERSION = 1;
export const KEY_FILE_MODE = 0o600;

export interface KeyFileContents {
  readonly type: typeof KEY_FILE_TYPE;
  readonly version: typeof KEY_FILE_VERSION;
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface KeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface ReadKeyFileOptions {
  /** Called when the file's mode lets group or others access it; defaults to process.emitWarning. */
  readonly warn?: (message: string) => void;
}

export interface WriteKeyFileOptions {
  /** Replace an existing file (atomically). Without it, an existing file is KEY_FILE_EXISTS. */
  readonly overwrite?: boolean;
}

const FIELDS = ['type', 'version', 'publicKey', 'privateKey'] as const;

function invalid(path: string, message: string, field?: string, cause?: unknown): LedgerError {
  const options: { field?: string; cause?: unknown } = {};
  if (field !== undefined) options.field = field;
  if (cause !== undefined) options.cause = cause;
  return new LedgerError('KEY_FILE_INVALID', `key file ${path}: ${message}`, options);
}

/** The JSON text of a key file for `seed` (ends with a newline). */
export function encodeKeyFile(seed: Uint8Array): string {
  const publicKey = publicKeyFromSeed(seed); // checks the seed's length
  const contents: KeyFileContents = { type: KEY_FILE_TYPE, version: KEY_FILE_VERSION, publicKey: toHex(publicKey), privateKey: toHex(seed) };
  return `${JSON.stringify(contents, null, 2)}\n`;
}

/** Validates key file text: exact fields, lower-case hex of the right lengths, matching keys. */
export function parseKeyFile(text: string, path = '<key file>'): KeyPair {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(path, 'not JSON', undefined, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'expected a JSON object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw invalid(path, `unknown field ${JSON.stringify(key)}`, key);
  }
  for (const key of FIELDS) if (!Object.hasOwn(record, key)) throw invalid(path, `missing field "${key}"`, key);
  if (record['type'] !== KEY_FILE_TYPE) throw invalid(path, `type: expected "${KEY_FILE_TYPE}", got ${JSON.stringify(record['type'])}`, 'type');
  if (record['version'] !== KEY_FILE_VERSION) throw invalid(path, `version: expected ${KEY_FILE_VERSION}, got ${JSON.stringify(record['version'])}`, 'version');
  const hexField = (name: 'publicKey' | 'privateKey', length: number): Uint8Array => {
    const text = record[name];
    if (typeof text !== 'string') throw invalid(path, `${name}: expected a hex string`, name);
    try {
      return fromHex(text, name, length);
    } catch (error) {
      throw invalid(path, `${name}: expected ${length} bytes of lower-case hex`, name, error);
    }
  };
  const publicKey = hexField('publicKey', ED25519_PUBLIC_KEY_BYTES);
  const seed = hexField('privateKey', ED25519_SEED_BYTES);
  if (!bytesEqual(publicKeyFromSeed(seed), publicKey)) {
    throw new LedgerError('KEY_FILE_MISMATCH', `key file ${path}: publicKey ${toHex(publicKey)} is not the public key of its privateKey`, { field: 'publicKey' });
  }
  return { seed, publicKey };
}

function fsError(code: string, path: string, what: string, error: unknown): LedgerError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new LedgerError(code, `key file ${path}: ${what} (${reason})`, { cause: error });
}

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/** Creates `path` with mode 0600 holding `seed`; never replaces a file unless `overwrite` is set. */
export function writeKeyFile(path: string, seed: Uint8Array, options: WriteKeyFileOptions = {}): void {
  const data = new TextEncoder().encode(encodeKeyFile(seed));
  // Overwriting goes through a fresh file and a rename: opening the old file would keep its mode.
  const target = options.overwrite === true ? join(dirname(path), `.${basename(path)}.${process.pid}.tmp`) : path;
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, KEY_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && target === path) {
      throw new LedgerError('KEY_FILE_EXISTS', `key file ${path}: already exists (pass overwrite to replace it)`, { cause: error });
    }
    throw fsError('KEY_FILE_WRITE_FAILED', target, 'cannot create', error);
  }
  try {
    writeAll(fd, data);
    if (process.platform !== 'win32') assert((fstatSync(fd).mode & 0o077) === 0, 'a new key file is not readable by group or others');
  } catch (error) {
    closeSync(fd);
    unlinkSync(target);
    throw error instanceof LedgerError ? error : fsError('KEY_FILE_WRITE_FAILED', target, 'cannot write', error);
  }
  closeSync(fd);
  if (target !== path) {
    try {
      renameSync(target, path);
    } catch (error) {
      unlinkSync(target);
      throw fsError('KEY_FILE_WRITE_FAILED', path, 'cannot replace', error);
    }
  }
}

/** Reads and validates a key file; warns (never fails) when its mode allows group or other access. */
export function readKeyFile(path: string, options: ReadKeyFileOptions = {}): KeyPair {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'KEY_FILE_NOT_FOUND' : 'KEY_FILE_UNREADABLE';
    throw fsError(code, path, 'cannot open', error);
  }
  let text: string;
  let mode: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw invalid(path, 'not a regular file');
    if (stat.size > KEY_FILE_MAX_BYTES) throw invalid(path, `${stat.size} bytes is larger than a key file can be (${KEY_FILE_MAX_BYTES})`);
    mode = stat.mode & 0o777;
    // Read one byte past the limit so a file that grew after fstat is still caught.
    const buffer = new Uint8Array(KEY_FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > KEY_FILE_MAX_BYTES) throw invalid(path, `larger than a key file can be (${KEY_FILE_MAX_BYTES} bytes)`);
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch (error) {
      throw invalid(path, 'not UTF-8 text', undefined, error);
    }
  } catch (error) {
    closeSync(fd);
    throw error instanceof LedgerError ? error : fsError('KEY_FILE_UNREADABLE', path, 'cannot read', error);
  }
  closeSync(fd);
  const pair = parseKeyFile(text, path);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const message = `key file ${path} has mode 0${mode.toString(8)}: group or others can access the private key; run chmod 600 ${path}`;
    if (options.warn !== undefined) options.warn(message);
    else process.emitWarning(message, { code: 'TL_KEY_FILE_MODE' });
  }
  return pair;
}
