// The zod building blocks of every document schema, and the one place where zod's issues become
// the ledger's rejections (stable code, field path, the offending value). Identifier fields wrap
// the checks of identifiers.ts, so a payload and a hand call of checkLei reject with the same code.
// Parsing normalises (GTIN-14, plain-digit HS codes, plain entry numbers): the state machine works
// on parsed payloads only, while the signed bytes keep what the party wrote.

import { z } from 'zod';
import { reject, ok, type Result } from '../errors.js';
import {
  countryCodeIssue,
  dateIssue,
  decimalIssue,
  documentRefIssue,
  emailIssue,
  entryNumberIssue,
  gs1PrefixIssue,
  gtinIssue,
  hsCodeIssue,
  htsusIssue,
  leiIssue,
  mediaTypeIssue,
  peerIdIssue,
  publicKeyHexIssue,
  sha256HexIssue,
  telephoneIssue,
  textIssue,
  timestampIssue,
  type EntryNumberCheckDigitRule,
  type IdentifierIssue,
} from './identifiers.js';
import { DOCUMENT_LIMITS } from './limits.js';

type IssueFn = (value: unknown) => IdentifierIssue | { readonly value: string };

interface FieldMeta {
  readonly description: string;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly examples?: readonly string[];
}

/** A string field checked (and normalised) by an identifiers.ts check, with a JSON Schema description. */
export function checkedString(check: IssueFn, meta: FieldMeta) {
  return z
    .string()
    .transform((value, ctx) => {
      const outcome = check(value);
      if ('code' in outcome) {
        ctx.addIssue({ code: 'custom', message: outcome.detail, params: { code: outcome.code }, input: value });
        return z.NEVER;
      }
      return outcome.value;
    })
    .meta({ ...meta, examples: meta.examples === undefined ? undefined : [...meta.examples] });
}

export const leiField = checkedString(leiIssue, {
  description: 'Legal Entity Identifier (ISO 17442): 20 characters A-Z 0-9, MOD 97-10 check digits',
  pattern: '^[A-Z0-9]{18}[0-9]{2}$',
  examples: ['787RXPR0UX0O0XUXPZ81'],
});
export const gtinField = checkedString(gtinIssue, {
  description: 'GTIN-8, -12, -13 or -14 with a valid check digit; stored as GTIN-14',
  pattern: '^(?:[0-9]{8}|[0-9]{12}|[0-9]{13}|[0-9]{14})$',
  examples: ['00012345600012'],
});
export const gs1PrefixField = checkedString(gs1PrefixIssue, { description: 'GS1 company prefix: 6 to 12 digits', pattern: '^[0-9]{6,12}$' });
export const hsCodeField = checkedString(hsCodeIssue, {
  description: 'HS code of 6, 8 or 10 digits, plain or dotted ("870829", "8708.29", "8708.29.50", "8708.29.5060"); stored as plain digits',
  pattern: '^(?:[0-9]{6}|[0-9]{8}|[0-9]{10}|[0-9]{4}\\.[0-9]{2}(?:\\.[0-9]{2}(?:[0-9]{2}|\\.[0-9]{2})?)?)$',
  examples: ['8708.30'],
});
export const htsusField = checkedString(htsusIssue, {
  description: 'HTSUS statistical reporting number: 10 digits, plain or dotted ("8708.30.5090")',
  pattern: '^(?:[0-9]{10}|[0-9]{4}\\.[0-9]{2}\\.(?:[0-9]{4}|[0-9]{2}\\.[0-9]{2}))$',
  examples: ['8708.30.5090'],
});
export const countryField = checkedString(countryCodeIssue, { description: 'ISO 3166-1 alpha-2 country code', pattern: '^[A-Z]{2}$', examples: ['MX'] });
export const dateField = checkedString(dateIssue, { description: 'ISO 8601 calendar date YYYY-MM-DD (UTC days)', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
export const timestampField = checkedString(timestampIssue, {
  description: 'ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS[.sss](Z|±HH:MM)',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,3})?(?:Z|[+-][0-9]{2}:[0-9]{2})$',
});
export const decimalField = checkedString((v) => decimalIssue(v), {
  description: 'Non-negative decimal as a string (never a JSON number): up to 18 integer and 6 fraction digits',
  pattern: '^(?:0|[1-9][0-9]{0,17})(?:\\.[0-9]{1,6})?$',
});
export const positiveDecimalField = checkedString((v) => decimalIssue(v, { positive: true }), {
  description: 'Decimal greater than zero, as a string',
  pattern: '^(?:0|[1-9][0-9]{0,17})(?:\\.[0-9]{1,6})?$',
});
export const documentRefField = checkedString(documentRefIssue, {
  description: 'Document id: the lower-case hex id of the transaction that created the referenced document',
  pattern: '^[0-9a-f]{64}$',
});
export const sha256Field = checkedString(sha256HexIssue, { description: 'SHA-256 digest, lower-case hex', pattern: '^[0-9a-f]{64}$' });
export const publicKeyField = checkedString(publicKeyHexIssue, { description: 'Ed25519 public key, 32 bytes as lower-case hex', pattern: '^[0-9a-f]{64}$' });
export const peerIdField = checkedString(peerIdIssue, { description: 'libp2p peer id of an Ed25519 node key (base58btc, "12D3KooW…")', pattern: '^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$' });
export const emailField = checkedString(emailIssue, { description: 'E-mail address (format only)', maxLength: 254 });
export const telephoneField = checkedString(telephoneIssue, { description: 'Telephone number (format only), optional leading "+"', pattern: '^\\+?[0-9][0-9 ().-]{3,30}$' });
export const mediaTypeField = checkedString(mediaTypeIssue, { description: 'Lower-case media type, e.g. "application/pdf"' });

