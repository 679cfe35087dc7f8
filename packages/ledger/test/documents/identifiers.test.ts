import { describe, expect, it } from 'vitest';
import {
  addMonths,
  checkCountryCode,
  checkDate,
  checkDecimal,
  checkEntryNumber,
  checkGs1Prefix,
  checkGtin,
  checkHsCode,
  checkHtsus,
  checkLei,
  checkText,
  checkTimestamp,
  dateEndExclusiveMs,
  dateOfMs,
  dateStartMs,
  ed25519PublicKeyOfPeerId,
  emailIssue,
  gtinCoveredByPrefix,
  ISO_3166_ALPHA2,
  mediaTypeIssue,
  peerIdIssue,
  peerIdOfEd25519PublicKey,
  telephoneIssue,
  timestampMs,
} from '../../src/documents/identifiers.js';
import { INVALID_GTINS, INVALID_LEIS, LEI, VALID_GTINS, VALID_LEIS } from './fixtures.js';

function codeOf(result: { ok: boolean; error?: { code: string } }): string {
  return result.ok ? 'OK' : (result.error?.code ?? '?');
}

describe('LEI (ISO 17442, MOD 97-10)', () => {
  it.each(VALID_LEIS)('accepts %s', (lei) => {
    expect(checkLei(lei, 'lei')).toEqual({ ok: true, value: lei });
  });
  it('does not require "00" at positions 5-6 (Apple has "KR")', () => {
    expect(LEI.apple.slice(4, 6)).toBe('KR');
    expect(checkLei(LEI.apple, 'lei').ok).toBe(true);
  });
  it('rejects every invalid fixture', () => {
    for (const lei of INVALID_LEIS) expect(checkLei(lei, 'lei').ok).toBe(false);
  });
  it.each([
    ['506700GE1G29325QX364', 'LEI_CHECKSUM'],
    ['HWUPKR0MPOU8FGXBT39', 'LEI_FORMAT'],
    ['INR2EJN1ERAN0W5ZP97!', 'LEI_FORMAT'],
    ['in r2ejn1eran0w5zp974', 'LEI_FORMAT'],
    ['8I5DZWZKVSZI1NUHU784', 'LEI_CHECKSUM'],
    ['hwupkr0mpou8fgxbt394', 'LEI_FORMAT'],
    ['HWUPKR0MPOU8FGXBT3A4', 'LEI_FORMAT'],
  ])('rejects %s with %s', (lei, code) => {
    const result = checkLei(lei, 'certifier.lei');
    expect(codeOf(result)).toBe(code);
    if (!result.ok) {
      expect(result.error.message).toContain('certifier.lei');
      expect(result.error.message).toContain(lei);
      expect(result.error.field).toBe('certifier.lei');
    }
  });
  it('rejects non-strings', () => {
    expect(codeOf(checkLei(12345, 'lei'))).toBe('LEI_FORMAT');
    expect(codeOf(checkLei(undefined, 'lei'))).toBe('LEI_FORMAT');
  });
});

describe('GTIN', () => {
  it.each(VALID_GTINS)('accepts %s and normalises to GTIN-14', (gtin) => {
    const result = checkGtin(gtin, 'gtin');
    expect(result).toEqual({ ok: true, value: gtin.padStart(14, '0') });
  });
  it('rejects every invalid fixture', () => {
    for (const gtin of INVALID_GTINS) expect(checkGtin(gtin, 'gtin').ok).toBe(false);
  });
  it.each([
    ['4006381333932', 'GTIN_CHECKSUM'],
    ['036000291453', 'GTIN_CHECKSUM'],
    ['97803064061', 'GTIN_FORMAT'],
    ['0001234560001X', 'GTIN_FORMAT'],
    ['590123412345', 'GTIN_CHECKSUM'],
    ['123456789', 'GTIN_FORMAT'],
    ['', 'GTIN_FORMAT'],
  ])('rejects %s with %s', (gtin, code) => {
    const result = checkGtin(gtin, 'goods[0].gtin');
    expect(codeOf(result)).toBe(code);
    if (!result.ok) expect(result.error.message).toContain('goods[0].gtin');
  });
  it('compares GTIN-12/13 and GTIN-14 forms as one', () => {
    const a = checkGtin('036000291452', 'a');
    const b = checkGtin('00036000291452', 'b');
    expect(a).toEqual(b);
  });
  it('matches GS1 company prefixes after the indicator digit', () => {
    expect(gtinCoveredByPrefix('04006381333931', '4006381')).toBe(true);
    expect(gtinCoveredByPrefix('00036000291452', '0036000')).toBe(true);
    expect(gtinCoveredByPrefix('50012345678900', '0012345')).toBe(true);
    expect(gtinCoveredByPrefix('04006381333931', '4006382')).toBe(false);
  });
  it('validates GS1 company prefixes (6-12 digits)', () => {
    expect(codeOf(checkGs1Prefix('4006381', 'p'))).toBe('OK');
    expect(codeOf(checkGs1Prefix('12345', 'p'))).toBe('GS1_PREFIX_FORMAT');
    expect(codeOf(checkGs1Prefix('1234567890123', 'p'))).toBe('GS1_PREFIX_FORMAT');
    expect(codeOf(checkGs1Prefix('40063a1', 'p'))).toBe('GS1_PREFIX_FORMAT');
  });
});

