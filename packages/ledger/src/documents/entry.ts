// Entry summaries (filed by the importer or a broker it designated), customs' review of them, and
// the importer's designation of a broker. An entry line carries the HTSUS code, country of origin,
// quantity and value (decimal strings), the special program indicator that claims an agreement, the
// GTIN, the manufacturer, and references to the certificate of origin and the licenses behind it.

import { z } from 'zod';
import { CREDENTIALS_PER_LINE, credentialRefField } from './credential.js';
import type { EntryNumberCheckDigitRule } from './identifiers.js';
import { DOCUMENT_LIMITS } from './limits.js';
import {
  addRuleIssue,
  checkedString,
  countryField,
  dateField,
  decimalField,
  documentRefField,
  entryNumberField,
  gtinField,
  htsusField,
  identity,
  labelText,
  leiField,
  longText,
  positiveDecimalField,
  text,
  uniqueArray,
} from './schema-kit.js';

/**
 * ACE entry type codes (CBP Form 7501 instructions): 01 consumption free and dutiable, 02 quota,
 * 03 AD/CVD, 06 foreign trade zone consumption, 07 quota and AD/CVD, 11 informal, 12 informal
 * quota, 21 warehouse, 22 re-warehouse, 23 temporary importation bond, 31 warehouse withdrawal
 * for consumption, 32 warehouse withdrawal quota, 34 warehouse withdrawal AD/CVD, 38 warehouse
 * withdrawal quota and AD/CVD, 51 DCASR, 52 government dutiable, 61 immediate transportation,
 * 62 transportation and exportation, 63 immediate exportation, 69 and 70 transit, 86 Section 321
 * low-value.
 */
export const ENTRY_TYPES = ['01', '02', '03', '06', '07', '11', '12', '21', '22', '23', '31', '32', '34', '38', '51', '52', '61', '62', '63', '69', '70', '86'] as const;

/** Special program indicators that claim a trade agreement the ledger knows certificates for. */
export const SPI_AGREEMENT: Readonly<Record<string, 'USMCA' | 'CAFTA-DR'>> = { S: 'USMCA', 'S+': 'USMCA', P: 'CAFTA-DR', 'P+': 'CAFTA-DR' };
/** Parties of each agreement (goods claiming it must originate there). */
export const AGREEMENT_PARTIES: Readonly<Record<'USMCA' | 'CAFTA-DR', readonly string[]>> = {
  USMCA: ['CA', 'MX', 'US'],
  'CAFTA-DR': ['CR', 'DO', 'GT', 'HN', 'NI', 'SV', 'US'],
};

