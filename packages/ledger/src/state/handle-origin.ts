// Certificates of origin and origin verifications at apply time: who may certify, amend and
// withdraw; who asks, answers and determines; reference checks; the effects (versions, statuses,
// the denied mark, indexes). Every time rule reads the block timestamp.

import { certificateLeis, certificatePartyLei, type CertificateAmend, type CertificateOfOrigin, type CertificateWithdraw } from '../documents/certificate.js';
import type { Entry } from '../documents/entry.js';
import { addYears, dateEndExclusiveMs, dateStartMs, hs6 } from '../documents/identifiers.js';
import { DOCUMENT_LIMITS } from '../documents/limits.js';
import type { VerificationDetermination, VerificationRequest, VerificationResponse } from '../documents/verification.js';
import type { TxResult } from '../store.js';
import { KEY } from './keys.js';
import type { DocumentRecord } from './records.js';
import { ACCEPTED, isRejected, rejected, type Rejected, type TxScope } from './scope.js';

/** When a certification stops being accepted: 4 years after its signature date (USMCA Art. 5.4). */
export function certificateExpiresAtMs(certificate: CertificateOfOrigin): number {
  return dateStartMs(addYears(certificate.signature.date, DOCUMENT_LIMITS.certificateValidityYears));
}

/** Why a certificate cannot back a claim at `instantMs`, or undefined when it can. */
export function certificateInactiveCode(record: DocumentRecord, instantMs: number): string | undefined {
  if (record.status === 'withdrawn') return 'CERTIFICATE_WITHDRAWN';
  if (record.determination?.outcome === 'denied') return 'CERTIFICATE_DENIED';
  if (instantMs >= certificateExpiresAtMs(record.payload as CertificateOfOrigin)) return 'CERTIFICATE_EXPIRED';
  return undefined;
}

/** The checks a certificate body must pass when submitted or amended by this signer now. */
function checkCertifier(scope: TxScope, certificate: CertificateOfOrigin): Rejected | undefined {
  if (certificate.certifier.lei !== scope.org.lei) return rejected('CERTIFIER_NOT_SIGNER');
  if (!scope.hasRole(certificate.certifierRole)) return rejected('ROLE_FORBIDDEN');
  if (dateStartMs(certificate.signature.date) > scope.nowMs) return rejected('SIGNATURE_DATE_FUTURE');
  if (certificateExpiresAtMs(certificate) <= scope.nowMs) return rejected('CERTIFICATE_EXPIRED');
  return undefined;
}

function certificateIndexKeys(id: string, certificate: CertificateOfOrigin): string[] {
  const keys = new Set<string>();
  for (const lei of certificateLeis(certificate)) keys.add(KEY.byLei(lei, id));
  for (const good of certificate.goods) {
    keys.add(KEY.byHs(hs6(good.hsCode), id));
    if (good.gtin !== undefined) keys.add(KEY.byGtin(good.gtin, id));
  }
  return [...keys].sort();
}

export async function handleCertificate(scope: TxScope, certificate: CertificateOfOrigin): Promise<TxResult> {
  const problem = checkCertifier(scope, certificate);
  if (problem !== undefined) return problem;
  const record = scope.createDocument('certificate-of-origin', certificate, 'active');
  scope.indexLeis(record.id, 'certificate-of-origin', []);
  for (const key of certificateIndexKeys(record.id, certificate)) scope.index(key, 'certificate-of-origin');
  return ACCEPTED;
}

/** The certificate a change refers to, if the signer's organization is its certifier and it is not withdrawn. */
async function ownCertificate(scope: TxScope, id: string): Promise<DocumentRecord | Rejected> {
  const record = await scope.requireDoc(id, ['certificate-of-origin']);
  if (isRejected(record)) return record;
  if (record.status !== 'active') return rejected('CERTIFICATE_WITHDRAWN');
  if ((record.payload as CertificateOfOrigin).certifier.lei !== scope.org.lei) return rejected('CERTIFIER_NOT_SIGNER');
  return record;
}

export async function handleAmend(scope: TxScope, payload: CertificateAmend): Promise<TxResult> {
  const record = await ownCertificate(scope, payload.certificate);
  if (isRejected(record)) return record;
  const before = record.payload as CertificateOfOrigin;
  if (payload.amended.agreement !== before.agreement) return rejected('AGREEMENT_CHANGED');
  const problem = checkCertifier(scope, payload.amended);
  if (problem !== undefined) return problem;
  // Re-index: drop keys the new version no longer names, add the new ones.
  const oldKeys = certificateIndexKeys(record.id, before);
  const newKeys = certificateIndexKeys(record.id, payload.amended);
  for (const key of oldKeys) if (!newKeys.includes(key) && !key.startsWith(KEY.byLeiPrefix(record.signerLei))) scope.overlay.delete(key);
  for (const key of newKeys) scope.index(key, 'certificate-of-origin');
  scope.updateDocument(record, { payload: payload.amended, version: record.version + 1 }, 'amended', { withPayload: true });
  const amend = scope.createDocument('certificate-amend', payload, 'active');
  scope.indexLeis(amend.id, 'certificate-amend', certificateLeis(payload.amended));
  scope.index(KEY.byCertificate(record.id, amend.id), 'certificate-amend');
  return ACCEPTED;
}