describe('HS and HTSUS codes', () => {
  it.each([
    ['870829', '870829'],
    ['8708.29', '870829'],
    ['87082950', '87082950'],
    ['8708.29.50', '87082950'],
    ['8708295060', '8708295060'],
    ['8708.29.5060', '8708295060'],
    ['8708.29.50.60', '8708295060'],
  ])('accepts %s as %s', (input, normalised) => {
    expect(checkHsCode(input, 'hs')).toEqual({ ok: true, value: normalised });
  });
  it.each(['8708', '8708.2', '8708291', '870829501', '87.08.29', '8708-29', '8708.29.506', 'abcdef', '87082950601'])('rejects %s', (input) => {
    expect(codeOf(checkHsCode(input, 'hs'))).toBe('HS_FORMAT');
  });
  it('HTSUS needs exactly 10 digits', () => {
    expect(checkHtsus('8708.29.5060', 'lines[0].htsus')).toEqual({ ok: true, value: '8708295060' });
    expect(codeOf(checkHtsus('8708.29', 'lines[0].htsus'))).toBe('HTSUS_FORMAT');
    expect(codeOf(checkHtsus('87082950', 'lines[0].htsus'))).toBe('HTSUS_FORMAT');
  });
});

describe('entry numbers', () => {
  it.each([
    ['ABC12345678', 'ABC12345678'],
    ['ABC-1234567-8', 'ABC12345678'],
    ['9A112345678', '9A112345678'],
  ])('accepts %s', (input, normalised) => {
    expect(checkEntryNumber(input, 'entryNumber')).toEqual({ ok: true, value: normalised });
  });
  it.each(['ABC1234567', 'ABC123456789', 'abc12345678', 'AB-12345678', 'ABC-12345678', 'ABC1234567-8', 'ABC123456X8', 'A_C12345678'])('rejects %s', (input) => {
    expect(codeOf(checkEntryNumber(input, 'entryNumber'))).toBe('ENTRY_NUMBER_FORMAT');
  });
  it('applies a plugged-in check-digit rule', () => {
    const lastIsSeven = (n: string): boolean => n.endsWith('7');
    expect(codeOf(checkEntryNumber('ABC12345678', 'entryNumber', lastIsSeven))).toBe('ENTRY_NUMBER_CHECK_DIGIT');
    expect(codeOf(checkEntryNumber('ABC12345677', 'entryNumber', lastIsSeven))).toBe('OK');
  });
});

describe('country codes', () => {
  it('holds the 249 officially assigned ISO 3166-1 alpha-2 codes', () => {
    expect(ISO_3166_ALPHA2.size).toBe(249);
    // Cross-check against the ICU region names shipped with Node: every code has a real name.
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_3166_ALPHA2) expect(names.of(code)).not.toBe(code);
  });
  it.each(['US', 'MX', 'CA', 'GT', 'SV', 'HN', 'NI', 'CR', 'DO', 'CN', 'VN'])('accepts %s', (code) => {
    expect(codeOf(checkCountryCode(code, 'country'))).toBe('OK');
  });
  it.each(['us', 'USA', 'XK', 'EU', 'UK', 'ZZ', ''])('rejects %s', (code) => {
    expect(codeOf(checkCountryCode(code, 'country'))).toBe('COUNTRY_CODE');
  });
});

