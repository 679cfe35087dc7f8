// IP rights and licenses: a rights holder registers a right (marks and their registrations, brands,
// the GTINs or GS1 company prefixes it covers, images and product guides by hash, product features)
// and grants licenses to importers, manufacturers and retailers (GTINs or prefixes within the right,
// territory, validity period, optionally under a parent license whose scope and period contain it).
// Revoking a license revokes its sublicenses (state/).

import { z } from 'zod';
import { DOCUMENT_LIMITS } from './limits.js';
import {
  addRuleIssue,
  checkedString,
  countryField,
  dateField,
  documentRefField,
  gs1PrefixField,
  gtinField,
  identity,
  labelText,
  leiField,
  longText,
  positiveDecimalField,
  sha256Field,
  text,
  uniqueArray,
} from './schema-kit.js';

const OFFICE_PATTERN = /^[A-Z]{2,8}$/;
/** A trademark office: an ISO country code ("US") or an organization's acronym ("WIPO", "EUIPO"). */
export const officeField = checkedString(
  (value) => (typeof value === 'string' && OFFICE_PATTERN.test(value) ? { value } : { code: 'OFFICE_FORMAT', detail: `expected a trademark office code of 2 to 8 capital letters ("US", "WIPO", "EUIPO"), got ${JSON.stringify(String(value).slice(0, 40))}` }),
  { description: 'Trademark office: country code or acronym', pattern: '^[A-Z]{2,8}$' },
);

export const markSchema = z.strictObject({
  mark: labelText,
  registrations: uniqueArray(z.strictObject({ office: officeField, number: text(1, 40) }), 0, DOCUMENT_LIMITS.registrationsPerMark, (r) => `${r.office}/${r.number}`, 'registration'),
});

export const rightAttachmentSchema = z.strictObject({
  sha256: sha256Field,
  purpose: z.enum(['image', 'product-guide']),
  title: labelText,
});

export const productFeatureSchema = z.strictObject({
  name: labelText,
  description: longText,
});

function scopeRule(scope: { gtins: readonly string[]; gs1Prefixes: readonly string[] }, ctx: z.core.$RefinementCtx): void {
  if (scope.gtins.length === 0 && scope.gs1Prefixes.length === 0) addRuleIssue(ctx, 'SCOPE_EMPTY', 'name at least one GTIN or GS1 company prefix', ['gtins'], scope.gtins);
}

export const rightSchema = z
  .strictObject({
    rightsHolder: leiField,
    marks: z.array(markSchema).min(1).max(DOCUMENT_LIMITS.marksPerRight),
    brands: uniqueArray(labelText, 0, DOCUMENT_LIMITS.brandsPerRight, identity, 'brand'),
    gtins: uniqueArray(gtinField, 0, DOCUMENT_LIMITS.gtinsPerDocument, identity, 'GTIN'),
    gs1Prefixes: uniqueArray(gs1PrefixField, 0, DOCUMENT_LIMITS.gs1PrefixesPerDocument, identity, 'GS1 prefix'),
    attachments: uniqueArray(rightAttachmentSchema, 0, DOCUMENT_LIMITS.attachmentsPerDocument, (a) => a.sha256, 'attachment'),
    productFeatures: z.array(productFeatureSchema).max(DOCUMENT_LIMITS.featuresPerRight),
  })
  .superRefine(scopeRule);
export type Right = z.output<typeof rightSchema>;

export const LICENSE_ROLES = ['importer', 'manufacturer', 'retailer'] as const;
export type LicenseRole = (typeof LICENSE_ROLES)[number];

export const licenseSchema = z
  .strictObject({
    right: documentRefField,
    /** The rights holder for a license; for a sublicense, the parent's licensee (or the rights holder). */
    licensor: leiField,
    licensee: leiField,
    role: z.enum(LICENSE_ROLES),
    gtins: uniqueArray(gtinField, 0, DOCUMENT_LIMITS.gtinsPerDocument, identity, 'GTIN'),
    gs1Prefixes: uniqueArray(gs1PrefixField, 0, DOCUMENT_LIMITS.gs1PrefixesPerDocument, identity, 'GS1 prefix'),
    territory: uniqueArray(countryField, 1, 249, identity, 'country'),
    /** Where the licensed goods may be made; absent means anywhere. */
    countriesOfManufacture: uniqueArray(countryField, 1, 249, identity, 'country').optional(),
    /** An upper bound on licensed quantity (recorded, not enforced by the ledger). */
    maxQuantity: positiveDecimalField.optional(),
    validFrom: dateField,
    validTo: dateField,
    parent: documentRefField.optional(),
  })
  .superRefine((l, ctx) => {
    scopeRule(l, ctx);
    if (l.validTo < l.validFrom) addRuleIssue(ctx, 'PERIOD_ORDER', `license validity ends (${l.validTo}) before it starts (${l.validFrom})`, ['validTo'], l.validTo);
    if (l.licensor === l.licensee) addRuleIssue(ctx, 'LICENSEE_IS_LICENSOR', `licensee ${l.licensee} is the licensor`, ['licensee'], l.licensee);
  });
export type License = z.output<typeof licenseSchema>;

export const licenseRevokeSchema = z.strictObject({
  license: documentRefField,
  reason: longText,
});
export type LicenseRevoke = z.output<typeof licenseRevokeSchema>;
