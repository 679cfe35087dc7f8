// Read-only queries over a StateReader: documents with history and status, the indexes, and the two
// decision queries, checkEntryLine (customs: is this importer, and its manufacturer, licensed for
// this GTIN on this date, and which transactions prove it) and checkProduct (the public consumer
// check, which reveals no prices, quantities, values or contact details). Malformed query input
// throws a LedgerError with the identifier's code (LEI_CHECKSUM, GTIN_FORMAT, …).

import { LedgerError, unwrap } from '../errors.js';
import { verifyLicenseCredential } from '../credentials/license-credential.js';
import type { CredentialIssue } from '../documents/credential.js';
import { checkDate, checkEntryNumber, checkGtin, checkHsCode, checkLei, checkTimestamp, dateStartMs, documentRefIssue, gtinPrefixSpace, hs6, timestampMs } from '../documents/identifiers.js';
import type { License, Right } from '../documents/ip-rights.js';
import type { DocumentKind } from '../documents/kinds.js';
import type { LicenseRole } from '../documents/ip-rights.js';
import { STATE_SCAN_MAX_ENTRIES, type StateReader } from '../store.js';
import { credentialStandingAt, resolveCredential, type CredentialStanding } from './handle-credential.js';
import { KEY, lastComponent } from './keys.js';
import { licenseInForceAt, readLicenseChain, scopeCoversGtin, type LicenseChain } from './license-chain.js';
import { isRejected } from './scope.js';
import { decodeRecord, readRecord, type DocumentRecord, type EntryNumberRecord, type HistoryRecord, type IndexRecord, type LastBlockRecord, type OrgRecord } from './records.js';

export interface DocumentWithHistory {
  readonly record: DocumentRecord;
  /** Every transaction that created or changed the document, oldest first. */
  readonly history: readonly HistoryRecord[];
}

export interface DocumentRef {
  readonly id: string;
  readonly kind: DocumentKind;
}

export interface Page {
  /** Return documents whose id sorts after this one. */
  readonly after?: string;
  readonly limit?: number;
}

