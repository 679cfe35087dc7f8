// IP rights, licenses, broker designations, entry summaries, entry reviews and attachments at
// apply time: authorization, reference and scope checks against the block timestamp, and effects.

import type { Attachment } from '../documents/attachment.js';
import type { CertificateOfOrigin } from '../documents/certificate.js';
import { SPI_AGREEMENT, type BrokerDesignation, type BrokerDesignationRevoke, type Entry, type EntryReview } from '../documents/entry.js';
import { dateEndExclusiveMs, dateStartMs, hs6 } from '../documents/identifiers.js';
import type { License, LicenseRevoke, Right } from '../documents/ip-rights.js';
import type { TxResult } from '../store.js';
import { certificateInactiveCode } from './handle-origin.js';
import { KEY, lastComponent } from './keys.js';
import { chainCovers, LICENSE_CHAIN_MAX_DEPTH, LICENSE_REVOKE_CASCADE_MAX, licenseInForceAt, readLicenseChain, scopeWithin } from './license-chain.js';
import { readRecord, writeRecord, type DocumentRecord, type EntryNumberRecord, type OrgRecord } from './records.js';
import { ACCEPTED, isRejected, periodContains, rejected, type TxScope } from './scope.js';

export async function handleRight(scope: TxScope, right: Right): Promise<TxResult> {
  if (!scope.hasRole('rights_holder')) return rejected('ROLE_FORBIDDEN');
  if (right.rightsHolder !== scope.org.lei) return rejected('RIGHTS_HOLDER_NOT_SIGNER');
  const record = scope.createDocument('right', right, 'active');
  scope.indexLeis(record.id, 'right', [right.rightsHolder]);
  for (const gtin of right.gtins) scope.index(KEY.byGtin(gtin, record.id), 'right');
  for (const prefix of right.gs1Prefixes) scope.index(KEY.byGs1(prefix, record.id), 'right');
  return ACCEPTED;
}

/**
 * A license comes from the rights holder; a sublicense from the parent's licensee or the rights
 * holder, with the parent's role, inside the parent's scope, territory, countries of manufacture
 * and period, while the parent is in force.
 */
export async function handleLicense(scope: TxScope, license: License): Promise<TxResult> {
  if (license.licensor !== scope.org.lei) return rejected('LICENSOR_NOT_SIGNER');
  const right = await scope.requireDoc(license.right, ['right']);
  if (isRejected(right)) return right;
  if (right.status !== 'active') return rejected('REF_INACTIVE');
  const rightBody = right.payload as Right;
  if (!scopeWithin(license, rightBody)) return rejected('LICENSE_SCOPE');
  if (dateEndExclusiveMs(license.validTo) <= scope.nowMs) return rejected('LICENSE_EXPIRED');
  if (license.parent === undefined) {
    if (license.licensor !== rightBody.rightsHolder) return rejected('LICENSOR_NOT_RIGHTS_HOLDER');
  } else {
    const parent = await scope.requireDoc(license.parent, ['license']);
    if (isRejected(parent)) return parent;
    const parentBody = parent.payload as License;
    if (parentBody.right !== license.right) return rejected('LICENSE_SCOPE');
    const chain = await readLicenseChain(scope.overlay, parent);
    if (chain.licenses.length >= LICENSE_CHAIN_MAX_DEPTH) return rejected('SUBLICENSE_DEPTH');
    if (!chain.licenses.every((link) => licenseInForceAt(link, scope.nowMs))) return rejected('REF_INACTIVE');
    if (license.licensor !== parentBody.licensee && license.licensor !== rightBody.rightsHolder) return rejected('LICENSOR_NOT_LICENSEE');
    if (license.role !== parentBody.role) return rejected('SUBLICENSE_ROLE');
    if (!scopeWithin(license, parentBody)) return rejected('LICENSE_SCOPE');
    if (!license.territory.every((c) => parentBody.territory.includes(c))) return rejected('LICENSE_TERRITORY');
    if (parentBody.countriesOfManufacture !== undefined) {
      const mine = license.countriesOfManufacture;
      if (mine === undefined || !mine.every((c) => parentBody.countriesOfManufacture?.includes(c) === true)) return rejected('LICENSE_TERRITORY');
    }
    if (license.validFrom < parentBody.validFrom || license.validTo > parentBody.validTo) return rejected('SUBLICENSE_PERIOD');
  }
  const record = scope.createDocument('license', license, 'active');
  scope.indexLeis(record.id, 'license', [license.licensor, license.licensee, rightBody.rightsHolder]);
  for (const gtin of license.gtins) scope.index(KEY.byGtin(gtin, record.id), 'license');
  for (const prefix of license.gs1Prefixes) scope.index(KEY.byGs1(prefix, record.id), 'license');
  scope.index(KEY.rightLicense(right.id, record.id), 'license');
  if (license.parent !== undefined) scope.index(KEY.sublicense(license.parent, record.id), 'license');
  return ACCEPTED;
}

