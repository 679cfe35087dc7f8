// Identifier and scalar validation for trade documents: LEI, GTIN, GS1 company prefix, HS / HTSUS
// codes, entry numbers, ISO 3166-1 alpha-2 country codes, ISO 8601 dates and timestamps, decimal
// strings, bounded text. Each check returns the normalised value or a rejection with a stable code
// and a message naming the field and the value. Pure: no clock, no floating point in results
// (dates become integer epoch milliseconds by integer calendar arithmetic, never the host's Date).
//
// What is validated as format only (see README "Trade documents"): a valid LEI checksum does not
// prove GLEIF registration; an entry number's check digit is not verified unless a rule is plugged
// in (CBP's formula lives in the ACE CATAIR appendix E, not at hand); HS codes are checked for
// shape, not against the tariff schedule.

import { base58 } from '@scure/base';
import { ok, reject, type Result } from '../errors.js';

/** A failed check without its field: the zod layer adds the path, the check* functions the field. */
export interface IdentifierIssue {
  readonly code: string;
  readonly detail: string;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return '<array>';
  return `<${typeof value}>`;
}

function issue(code: string, detail: string): IdentifierIssue {
  return { code, detail };
}

function toResult<T>(outcome: IdentifierIssue | { readonly value: T }, field: string): Result<T> {
  if ('code' in outcome) return reject(outcome.code, `${field}: ${outcome.detail}`, field);
  return ok(outcome.value);
}

// ---------------------------------------------------------------------------------------------
// LEI (ISO 17442): 18 alphanumerics then 2 check digits; ISO 7064 MOD 97-10 over the whole string
// (letters A=10 … Z=35) must leave 1. Positions 5-6 are never checked (older layouts fixed "00";
// Apple's LEI has "KR" there). Lower case is rejected: the standard's character set is upper case.

const LEI_PATTERN = /^[A-Z0-9]{18}[0-9]{2}$/;

/** ISO 7064 MOD 97-10 remainder of an alphanumeric string, digit by digit (no big integers). */
export function mod97(text: string): number {
  let remainder = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const n = c >= 48 && c <= 57 ? c - 48 : c - 55; // '0'-'9' -> 0-9, 'A'-'Z' -> 10-35
    remainder = n >= 10 ? (remainder * 100 + n) % 97 : (remainder * 10 + n) % 97;
  }
  return remainder;
}

export function leiIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !LEI_PATTERN.test(value)) {
    return issue('LEI_FORMAT', `expected an LEI (20 characters A-Z 0-9, last two digits), got ${show(value)}`);
  }
  const remainder = mod97(value);
  if (remainder !== 1) return issue('LEI_CHECKSUM', `LEI ${show(value)} fails ISO 7064 MOD 97-10 (remainder ${remainder}, expected 1)`);
  return { value };
}

export function checkLei(value: unknown, field: string): Result<string> {
  return toResult(leiIssue(value), field);
}

// ---------------------------------------------------------------------------------------------
// GTIN-8/12/13/14: digits; the last is a check digit (weights 3,1,3,… from the rightmost data digit).
// Normalised to GTIN-14 (left-padded with zeros) so every comparison is of one form.

const GTIN_PATTERN = /^(?:[0-9]{8}|[0-9]{12}|[0-9]{13}|[0-9]{14})$/;

