// Certificates of origin (USMCA Annex 5-A minimum data elements; CAFTA-DR 19 CFR 10.584; other
// agreements with free-text criteria), their amendment (a new version; the old one is kept) and
// withdrawal. Which organization may certify, and the time rules (signature date not in the future,
// accepted for 4 years) are judged in state/, against the block timestamp.
//
// The nine USMCA data elements map to fields as follows:
//   1 certifier role           -> certifierRole            6 goods: description, HS code (6+ digits) -> goods[]
//   2 certifier                -> certifier                7 origin criterion                      -> goods[].originCriterion
//   3 exporter                 -> exporter                 8 blanket period                        -> period
//   4 producer                 -> producer                 9 signature and date, statement         -> signature
//   5 importer                 -> importer

import { z } from 'zod';
import { addMonths, dateOfMs, dateStartMs, MS_PER_DAY } from './identifiers.js';
import { DOCUMENT_LIMITS } from './limits.js';
import {
  addRuleIssue,
  countryField,
  dateField,
  documentRefField,
  emailField,
  gtinField,
  hsCodeField,
  labelText,
  leiField,
  longText,
  nameText,
  telephoneField,
  text,
} from './schema-kit.js';

export const AGREEMENTS = ['USMCA', 'CAFTA-DR', 'other'] as const;
export type Agreement = (typeof AGREEMENTS)[number];

/** USMCA Article 4.2 (a)-(d). 'E' appears in some guides; it is accepted only with `allowUsmcaCriterionE`. */
export const USMCA_ORIGIN_CRITERIA = ['A', 'B', 'C', 'D'] as const;
/**
 * CAFTA-DR originating-good rules, named by the paragraph of 19 CFR 10.594 (Agreement Art. 4.1):
 * (a) wholly obtained or produced; (b)(1) tariff shift of each non-originating material;
 * (b)(2) regional value content or other Annex 4.1 requirement; (c) exclusively from originating materials.
 */
export const CAFTA_DR_ORIGIN_CRITERIA = ['10.594(a)', '10.594(b)(1)', '10.594(b)(2)', '10.594(c)'] as const;

export const CERTIFIER_ROLES = ['importer', 'exporter', 'producer'] as const;
export type CertifierRole = (typeof CERTIFIER_ROLES)[number];

export interface CertificateOptions {
  /** Accept USMCA origin criterion 'E' (named by some guides, not by Article 4.2). Default false. */
  readonly allowUsmcaCriterionE?: boolean;
}

export const addressSchema = z.strictObject({
  lines: z.array(labelText).min(1).max(DOCUMENT_LIMITS.addressLines),
  city: labelText,
  region: labelText.optional(),
  postalCode: text(1, DOCUMENT_LIMITS.postalCodeChars).optional(),
  country: countryField,
});

export const partySchema = z.strictObject({
  /** The party's LEI when it has one: it links the certificate to the party's other documents. */
  lei: leiField.optional(),
  name: nameText,
  address: addressSchema,
  email: emailField,
  telephone: telephoneField,
});
export type Party = z.output<typeof partySchema>;

export const certifierSchema = z.strictObject({
  lei: leiField,
  name: nameText,
  title: labelText,
  address: addressSchema,
  email: emailField,
  telephone: telephoneField,
});

const partyChoice = { kind: z.literal('party'), party: partySchema };
export const exporterSchema = z.discriminatedUnion('kind', [
  z.strictObject(partyChoice),
  z.strictObject({ kind: z.literal('same-as-certifier') }),
  /** Only when the producer certifies and does not know the exporter (Annex 5-A element 3). */
  z.strictObject({ kind: z.literal('unknown') }),
]);
export const producerSchema = z.discriminatedUnion('kind', [
  z.strictObject(partyChoice),
  z.strictObject({ kind: z.literal('same-as-certifier') }),
  z.strictObject({ kind: z.literal('various') }),
  z.strictObject({ kind: z.literal('available-upon-request') }),
]);
export const importerSchema = z.discriminatedUnion('kind', [
  z.strictObject(partyChoice),
  z.strictObject({ kind: z.literal('same-as-certifier') }),
  z.strictObject({ kind: z.literal('unknown') }),
]);

export const periodSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('single-shipment'), invoiceNumber: labelText.optional() }),
  z.strictObject({ kind: z.literal('blanket'), from: dateField, to: dateField }),
]);

export const goodSchema = z.strictObject({
  description: text(1, DOCUMENT_LIMITS.textChars, true),
  hsCode: hsCodeField,
  gtin: gtinField.optional(),
  originCriterion: text(1, 100),
  countryOfOrigin: countryField.optional(),
});
export type CertificateGood = z.output<typeof goodSchema>;

export const signatureSchema = z.strictObject({
  name: nameText,
  date: dateField,
  statement: text(1, DOCUMENT_LIMITS.statementChars, true),
});