/** Revokes a license and, breadth first in key order, every sublicense under it. */
export async function handleLicenseRevoke(scope: TxScope, payload: LicenseRevoke): Promise<TxResult> {
  const license = await scope.requireDoc(payload.license, ['license']);
  if (isRejected(license)) return license;
  if (license.status === 'revoked') return rejected('REF_INACTIVE');
  const body = license.payload as License;
  const right = await scope.doc(body.right);
  const rightsHolder = (right?.payload as Right | undefined)?.rightsHolder;
  if (body.licensor !== scope.org.lei && rightsHolder !== scope.org.lei) return rejected('NOT_LICENSOR');
  const queue: Array<{ readonly record: DocumentRecord; readonly via: string | undefined }> = [{ record: license, via: undefined }];
  let revoked = 0;
  while (queue.length > 0) {
    const { record, via } = queue.shift() as (typeof queue)[number];
    if (++revoked > LICENSE_REVOKE_CASCADE_MAX) return rejected('REVOKE_CASCADE_TOO_LARGE');
    scope.updateDocument(record, via === undefined ? { status: 'revoked', revokedAtMs: scope.nowMs, revokedBy: scope.id } : { status: 'revoked', revokedAtMs: scope.nowMs, revokedBy: scope.id, revokedVia: via }, via === undefined ? 'revoked' : 'revoked-with-parent');
    const children = await scope.overlay.scanState(KEY.sublicensePrefix(record.id), { limit: LICENSE_REVOKE_CASCADE_MAX + 1 });
    for (const [key] of children) {
      const child = await scope.doc(lastComponent(key));
      if (child !== undefined && child.status !== 'revoked') queue.push({ record: child, via: record.id });
    }
  }
  const revoke = scope.createDocument('license-revoke', payload, 'active');
  scope.indexLeis(revoke.id, 'license-revoke', [body.licensor, body.licensee]);
  return ACCEPTED;
}

export async function handleBrokerDesignation(scope: TxScope, payload: BrokerDesignation): Promise<TxResult> {
  if (payload.importer !== scope.org.lei) return rejected('NOT_IMPORTER');
  if (!scope.hasRole('importer')) return rejected('ROLE_FORBIDDEN');
  const broker = await readRecord<OrgRecord>(scope.overlay, KEY.org(payload.broker));
  if (broker === undefined) return rejected('BROKER_NOT_MEMBER');
  if (!broker.roles.includes('broker')) return rejected('BROKER_ROLE_MISSING');
  const record = scope.createDocument('broker-designation', payload, 'active');
  scope.indexLeis(record.id, 'broker-designation', [payload.importer, payload.broker]);
  scope.index(KEY.broker(payload.importer, payload.broker, record.id), 'broker-designation');
  return ACCEPTED;
}

export async function handleBrokerDesignationRevoke(scope: TxScope, payload: BrokerDesignationRevoke): Promise<TxResult> {
  const designation = await scope.requireDoc(payload.designation, ['broker-designation']);
  if (isRejected(designation)) return designation;
  if (designation.status !== 'active') return rejected('REF_INACTIVE');
  const body = designation.payload as BrokerDesignation;
  if (body.importer !== scope.org.lei) return rejected('NOT_IMPORTER');
  scope.updateDocument(designation, { status: 'revoked', revokedAtMs: scope.nowMs, revokedBy: scope.id }, 'revoked');
  const revoke = scope.createDocument('broker-designation-revoke', payload, 'active');
  scope.indexLeis(revoke.id, 'broker-designation-revoke', [body.importer, body.broker]);
  return ACCEPTED;
}

/** Whether the importer has designated the broker, in force now. */
async function brokerDesignated(scope: TxScope, importer: string, broker: string): Promise<boolean> {
  const designations = await scope.overlay.scanState(KEY.brokerPrefix(importer, broker), { limit: 1000 });
  for (const [key] of designations) {
    const record = await scope.doc(lastComponent(key));
    if (record === undefined || record.status !== 'active') continue;
    const body = record.payload as BrokerDesignation;
    if (periodContains(body.validFrom, body.validTo, scope.nowMs)) return true;
  }
  return false;
}

/** The filer is the importer itself, or the broker named in the entry, designated by the importer and holding the broker role. */
async function checkFiler(scope: TxScope, entry: Entry): Promise<TxResult> {
  if (scope.org.lei === entry.importer) return scope.hasRole('importer') ? ACCEPTED : rejected('ROLE_FORBIDDEN');
  if (entry.broker === undefined || entry.broker !== scope.org.lei) return rejected('FILER_NOT_IMPORTER_OR_BROKER');
  if (!scope.hasRole('broker')) return rejected('ROLE_FORBIDDEN');
  if (!(await brokerDesignated(scope, entry.importer, entry.broker))) return rejected('BROKER_NOT_DESIGNATED');
  return ACCEPTED;
}