export async function handleWithdraw(scope: TxScope, payload: CertificateWithdraw): Promise<TxResult> {
  const record = await ownCertificate(scope, payload.certificate);
  if (isRejected(record)) return record;
  scope.updateDocument(record, { status: 'withdrawn' }, 'withdrawn');
  const withdraw = scope.createDocument('certificate-withdraw', payload, 'active');
  scope.indexLeis(withdraw.id, 'certificate-withdraw', certificateLeis(record.payload as CertificateOfOrigin));
  scope.index(KEY.byCertificate(record.id, withdraw.id), 'certificate-withdraw');
  return ACCEPTED;
}

/**
 * Customs asks a party about a certificate (withdrawn ones too: past claims stay verifiable). The
 * party asked is the certificate's certifier, exporter, producer or importer (by LEI), or the
 * importer of the cited entry; a cited entry must claim under the certificate.
 */
export async function handleVerificationRequest(scope: TxScope, payload: VerificationRequest): Promise<TxResult> {
  if (!scope.hasRole('customs')) return rejected('ROLE_FORBIDDEN');
  const certificate = await scope.requireDoc(payload.certificate, ['certificate-of-origin']);
  if (isRejected(certificate)) return certificate;
  const body = certificate.payload as CertificateOfOrigin;
  const parties = new Set<string>([body.certifier.lei]);
  for (const role of ['importer', 'exporter', 'producer'] as const) {
    const lei = certificatePartyLei(body, role);
    if (lei !== undefined) parties.add(lei);
  }
  if (payload.entry !== undefined) {
    const entry = await scope.requireDoc(payload.entry, ['entry']);
    if (isRejected(entry)) return entry;
    const entryBody = entry.payload as Entry;
    if (!entryBody.lines.some((line) => line.certificate === certificate.id)) return rejected('ENTRY_CERTIFICATE_MISMATCH');
    parties.add(entryBody.importer);
  }
  if (!parties.has(payload.addressee)) return rejected('ADDRESSEE_NOT_PARTY');
  if (dateEndExclusiveMs(payload.dueDate) <= scope.nowMs) return rejected('DUE_DATE_PAST');
  const record = scope.createDocument('verification-request', payload, 'open');
  scope.indexLeis(record.id, 'verification-request', [payload.addressee]);
  scope.index(KEY.byCertificate(certificate.id, record.id), 'verification-request');
  scope.index(KEY.openVerification(record.id), 'verification-request');
  scope.updateDocument(certificate, {}, 'verification-requested');
  return ACCEPTED;
}

async function openRequest(scope: TxScope, id: string): Promise<DocumentRecord | Rejected> {
  const request = await scope.requireDoc(id, ['verification-request']);
  if (isRejected(request)) return request;
  if (request.status !== 'open') return rejected('VERIFICATION_CLOSED');
  return request;
}

export async function handleVerificationResponse(scope: TxScope, payload: VerificationResponse): Promise<TxResult> {
  const request = await openRequest(scope, payload.request);
  if (isRejected(request)) return request;
  const body = request.payload as VerificationRequest;
  if (body.addressee !== scope.org.lei) return rejected('NOT_ADDRESSEE');
  for (const answer of payload.answers) if (!body.questions.some((q) => q.id === answer.questionId)) return rejected('QUESTION_UNKNOWN');
  const late = scope.nowMs >= dateEndExclusiveMs(body.dueDate);
  const record = scope.createDocument('verification-response', payload, 'active', late ? { late: true } : {});
  scope.indexLeis(record.id, 'verification-response', [request.signerLei]);
  scope.index(KEY.byCertificate(body.certificate, record.id), 'verification-response');
  scope.updateDocument(request, {}, late ? 'answered-late' : 'answered');
  return ACCEPTED;
}

export async function handleDetermination(scope: TxScope, payload: VerificationDetermination): Promise<TxResult> {
  if (!scope.hasRole('customs')) return rejected('ROLE_FORBIDDEN');
  const request = await openRequest(scope, payload.request);
  if (isRejected(request)) return request;
  if (request.signerLei !== scope.org.lei) return rejected('NOT_REQUESTER');
  const body = request.payload as VerificationRequest;
  const certificate = await scope.requireDoc(body.certificate, ['certificate-of-origin']);
  if (isRejected(certificate)) return certificate;
  const record = scope.createDocument('verification-determination', payload, 'active');
  scope.indexLeis(record.id, 'verification-determination', [body.addressee]);
  scope.index(KEY.byCertificate(certificate.id, record.id), 'verification-determination');
  scope.updateDocument(request, { status: 'closed' }, `determined-${payload.outcome}`);
  scope.overlay.delete(KEY.openVerification(request.id));
  scope.updateDocument(certificate, { determination: { outcome: payload.outcome, id: record.id, reasons: [...payload.reasons] } }, `determination-${payload.outcome}`);
  return ACCEPTED;
}