export function gtinCheckDigit(dataDigits: string): number {
  let sum = 0;
  for (let i = dataDigits.length - 1, weight = 3; i >= 0; i--, weight = weight === 3 ? 1 : 3) {
    sum += (dataDigits.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

export function gtinIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !GTIN_PATTERN.test(value)) {
    return issue('GTIN_FORMAT', `expected a GTIN of 8, 12, 13 or 14 digits, got ${show(value)}`);
  }
  const expected = gtinCheckDigit(value.slice(0, -1));
  const actual = value.charCodeAt(value.length - 1) - 48;
  if (expected !== actual) return issue('GTIN_CHECKSUM', `GTIN ${show(value)} has check digit ${actual}, expected ${expected}`);
  return { value: value.padStart(14, '0') };
}

/** Validates a GTIN and returns its GTIN-14 form. */
export function checkGtin(value: unknown, field: string): Result<string> {
  return toResult(gtinIssue(value), field);
}

/** GTIN-14 -> the 13 digits after the indicator digit, where a GS1 company prefix sits. */
export function gtinPrefixSpace(gtin14: string): string {
  return gtin14.slice(1);
}

// ---------------------------------------------------------------------------------------------
// GS1 company prefix: 6 to 12 digits (GS1 General Specifications; a UPC company prefix is written
// with its leading 0 as a GS1 prefix). A GTIN is covered by a prefix when its 13 digits after the
// GTIN-14 indicator digit start with the prefix. Whether GS1 issued the prefix is an outside fact.

const GS1_PREFIX_PATTERN = /^[0-9]{6,12}$/;

export function gs1PrefixIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !GS1_PREFIX_PATTERN.test(value)) {
    return issue('GS1_PREFIX_FORMAT', `expected a GS1 company prefix of 6 to 12 digits, got ${show(value)}`);
  }
  return { value };
}

export function checkGs1Prefix(value: unknown, field: string): Result<string> {
  return toResult(gs1PrefixIssue(value), field);
}

export function gtinCoveredByPrefix(gtin14: string, prefix: string): boolean {
  return gtinPrefixSpace(gtin14).startsWith(prefix);
}

// ---------------------------------------------------------------------------------------------
// HS codes. Decision: a Harmonized System code has 6 (international), 8 (tariff line) or 10
// (HTSUS statistical suffix) digits, written either as plain digits or in the printed forms
// "8708.29", "8708.29.50", "8708.29.5060" and "8708.29.50.60". It is normalised to plain digits.
// Odd lengths (7, 9) and other punctuation are rejected. HTSUS codes at entry line level must have
// exactly 10 digits. The codes are not looked up in the tariff schedule (format only).

const HS_PLAIN_PATTERN = /^(?:[0-9]{6}|[0-9]{8}|[0-9]{10})$/;
const HS_DOTTED_PATTERN = /^[0-9]{4}\.[0-9]{2}(?:\.[0-9]{2}(?:[0-9]{2}|\.[0-9]{2})?)?$/;

export function hsCodeIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value === 'string' && HS_PLAIN_PATTERN.test(value)) return { value };
  if (typeof value === 'string' && HS_DOTTED_PATTERN.test(value)) return { value: value.replaceAll('.', '') };
  return issue('HS_FORMAT', `expected an HS code of 6, 8 or 10 digits (e.g. "870829" or "8708.29"), got ${show(value)}`);
}

/** Validates an HS code of 6, 8 or 10 digits and returns it as plain digits. */
export function checkHsCode(value: unknown, field: string): Result<string> {
  return toResult(hsCodeIssue(value), field);
}

export function htsusIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  const hs = hsCodeIssue(value);
  if ('code' in hs || hs.value.length !== 10) {
    return issue('HTSUS_FORMAT', `expected a 10-digit HTSUS code (e.g. "8708.29.5060"), got ${show(value)}`);
  }
  return hs;
}

export function checkHtsus(value: unknown, field: string): Result<string> {
  return toResult(htsusIssue(value), field);
}

/** The international 6-digit heading/subheading an HS or HTSUS code belongs to. */
export function hs6(code: string): string {
  return code.slice(0, 6);
}

// ---------------------------------------------------------------------------------------------
// Entry numbers: 11 characters, a 3-character filer code (A-Z 0-9), 7 digits, 1 check digit;
// accepted plain or as "ABC-1234567-8" and normalised to the plain 11 characters. The check digit
// is validated by a pluggable rule; the default checks format only.

/** Returns true when the 11-character entry number's check digit is right. */
export type EntryNumberCheckDigitRule = (entryNumber: string) => boolean;