async function checkEntryLines(scope: TxScope, entry: Entry): Promise<TxResult> {
  for (const line of entry.lines) {
    if (line.certificate !== undefined) {
      const certificate = await scope.requireDoc(line.certificate, ['certificate-of-origin']);
      if (isRejected(certificate)) return certificate;
      const inactive = certificateInactiveCode(certificate, scope.nowMs);
      if (inactive !== undefined) return rejected(inactive);
      const body = certificate.payload as CertificateOfOrigin;
      const claimed = line.spi === undefined ? undefined : SPI_AGREEMENT[line.spi];
      if (claimed !== undefined ? body.agreement !== claimed : body.agreement !== 'other') return rejected('SPI_AGREEMENT_MISMATCH');
      if (!body.goods.some((good) => line.htsus.startsWith(good.hsCode))) return rejected('HS_MISMATCH');
      if (body.period.kind === 'blanket' && !periodContains(body.period.from, body.period.to, dateStartMs(entry.importDate))) return rejected('CERTIFICATE_PERIOD');
      if (body.importer.kind === 'party' && body.importer.party.lei !== undefined && body.importer.party.lei !== entry.importer) return rejected('CERTIFICATE_IMPORTER_MISMATCH');
      if (body.importer.kind === 'same-as-certifier' && body.certifier.lei !== entry.importer) return rejected('CERTIFICATE_IMPORTER_MISMATCH');
    }
    for (const licenseId of line.licenses) {
      const license = await scope.requireDoc(licenseId, ['license']);
      if (isRejected(license)) return license;
      const body = license.payload as License;
      const party = body.role === 'importer' ? entry.importer : body.role === 'manufacturer' ? line.manufacturer : undefined;
      if (party === undefined || body.licensee !== party) return rejected('LICENSE_PARTY_MISMATCH');
      const gtin = line.gtin as string; // the schema requires a GTIN on a line citing licenses
      const chain = await readLicenseChain(scope.overlay, license);
      if (!chain.licenses.every((link) => licenseInForceAt(link, scope.nowMs))) return rejected('LICENSE_INACTIVE');
      if (!chainCovers(chain, gtin, scope.nowMs)) return rejected('LICENSE_SCOPE');
      if (body.countriesOfManufacture !== undefined && !body.countriesOfManufacture.includes(line.countryOfOrigin)) return rejected('LICENSE_SCOPE');
    }
  }
  return ACCEPTED;
}

export async function handleEntry(scope: TxScope, entry: Entry): Promise<TxResult> {
  if ((await scope.overlay.getState(KEY.entryNumber(entry.entryNumber))) !== undefined) return rejected('ENTRY_NUMBER_REUSED');
  const filer = await checkFiler(scope, entry);
  if (!filer.ok) return filer;
  const lines = await checkEntryLines(scope, entry);
  if (!lines.ok) return lines;
  const record = scope.createDocument('entry', entry, 'filed');
  scope.indexLeis(record.id, 'entry', [entry.importer, ...(entry.broker === undefined ? [] : [entry.broker]), ...entry.lines.map((l) => l.manufacturer)]);
  writeRecord(scope.overlay, KEY.entryNumber(entry.entryNumber), { id: record.id } satisfies EntryNumberRecord);
  for (const line of entry.lines) {
    scope.index(KEY.byHs(hs6(line.htsus), record.id), 'entry');
    if (line.gtin !== undefined) scope.index(KEY.byGtin(line.gtin, record.id), 'entry');
    if (line.certificate !== undefined) scope.index(KEY.byCertificate(line.certificate, record.id), 'entry');
  }
  return ACCEPTED;
}

export async function handleEntryReview(scope: TxScope, review: EntryReview): Promise<TxResult> {
  if (!scope.hasRole('customs')) return rejected('ROLE_FORBIDDEN');
  const entry = await scope.requireDoc(review.entry, ['entry']);
  if (isRejected(entry)) return entry;
  const body = entry.payload as Entry;
  for (const finding of review.findings) if (!body.lines.some((l) => l.lineNumber === finding.lineNumber)) return rejected('FINDING_LINE_UNKNOWN');
  const record = scope.createDocument('entry-review', review, 'active');
  scope.indexLeis(record.id, 'entry-review', [body.importer, ...(body.broker === undefined ? [] : [body.broker])]);
  scope.updateDocument(entry, { status: review.decision }, `reviewed-${review.decision}`);
  return ACCEPTED;
}

export async function handleAttachment(scope: TxScope, attachment: Attachment): Promise<TxResult> {
  for (const id of attachment.belongsTo) if ((await scope.doc(id)) === undefined) return rejected('REF_NOT_FOUND');
  const record = scope.createDocument('attachment', attachment, 'active');
  scope.indexLeis(record.id, 'attachment', []);
  scope.index(KEY.attachmentByHash(attachment.sha256, record.id), 'attachment');
  for (const id of attachment.belongsTo) scope.index(KEY.documentAttachment(id, record.id), 'attachment');
  return ACCEPTED;
}

