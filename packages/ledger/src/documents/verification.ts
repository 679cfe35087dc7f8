// Origin verification: customs' request (CBP Form 28 request for information, a questionnaire or a
// verification visit) about a certificate and optionally an entry; the asked party's response
// (answers and attachment hashes; a late answer is flagged, not refused); customs' determination
// (affirmed, or denied with reason categories), which closes the verification. Who may submit each
// and the reference checks are in state/.

import { z } from 'zod';
import { DOCUMENT_LIMITS } from './limits.js';
import { addRuleIssue, checkedString, dateField, documentRefField, identity, labelText, leiField, sha256Field, text, uniqueArray } from './schema-kit.js';

export const VERIFICATION_METHODS = ['request-for-information', 'questionnaire', 'verification-visit'] as const;

/**
 * Why a claim is denied (DOMAIN.md, 19 CFR 10.616-10.619): the good does not originate; the
 * information was insufficient; no response came; the producer refused a visit; a pattern of
 * conduct (false or unsupported claims) that can suspend preference for identical goods.
 */
export const DENIAL_REASONS = ['not-originating', 'insufficient-information', 'no-response', 'refused-visit', 'pattern-of-conduct'] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

const QUESTION_ID_PATTERN = /^[A-Za-z0-9._-]{1,16}$/;
export const questionIdField = checkedString(
  (value) => (typeof value === 'string' && QUESTION_ID_PATTERN.test(value) ? { value } : { code: 'QUESTION_ID_FORMAT', detail: `expected a question id of 1 to 16 characters A-Z a-z 0-9 . _ -, got ${JSON.stringify(String(value).slice(0, 40))}` }),
  { description: 'Question id, e.g. "Q1"', pattern: '^[A-Za-z0-9._-]{1,16}$' },
);

const questionText = text(1, DOCUMENT_LIMITS.textChars, true);

export const verificationRequestSchema = z.strictObject({
  certificate: documentRefField,
  entry: documentRefField.optional(),
  /** The party asked: the certificate's importer, exporter or producer (by LEI). */
  addressee: leiField,
  method: z.enum(VERIFICATION_METHODS),
  questions: uniqueArray(z.strictObject({ id: questionIdField, text: questionText }), 1, DOCUMENT_LIMITS.questionsPerRequest, (q) => q.id, 'question id'),
  dueDate: dateField,
});
export type VerificationRequest = z.output<typeof verificationRequestSchema>;

export const attachmentRefSchema = z.strictObject({
  sha256: sha256Field,
  title: labelText,
});

export const verificationResponseSchema = z.strictObject({
  request: documentRefField,
  answers: uniqueArray(z.strictObject({ questionId: questionIdField, text: questionText }), 1, DOCUMENT_LIMITS.questionsPerRequest, (a) => a.questionId, 'answer to question'),
  attachments: uniqueArray(attachmentRefSchema, 0, DOCUMENT_LIMITS.attachmentsPerDocument, (a) => a.sha256, 'attachment'),
});
export type VerificationResponse = z.output<typeof verificationResponseSchema>;

export const verificationDeterminationSchema = z
  .strictObject({
    request: documentRefField,
    outcome: z.enum(['affirmed', 'denied']),
    reasons: uniqueArray(z.enum(DENIAL_REASONS), 0, DENIAL_REASONS.length, identity, 'reason'),
    reasonsText: text(0, DOCUMENT_LIMITS.textChars, true),
  })
  .superRefine((d, ctx) => {
    if (d.outcome === 'denied' && d.reasons.length === 0) addRuleIssue(ctx, 'DENIAL_REASON_MISSING', 'a denial names at least one reason category', ['reasons'], d.reasons);
    if (d.outcome === 'denied' && d.reasonsText.trim().length === 0) addRuleIssue(ctx, 'DENIAL_REASON_MISSING', 'a denial explains its reasons in reasonsText', ['reasonsText'], d.reasonsText);
    if (d.outcome === 'affirmed' && d.reasons.length > 0) addRuleIssue(ctx, 'AFFIRMATION_WITH_REASONS', `an affirmation carries no denial reasons, got ${d.reasons.join(', ')}`, ['reasons'], d.reasons);
  });
export type VerificationDetermination = z.output<typeof verificationDeterminationSchema>;
