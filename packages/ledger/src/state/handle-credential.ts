// Licensee credentials at apply time: issue (the rights holder records a credential resting on one
// of its licenses), revoke (the issuing organization only), and the credentials an entry line cites.
// Also the credential rules the queries share: resolving a citation (document id or hash) and the
// credential's status at an instant. Pure: every time rule reads the block timestamp or an instant
// the caller gives.

import { bytesEqual } from '../bytes.js';
import { publicKeyFromDidKey } from '../credentials/did-key.js';
import type { CredentialIssue, CredentialRevoke } from '../documents/credential.js';
import type { Entry } from '../documents/entry.js';
import { dateEndExclusiveMs, dateStartMs, timestampMs } from '../documents/identifiers.js';
import type { License, Right } from '../documents/ip-rights.js';
import type { StateReader, TxResult } from '../store.js';
import { KEY } from './keys.js';
import { chainCovers, licenseInForceAt, readLicenseChain } from './license-chain.js';
import { readRecord, writeRecord, type DocumentRecord } from './records.js';
import { ACCEPTED, isRejected, rejected, type Rejected, type TxScope } from './scope.js';

export interface CredentialHashRecord {
  readonly id: string;
}

/** A credential's standing at an instant: revoked (at or before it), not yet valid, expired, or active. */
export type CredentialStanding = 'active' | 'revoked' | 'expired' | 'not-yet-valid';

export function credentialStandingAt(record: DocumentRecord, instantMs: number): CredentialStanding {
  const body = record.payload as CredentialIssue;
  if (record.status === 'revoked' && record.revokedAtMs !== undefined && record.revokedAtMs <= instantMs) return 'revoked';
  if (instantMs < timestampMs(body.validFrom)) return 'not-yet-valid';
  if (instantMs > timestampMs(body.validUntil)) return 'expired';
  return 'active';
}

/**
 * The credential-issue record a citation names: a document id first, else a credential hash.
 * REF_NOT_FOUND when neither; REF_WRONG_KIND when the id names another kind of document.
 */
export async function resolveCredential(reader: StateReader, ref: string): Promise<DocumentRecord | Rejected> {
  const byId = await readRecord<DocumentRecord>(reader, KEY.doc(ref));
  if (byId !== undefined && byId.kind === 'credential-issue') return byId;
  const byHash = await readRecord<CredentialHashRecord>(reader, KEY.credentialByHash(ref));
  if (byHash !== undefined) {
    const record = await readRecord<DocumentRecord>(reader, KEY.doc(byHash.id));
    if (record !== undefined && record.kind === 'credential-issue') return record;
  }
  return rejected(byId === undefined ? 'REF_NOT_FOUND' : 'REF_WRONG_KIND');
}

/**
 * The rights holder records a credential it issued: the transaction's key is the issuer's did:key,
 * the credential is new, and it rests on a license in force of the signer's own right, to the
 * subject in the subject's role, covering every GTIN, within the license's period, not yet expired.
 */
export async function handleCredentialIssue(scope: TxScope, payload: CredentialIssue): Promise<TxResult> {
  if (!scope.hasRole('rights_holder')) return rejected('ROLE_FORBIDDEN');
  if (!bytesEqual(publicKeyFromDidKey(payload.issuer, 'issuer'), scope.tx.tx.signer)) return rejected('CREDENTIAL_ISSUER_NOT_SIGNER');
  if ((await scope.overlay.getState(KEY.credentialByHash(payload.credentialHash))) !== undefined) return rejected('CREDENTIAL_EXISTS');
  const license = await scope.requireDoc(payload.license, ['license']);
  if (isRejected(license)) return license;
  const body = license.payload as License;
  const chain = await readLicenseChain(scope.overlay, license);
  if (chain.right === undefined || (chain.right.payload as Right).rightsHolder !== scope.org.lei) return rejected('CREDENTIAL_ISSUER_NOT_RIGHTS_HOLDER');
  if (chain.right.status !== 'active' || !chain.licenses.every((link) => licenseInForceAt(link, scope.nowMs))) return rejected('LICENSE_INACTIVE');
  if (body.licensee !== payload.subject.lei || body.role !== payload.subject.role) return rejected('CREDENTIAL_SUBJECT_MISMATCH');
  if (!payload.gtins.every((gtin) => chainCovers(chain, gtin, scope.nowMs))) return rejected('CREDENTIAL_SCOPE');
  if (timestampMs(payload.validFrom) < dateStartMs(body.validFrom) || timestampMs(payload.validUntil) >= dateEndExclusiveMs(body.validTo)) return rejected('CREDENTIAL_PERIOD');
  if (timestampMs(payload.validUntil) < scope.nowMs) return rejected('CREDENTIAL_EXPIRED');
  const record = scope.createDocument('credential-issue', payload, 'active');
  scope.indexLeis(record.id, 'credential-issue', [payload.subject.lei]);
  scope.index(KEY.credentialBySubject(payload.subject.lei, record.id), 'credential-issue');
  writeRecord(scope.overlay, KEY.credentialByHash(payload.credentialHash), { id: record.id } satisfies CredentialHashRecord);
  return ACCEPTED;
}

/** The issuing organization revokes its credential (any of its current keys may sign). */
export async function handleCredentialRevoke(scope: TxScope, payload: CredentialRevoke): Promise<TxResult> {
  const credential = await resolveCredential(scope.overlay, payload.credential);
  if (isRejected(credential)) return credential;
  if (credential.signerLei !== scope.org.lei) return rejected('NOT_ISSUER');
  if (credential.status === 'revoked') return rejected('REF_INACTIVE');
  scope.updateDocument(credential, { status: 'revoked', revokedAtMs: scope.nowMs, revokedBy: scope.id }, 'revoked');
  const revoke = scope.createDocument('credential-revoke', payload, 'active');
  scope.indexLeis(revoke.id, 'credential-revoke', [(credential.payload as CredentialIssue).subject.lei]);
  return ACCEPTED;
}

/**
 * The credentials an entry's lines cite: each exists, is neither revoked nor outside its validity
 * at the block time, names the party of its role on this entry (importer or the line's
 * manufacturer; a retailer credential proves nothing at entry) and covers the line's GTIN.
 */
export async function checkEntryCredentials(scope: TxScope, entry: Entry): Promise<TxResult> {
  for (const line of entry.lines) {
    for (const ref of line.credentials ?? []) {
      const credential = await resolveCredential(scope.overlay, ref);
      if (isRejected(credential)) return credential;
      const standing = credentialStandingAt(credential, scope.nowMs);
      if (standing === 'revoked') return rejected('CREDENTIAL_REVOKED');
      if (standing !== 'active') return rejected('CREDENTIAL_INACTIVE');
      const body = credential.payload as CredentialIssue;
      const party = body.subject.role === 'importer' ? entry.importer : body.subject.role === 'manufacturer' ? line.manufacturer : undefined;
      if (party === undefined || body.subject.lei !== party) return rejected('CREDENTIAL_PARTY_MISMATCH');
      if (line.gtin === undefined || !body.gtins.includes(line.gtin)) return rejected('CREDENTIAL_SCOPE');
    }
  }
  return ACCEPTED;
}

/** An entry: the entry's own rules (handle-trade.ts) first, then the credentials its lines cite. */
export async function handleEntryWithCredentials(scope: TxScope, entry: Entry, handleEntry: (scope: TxScope, entry: Entry) => Promise<TxResult>): Promise<TxResult> {
  const result = await handleEntry(scope, entry);
  if (!result.ok) return result;
  return checkEntryCredentials(scope, entry);
}
