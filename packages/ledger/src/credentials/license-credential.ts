// The licensee credential of the IP-rights pilot: a W3C VC 2.0 credential that a rights holder
// (issuer = its Ed25519 did:key) gives a licensed importer, manufacturer or retailer, secured with an
// eddsa-jcs-2022 Data Integrity proof. The subject names the licensee's LEI and role, the license
// transaction on the ledger, the GTINs (GTIN-14) it covers and optionally the territory.
//
// Owns: building, issuing and the offline checks (proof, did:key, @context/type, shape, validity
// window at a given instant, expected issuer key and GTINs). Not here, because they read ledger
// state: whether the issuer's key belongs to the rights holder of a right covering these GTINs, and
// whether the credential has been revoked; callers do those with `issuerPublicKey`, `subject`,
// `credentialStatus` and `hash` from the verified result. Never reads a clock: `atMs` and
// `created` are arguments. Quantities and amounts, if ever added, stay strings.

import { toHex } from '../bytes.js';
import { countryCodeIssue, gtinIssue, leiIssue } from '../documents/identifiers.js';
import { LedgerError, ok, reject, type Rejection, type Result } from '../errors.js';
import { sha256 } from '../hash.js';
import { publicKeyFromSeed } from '../ed25519.js';
import { signEddsaJcs2022, verifyEddsaJcs2022, type DataIntegrityProof } from './data-integrity.js';
import { parseXsdDateTimeMs } from './datetime.js';
import { DID_KEY_PREFIX, didKeyFromPublicKey, didKeyVerificationMethodId, parseDidKeyUrl, publicKeyFromDidKey } from './did-key.js';
import { canonicalizeJsonBytes } from './jcs.js';
import { parseStatusListEntry, type BitstringStatusListEntry } from './status-list.js';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VERIFIABLE_CREDENTIAL_TYPE = 'VerifiableCredential';
/** Terms not in the VC 2.0 context fall under its issuer-dependent @vocab; no extra context is fetched. */
export const LICENSE_CREDENTIAL_TYPE = 'TradeLedgerLicenseCredential';
export const LICENSEE_ROLES = ['importer', 'manufacturer', 'retailer'] as const;
export type LicenseeRole = (typeof LICENSEE_ROLES)[number];
/** GTINs one credential may list (a license document lists at most this many too). */
export const LICENSE_CREDENTIAL_MAX_GTINS = 1000;
export const LICENSE_CREDENTIAL_MAX_TERRITORY = 249;

export interface LicenseCredentialSubject {
  readonly id?: string;
  readonly lei: string;
  readonly role: LicenseeRole;
  /** The ledger transaction id (64 lower-case hex) of the license document. */
  readonly licenseTxId: string;
  /** GTIN-14 strings. */
  readonly gtins: readonly string[];
  /** ISO 3166-1 alpha-2 codes. */
  readonly territory?: readonly string[];
}

export interface UnsignedLicenseCredential {
  readonly '@context': readonly string[];
  readonly id?: string;
  readonly type: readonly string[];
  readonly issuer: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly credentialSubject: LicenseCredentialSubject;
  readonly credentialStatus?: BitstringStatusListEntry;
}

export type LicenseCredential = UnsignedLicenseCredential & { readonly proof: DataIntegrityProof };

export interface LicenseCredentialInput {
  readonly id?: string;
  readonly issuerPublicKey: Uint8Array;
  readonly subject: {
    readonly id?: string;
    readonly lei: string;
    readonly role: string;
    readonly licenseTxId: string;
    /** GTIN-8/12/13/14; normalised to GTIN-14. */
    readonly gtins: readonly string[];
    readonly territory?: readonly string[];
  };
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly credentialStatus?: BitstringStatusListEntry;
}

class CredentialRejection extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

function fail(code: string, field: string, message: string): never {
  throw new CredentialRejection({ code, message: `${field}: ${message}`, field });
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

const URI_PATTERN = /^[a-z][a-z0-9+.-]*:[^\s]{1,2000}$/i;
const TX_ID_PATTERN = /^[0-9a-f]{64}$/;

function checkUri(value: unknown, field: string): string {
  if (typeof value !== 'string' || !URI_PATTERN.test(value)) fail('VC_MALFORMED', field, `expected a URI, got ${show(value)}`);
  return value;
}

function checkDateTime(value: unknown, field: string): number {
  try {
    return parseXsdDateTimeMs(value, field, { requireTimezone: true, code: 'VC_DATE_INVALID' });
  } catch (error) {
    const e = error as LedgerError;
    return fail(e.code, field, e.message.replace(`${field}: `, ''));
  }
}

function checkStringList(value: unknown, field: string, max: number, each: (item: unknown, at: string) => string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) fail('VC_SUBJECT_INVALID', field, `expected 1 to ${max} entries, got ${show(value)}`);
  const seen = new Set<string>();
  return value.map((item, i) => {
    const normal = each(item, `${field}[${i}]`);
    if (seen.has(normal)) fail('VC_SUBJECT_INVALID', `${field}[${i}]`, `duplicate ${show(normal)}`);
    seen.add(normal);
    return normal;
  });
}