/** The default rule: format only (the CBP formula is not at hand; see README). */
export const formatOnlyEntryNumberRule: EntryNumberCheckDigitRule = () => true;

const ENTRY_NUMBER_PATTERN = /^([A-Z0-9]{3})-?([0-9]{7})-?([0-9])$/;

export function entryNumberIssue(value: unknown, rule: EntryNumberCheckDigitRule = formatOnlyEntryNumberRule): IdentifierIssue | { readonly value: string } {
  const match = typeof value === 'string' ? ENTRY_NUMBER_PATTERN.exec(value) : null;
  // Either both separators or none: "ABC-12345678" is not a written form of an entry number.
  if (match === null || (typeof value === 'string' && value.length !== 11 && value.length !== 13)) {
    return issue('ENTRY_NUMBER_FORMAT', `expected an entry number: 3-character filer code, 7 digits, 1 check digit (e.g. "ABC12345678" or "ABC-1234567-8"), got ${show(value)}`);
  }
  const normalised = `${match[1]}${match[2]}${match[3]}`;
  if (!rule(normalised)) return issue('ENTRY_NUMBER_CHECK_DIGIT', `entry number ${show(normalised)} fails the configured check-digit rule`);
  return { value: normalised };
}

export function checkEntryNumber(value: unknown, field: string, rule?: EntryNumberCheckDigitRule): Result<string> {
  return toResult(entryNumberIssue(value, rule), field);
}

// ---------------------------------------------------------------------------------------------
// ISO 3166-1 alpha-2: the 249 officially assigned codes (user-assigned and reserved codes such as
// XK, EU or UK are rejected).

const COUNTRY_CODES_TEXT =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
  'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
  'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ ' +
  'LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
  'NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA ' +
  'RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
  'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU ' +
  'WF WS YE YT ZA ZM ZW';

export const ISO_3166_ALPHA2: ReadonlySet<string> = new Set(COUNTRY_CODES_TEXT.split(' '));

export function countryCodeIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !ISO_3166_ALPHA2.has(value)) {
    return issue('COUNTRY_CODE', `expected an ISO 3166-1 alpha-2 country code (e.g. "US", "MX"), got ${show(value)}`);
  }
  return { value };
}

export function checkCountryCode(value: unknown, field: string): Result<string> {
  return toResult(countryCodeIssue(value), field);
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 dates ("2025-03-14", calendar-checked) and timestamps ("2025-03-14T09:30:00Z",
// optional fraction of up to 3 digits, "Z" or "±HH:MM" offset; no leap second 60). Converted to
// integer epoch milliseconds by civil-calendar arithmetic, so no host clock or time zone matters.

export const MS_PER_DAY = 86_400_000;
const DATE_PATTERN = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const TIMESTAMP_PATTERN = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const MIN_YEAR = 1900;
const MAX_YEAR = 9999;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function civilDate(yearText: string, monthText: string, dayText: string): CivilDate | undefined {
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function dateIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  const match = typeof value === 'string' ? DATE_PATTERN.exec(value) : null;
  if (match === null || civilDate(match[1] as string, match[2] as string, match[3] as string) === undefined) {
    return issue('DATE_FORMAT', `expected an ISO 8601 calendar date YYYY-MM-DD (years ${MIN_YEAR}-${MAX_YEAR}), got ${show(value)}`);
  }
  return { value: value as string };
}

export function checkDate(value: unknown, field: string): Result<string> {
  return toResult(dateIssue(value), field);
}

/** Epoch milliseconds of 00:00:00Z on a date already validated by `dateIssue`. */
export function dateStartMs(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (match === null) return Number.NaN;
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3])) * MS_PER_DAY;
}

/** Epoch milliseconds just after a date ends (the next day's 00:00:00Z): periods are inclusive of their last day. */
export function dateEndExclusiveMs(date: string): number {
  return dateStartMs(date) + MS_PER_DAY;
}

