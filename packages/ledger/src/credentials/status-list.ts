// W3C Bitstring Status List v1.0 (Recommendation, May 2025): revocation status of credentials as one
// bit per credential in a GZIP-compressed bitstring published inside a status list credential.
//
//   encodedList = 'u' + base64url-no-pad(GZIP(bitstring)), at least 131,072 entries (16 KiB);
//   entry i is bit i counted from the most significant bit of byte 0 (the left-most bit);
//   a credential points at its bit with credentialStatus
//   { type: BitstringStatusListEntry, statusPurpose, statusListIndex: "<decimal>", statusListCredential }.
//
// Owns: the bitstring, its encoding, the status entry's shape and the credential that carries a list.
// Uses node:zlib for GZIP (the only node:* import; no fs or net), so this module does not go into a
// browser bundle; the light client does not need it. Decompression is bounded (STATUS_LIST_MAX_BYTES)
// so a small encodedList cannot expand into an unbounded buffer.

import { gunzipSync, gzipSync } from 'node:zlib';
import { base64urlnopad } from '@scure/base';
import { LedgerError, ok, reject, type Result } from '../errors.js';

export const STATUS_LIST_MIN_ENTRIES = 131_072;
/** Largest decompressed list accepted: 2 MiB = 16,777,216 entries. */
export const STATUS_LIST_MAX_BYTES = 2 * 1024 * 1024;
/** Longest encodedList text accepted (base64 of the compressed list). */
export const STATUS_LIST_MAX_ENCODED_CHARS = 4 * 1024 * 1024;
export const BITSTRING_STATUS_LIST_ENTRY = 'BitstringStatusListEntry';
export const BITSTRING_STATUS_LIST_CREDENTIAL = 'BitstringStatusListCredential';
export const BITSTRING_STATUS_LIST = 'BitstringStatusList';

export interface BitstringStatusListEntry {
  readonly id?: string;
  readonly type: typeof BITSTRING_STATUS_LIST_ENTRY;
  readonly statusPurpose: string;
  /** Decimal string, no sign or leading zeros. */
  readonly statusListIndex: string;
  readonly statusListCredential: string;
}

function fail(code: string, field: string, message: string): never {
  throw new LedgerError(code, `${field}: ${message}`, { field });
}

/** An all-zero list of `entries` bits (a multiple of 8, at least STATUS_LIST_MIN_ENTRIES). */
export function createStatusList(entries: number = STATUS_LIST_MIN_ENTRIES): Uint8Array {
  if (!Number.isSafeInteger(entries) || entries < STATUS_LIST_MIN_ENTRIES || entries % 8 !== 0 || entries / 8 > STATUS_LIST_MAX_BYTES) {
    fail('STATUS_LIST_LENGTH', 'entries', `expected a multiple of 8 in [${STATUS_LIST_MIN_ENTRIES}, ${STATUS_LIST_MAX_BYTES * 8}], got ${String(entries)}`);
  }
  return new Uint8Array(entries / 8);
}

function checkIndex(list: Uint8Array, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= list.length * 8) {
    fail('STATUS_LIST_RANGE', 'statusListIndex', `index ${String(index)} is outside a list of ${list.length * 8} entries`);
  }
}

/** Bit `index` (0 = most significant bit of the first byte). */
export function getStatusBit(list: Uint8Array, index: number): boolean {
  checkIndex(list, index);
  return (((list[index >>> 3] as number) >>> (7 - (index & 7))) & 1) === 1;
}

/** Sets or clears bit `index` in place. */
export function setStatusBit(list: Uint8Array, index: number, value: boolean): void {
  checkIndex(list, index);
  const mask = 0x80 >>> (index & 7);
  const byte = list[index >>> 3] as number;
  list[index >>> 3] = value ? byte | mask : byte & ~mask;
}