function checkGtin14(value: unknown, field: string, alreadyNormal: boolean): string {
  const checked = gtinIssue(value);
  if (!('value' in checked)) fail('VC_SUBJECT_INVALID', field, `${checked.code}: ${checked.detail}`);
  if (alreadyNormal && checked.value !== value) fail('VC_SUBJECT_INVALID', field, `expected a GTIN-14 (14 digits), got ${show(value)}`);
  return checked.value;
}

const SUBJECT_KEYS = new Set(['id', 'lei', 'role', 'licenseTxId', 'gtins', 'territory']);

/** The subject's checked form; `normalise` turns GTIN-8/12/13 into GTIN-14, else they must already be. */
function checkSubject(value: unknown, field: string, normalise: boolean): LicenseCredentialSubject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('VC_SUBJECT_INVALID', field, `expected one subject object, got ${show(value)}`);
  const s = value as Record<string, unknown>;
  for (const key of Object.keys(s)) if (!SUBJECT_KEYS.has(key)) fail('VC_SUBJECT_INVALID', `${field}.${key}`, 'unknown member');
  const lei = leiIssue(s['lei']);
  if (!('value' in lei)) fail('VC_SUBJECT_INVALID', `${field}.lei`, `${lei.code}: ${lei.detail}`);
  const role = s['role'];
  if (typeof role !== 'string' || !(LICENSEE_ROLES as readonly string[]).includes(role)) fail('VC_SUBJECT_INVALID', `${field}.role`, `expected one of ${LICENSEE_ROLES.join(', ')}, got ${show(role)}`);
  const licenseTxId = s['licenseTxId'];
  if (typeof licenseTxId !== 'string' || !TX_ID_PATTERN.test(licenseTxId)) fail('VC_SUBJECT_INVALID', `${field}.licenseTxId`, `expected 64 lower-case hex characters, got ${show(licenseTxId)}`);
  const gtins = checkStringList(s['gtins'], `${field}.gtins`, LICENSE_CREDENTIAL_MAX_GTINS, (item, at) => checkGtin14(item, at, !normalise));
  const subject: { -readonly [K in keyof LicenseCredentialSubject]: LicenseCredentialSubject[K] } = { lei: lei.value, role: role as LicenseeRole, licenseTxId, gtins };
  if (s['id'] !== undefined) subject.id = checkUri(s['id'], `${field}.id`);
  if (s['territory'] !== undefined) {
    subject.territory = checkStringList(s['territory'], `${field}.territory`, LICENSE_CREDENTIAL_MAX_TERRITORY, (item, at) => {
      const country = countryCodeIssue(item);
      if (!('value' in country)) fail('VC_SUBJECT_INVALID', at, `${country.code}: ${country.detail}`);
      return country.value;
    });
  }
  // Member order as written by buildLicenseCredential, so built and parsed subjects compare equal.
  const ordered: Record<string, unknown> = {};
  for (const key of ['id', 'lei', 'role', 'licenseTxId', 'gtins', 'territory'] as const) if (subject[key] !== undefined) ordered[key] = subject[key];
  return ordered as unknown as LicenseCredentialSubject;
}

function checkStatus(value: unknown): BitstringStatusListEntry {
  try {
    return parseStatusListEntry(value);
  } catch (error) {
    const e = error as LedgerError;
    return fail(e.code, e.field ?? 'credentialStatus', e.message.replace(/^[^:]*: /, ''));
  }
}

function rethrow<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CredentialRejection) throw new LedgerError(error.rejection.code, error.rejection.message, error.rejection.field === undefined ? {} : { field: error.rejection.field });
    throw error;
  }
}

/**
 * The unsigned credential for `input`, checked and normalised (GTIN-14, member order). Throws a
 * LedgerError (VC_SUBJECT_INVALID, VC_DATE_INVALID, VC_VALIDITY_ORDER, VC_MALFORMED,
 * STATUS_ENTRY_INVALID, KEY_*) naming the field.
 */