const SPI_PATTERN = /^[A-Z]{1,2}[+*#]?$/;
/** Other SPIs (e.g. "A" GSP, "JO" Jordan) are accepted by format: 1-2 capital letters and an optional +, * or #. */
export const spiField = checkedString(
  (value) => (typeof value === 'string' && SPI_PATTERN.test(value) ? { value } : { code: 'SPI_FORMAT', detail: `expected a special program indicator such as "S", "S+", "P" or "P+", got ${JSON.stringify(String(value).slice(0, 20))}` }),
  { description: 'Special program indicator (HTSUS General Note 3(c)): "S"/"S+" USMCA, "P"/"P+" CAFTA-DR, others by format', pattern: '^[A-Z]{1,2}[+*#]?$' },
);

const UNIT_PATTERN = /^[A-Z0-9]{1,5}$/;
export const unitField = checkedString(
  (value) => (typeof value === 'string' && UNIT_PATTERN.test(value) ? { value } : { code: 'UNIT_FORMAT', detail: `expected an HTSUS unit of quantity such as "NO", "KG", "DOZ", got ${JSON.stringify(String(value).slice(0, 20))}` }),
  { description: 'HTSUS unit of quantity ("NO", "KG", "PRS", …)', pattern: '^[A-Z0-9]{1,5}$' },
);

const PORT_PATTERN = /^[0-9]{4}$/;
export const portField = checkedString(
  (value) => (typeof value === 'string' && PORT_PATTERN.test(value) ? { value } : { code: 'PORT_FORMAT', detail: `expected a 4-digit CBP port code, got ${JSON.stringify(String(value).slice(0, 20))}` }),
  { description: 'CBP port of entry (4 digits, Schedule D)', pattern: '^[0-9]{4}$' },
);

export const entryLineSchema = z
  .strictObject({
    lineNumber: z.number().int().min(1).max(DOCUMENT_LIMITS.entryLines),
    description: labelText.optional(),
    htsus: htsusField,
    countryOfOrigin: countryField,
    quantity: positiveDecimalField,
    unit: unitField,
    /** Entered value in US dollars, as a decimal string. */
    value: decimalField,
    spi: spiField.optional(),
    gtin: gtinField.optional(),
    manufacturer: leiField,
    certificate: documentRefField.optional(),
    licenses: uniqueArray(documentRefField, 0, DOCUMENT_LIMITS.licensesPerLine, identity, 'license'),
    /** Licensee credentials behind the line (credential-issue document ids or credential hashes). */
    credentials: uniqueArray(credentialRefField, 0, CREDENTIALS_PER_LINE, identity, 'credential').optional(),
  })
  .superRefine((line, ctx) => {
    const agreement = line.spi === undefined ? undefined : SPI_AGREEMENT[line.spi];
    if (agreement === 'USMCA' && line.certificate === undefined) addRuleIssue(ctx, 'CERTIFICATE_REQUIRED', `SPI ${line.spi} claims USMCA and needs a certificate reference`, ['certificate']);
    if (agreement !== undefined && !AGREEMENT_PARTIES[agreement].includes(line.countryOfOrigin)) {
      addRuleIssue(ctx, 'SPI_ORIGIN_MISMATCH', `SPI ${line.spi} claims ${agreement}, but country of origin ${line.countryOfOrigin} is not a party (${AGREEMENT_PARTIES[agreement].join(', ')})`, ['countryOfOrigin'], line.countryOfOrigin);
    }
    if (line.certificate !== undefined && line.spi === undefined) addRuleIssue(ctx, 'SPI_MISSING', 'a line citing a certificate of origin claims the agreement with a special program indicator', ['spi']);
    if (line.licenses.length > 0 && line.gtin === undefined) addRuleIssue(ctx, 'GTIN_REQUIRED', 'a line citing licenses names the product GTIN they cover', ['gtin']);
    if ((line.credentials?.length ?? 0) > 0 && line.gtin === undefined) addRuleIssue(ctx, 'GTIN_REQUIRED', 'a line citing credentials names the product GTIN they cover', ['gtin']);
  });
export type EntryLine = z.output<typeof entryLineSchema>;

export interface EntryOptions {
  /** The entry number check-digit rule (default: format only). */
  readonly entryNumberCheckDigit?: EntryNumberCheckDigitRule;
}

export function entrySchema(options: EntryOptions = {}) {
  return z.strictObject({
    entryNumber: entryNumberField(options.entryNumberCheckDigit),
    entryType: z.enum(ENTRY_TYPES),
    importer: leiField,
    /** The customs broker filing for the importer; it must hold a current designation by the importer. */
    broker: leiField.optional(),
    importDate: dateField,
    portOfEntry: portField.optional(),
    lines: uniqueArray(entryLineSchema, 1, DOCUMENT_LIMITS.entryLines, (l) => String(l.lineNumber), 'line number'),
  });
}
export type Entry = z.output<ReturnType<typeof entrySchema>>;

export const REVIEW_DECISIONS = ['release', 'hold', 'examine'] as const;
export const FINDING_CATEGORIES = ['origin', 'classification', 'valuation', 'intellectual-property', 'admissibility', 'other'] as const;

export const entryReviewSchema = z.strictObject({
  entry: documentRefField,
  decision: z.enum(REVIEW_DECISIONS),
  findings: z
    .array(
      z.strictObject({
        lineNumber: z.number().int().min(1).max(DOCUMENT_LIMITS.entryLines),
        category: z.enum(FINDING_CATEGORIES),
        text: longText,
      }),
    )
    .max(DOCUMENT_LIMITS.findingsPerReview),
  remarks: text(1, DOCUMENT_LIMITS.textChars, true).optional(),
});
export type EntryReview = z.output<typeof entryReviewSchema>;

/** An importer names a customs broker that may file entries for it during a period. */
export const brokerDesignationSchema = z
  .strictObject({
    importer: leiField,
    broker: leiField,
    validFrom: dateField,
    validTo: dateField,
  })
  .superRefine((d, ctx) => {
    if (d.validTo < d.validFrom) addRuleIssue(ctx, 'PERIOD_ORDER', `designation ends (${d.validTo}) before it starts (${d.validFrom})`, ['validTo'], d.validTo);
    if (d.importer === d.broker) addRuleIssue(ctx, 'BROKER_IS_IMPORTER', `broker ${d.broker} is the importer itself`, ['broker'], d.broker);
  });
export type BrokerDesignation = z.output<typeof brokerDesignationSchema>;

export const brokerDesignationRevokeSchema = z.strictObject({
  designation: documentRefField,
  reason: longText,
});
export type BrokerDesignationRevoke = z.output<typeof brokerDesignationRevokeSchema>;