export function entryNumberField(rule: EntryNumberCheckDigitRule | undefined) {
  return checkedString((v) => entryNumberIssue(v, rule), {
    description: 'Entry number: 3-character filer code, 7 digits, 1 check digit ("ABC12345678" or "ABC-1234567-8"); stored without hyphens',
    pattern: '^[A-Z0-9]{3}-?[0-9]{7}-?[0-9]$',
  });
}

/** Bounded text: min..max UTF-16 code units, no control characters (tab and newline allowed when multiline). */
export function text(min: number, max: number, multiline = false) {
  return checkedString((v) => textIssue(v, { min, max, multiline }), {
    description: multiline ? `Text, ${min} to ${max} characters (newlines allowed)` : `Text, ${min} to ${max} characters on one line`,
    maxLength: max,
  });
}

export const nameText = text(1, DOCUMENT_LIMITS.nameChars);
export const labelText = text(1, DOCUMENT_LIMITS.labelChars);
export const longText = text(1, DOCUMENT_LIMITS.textChars, true);

/** An array of at most `max` items whose key (as `key` returns it) is unique: DUPLICATE_VALUE otherwise. */
export function uniqueArray<T extends z.ZodType>(item: T, min: number, max: number, key: (value: z.output<T>) => string, what: string) {
  return z
    .array(item)
    .min(min)
    .max(max)
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((value, index) => {
        const k = key(value);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} ${JSON.stringify(k)}`, params: { code: 'DUPLICATE_VALUE' }, path: [index], input: k });
        seen.add(k);
      });
    });
}

export const identity = (value: string): string => value;

// ---------------------------------------------------------------------------------------------
// zod issues -> rejections

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'payload';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null || value === undefined) return String(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return `<array of ${value.length}>`;
  return '<object>';
}

/** The stable code of one zod issue (custom checks carry theirs in params.code). */
function codeOf(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'custom': {
      const code = (issue.params as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' ? code : 'FIELD_INVALID';
    }
    case 'invalid_type':
      return value === undefined ? 'FIELD_MISSING' : 'FIELD_TYPE';
    case 'unrecognized_keys':
      return 'FIELD_UNKNOWN';
    case 'too_big':
      return 'FIELD_TOO_LARGE';
    case 'too_small':
      return 'FIELD_TOO_SMALL';
    case 'invalid_value':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return 'FIELD_VALUE';
    default:
      return 'FIELD_INVALID';
  }
}

/** Parses `payload` with `schema`; the first issue (in schema order, deterministic) becomes the rejection. */
export function parseWith<S extends z.ZodType>(schema: S, payload: unknown): Result<z.output<S>> {
  // Every document is a plain JSON-like object: arrays, byte strings and class instances are not.
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || (Object.getPrototypeOf(payload) !== Object.prototype && Object.getPrototypeOf(payload) !== null)) {
    return reject('FIELD_TYPE', `payload: expected an object, got ${show(payload)}`, 'payload');
  }
  const parsed = schema.safeParse(payload);
  if (parsed.success) return ok(parsed.data);
  const first = parsed.error.issues[0];
  if (first === undefined) return reject('FIELD_INVALID', 'payload: rejected without a reason', 'payload');
  const field = formatPath(first.path);
  const value = valueAt(payload, first.path);
  const code = codeOf(first, value);
  if (first.code === 'unrecognized_keys') {
    return reject(code, `${field}: unknown field(s) ${first.keys.map((k) => JSON.stringify(k)).join(', ')}`, field);
  }
  const message = first.code === 'custom' ? first.message : `${first.message} (got ${show(value)})`;
  return reject(code, `${field}: ${message}`, field);
}

/** A cross-field rule inside a superRefine: adds an issue with a stable code at `path`. */
export function addRuleIssue(ctx: z.core.$RefinementCtx, code: string, message: string, path: PropertyKey[], input?: unknown): void {
  ctx.addIssue({ code: 'custom', message, params: { code }, path, input });
}