export function buildLicenseCredential(input: LicenseCredentialInput): UnsignedLicenseCredential {
  return rethrow(() => {
    const issuer = didKeyFromPublicKey(input.issuerPublicKey);
    const credentialSubject = checkSubject(input.subject, 'credentialSubject', true);
    const fromMs = checkDateTime(input.validFrom, 'validFrom');
    const credential: Record<string, unknown> = { '@context': [VC_V2_CONTEXT] };
    if (input.id !== undefined) credential['id'] = checkUri(input.id, 'id');
    credential['type'] = [VERIFIABLE_CREDENTIAL_TYPE, LICENSE_CREDENTIAL_TYPE];
    credential['issuer'] = issuer;
    credential['validFrom'] = input.validFrom;
    if (input.validUntil !== undefined) {
      if (checkDateTime(input.validUntil, 'validUntil') < fromMs) fail('VC_VALIDITY_ORDER', 'validUntil', `${input.validUntil} is before validFrom ${input.validFrom}`);
      credential['validUntil'] = input.validUntil;
    }
    credential['credentialSubject'] = credentialSubject;
    if (input.credentialStatus !== undefined) credential['credentialStatus'] = checkStatus(input.credentialStatus);
    return credential as unknown as UnsignedLicenseCredential;
  });
}

/** Signs `credential` with the issuer's seed (its did:key must be the issuer). `created` is the caller's clock. */
export function issueLicenseCredential(credential: UnsignedLicenseCredential, options: { readonly privateSeed: Uint8Array; readonly created: string }): LicenseCredential {
  const publicKey = publicKeyFromSeed(options.privateSeed);
  if (credential.issuer !== didKeyFromPublicKey(publicKey)) {
    throw new LedgerError('VC_ISSUER_MISMATCH', `issuer: ${credential.issuer} is not the did:key of the signing seed`, { field: 'issuer' });
  }
  return signEddsaJcs2022(credential as unknown as Record<string, unknown>, {
    privateSeed: options.privateSeed,
    verificationMethod: didKeyVerificationMethodId(publicKey),
    created: options.created,
  }) as unknown as LicenseCredential;
}

/** SHA-256 of the credential's RFC 8785 form, proof included: the id the ledger records it under. */
export function licenseCredentialHash(credential: unknown): Uint8Array {
  return sha256(canonicalizeJsonBytes(credential));
}

export interface VerifyLicenseCredentialOptions {
  /** The instant to judge validFrom/validUntil at (epoch ms), e.g. a block timestamp. */
  readonly atMs: number;
  readonly expected?: {
    readonly issuerPublicKey?: Uint8Array;
    /** GTINs (any GTIN length) that must all be covered by the credential. */
    readonly gtins?: readonly string[];
    readonly lei?: string;
    readonly role?: LicenseeRole;
  };
}

export interface VerifiedLicenseCredential {
  readonly credential: LicenseCredential;
  readonly issuer: string;
  readonly issuerPublicKey: Uint8Array;
  readonly subject: LicenseCredentialSubject;
  readonly validFromMs: number;
  readonly validUntilMs?: number;
  readonly credentialStatus?: BitstringStatusListEntry;
  /** licenseCredentialHash as lower-case hex. */
  readonly hash: string;
}

const TOP_KEYS = new Set(['@context', 'id', 'type', 'issuer', 'validFrom', 'validUntil', 'credentialSubject', 'credentialStatus', 'proof', 'name', 'description']);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Offline verification of a licensee credential at `atMs`: shape, @context and type, issuer did:key,
 * the eddsa-jcs-2022 proof by the issuer's own key, the validity window, and the expected issuer key,
 * licensee and GTINs. Never throws on bad input; the rejection's code says which check failed
 * (VC_MALFORMED, VC_CONTEXT, VC_TYPE, VC_ISSUER_INVALID, VC_ISSUER_MISMATCH, PROOF_*,
 * VC_SUBJECT_INVALID, VC_DATE_INVALID, VC_VALIDITY_ORDER, VC_NOT_YET_VALID, VC_EXPIRED,
 * VC_GTIN_NOT_COVERED, VC_SUBJECT_MISMATCH, STATUS_ENTRY_INVALID).
 */
