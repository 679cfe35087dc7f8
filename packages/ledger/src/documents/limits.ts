// Every size bound of the trade documents in one place. A payload that exceeds one is rejected with
// FIELD_TOO_LARGE (arrays) or TEXT_LENGTH (text) naming the field; the transaction envelope bounds
// the encoded payload as a whole.

import { assert } from '../errors.js';

export const DOCUMENT_LIMITS = {
  /** Organization, person and product names. */
  nameChars: 200,
  /** Short labels: titles, units, marks, brands, registration numbers, cities. */
  labelChars: 200,
  /** Long free text: descriptions, questions, answers, reasons, findings. */
  textChars: 4000,
  /** The certification statement above a signature. */
  statementChars: 2000,
  addressLines: 4,
  postalCodeChars: 20,
  /** Goods lines on one certificate of origin. */
  certificateGoods: 500,
  /** Lines on one entry summary (ACE allows 999). */
  entryLines: 999,
  /** Licenses cited by one entry line. */
  licensesPerLine: 10,
  gtinsPerDocument: 1000,
  gs1PrefixesPerDocument: 100,
  questionsPerRequest: 50,
  attachmentsPerDocument: 100,
  marksPerRight: 100,
  registrationsPerMark: 50,
  brandsPerRight: 50,
  featuresPerRight: 100,
  findingsPerReview: 999,
  documentsPerAttachment: 50,
  /** Largest attachment a record may describe (the bytes are kept by nodes, not in blocks): 1 TiB. */
  attachmentMaxBytes: 2 ** 40,
  organizations: 100,
  rolesPerOrganization: 8,
  signingKeysPerOrganization: 8,
  nodesPerOrganization: 8,
  chainIdChars: 64,
  /** A certificate's blanket period covers at most this many months (USMCA Art. 5.2, 19 CFR 10.584). */
  blanketPeriodMonths: 12,
  /** A USMCA certification is accepted this many years after it was completed. */
  certificateValidityYears: 4,
} as const;

assert(DOCUMENT_LIMITS.attachmentMaxBytes <= Number.MAX_SAFE_INTEGER, 'attachment size bound is a safe integer');
assert(DOCUMENT_LIMITS.licensesPerLine <= DOCUMENT_LIMITS.gtinsPerDocument, 'license references per line stay small');
assert(DOCUMENT_LIMITS.entryLines <= 999, 'entry line numbers fit three digits');