/** The UTC calendar date of an epoch-milliseconds instant, as YYYY-MM-DD (H. Hinnant's civil_from_days). */
export function dateOfMs(epochMs: number): string {
  const z = Math.floor(epochMs / MS_PER_DAY) + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `date` plus `months` calendar months, the day clamped to the target month's length (Jan 31 + 1 = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const match = DATE_PATTERN.exec(date);
  if (match === null) return date;
  const total = Number(match[1]) * 12 + (Number(match[2]) - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const day = Math.min(Number(match[3]), daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `date` plus `years` calendar years (Feb 29 becomes Feb 28 in a common year). */
export function addYears(date: string, years: number): string {
  return addMonths(date, years * 12);
}

export function timestampIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  const match = typeof value === 'string' ? TIMESTAMP_PATTERN.exec(value) : null;
  const bad = issue('TIMESTAMP_FORMAT', `expected an ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS[.sss](Z|±HH:MM), got ${show(value)}`);
  if (match === null) return bad;
  if (civilDate(match[1] as string, match[2] as string, match[3] as string) === undefined) return bad;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) return bad;
  const zone = match[8] as string;
  if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return bad;
  return { value: value as string };
}

export function checkTimestamp(value: unknown, field: string): Result<string> {
  return toResult(timestampIssue(value), field);
}

/** Epoch milliseconds of a timestamp already validated by `timestampIssue`. */
export function timestampMs(timestamp: string): number {
  const match = TIMESTAMP_PATTERN.exec(timestamp);
  if (match === null) return Number.NaN;
  const days = daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
  const fraction = (match[7] ?? '').padEnd(3, '0');
  let ms = days * MS_PER_DAY + Number(match[4]) * 3_600_000 + Number(match[5]) * 60_000 + Number(match[6]) * 1000 + Number(fraction);
  const zone = match[8] as string;
  if (zone !== 'Z') {
    const offsetMs = Number(zone.slice(1, 3)) * 3_600_000 + Number(zone.slice(4, 6)) * 60_000;
    ms = zone.startsWith('+') ? ms - offsetMs : ms + offsetMs;
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Decimal strings: quantities and values are never floats anywhere in the ledger. Non-negative,
// at most 18 integer digits and 6 fraction digits, no sign, no exponent, no leading zeros.

const DECIMAL_PATTERN = /^(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,6})?$/;

export function decimalIssue(value: unknown, options: { readonly positive?: boolean } = {}): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
    return issue('DECIMAL_FORMAT', `expected a non-negative decimal string such as "1250.00" (no exponent, at most 18.6 digits), got ${show(value)}`);
  }
  if (options.positive === true && /^0(?:\.0*)?$/.test(value)) return issue('DECIMAL_RANGE', `expected a decimal greater than zero, got ${show(value)}`);
  return { value };
}

export function checkDecimal(value: unknown, field: string, options?: { readonly positive?: boolean }): Result<string> {
  return toResult(decimalIssue(value, options), field);
}

// ---------------------------------------------------------------------------------------------
// Bounded text: a length bound in UTF-16 code units, well-formed (no lone surrogates), no control
// characters except tab and newline (and those only in multi-line text).

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export interface TextBounds {
  readonly min: number;
  readonly max: number;
  readonly multiline?: boolean;
}

export function textIssue(value: unknown, bounds: TextBounds): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string') return issue('FIELD_TYPE', `expected text, got ${show(value)}`);
  if (value.length < bounds.min || value.length > bounds.max) {
    return issue('TEXT_LENGTH', `expected text of ${bounds.min} to ${bounds.max} characters, got ${value.length} (${show(value)})`);
  }
  if (bounds.min > 0 && value.trim().length === 0) return issue('TEXT_LENGTH', `expected non-blank text, got ${show(value)}`);
  if (LONE_SURROGATE.test(value)) return issue('TEXT_ENCODING', `text has a lone UTF-16 surrogate: ${show(value)}`);
  if ((bounds.multiline === true ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(value)) {
    return issue('TEXT_CONTROL_CHARACTER', `text has a control character: ${show(value)}`);
  }
  return { value };
}