/** 'u' + base64url-no-pad(GZIP(list)). The bytes are deterministic for one zlib build. */
export function encodeStatusList(list: Uint8Array): string {
  if (!(list instanceof Uint8Array) || list.length * 8 < STATUS_LIST_MIN_ENTRIES || list.length > STATUS_LIST_MAX_BYTES) {
    fail('STATUS_LIST_LENGTH', 'list', `expected ${STATUS_LIST_MIN_ENTRIES / 8} to ${STATUS_LIST_MAX_BYTES} bytes`);
  }
  const gz = gzipSync(list, { level: 9 });
  return `u${base64urlnopad.encode(new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength))}`;
}

/**
 * The bitstring of an encodedList. Throws STATUS_LIST_ENCODING (not 'u' + base64url, not GZIP),
 * STATUS_LIST_TOO_LARGE (above STATUS_LIST_MAX_BYTES once decompressed) or STATUS_LIST_LENGTH
 * (fewer than STATUS_LIST_MIN_ENTRIES entries).
 */
export function decodeStatusList(encodedList: string, field = 'credentialSubject.encodedList'): Uint8Array {
  if (typeof encodedList !== 'string' || encodedList.length < 2 || encodedList.length > STATUS_LIST_MAX_ENCODED_CHARS || encodedList[0] !== 'u') {
    fail('STATUS_LIST_ENCODING', field, "expected multibase base64url ('u…')");
  }
  let compressed: Uint8Array;
  try {
    compressed = base64urlnopad.decode(encodedList.slice(1));
  } catch (error) {
    throw new LedgerError('STATUS_LIST_ENCODING', `${field}: not base64url without padding after 'u'`, { field, cause: error });
  }
  let list: Buffer;
  try {
    list = gunzipSync(compressed, { maxOutputLength: STATUS_LIST_MAX_BYTES });
  } catch (error) {
    const tooLarge = error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new LedgerError(tooLarge ? 'STATUS_LIST_TOO_LARGE' : 'STATUS_LIST_ENCODING', `${field}: ${tooLarge ? `decompresses to more than ${STATUS_LIST_MAX_BYTES} bytes` : 'not GZIP data'}`, { field, cause: error });
  }
  if (list.length * 8 < STATUS_LIST_MIN_ENTRIES) fail('STATUS_LIST_LENGTH', field, `${list.length * 8} entries, fewer than ${STATUS_LIST_MIN_ENTRIES}`);
  return Uint8Array.from(list);
}

const INDEX_PATTERN = /^(?:0|[1-9][0-9]{0,15})$/;

/** The numeric statusListIndex of its decimal string form. */
export function parseStatusListIndex(text: unknown, field = 'credentialStatus.statusListIndex'): number {
  if (typeof text !== 'string' || !INDEX_PATTERN.test(text) || !Number.isSafeInteger(Number(text))) {
    fail('STATUS_ENTRY_INVALID', field, `expected a non-negative decimal integer string, got ${typeof text === 'string' ? JSON.stringify(text.slice(0, 40)) : typeof text}`);
  }
  return Number(text);
}

const ENTRY_KEYS = new Set(['id', 'type', 'statusPurpose', 'statusListIndex', 'statusListCredential']);
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:[^\s]{1,2000}$/i;

/** Checks a credentialStatus value is one BitstringStatusListEntry (statusSize 1); strict members. */
export function parseStatusListEntry(value: unknown, field = 'credentialStatus'): BitstringStatusListEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('STATUS_ENTRY_INVALID', field, 'expected one status entry object');
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) fail('STATUS_ENTRY_INVALID', `${field}.${key}`, 'unknown member (statusSize and statusMessage are not supported)');
  if (entry['type'] !== BITSTRING_STATUS_LIST_ENTRY) fail('STATUS_ENTRY_INVALID', `${field}.type`, `expected "${BITSTRING_STATUS_LIST_ENTRY}"`);
  const purpose = entry['statusPurpose'];
  if (typeof purpose !== 'string' || !/^[a-z][a-zA-Z]{0,31}$/.test(purpose)) fail('STATUS_ENTRY_INVALID', `${field}.statusPurpose`, 'expected a status purpose such as "revocation"');
  parseStatusListIndex(entry['statusListIndex'], `${field}.statusListIndex`);
  const list = entry['statusListCredential'];
  if (typeof list !== 'string' || !URL_PATTERN.test(list)) fail('STATUS_ENTRY_INVALID', `${field}.statusListCredential`, 'expected a URL');
  const id = entry['id'];
  if (id !== undefined && (typeof id !== 'string' || !URL_PATTERN.test(id) || id === list)) fail('STATUS_ENTRY_INVALID', `${field}.id`, 'expected a URL other than the status list');
  return entry as unknown as BitstringStatusListEntry;
}