describe('dates and timestamps', () => {
  it('validates calendar dates', () => {
    expect(codeOf(checkDate('2024-02-29', 'd'))).toBe('OK');
    expect(codeOf(checkDate('2023-02-29', 'd'))).toBe('DATE_FORMAT');
    expect(codeOf(checkDate('2024-13-01', 'd'))).toBe('DATE_FORMAT');
    expect(codeOf(checkDate('2024-04-31', 'd'))).toBe('DATE_FORMAT');
    expect(codeOf(checkDate('2024-4-30', 'd'))).toBe('DATE_FORMAT');
    expect(codeOf(checkDate('2024-04-30T00:00:00Z', 'd'))).toBe('DATE_FORMAT');
  });
  it('converts dates to epoch milliseconds like Date.UTC, without the host clock', () => {
    for (const date of ['1970-01-01', '2000-02-29', '2024-12-31', '2100-03-01', '1900-01-01']) {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      expect(dateStartMs(date)).toBe(Date.UTC(y, m - 1, d));
      expect(dateEndExclusiveMs(date)).toBe(Date.UTC(y, m - 1, d + 1));
      expect(dateOfMs(dateStartMs(date) + 12_345)).toBe(date);
    }
  });
  it('adds calendar months with day clamping', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-03-15', 12)).toBe('2025-03-15');
    expect(addMonths('2024-11-30', 3)).toBe('2025-02-28');
  });
  it('validates and converts timestamps', () => {
    expect(codeOf(checkTimestamp('2025-03-14T09:30:00Z', 't'))).toBe('OK');
    expect(codeOf(checkTimestamp('2025-03-14T09:30:00.123+05:30', 't'))).toBe('OK');
    expect(codeOf(checkTimestamp('2025-03-14T24:00:00Z', 't'))).toBe('TIMESTAMP_FORMAT');
    expect(codeOf(checkTimestamp('2025-03-14T09:30:60Z', 't'))).toBe('TIMESTAMP_FORMAT');
    expect(codeOf(checkTimestamp('2025-03-14T09:30:00', 't'))).toBe('TIMESTAMP_FORMAT');
    expect(codeOf(checkTimestamp('2025-02-30T09:30:00Z', 't'))).toBe('TIMESTAMP_FORMAT');
    expect(timestampMs('2025-03-14T09:30:00.123+05:30')).toBe(Date.UTC(2025, 2, 14, 4, 0, 0, 123));
    expect(timestampMs('2025-03-14T09:30:00-04:00')).toBe(Date.UTC(2025, 2, 14, 13, 30, 0, 0));
  });
});

describe('decimals, text and contact formats', () => {
  it.each(['0', '1', '1250.00', '0.5', '999999999999999999.999999'])('accepts decimal %s', (value) => {
    expect(codeOf(checkDecimal(value, 'value'))).toBe('OK');
  });
  it.each(['-1', '01', '1.', '.5', '1e3', '1.1234567', '1,000', ' 1', '1000000000000000000'])('rejects decimal %s', (value) => {
    expect(codeOf(checkDecimal(value, 'value'))).toBe('DECIMAL_FORMAT');
  });
  it('rejects numbers (no floats in the ledger)', () => {
    expect(codeOf(checkDecimal(12.5, 'value'))).toBe('DECIMAL_FORMAT');
  });
  it('checks positivity where asked', () => {
    expect(codeOf(checkDecimal('0.000', 'quantity', { positive: true }))).toBe('DECIMAL_RANGE');
    expect(codeOf(checkDecimal('0.001', 'quantity', { positive: true }))).toBe('OK');
  });
  it('bounds text and refuses control characters and lone surrogates', () => {
    expect(codeOf(checkText('Brake rotors', 'd', { min: 1, max: 20 }))).toBe('OK');
    expect(codeOf(checkText('x'.repeat(21), 'd', { min: 1, max: 20 }))).toBe('TEXT_LENGTH');
    expect(codeOf(checkText('   ', 'd', { min: 1, max: 20 }))).toBe('TEXT_LENGTH');
    expect(codeOf(checkText('a\nb', 'd', { min: 1, max: 20 }))).toBe('TEXT_CONTROL_CHARACTER');
    expect(codeOf(checkText('a\nb', 'd', { min: 1, max: 20, multiline: true }))).toBe('OK');
    expect(codeOf(checkText('a\u0000b', 'd', { min: 1, max: 20, multiline: true }))).toBe('TEXT_CONTROL_CHARACTER');
    expect(codeOf(checkText('a\ud800b', 'd', { min: 1, max: 20 }))).toBe('TEXT_ENCODING');
    expect(codeOf(checkText('😀', 'd', { min: 1, max: 20 }))).toBe('OK');
  });
  it('checks e-mail, telephone and media type formats', () => {
    expect('code' in emailIssue('export@acme-parts.com.mx')).toBe(false);
    expect('code' in emailIssue('no-at-sign.example.com')).toBe(true);
    expect('code' in emailIssue('a@b')).toBe(true);
    expect('code' in telephoneIssue('+52 81 5555 0100')).toBe(false);
    expect('code' in telephoneIssue('call me')).toBe(true);
    expect('code' in mediaTypeIssue('application/pdf')).toBe(false);
    expect('code' in mediaTypeIssue('Application/PDF')).toBe(true);
  });
});

describe('libp2p Ed25519 peer ids', () => {
  it('derives "12D3KooW…" ids and reads the key back', () => {
    const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
    const peerId = peerIdOfEd25519PublicKey(key);
    expect(peerId.startsWith('12D3KooW')).toBe(true);
    expect(ed25519PublicKeyOfPeerId(peerId)).toEqual(key);
    expect('code' in peerIdIssue(peerId)).toBe(false);
  });
  it('rejects other strings', () => {
    expect('code' in peerIdIssue('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toBe(true); // RSA-era sha256 multihash
    expect('code' in peerIdIssue('not a peer id')).toBe(true);
    expect('code' in peerIdIssue(42)).toBe(true);
  });
});