export function checkText(value: unknown, field: string, bounds: TextBounds): Result<string> {
  return toResult(textIssue(value, bounds), field);
}

// ---------------------------------------------------------------------------------------------
// Hashes, references, keys, contact details, media types.

const HEX64_PATTERN = /^[0-9a-f]{64}$/;

/** A document id: the lower-case hex transaction id of the transaction that created the document. */
export function documentRefIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !HEX64_PATTERN.test(value)) {
    return issue('DOC_REF_FORMAT', `expected a document id (64 lower-case hex characters: the creating transaction's id), got ${show(value)}`);
  }
  return { value };
}

export function sha256HexIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !HEX64_PATTERN.test(value)) {
    return issue('SHA256_FORMAT', `expected a SHA-256 digest (64 lower-case hex characters), got ${show(value)}`);
  }
  return { value };
}

export function publicKeyHexIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !HEX64_PATTERN.test(value)) {
    return issue('PUBLIC_KEY_FORMAT', `expected an Ed25519 public key (64 lower-case hex characters), got ${show(value)}`);
  }
  return { value };
}

const EMAIL_PATTERN = /^[^\s@"<>,;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** Format only: one local part, a dotted domain; whether the mailbox exists is not checked. */
export function emailIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || value.length > 254 || !EMAIL_PATTERN.test(value)) {
    return issue('EMAIL_FORMAT', `expected an e-mail address such as "name@example.com", got ${show(value)}`);
  }
  return { value };
}

const TELEPHONE_PATTERN = /^\+?[0-9][0-9 ().-]{3,30}$/;

/** Format only: digits with the usual separators, an optional leading "+", 4 to 32 characters. */
export function telephoneIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !TELEPHONE_PATTERN.test(value)) {
    return issue('TELEPHONE_FORMAT', `expected a telephone number such as "+1 313 555 0100", got ${show(value)}`);
  }
  return { value };
}

const MEDIA_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

export function mediaTypeIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || !MEDIA_TYPE_PATTERN.test(value)) {
    return issue('MEDIA_TYPE_FORMAT', `expected a lower-case media type such as "application/pdf", got ${show(value)}`);
  }
  return { value };
}

// ---------------------------------------------------------------------------------------------
// libp2p peer ids of Ed25519 node keys: base58btc of the identity multihash (0x00, length 0x24) of
// the protobuf-encoded public key (0x08 0x01 = KeyType Ed25519, 0x12 0x20 = 32 data bytes).

const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);
const BASE58_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/;

/** The libp2p peer id string of an Ed25519 public key. */
export function peerIdOfEd25519PublicKey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(PEER_ID_PREFIX.length + publicKey.length);
  bytes.set(PEER_ID_PREFIX, 0);
  bytes.set(publicKey, PEER_ID_PREFIX.length);
  return base58.encode(bytes);
}

/** The Ed25519 public key a peer id carries, or undefined when it is not an Ed25519 identity peer id. */
export function ed25519PublicKeyOfPeerId(peerId: string): Uint8Array | undefined {
  if (!BASE58_PATTERN.test(peerId)) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(peerId);
  } catch {
    return undefined; // not base58: the caller reports PEER_ID_FORMAT
  }
  if (bytes.length !== PEER_ID_PREFIX.length + 32) return undefined;
  for (let i = 0; i < PEER_ID_PREFIX.length; i++) if (bytes[i] !== PEER_ID_PREFIX[i]) return undefined;
  return bytes.slice(PEER_ID_PREFIX.length);
}

export function peerIdIssue(value: unknown): IdentifierIssue | { readonly value: string } {
  if (typeof value !== 'string' || ed25519PublicKeyOfPeerId(value) === undefined) {
    return issue('PEER_ID_FORMAT', `expected a libp2p Ed25519 peer id (base58btc, "12D3KooW…"), got ${show(value)}`);
  }
  return { value };
}
