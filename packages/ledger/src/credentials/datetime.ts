// XML Schema 1.1 dateTime / dateTimeStamp as credentials use them (VC 2.0 validFrom/validUntil,
// Data Integrity `created`), read into epoch milliseconds without Date.parse (whose accepted
// forms vary by engine) and without any clock.
//
// Accepted: YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm], years 0001-9999, hour 24 only as 24:00:00,
// no leap second (60), real calendar days. A value without a timezone is refused where the caller
// asks for a timestamp (dateTimeStamp), because its instant is unknown.

import { daysFromCivil, daysInMonth } from '../documents/identifiers.js';
import { LedgerError } from '../errors.js';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/**
 * Epoch milliseconds of an XSD dateTime; throws a LedgerError `code` naming `field` when the text is
 * not one (or, with `requireTimezone`, when it has no timezone). Fractions beyond milliseconds are
 * truncated toward the earlier instant.
 */
export function parseXsdDateTimeMs(value: unknown, field: string, options: { requireTimezone?: boolean; code?: string } = {}): number {
  const code = options.code ?? 'DATETIME_INVALID';
  const bad = (why: string): never => {
    throw new LedgerError(code, `${field}: ${why}, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value}`, { field });
  };
  if (typeof value !== 'string') return bad('expected an XML Schema dateTime string');
  const m = DATE_TIME.exec(value);
  if (m === null) return bad('expected YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]');
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const zone = m[8];
  if (year < 1) return bad('year 0000 is not allowed');
  if (month < 1 || month > 12) return bad('month out of range');
  if (day < 1 || day > daysInMonth(year, month)) return bad('day out of range for the month');
  if (minute > 59 || second > 59) return bad('minute or second out of range');
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || (m[7] !== undefined && /[1-9]/.test(m[7]))))) return bad('hour out of range');
  let offsetMinutes = 0;
  if (zone === undefined) {
    if (options.requireTimezone === true) return bad('a timezone (Z or ±hh:mm) is required');
  } else if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 14 || zm > 59 || (zh === 14 && zm !== 0)) return bad('timezone offset out of range');
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const fractionMs = m[7] === undefined ? 0 : Number(m[7].slice(1, 4).padEnd(3, '0'));
  const ms = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + fractionMs - offsetMinutes * MS_PER_MINUTE;
  return ms;
}
