import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64urlnopad } from '@scure/base';
import {
  buildStatusListCredential,
  createStatusList,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  isStatusSet,
  parseStatusListEntry,
  parseStatusListIndex,
  setStatusBit,
  STATUS_LIST_MAX_BYTES,
  STATUS_LIST_MIN_ENTRIES,
  type BitstringStatusListEntry,
} from '../../src/credentials/status-list.js';
import { codeOf } from './code-of.js';


// Bitstring Status List v1.0 (W3C Recommendation, 15 May 2025), Example 3: an all-zero list.
const SPEC_EXAMPLE_ENCODED_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';

const entry = (index: string): BitstringStatusListEntry => ({
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: index,
  statusListCredential: 'https://ledger.example/status/1',
});

describe('bitstring', () => {
  it("decodes the specification's example to 131,072 unset entries", () => {
    const list = decodeStatusList(SPEC_EXAMPLE_ENCODED_LIST);
    expect(list.length).toBe(16_384);
    expect(list.every((b) => b === 0)).toBe(true);
  });

  it('bit 0 is the most significant bit of the first byte; the last bit is the LSB of the last byte', () => {
    const list = createStatusList();
    setStatusBit(list, 0, true);
    expect(list[0]).toBe(0x80);
    setStatusBit(list, 7, true);
    expect(list[0]).toBe(0x81);
    setStatusBit(list, STATUS_LIST_MIN_ENTRIES - 1, true);
    expect(list[list.length - 1]).toBe(0x01);
    setStatusBit(list, 0, false);
    expect(list[0]).toBe(0x01);
    expect(getStatusBit(list, 7)).toBe(true);
    expect(getStatusBit(list, 6)).toBe(false);
    expect(codeOf(() => getStatusBit(list, STATUS_LIST_MIN_ENTRIES))).toBe('STATUS_LIST_RANGE');
    expect(codeOf(() => setStatusBit(list, -1, true))).toBe('STATUS_LIST_RANGE');
  });

  it('property: encode/decode round-trips any set of revoked indices', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: STATUS_LIST_MIN_ENTRIES - 1 }), { maxLength: 50 }), (indices) => {
        const list = createStatusList();
        for (const i of indices) setStatusBit(list, i, true);
        const encoded = encodeStatusList(list);
        expect(encoded[0]).toBe('u');
        expect(encoded).not.toMatch(/[=+/]/);
        const back = decodeStatusList(encoded);
        expect(back).toEqual(list);
        for (const i of indices) expect(getStatusBit(back, i)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses short lists, bad encodings and lists that decompress beyond the limit', () => {
    expect(codeOf(() => createStatusList(STATUS_LIST_MIN_ENTRIES - 8))).toBe('STATUS_LIST_LENGTH');
    expect(codeOf(() => createStatusList(STATUS_LIST_MIN_ENTRIES + 1))).toBe('STATUS_LIST_LENGTH');
    const short = `u${base64urlnopad.encode(new Uint8Array(gzipSync(new Uint8Array(16_383))))}`;
    expect(codeOf(() => decodeStatusList(short))).toBe('STATUS_LIST_LENGTH');
    expect(codeOf(() => decodeStatusList(SPEC_EXAMPLE_ENCODED_LIST.slice(1)))).toBe('STATUS_LIST_ENCODING');
    expect(codeOf(() => decodeStatusList(`${SPEC_EXAMPLE_ENCODED_LIST}=`))).toBe('STATUS_LIST_ENCODING');
    expect(codeOf(() => decodeStatusList('uAAAA'))).toBe('STATUS_LIST_ENCODING');
    const bomb = `u${base64urlnopad.encode(new Uint8Array(gzipSync(new Uint8Array(STATUS_LIST_MAX_BYTES + 1))))}`;
    expect(bomb.length).toBeLessThan(4000);
    expect(codeOf(() => decodeStatusList(bomb))).toBe('STATUS_LIST_TOO_LARGE');
    const atLimit = `u${base64urlnopad.encode(new Uint8Array(gzipSync(new Uint8Array(STATUS_LIST_MAX_BYTES))))}`;
    expect(decodeStatusList(atLimit).length).toBe(STATUS_LIST_MAX_BYTES);
  });
});

describe('status entries and the list credential', () => {
  it('parses statusListIndex strictly', () => {
    expect(parseStatusListIndex('0')).toBe(0);
    expect(parseStatusListIndex('94567')).toBe(94_567);
    for (const bad of ['', '-1', '01', '1.0', ' 1', '1e3', 12]) expect(codeOf(() => parseStatusListIndex(bad))).toBe('STATUS_ENTRY_INVALID');
  });

  it('accepts the specification-shaped entry and refuses unknown members and wrong types', () => {
    expect(parseStatusListEntry({ id: 'https://ledger.example/status/1#5', ...entry('5') })).toMatchObject({ statusListIndex: '5' });
    expect(codeOf(() => parseStatusListEntry({ ...entry('5'), statusSize: 2 }))).toBe('STATUS_ENTRY_INVALID');
    expect(codeOf(() => parseStatusListEntry({ ...entry('5'), type: 'StatusList2021Entry' }))).toBe('STATUS_ENTRY_INVALID');
    expect(codeOf(() => parseStatusListEntry({ ...entry('5'), statusListCredential: 'not a url' }))).toBe('STATUS_ENTRY_INVALID');
    expect(codeOf(() => parseStatusListEntry({ ...entry('5'), id: 'https://ledger.example/status/1' }))).toBe('STATUS_ENTRY_INVALID');
    expect(codeOf(() => parseStatusListEntry([entry('5')]))).toBe('STATUS_ENTRY_INVALID');
  });

  it('answers set or unset through a status list credential', () => {
    const list = createStatusList();
    setStatusBit(list, 42, true);
    const vc = buildStatusListCredential({ id: 'https://ledger.example/status/1', issuer: 'did:example:issuer', validFrom: '2025-01-01T00:00:00Z', statusPurpose: 'revocation', list });
    expect(isStatusSet(vc, entry('42'))).toEqual({ ok: true, value: true });
    expect(isStatusSet(vc, entry('41'))).toEqual({ ok: true, value: false });
    const other = isStatusSet(vc, { ...entry('42'), statusListCredential: 'https://ledger.example/status/2' });
    expect(other.ok ? 'ok' : other.error.code).toBe('STATUS_VERIFICATION');
    const purpose = isStatusSet(vc, { ...entry('42'), statusPurpose: 'suspension' });
    expect(purpose.ok ? 'ok' : purpose.error.code).toBe('STATUS_VERIFICATION');
    const range = isStatusSet(vc, entry(String(STATUS_LIST_MIN_ENTRIES)));
    expect(range.ok ? 'ok' : range.error.code).toBe('STATUS_LIST_RANGE');
    const notList = isStatusSet({ ...vc, type: ['VerifiableCredential'] }, entry('42'));
    expect(notList.ok ? 'ok' : notList.error.code).toBe('STATUS_VERIFICATION');
  });
});