export interface PageOf<T> {
  readonly items: readonly T[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

const DEFAULT_PAGE = 100;

function pageLimit(page: Page): number {
  return Math.max(1, Math.min(page.limit ?? DEFAULT_PAGE, STATE_SCAN_MAX_ENTRIES - 1));
}

export async function getDocument(reader: StateReader, id: string): Promise<DocumentWithHistory | undefined> {
  if ('code' in documentRefIssue(id)) return undefined;
  const record = await readRecord<DocumentRecord>(reader, KEY.doc(id));
  if (record === undefined) return undefined;
  const entries = await reader.scanState(KEY.historyPrefix(id), { limit: STATE_SCAN_MAX_ENTRIES });
  return { record, history: entries.map(([key, value]) => decodeRecord<HistoryRecord>(value, key)) };
}

/**
 * The media type declared by the first attachment document that records these bytes (by SHA-256,
 * lower-case hex), or undefined when no document records them or none declares one.
 */
export async function attachmentMediaType(reader: StateReader, sha256: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  const [first] = await reader.scanState(KEY.attachmentByHashPrefix(sha256), { limit: 1 });
  if (first === undefined) return undefined;
  const id = first[0].slice(KEY.attachmentByHashPrefix(sha256).length);
  // The record alone: its history is not needed here.
  const record = 'code' in documentRefIssue(id) ? undefined : await readRecord<DocumentRecord>(reader, KEY.doc(id));
  const mediaType = (record?.payload as { mediaType?: unknown } | undefined)?.mediaType;
  return typeof mediaType === 'string' ? mediaType : undefined;
}

/** One page of an index whose keys are `prefix` + document id. */
async function indexPage(reader: StateReader, prefix: string, page: Page): Promise<PageOf<DocumentRef>> {
  const limit = pageLimit(page);
  const entries = await reader.scanState(prefix, page.after === undefined ? { limit: limit + 1 } : { after: `${prefix}${page.after}`, limit: limit + 1 });
  const items = entries.slice(0, limit).map(([key, value]) => ({ id: lastComponent(key), kind: decodeRecord<IndexRecord>(value, key).kind }));
  const last = items[items.length - 1];
  return entries.length > limit && last !== undefined ? { items, next: last.id } : { items };
}

/** Documents naming an organization (as signer, party, licensor, licensee, importer, …). */
export function byLei(reader: StateReader, lei: string, page: Page = {}): Promise<PageOf<DocumentRef>> {
  return indexPage(reader, KEY.byLeiPrefix(unwrap(checkLei(lei, 'lei'))), page);
}

/** Documents naming an HS subheading (any HS or HTSUS code; matched on its first 6 digits). */
export function byHsCode(reader: StateReader, hsCode: string, page: Page = {}): Promise<PageOf<DocumentRef>> {
  return indexPage(reader, KEY.byHsPrefix(hs6(unwrap(checkHsCode(hsCode, 'hsCode')))), page);
}

/** Documents about a certificate: amendments, withdrawal, entries citing it, verifications. */
export function byCertificate(reader: StateReader, certificateId: string, page: Page = {}): Promise<PageOf<DocumentRef>> {
  const issue = documentRefIssue(certificateId);
  if ('code' in issue) return Promise.resolve({ items: [] });
  return indexPage(reader, KEY.byCertificatePrefix(certificateId), page);
}

export function openVerifications(reader: StateReader, page: Page = {}): Promise<PageOf<DocumentRef>> {
  return indexPage(reader, KEY.openVerificationPrefix, page);
}

export function openProposals(reader: StateReader, page: Page = {}): Promise<PageOf<DocumentRef>> {
  return indexPage(reader, KEY.openProposalPrefix, page);
}

/** The entry filed under an entry number (any written form), with its history. */
export async function byEntryNumber(reader: StateReader, entryNumber: string): Promise<DocumentWithHistory | undefined> {
  const key = KEY.entryNumber(unwrap(checkEntryNumber(entryNumber, 'entryNumber')));
  const index = await readRecord<EntryNumberRecord>(reader, key);
  return index === undefined ? undefined : getDocument(reader, index.id);
}

/** Every GTIN-index and GS1-prefix-index key prefix a GTIN-14 falls under. */
function gtinIndexPrefixes(gtin14: string): string[] {
  const space = gtinPrefixSpace(gtin14);
  const prefixes = [KEY.byGtinPrefix(gtin14)];
  for (let length = 6; length <= 12; length++) prefixes.push(KEY.byGs1Prefix(space.slice(0, length)));
  return prefixes;
}

/** Documents naming a GTIN, directly or through a GS1 company prefix (rights and licenses). Any GTIN length; compared as GTIN-14. */
export async function byGtin(reader: StateReader, gtin: string, page: Page = {}): Promise<PageOf<DocumentRef>> {
  const gtin14 = unwrap(checkGtin(gtin, 'gtin'));
  const found = new Map<string, DocumentKind>();
  for (const prefix of gtinIndexPrefixes(gtin14)) {
    for (const [key, value] of await reader.scanState(prefix, { limit: STATE_SCAN_MAX_ENTRIES })) found.set(lastComponent(key), decodeRecord<IndexRecord>(value, key).kind);
  }
  const ids = [...found.keys()].sort().filter((id) => page.after === undefined || id > page.after);
  const limit = pageLimit(page);
  const items = ids.slice(0, limit).map((id) => ({ id, kind: found.get(id) as DocumentKind }));
  const last = items[items.length - 1];
  return ids.length > limit && last !== undefined ? { items, next: last.id } : { items };
}

// ---------------------------------------------------------------------------------------------
// Decision queries

/** When the query's date is a calendar date, it is judged at 00:00:00Z of that day; a timestamp is judged as given. */
function instantOf(date: string): number {
  if (checkDate(date, 'date').ok) return dateStartMs(date);
  return timestampMs(unwrap(checkTimestamp(date, 'date')));
}

export interface ChainLinkEvidence {
  /** The license's document id: the id of the transaction that granted it. */
  readonly licenseId: string;
  readonly licensor: string;
  readonly licensee: string;
  readonly role: LicenseRole;
  readonly validFrom: string;
  readonly validTo: string;
  readonly territory: readonly string[];
  readonly status: string;
  readonly inForce: boolean;
  /** The revocation, when revoked: the revoking transaction and, for a cascade, the parent it came through. */
  readonly revocation?: { readonly txId: string; readonly atMs: number; readonly via?: string };
}

export interface AttachmentEvidence {
  readonly sha256: string;
  readonly purpose: string;
  readonly title: string;
  /** Attachment records (transaction ids) registering these bytes. */
  readonly records: readonly string[];
}

export interface RightEvidence {
  readonly rightId: string;
  readonly rightsHolder: string;
  readonly rightsHolderName?: string;
  readonly status: string;
  readonly marks: readonly string[];
  readonly brands: readonly string[];
  readonly attachments: readonly AttachmentEvidence[];
  readonly productFeatures: readonly string[];
}

export interface LicenseEvidence {
  /** Whether this license and every parent are in force at the instant and cover the GTIN, under an active right. */
  readonly inForce: boolean;
  /** Why not, when not: REVOKED, NOT_IN_VALIDITY, PARENT_NOT_IN_FORCE, OUT_OF_SCOPE, RIGHT_INACTIVE. */
  readonly reason?: string;
  /** The license first, then each parent up to the rights holder's license. */
  readonly chain: readonly ChainLinkEvidence[];
  readonly rightId: string;
}

export interface PartyCheck {
  readonly lei: string;
  readonly licensed: boolean;
  readonly licenses: readonly LicenseEvidence[];
}

/** Whether a stored credential's eddsa-jcs-2022 proof verifies (and its hash is the recorded one). */
export type CredentialProofCheck = { readonly stored: false } | { readonly stored: true; readonly verified: true } | { readonly stored: true; readonly verified: false; readonly code: string; readonly message: string };

export interface CredentialEvidence {
  /** The credential-issue document id. */
  readonly credentialId: string;
  readonly credentialHash: string;
  /** Whether the query cited it (else it was found by the licensee's LEI). */
  readonly cited: boolean;
  readonly issuer: string;
  /** The organization that recorded it (its key was the issuer's then). */
  readonly issuerLei: string;
  readonly subjectLei: string;
  readonly role: LicenseRole;
  readonly licenseId: string;
  readonly gtins: readonly string[];
  readonly validFrom: string;
  readonly validUntil: string;
  /** The record's status now ('active' or 'revoked'). */
  readonly ledgerStatus: string;
  /** Its standing at the instant judged. */
  readonly standing: CredentialStanding;
  readonly revocation?: { readonly txId: string; readonly atMs: number };
  readonly coversGtin: boolean;
  /** An active right covering the GTIN is held by the issuing organization. */
  readonly issuerIsRightsHolder: boolean;
  /** The license it rests on (and its parents) is in force at the instant and covers the GTIN. */
  readonly licenseInForce: boolean;
  readonly proof: CredentialProofCheck;
  /** All of the above hold: standing active, GTIN covered, issuer the rights holder, license in force, proof not failed. */
  readonly verified: boolean;
  /** Why not, when not: REVOKED, EXPIRED, NOT_YET_VALID, GTIN_NOT_COVERED, ISSUER_NOT_RIGHTS_HOLDER, LICENSE_NOT_IN_FORCE, or the proof's code. */
  readonly reason?: string;
}

export interface EntryLineCheck {
  readonly gtin14: string;
  readonly instantMs: number;
  readonly importer: PartyCheck;
  readonly manufacturer?: PartyCheck;
  readonly rights: readonly RightEvidence[];
  /**
   * Credentials cited by the query or issued to the importer or manufacturer for this GTIN, by id.
   * checkEntryLine always sets it (empty when there are none); optional for answers built elsewhere.
   */
  readonly credentials?: readonly CredentialEvidence[];
  /** Cited credentials the ledger does not hold. */
  readonly credentialsNotFound?: readonly string[];
}

/** What checkEntryLine answers: the credentials always listed. */
export type CheckedEntryLine = EntryLineCheck & { readonly credentials: readonly CredentialEvidence[] };

function linkEvidence(record: DocumentRecord, instantMs: number): ChainLinkEvidence {
  const license = record.payload as License;
  const base = {
    licenseId: record.id,
    licensor: license.licensor,
    licensee: license.licensee,
    role: license.role,
    validFrom: license.validFrom,
    validTo: license.validTo,
    territory: license.territory,
    status: record.status,
    inForce: licenseInForceAt(record, instantMs),
  };
  if (record.status !== 'revoked' || record.revokedBy === undefined || record.revokedAtMs === undefined) return base;
  return { ...base, revocation: record.revokedVia === undefined ? { txId: record.revokedBy, atMs: record.revokedAtMs } : { txId: record.revokedBy, atMs: record.revokedAtMs, via: record.revokedVia } };
}

function judgeChain(chain: LicenseChain, gtin14: string, instantMs: number): { inForce: boolean; reason?: string } {
  const [leaf, ...parents] = chain.licenses;
  if (leaf === undefined) return { inForce: false, reason: 'OUT_OF_SCOPE' };
  if (chain.right === undefined || chain.right.status !== 'active') return { inForce: false, reason: 'RIGHT_INACTIVE' };
  if (!scopeCoversGtin(chain.right.payload as Right, gtin14) || !chain.licenses.every((l) => scopeCoversGtin(l.payload as License, gtin14))) return { inForce: false, reason: 'OUT_OF_SCOPE' };
  if (leaf.status === 'revoked' && leaf.revokedAtMs !== undefined && leaf.revokedAtMs <= instantMs) return { inForce: false, reason: 'REVOKED' };
  if (!licenseInForceAt(leaf, instantMs)) return { inForce: false, reason: 'NOT_IN_VALIDITY' };
  if (!parents.every((p) => licenseInForceAt(p, instantMs))) return { inForce: false, reason: 'PARENT_NOT_IN_FORCE' };
  return { inForce: true };
}

/** Licenses (documents) naming the GTIN directly or through a prefix, in id order. */
async function licensesForGtin(reader: StateReader, gtin14: string): Promise<DocumentRecord[]> {
  const refs = new Set<string>();
  for (const prefix of gtinIndexPrefixes(gtin14)) {
    for (const [key, value] of await reader.scanState(prefix, { limit: STATE_SCAN_MAX_ENTRIES })) {
      if (decodeRecord<IndexRecord>(value, key).kind === 'license') refs.add(lastComponent(key));
    }
  }
  const out: DocumentRecord[] = [];
  for (const id of [...refs].sort()) {
    const record = await readRecord<DocumentRecord>(reader, KEY.doc(id));
    if (record !== undefined && record.kind === 'license') out.push(record);
  }
  return out;
}

async function rightsForGtin(reader: StateReader, gtin14: string): Promise<DocumentRecord[]> {
  const refs = new Set<string>();
  for (const prefix of gtinIndexPrefixes(gtin14)) {
    for (const [key, value] of await reader.scanState(prefix, { limit: STATE_SCAN_MAX_ENTRIES })) {
      if (decodeRecord<IndexRecord>(value, key).kind === 'right') refs.add(lastComponent(key));
    }
  }
  const out: DocumentRecord[] = [];
  for (const id of [...refs].sort()) {
    const record = await readRecord<DocumentRecord>(reader, KEY.doc(id));
    if (record !== undefined && record.kind === 'right' && scopeCoversGtin(record.payload as Right, gtin14)) out.push(record);
  }
  return out;
}

async function rightEvidence(reader: StateReader, record: DocumentRecord): Promise<RightEvidence> {
  const right = record.payload as Right;
  const attachments: AttachmentEvidence[] = [];
  for (const attachment of right.attachments) {
    const records = await reader.scanState(KEY.attachmentByHashPrefix(attachment.sha256), { limit: 100 });
    attachments.push({ sha256: attachment.sha256, purpose: attachment.purpose, title: attachment.title, records: records.map(([key]) => lastComponent(key)) });
  }
  const holder = await readRecord<OrgRecord>(reader, KEY.org(right.rightsHolder));
  const base = {
    rightId: record.id,
    rightsHolder: right.rightsHolder,
    status: record.status,
    marks: right.marks.map((m) => m.mark),
    brands: right.brands,
    attachments,
    productFeatures: right.productFeatures.map((f) => f.name),
  };
  return holder === undefined ? base : { ...base, rightsHolderName: holder.name };
}

async function partyCheck(reader: StateReader, licenses: readonly DocumentRecord[], lei: string, role: LicenseRole, gtin14: string, instantMs: number): Promise<PartyCheck> {
  const evidence: LicenseEvidence[] = [];
  for (const record of licenses) {
    const license = record.payload as License;
    if (license.licensee !== lei || license.role !== role) continue;
    const chain = await readLicenseChain(reader, record);
    const verdict = judgeChain(chain, gtin14, instantMs);
    const links = chain.licenses.map((l) => linkEvidence(l, instantMs));
    evidence.push(verdict.reason === undefined ? { inForce: verdict.inForce, chain: links, rightId: license.right } : { inForce: verdict.inForce, reason: verdict.reason, chain: links, rightId: license.right });
  }
  return { lei, licensed: evidence.some((e) => e.inForce), licenses: evidence };
}

export { credentialStandingAt, type CredentialStanding } from './handle-credential.js';

/** Credentials cited per query, and found per licensee, at most. */
export const CREDENTIALS_PER_CHECK_MAX = 100;

function credentialProof(record: DocumentRecord): CredentialProofCheck {
  const body = record.payload as CredentialIssue;
  if (body.credential === undefined) return { stored: false };
  let vc: unknown;
  try {
    vc = JSON.parse(body.credential) as unknown;
  } catch (error) {
    return { stored: true, verified: false, code: 'CREDENTIAL_JSON', message: (error as Error).message };
  }
  // The proof as of the credential's own start: the standing at the instant is judged apart.
  const verified = verifyLicenseCredential(vc, { atMs: timestampMs(body.validFrom) });
  if (!verified.ok) return { stored: true, verified: false, code: verified.error.code, message: verified.error.message };
  if (verified.value.hash !== body.credentialHash) return { stored: true, verified: false, code: 'CREDENTIAL_HASH_MISMATCH', message: `the stored credential hashes to ${verified.value.hash}, not ${body.credentialHash}` };
  return { stored: true, verified: true };
}

/**
 * A credential judged for a GTIN at an instant: its standing, whether it covers the GTIN, whether
 * its issuer holds an active right over the GTIN, whether its license is in force, and (when the
 * credential is stored) its proof.
 */
export async function credentialEvidence(reader: StateReader, record: DocumentRecord, query: { gtin14: string; instantMs: number; cited?: boolean }): Promise<CredentialEvidence> {
  const body = record.payload as CredentialIssue;
  const { gtin14, instantMs } = query;
  const standing = credentialStandingAt(record, instantMs);
  const coversGtin = body.gtins.includes(gtin14);
  const issuerIsRightsHolder = (await rightsForGtin(reader, gtin14)).some((right) => right.status === 'active' && (right.payload as Right).rightsHolder === record.signerLei);
  const license = await readRecord<DocumentRecord>(reader, KEY.doc(body.license));
  const licenseInForce = license !== undefined && license.kind === 'license' && judgeChain(await readLicenseChain(reader, license), gtin14, instantMs).inForce;
  const proof = credentialProof(record);
  const reason =
    standing === 'revoked' ? 'REVOKED'
    : standing === 'expired' ? 'EXPIRED'
    : standing === 'not-yet-valid' ? 'NOT_YET_VALID'
    : !coversGtin ? 'GTIN_NOT_COVERED'
    : !issuerIsRightsHolder ? 'ISSUER_NOT_RIGHTS_HOLDER'
    : !licenseInForce ? 'LICENSE_NOT_IN_FORCE'
    : proof.stored && !proof.verified ? proof.code
    : undefined;
  const evidence: CredentialEvidence = {
    credentialId: record.id,
    credentialHash: body.credentialHash,
    cited: query.cited === true,
    issuer: body.issuer,
    issuerLei: record.signerLei,
    subjectLei: body.subject.lei,
    role: body.subject.role,
    licenseId: body.license,
    gtins: body.gtins,
    validFrom: body.validFrom,
    validUntil: body.validUntil,
    ledgerStatus: record.status,
    standing,
    ...(record.status === 'revoked' && record.revokedBy !== undefined && record.revokedAtMs !== undefined ? { revocation: { txId: record.revokedBy, atMs: record.revokedAtMs } } : {}),
    coversGtin,
    issuerIsRightsHolder,
    licenseInForce,
    proof,
    verified: reason === undefined,
  };
  return reason === undefined ? evidence : { ...evidence, reason };
}

/** The credential-issue record of a credential document id or credential hash, with its history. */
export async function getCredential(reader: StateReader, idOrHash: string): Promise<DocumentWithHistory | undefined> {
  if ('code' in documentRefIssue(idOrHash)) return undefined;
  const record = await resolveCredential(reader, idOrHash);
  return isRejected(record) ? undefined : getDocument(reader, record.id);
}

/** Credentials issued to a licensee (credential-issue documents), in id order. */
export function credentialsBySubject(reader: StateReader, lei: string, page: Page = {}): Promise<PageOf<DocumentRef>> {
  return indexPage(reader, KEY.credentialBySubjectPrefix(unwrap(checkLei(lei, 'lei'))), page);
}

async function lineCredentials(reader: StateReader, query: { gtin14: string; instantMs: number; leis: readonly string[]; cited: readonly string[] }): Promise<{ credentials: CredentialEvidence[]; notFound: string[] }> {
  if (query.cited.length > CREDENTIALS_PER_CHECK_MAX) throw new LedgerError('FIELD_TOO_LARGE', `credentials: at most ${CREDENTIALS_PER_CHECK_MAX} may be cited, got ${query.cited.length}`, { field: 'credentials' });
  const records = new Map<string, { record: DocumentRecord; cited: boolean }>();
  const notFound: string[] = [];
  for (const [i, ref] of query.cited.entries()) {
    const issue = documentRefIssue(ref);
    if ('code' in issue) throw new LedgerError('CREDENTIAL_REF_FORMAT', `credentials[${i}]: expected a credential-issue document id or a credential hash (64 lower-case hex)`, { field: `credentials[${i}]` });
    const record = await resolveCredential(reader, ref);
    if (isRejected(record)) notFound.push(ref);
    else records.set(record.id, { record, cited: true });
  }
  for (const lei of query.leis) {
    for (const [key] of await reader.scanState(KEY.credentialBySubjectPrefix(lei), { limit: CREDENTIALS_PER_CHECK_MAX })) {
      const id = lastComponent(key);
      if (records.has(id)) continue;
      const record = await readRecord<DocumentRecord>(reader, KEY.doc(id));
      if (record !== undefined && record.kind === 'credential-issue' && (record.payload as CredentialIssue).gtins.includes(query.gtin14)) records.set(id, { record, cited: false });
    }
  }
  const credentials: CredentialEvidence[] = [];
  for (const id of [...records.keys()].sort()) {
    const { record, cited } = records.get(id) as { record: DocumentRecord; cited: boolean };
    credentials.push(await credentialEvidence(reader, record, { gtin14: query.gtin14, instantMs: query.instantMs, cited }));
  }
  return { credentials, notFound };
}

/**
 * Customs' check of an entry line: is there a license in force on `date` covering `gtin` for the
 * importer (role importer), and for the manufacturer (role manufacturer) when given — with the
 * license chain, the right, its attachments and any revocation, each named by the transaction id
 * that proves it; and each credential cited (`credentials`: document ids or hashes) or issued to
 * the importer or manufacturer for this GTIN, with its verification result.
 */
export async function checkEntryLine(reader: StateReader, query: { importerLei: string; gtin: string; date: string; manufacturerLei?: string; credentials?: readonly string[] }): Promise<CheckedEntryLine> {
  const importerLei = unwrap(checkLei(query.importerLei, 'importerLei'));
  const gtin14 = unwrap(checkGtin(query.gtin, 'gtin'));
  const instantMs = instantOf(query.date);
  const manufacturerLei = query.manufacturerLei === undefined ? undefined : unwrap(checkLei(query.manufacturerLei, 'manufacturerLei'));
  const licenses = await licensesForGtin(reader, gtin14);
  const rights: RightEvidence[] = [];
  for (const right of await rightsForGtin(reader, gtin14)) rights.push(await rightEvidence(reader, right));
  const importer = await partyCheck(reader, licenses, importerLei, 'importer', gtin14, instantMs);
  const { credentials, notFound } = await lineCredentials(reader, { gtin14, instantMs, leis: manufacturerLei === undefined ? [importerLei] : [importerLei, manufacturerLei], cited: query.credentials ?? [] });
  const tail = notFound.length === 0 ? { rights, credentials } : { rights, credentials, credentialsNotFound: notFound };
  if (manufacturerLei === undefined) return { gtin14, instantMs, importer, ...tail };
  return { gtin14, instantMs, importer, manufacturer: await partyCheck(reader, licenses, manufacturerLei, 'manufacturer', gtin14, instantMs), ...tail };
}

export interface ProductCheck {
  readonly gtin14: string;
  /** GS1 Digital Link URI of the product. */
  readonly digitalLink: string;
  /** The instant judged: the given date, or the last applied block's timestamp. */
  readonly asOfMs: number;
  readonly rightsHolders: ReadonlyArray<{ readonly lei: string; readonly name?: string; readonly brands: readonly string[]; readonly marks: readonly string[]; readonly rightId: string }>;
  /** Parties licensed now to make, import or sell the product. */
  readonly licensed: ReadonlyArray<{ readonly lei: string; readonly name?: string; readonly role: LicenseRole; readonly licenseId: string; readonly territory: readonly string[]; readonly validTo: string }>;
  readonly seller?: { readonly lei: string; readonly licensed: boolean; readonly roles: readonly LicenseRole[] };
}

/**
 * The consumer check: who holds rights over the product, which parties are licensed (in force at
 * `date`, default the last block's time) to make, import or sell it, and whether `sellerLei` is one.
 * Reveals names, LEIs, roles, territories and validity only: no prices, quantities, values or contacts.
 */
export async function checkProduct(reader: StateReader, query: { gtin: string; sellerLei?: string; date?: string }): Promise<ProductCheck> {
  const gtin14 = unwrap(checkGtin(query.gtin, 'gtin'));
  const sellerLei = query.sellerLei === undefined ? undefined : unwrap(checkLei(query.sellerLei, 'sellerLei'));
  const asOfMs = query.date !== undefined ? instantOf(query.date) : ((await readRecord<LastBlockRecord>(reader, KEY.lastBlock))?.timestampMs ?? 0);
  const nameOf = async (lei: string) => (await readRecord<OrgRecord>(reader, KEY.org(lei)))?.name;
  const rightsHolders = [];
  for (const record of await rightsForGtin(reader, gtin14)) {
    if (record.status !== 'active') continue;
    const right = record.payload as Right;
    const name = await nameOf(right.rightsHolder);
    const entry = { lei: right.rightsHolder, brands: right.brands, marks: right.marks.map((m) => m.mark), rightId: record.id };
    rightsHolders.push(name === undefined ? entry : { ...entry, name });
  }
  const licensed = [];
  for (const record of await licensesForGtin(reader, gtin14)) {
    const chain = await readLicenseChain(reader, record);
    if (!judgeChain(chain, gtin14, asOfMs).inForce) continue;
    const license = record.payload as License;
    const name = await nameOf(license.licensee);
    const entry = { lei: license.licensee, role: license.role, licenseId: record.id, territory: license.territory, validTo: license.validTo };
    licensed.push(name === undefined ? entry : { ...entry, name });
  }
  const base = { gtin14, digitalLink: `https://id.gs1.org/01/${gtin14}`, asOfMs, rightsHolders, licensed };
  if (sellerLei === undefined) return base;
  const roles = [...new Set(licensed.filter((l) => l.lei === sellerLei).map((l) => l.role))].sort();
  return { ...base, seller: { lei: sellerLei, licensed: roles.length > 0, roles } };
}