export interface StatusListCredentialInput {
  readonly id: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly statusPurpose: string;
  readonly list: Uint8Array;
}

/** An unsigned BitstringStatusListCredential (sign it with signEddsaJcs2022). */
export function buildStatusListCredential(input: StatusListCredentialInput): Record<string, unknown> {
  const credential: Record<string, unknown> = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: input.id,
    type: ['VerifiableCredential', BITSTRING_STATUS_LIST_CREDENTIAL],
    issuer: input.issuer,
    validFrom: input.validFrom,
  };
  if (input.validUntil !== undefined) credential['validUntil'] = input.validUntil;
  credential['credentialSubject'] = { id: `${input.id}#list`, type: BITSTRING_STATUS_LIST, statusPurpose: input.statusPurpose, encodedList: encodeStatusList(input.list) };
  return credential;
}

/**
 * Whether the status `entry` points at is set in `statusListCredential` (Bitstring Status List 3.2
 * steps 5-10, after its proof has been verified by the caller). Rejections: STATUS_VERIFICATION
 * (not a status list credential, or its id or purpose differ from the entry's), STATUS_LIST_* and
 * STATUS_ENTRY_INVALID.
 */
export function isStatusSet(statusListCredential: unknown, entry: BitstringStatusListEntry): Result<boolean> {
  try {
    const checked = parseStatusListEntry(entry);
    if (typeof statusListCredential !== 'object' || statusListCredential === null) return reject('STATUS_VERIFICATION', 'statusListCredential: expected a credential object', 'statusListCredential');
    const vc = statusListCredential as Record<string, unknown>;
    const types = vc['type'];
    if (!Array.isArray(types) || !types.includes(BITSTRING_STATUS_LIST_CREDENTIAL)) return reject('STATUS_VERIFICATION', `type: expected to include "${BITSTRING_STATUS_LIST_CREDENTIAL}"`, 'type');
    if (vc['id'] !== undefined && vc['id'] !== checked.statusListCredential) return reject('STATUS_VERIFICATION', `id: ${JSON.stringify(vc['id'])} is not the entry's list ${JSON.stringify(checked.statusListCredential)}`, 'id');
    const subject = vc['credentialSubject'] as Record<string, unknown> | undefined;
    if (typeof subject !== 'object' || subject === null || subject['type'] !== BITSTRING_STATUS_LIST) return reject('STATUS_VERIFICATION', `credentialSubject.type: expected "${BITSTRING_STATUS_LIST}"`, 'credentialSubject.type');
    const purposes = Array.isArray(subject['statusPurpose']) ? subject['statusPurpose'] : [subject['statusPurpose']];
    if (!purposes.includes(checked.statusPurpose)) return reject('STATUS_VERIFICATION', `credentialSubject.statusPurpose: the list has no "${checked.statusPurpose}" purpose`, 'credentialSubject.statusPurpose');
    const list = decodeStatusList(subject['encodedList'] as string);
    const index = parseStatusListIndex(checked.statusListIndex);
    if (index >= list.length * 8) return reject('STATUS_LIST_RANGE', `credentialStatus.statusListIndex: ${index} is outside a list of ${list.length * 8} entries`, 'credentialStatus.statusListIndex');
    return ok(getStatusBit(list, index));
  } catch (error) {
    if (error instanceof LedgerError) return reject(error.code, error.message, error.field);
    throw error;
  }
}