function certificateBody(options: CertificateOptions) {
  const usmca: readonly string[] = options.allowUsmcaCriterionE === true ? [...USMCA_ORIGIN_CRITERIA, 'E'] : USMCA_ORIGIN_CRITERIA;
  return z
    .strictObject({
      agreement: z.enum(AGREEMENTS),
      /** The agreement's name when `agreement` is 'other'. */
      agreementName: labelText.optional(),
      certifierRole: z.enum(CERTIFIER_ROLES),
      certifier: certifierSchema,
      exporter: exporterSchema,
      producer: producerSchema,
      importer: importerSchema,
      goods: z.array(goodSchema).min(1).max(DOCUMENT_LIMITS.certificateGoods),
      period: periodSchema,
      signature: signatureSchema,
    })
    .superRefine((c, ctx) => {
      if (c.agreement === 'other' && c.agreementName === undefined) addRuleIssue(ctx, 'AGREEMENT_NAME_MISSING', "agreement 'other' needs agreementName", ['agreementName']);
      if (c.agreement !== 'other' && c.agreementName !== undefined) addRuleIssue(ctx, 'AGREEMENT_NAME_UNEXPECTED', `agreementName is only for agreement 'other', not ${c.agreement}`, ['agreementName'], c.agreementName);
      const allowed = c.agreement === 'USMCA' ? usmca : c.agreement === 'CAFTA-DR' ? CAFTA_DR_ORIGIN_CRITERIA : undefined;
      c.goods.forEach((good, i) => {
        if (allowed !== undefined && !allowed.includes(good.originCriterion)) {
          addRuleIssue(ctx, 'ORIGIN_CRITERION', `origin criterion ${JSON.stringify(good.originCriterion)} is not one of ${c.agreement}'s (${allowed.join(', ')})`, ['goods', i, 'originCriterion'], good.originCriterion);
        }
      });
      // Elements 3-5: the certifier is "the same" only for its own role; 'unknown' exporter only when the producer certifies.
      if (c.certifierRole === 'exporter' && c.exporter.kind !== 'same-as-certifier') addRuleIssue(ctx, 'CERTIFIER_PARTY_MISMATCH', `the exporter certifies, so exporter must be 'same-as-certifier', got ${JSON.stringify(c.exporter.kind)}`, ['exporter', 'kind'], c.exporter.kind);
      if (c.certifierRole === 'producer' && c.producer.kind !== 'same-as-certifier') addRuleIssue(ctx, 'CERTIFIER_PARTY_MISMATCH', `the producer certifies, so producer must be 'same-as-certifier', got ${JSON.stringify(c.producer.kind)}`, ['producer', 'kind'], c.producer.kind);
      if (c.certifierRole === 'importer' && c.importer.kind !== 'same-as-certifier') addRuleIssue(ctx, 'CERTIFIER_PARTY_MISMATCH', `the importer certifies, so importer must be 'same-as-certifier', got ${JSON.stringify(c.importer.kind)}`, ['importer', 'kind'], c.importer.kind);
      if (c.exporter.kind === 'unknown' && c.certifierRole !== 'producer') addRuleIssue(ctx, 'EXPORTER_REQUIRED', `only a certifying producer may leave the exporter unknown (certifier role ${c.certifierRole})`, ['exporter', 'kind'], c.exporter.kind);
      if (c.period.kind === 'blanket') {
        const { from, to } = c.period;
        if (to < from) addRuleIssue(ctx, 'PERIOD_ORDER', `blanket period ends (${to}) before it starts (${from})`, ['period', 'to'], to);
        else if (to >= addMonths(from, DOCUMENT_LIMITS.blanketPeriodMonths)) {
          addRuleIssue(ctx, 'BLANKET_PERIOD_TOO_LONG', `blanket period ${from}..${to} exceeds ${DOCUMENT_LIMITS.blanketPeriodMonths} months (last allowed day ${dayBefore(addMonths(from, DOCUMENT_LIMITS.blanketPeriodMonths))})`, ['period', 'to'], to);
        }
      }
    });
}

/** The inclusive last day of a period that must end before `date` (for messages). */
function dayBefore(date: string): string {
  return dateOfMs(dateStartMs(date) - MS_PER_DAY);
}

export function certificateOfOriginSchema(options: CertificateOptions = {}) {
  return certificateBody(options);
}
export type CertificateOfOrigin = z.output<ReturnType<typeof certificateOfOriginSchema>>;

export function certificateAmendSchema(options: CertificateOptions = {}) {
  return z.strictObject({
    certificate: documentRefField,
    amended: certificateBody(options),
    reason: longText,
  });
}
export type CertificateAmend = z.output<ReturnType<typeof certificateAmendSchema>>;

export const certificateWithdrawSchema = z.strictObject({
  certificate: documentRefField,
  reason: longText,
});
export type CertificateWithdraw = z.output<typeof certificateWithdrawSchema>;

/** Every LEI a certificate names (certifier and any party given with an LEI), sorted and unique. */
export function certificateLeis(c: CertificateOfOrigin): string[] {
  const leis = new Set<string>([c.certifier.lei]);
  for (const party of [c.exporter, c.producer, c.importer]) if (party.kind === 'party' && party.party.lei !== undefined) leis.add(party.party.lei);
  return [...leis].sort();
}

/** The LEI of the certificate's importer, exporter or producer, when the certificate gives one. */
export function certificatePartyLei(c: CertificateOfOrigin, role: CertifierRole): string | undefined {
  if (c.certifierRole === role) return c.certifier.lei;
  const party = role === 'exporter' ? c.exporter : role === 'producer' ? c.producer : c.importer;
  if (party.kind === 'same-as-certifier') return c.certifier.lei;
  return party.kind === 'party' ? party.party.lei : undefined;
}