export function verifyLicenseCredential(vc: unknown, options: VerifyLicenseCredentialOptions): Result<VerifiedLicenseCredential> {
  try {
    if (!Number.isSafeInteger(options.atMs)) fail('VC_MALFORMED', 'atMs', `expected integer epoch milliseconds, got ${String(options.atMs)}`);
    if (typeof vc !== 'object' || vc === null || Array.isArray(vc)) fail('VC_MALFORMED', '$', `expected a credential object, got ${show(vc)}`);
    const c = vc as Record<string, unknown>;
    for (const key of Object.keys(c)) if (!TOP_KEYS.has(key)) fail('VC_MALFORMED', key, 'unknown member');
    const context = c['@context'];
    if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT) fail('VC_CONTEXT', '@context', `expected an array starting with "${VC_V2_CONTEXT}"`);
    const types = c['type'];
    if (!Array.isArray(types) || !types.includes(VERIFIABLE_CREDENTIAL_TYPE) || !types.includes(LICENSE_CREDENTIAL_TYPE)) {
      fail('VC_TYPE', 'type', `expected to include "${VERIFIABLE_CREDENTIAL_TYPE}" and "${LICENSE_CREDENTIAL_TYPE}"`);
    }
    if (c['id'] !== undefined) checkUri(c['id'], 'id');
    for (const key of ['name', 'description']) if (c[key] !== undefined && typeof c[key] !== 'string') fail('VC_MALFORMED', key, 'expected a string');

    // Issuer: a did:key, and the proof must be made by that very key.
    const issuer = c['issuer'];
    if (typeof issuer !== 'string' || !issuer.startsWith(DID_KEY_PREFIX)) fail('VC_ISSUER_INVALID', 'issuer', `expected an Ed25519 did:key, got ${show(issuer)}`);
    let issuerPublicKey: Uint8Array;
    try {
      issuerPublicKey = publicKeyFromDidKey(issuer, 'issuer');
    } catch (error) {
      return reject('VC_ISSUER_INVALID', (error as Error).message, 'issuer');
    }
    const proof = c['proof'] as Record<string, unknown> | undefined;
    const vm = typeof proof === 'object' && proof !== null ? proof['verificationMethod'] : undefined;
    if (typeof vm === 'string' && vm.startsWith(DID_KEY_PREFIX) && !vm.startsWith(`${issuer}#`)) {
      fail('VC_ISSUER_MISMATCH', 'proof.verificationMethod', `${show(vm)} is not a key of the issuer ${issuer}`);
    }
    const verified = verifyEddsaJcs2022(vc, {
      resolvePublicKey: (method) => (method.startsWith(`${issuer}#`) ? parseDidKeyUrl(method, 'proof.verificationMethod').publicKey : undefined),
    });
    if (!verified.ok) return verified;
    if (options.expected?.issuerPublicKey !== undefined && !sameBytes(options.expected.issuerPublicKey, issuerPublicKey)) {
      fail('VC_ISSUER_MISMATCH', 'issuer', `${issuer} is not the expected issuer ${toHex(options.expected.issuerPublicKey)}`);
    }

    // Content, then the validity window at atMs.
    const subject = checkSubject(c['credentialSubject'], 'credentialSubject', false);
    const validFromMs = checkDateTime(c['validFrom'], 'validFrom');
    const validUntilMs = c['validUntil'] === undefined ? undefined : checkDateTime(c['validUntil'], 'validUntil');
    if (validUntilMs !== undefined && validUntilMs < validFromMs) fail('VC_VALIDITY_ORDER', 'validUntil', 'is before validFrom');
    if (options.atMs < validFromMs) fail('VC_NOT_YET_VALID', 'validFrom', `${String(c['validFrom'])} is after the time of verification (${options.atMs} ms)`);
    if (validUntilMs !== undefined && options.atMs > validUntilMs) fail('VC_EXPIRED', 'validUntil', `${String(c['validUntil'])} is before the time of verification (${options.atMs} ms)`);
    const credentialStatus = c['credentialStatus'] === undefined ? undefined : checkStatus(c['credentialStatus']);

    const expected = options.expected;
    if (expected?.lei !== undefined && expected.lei !== subject.lei) fail('VC_SUBJECT_MISMATCH', 'credentialSubject.lei', `${subject.lei} is not the expected licensee ${expected.lei}`);
    if (expected?.role !== undefined && expected.role !== subject.role) fail('VC_SUBJECT_MISMATCH', 'credentialSubject.role', `${subject.role} is not the expected role ${expected.role}`);
    for (const [i, gtin] of (expected?.gtins ?? []).entries()) {
      const normal = gtinIssue(gtin);
      if (!('value' in normal)) fail('VC_GTIN_NOT_COVERED', `expected.gtins[${i}]`, `${normal.code}: ${normal.detail}`);
      if (!subject.gtins.includes(normal.value)) fail('VC_GTIN_NOT_COVERED', 'credentialSubject.gtins', `GTIN ${normal.value} is not covered by this credential`);
    }

    const value: VerifiedLicenseCredential = {
      credential: vc as LicenseCredential,
      issuer,
      issuerPublicKey,
      subject,
      validFromMs,
      ...(validUntilMs === undefined ? {} : { validUntilMs }),
      ...(credentialStatus === undefined ? {} : { credentialStatus }),
      hash: toHex(licenseCredentialHash(vc)),
    };
    return ok(value);
  } catch (error) {
    if (error instanceof CredentialRejection) return { ok: false, error: error.rejection };
    if (error instanceof LedgerError) return reject(error.code, error.message, error.field);
    throw error;
  }
}
