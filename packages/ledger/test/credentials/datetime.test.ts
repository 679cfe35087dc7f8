import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LedgerError } from '../../src/errors.js';
import { parseXsdDateTimeMs } from '../../src/credentials/datetime.js';
import { codeOf } from './code-of.js';


describe('parseXsdDateTimeMs', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0],
    ['2023-01-01T00:00:00Z', 1_672_531_200_000],
    ['2023-02-24T23:36:38Z', 1_677_281_798_000],
    ['2023-02-24T23:36:38.5Z', 1_677_281_798_500],
    ['2023-02-24T23:36:38.123456789Z', 1_677_281_798_123],
    ['2023-02-25T00:36:38+01:00', 1_677_281_798_000],
    ['2023-02-24T20:36:38-03:00', 1_677_281_798_000],
    ['2024-02-29T12:00:00Z', 1_709_208_000_000],
    ['2023-02-24T24:00:00Z', 1_677_283_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseXsdDateTimeMs(text, 'validFrom')).toBe(ms);
  });

  it.each(['2023-02-29T00:00:00Z', '2023-13-01T00:00:00Z', '2023-01-01T25:00:00Z', '2023-01-01T24:00:01Z', '2023-01-01T00:60:00Z', '2023-01-01T00:00:60Z', '0000-01-01T00:00:00Z', '2023-01-01 00:00:00Z', '2023-01-01T00:00:00+15:00', '2023-01-01T00:00:00z', '2023-1-01T00:00:00Z', ' 2023-01-01T00:00:00Z', '2023-01-01T00:00:00.Z'])(
    'refuses %j',
    (text) => {
      expect(codeOf(() => parseXsdDateTimeMs(text, 'validFrom'))).toBe('DATETIME_INVALID');
    },
  );

  it('requires a timezone only when asked, and uses the caller’s code and field', () => {
    expect(parseXsdDateTimeMs('2023-01-01T00:00:00', 'created')).toBe(1_672_531_200_000);
    try {
      parseXsdDateTimeMs('2023-01-01T00:00:00', 'validUntil', { requireTimezone: true, code: 'VC_DATE_INVALID' });
      expect.unreachable();
    } catch (error) {
      expect((error as LedgerError).code).toBe('VC_DATE_INVALID');
      expect((error as LedgerError).field).toBe('validUntil');
    }
    expect(codeOf(() => parseXsdDateTimeMs(20230101, 'x'))).toBe('DATETIME_INVALID');
  });

  it('property: agrees with Date for every whole-millisecond UTC instant it prints', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const iso = new Date(ms).toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ for years 0001-9999... mostly
        fc.pre(/^\d{4}-/.test(iso));
        expect(parseXsdDateTimeMs(iso, 't')).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });
});
