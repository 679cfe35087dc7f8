import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { LedgerError } from '../../src/errors.js';
import { signEddsaJcs2022 } from '../../src/credentials/data-integrity.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../../src/credentials/did-key.js';
import { canonicalizeJson, parseJsonStrict } from '../../src/credentials/jcs.js';
import {
  buildLicenseCredential,
  issueLicenseCredential,
  licenseCredentialHash,
  verifyLicenseCredential,
  type LicenseCredential,
  type LicenseCredentialInput,
} from '../../src/credentials/license-credential.js';
import { codeOf as thrownCode } from './code-of.js';

const holderSeed = new Uint8Array(32).fill(0x11);
const holderKey = publicKeyFromSeed(holderSeed);
const otherSeed = new Uint8Array(32).fill(0x22);
const LICENSE_TX = 'ab'.repeat(32);
const FROM = '2025-01-01T00:00:00Z';
const UNTIL = '2025-12-31T23:59:59Z';
const FROM_MS = Date.UTC(2025, 0, 1);
const UNTIL_MS = Date.UTC(2025, 11, 31, 23, 59, 59);

const input: LicenseCredentialInput = {
  id: 'urn:tradeledger:credential:1',
  issuerPublicKey: holderKey,
  subject: { lei: '506700GE1G29325QX363', role: 'importer', licenseTxId: LICENSE_TX, gtins: ['012345600012', '50012345678900'], territory: ['US', 'MX'] },
  validFrom: FROM,
  validUntil: UNTIL,
  credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: 'https://ledger.example/status/1' },
};

function issued(overrides: Partial<LicenseCredentialInput> = {}): LicenseCredential {
  return issueLicenseCredential(buildLicenseCredential({ ...input, ...overrides }), { privateSeed: holderSeed, created: '2024-12-31T12:00:00Z' });
}

function codeOf(vc: unknown, atMs = FROM_MS + 1, expected?: Parameters<typeof verifyLicenseCredential>[1]['expected']): string {
  const result = verifyLicenseCredential(vc, expected === undefined ? { atMs } : { atMs, expected });
  return result.ok ? 'OK' : result.error.code;
}

describe('building and issuing', () => {
  it('builds a VC 2.0 credential with GTIN-14s, the issuer did:key and the status entry', () => {
    const vc = buildLicenseCredential(input);
    expect(vc).toEqual({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'urn:tradeledger:credential:1',
      type: ['VerifiableCredential', 'TradeLedgerLicenseCredential'],
      issuer: didKeyFromPublicKey(holderKey),
      validFrom: FROM,
      validUntil: UNTIL,
      credentialSubject: { lei: '506700GE1G29325QX363', role: 'importer', licenseTxId: LICENSE_TX, gtins: ['00012345600012', '50012345678900'], territory: ['US', 'MX'] },
      credentialStatus: input.credentialStatus,
    });
  });

  it('issues with an eddsa-jcs-2022 proof by the issuer key; the hash covers the proof', () => {
    const vc = issued();
    expect(vc.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', proofPurpose: 'assertionMethod', verificationMethod: didKeyVerificationMethodId(holderKey) });
    const result = verifyLicenseCredential(vc, { atMs: FROM_MS, expected: { issuerPublicKey: holderKey, gtins: ['12345600012'.padStart(12, '0'), '50012345678900'], lei: '506700GE1G29325QX363', role: 'importer' } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(toHex(result.value.issuerPublicKey)).toBe(toHex(holderKey));
    expect(result.value.subject.gtins).toEqual(['00012345600012', '50012345678900']);
    expect(result.value.validFromMs).toBe(FROM_MS);
    expect(result.value.validUntilMs).toBe(UNTIL_MS);
    expect(result.value.credentialStatus?.statusListIndex).toBe('7');
    expect(result.value.hash).toBe(toHex(licenseCredentialHash(vc)));
    expect(result.value.hash).not.toBe(toHex(licenseCredentialHash({ ...vc, proof: { ...vc.proof, created: '2024-12-31T12:00:01Z' } })));
    // Survives a trip through text.
    expect(verifyLicenseCredential(parseJsonStrict(JSON.stringify(vc, null, 2)), { atMs: FROM_MS }).ok).toBe(true);
  });

  it('refuses bad input with coded errors naming the field', () => {
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, lei: '506700GE1G29325QX364' } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, role: 'customs' } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, gtins: ['00012345600013'] } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, gtins: ['012345600012', '00012345600012'] } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, gtins: [] } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, licenseTxId: 'AB'.repeat(32) } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, subject: { ...input.subject, territory: ['XX'] } }))).toBe('VC_SUBJECT_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, validFrom: '2025-01-01T00:00:00' }))).toBe('VC_DATE_INVALID');
    expect(thrownCode(() => buildLicenseCredential({ ...input, validUntil: '2024-12-31T00:00:00Z' }))).toBe('VC_VALIDITY_ORDER');
    expect(thrownCode(() => buildLicenseCredential({ ...input, credentialStatus: { ...input.credentialStatus!, statusListIndex: '07' } }))).toBe('STATUS_ENTRY_INVALID');
    expect(thrownCode(() => issueLicenseCredential(buildLicenseCredential(input), { privateSeed: otherSeed, created: FROM }))).toBe('VC_ISSUER_MISMATCH');
    try {
      buildLicenseCredential({ ...input, subject: { ...input.subject, gtins: ['012345600012', 'x'] } });
    } catch (error) {
      expect((error as LedgerError).field).toBe('credentialSubject.gtins[1]');
    }
  });
});

describe('verification', () => {
  const vc = issued();

  it('judges the validity window at atMs (inclusive at both ends)', () => {
    expect(codeOf(vc, FROM_MS)).toBe('OK');
    expect(codeOf(vc, UNTIL_MS)).toBe('OK');
    expect(codeOf(vc, FROM_MS - 1)).toBe('VC_NOT_YET_VALID');
    expect(codeOf(vc, UNTIL_MS + 1)).toBe('VC_EXPIRED');
    const open = issued({ validUntil: undefined as unknown as string });
    expect('validUntil' in open).toBe(false);
    expect(codeOf(open, Date.UTC(2999, 0, 1))).toBe('OK');
    expect(codeOf(vc, Number.NaN)).toBe('VC_MALFORMED');
  });

  it('checks expected issuer key, licensee and GTINs', () => {
    expect(codeOf(vc, FROM_MS, { issuerPublicKey: publicKeyFromSeed(otherSeed) })).toBe('VC_ISSUER_MISMATCH');
    expect(codeOf(vc, FROM_MS, { gtins: ['50012345678917'] })).toBe('VC_GTIN_NOT_COVERED');
    expect(codeOf(vc, FROM_MS, { gtins: ['nope'] })).toBe('VC_GTIN_NOT_COVERED');
    expect(codeOf(vc, FROM_MS, { lei: '787RXPR0UX0O0XUXPZ81' })).toBe('VC_SUBJECT_MISMATCH');
    expect(codeOf(vc, FROM_MS, { role: 'retailer' })).toBe('VC_SUBJECT_MISMATCH');
  });

  it('rejects any change to a signed member, and a re-signature by another key', () => {
    expect(codeOf({ ...vc, validUntil: '2026-12-31T23:59:59Z' })).toBe('PROOF_INVALID_SIGNATURE');
    expect(codeOf({ ...vc, credentialSubject: { ...vc.credentialSubject, gtins: [...vc.credentialSubject.gtins, '50012345678917'] } })).toBe('PROOF_INVALID_SIGNATURE');
    const { proof: _p, ...unsigned } = vc;
    expect(codeOf(unsigned)).toBe('PROOF_MISSING');
    // A valid proof by a key that is not the issuer's.
    const forged = signEddsaJcs2022(unsigned as Record<string, unknown>, { privateSeed: otherSeed, verificationMethod: didKeyVerificationMethodId(publicKeyFromSeed(otherSeed)), created: FROM });
    expect(codeOf(forged)).toBe('VC_ISSUER_MISMATCH');
    // Same, claiming the issuer's verification method: the signature does not verify.
    const claimed = { ...forged, proof: { ...forged.proof, verificationMethod: didKeyVerificationMethodId(holderKey) } };
    expect(codeOf(claimed)).toBe('PROOF_INVALID_SIGNATURE');
    // A non-did:key verification method of the issuer cannot be resolved offline.
    const https = { ...vc, proof: { ...vc.proof, verificationMethod: 'https://holder.example/keys#1' } };
    expect(codeOf(https)).toBe('PROOF_VERIFICATION_METHOD_UNRESOLVED');
  });

  it('checks @context, type, issuer and unknown members before trusting content', () => {
    expect(codeOf({ ...vc, '@context': ['https://www.w3.org/2018/credentials/v1'] })).toBe('VC_CONTEXT');
    expect(codeOf({ ...vc, '@context': 'https://www.w3.org/ns/credentials/v2' })).toBe('VC_CONTEXT');
    expect(codeOf({ ...vc, type: ['VerifiableCredential'] })).toBe('VC_TYPE');
    expect(codeOf({ ...vc, issuer: 'https://holder.example' })).toBe('VC_ISSUER_INVALID');
    expect(codeOf({ ...vc, issuer: 'did:key:z6MkBAD' })).toBe('VC_ISSUER_INVALID');
    expect(codeOf({ ...vc, evidence: [] })).toBe('VC_MALFORMED');
    expect(codeOf([vc])).toBe('VC_MALFORMED');
  });

  it('content problems under a valid signature are still caught (a careless issuer)', () => {
    const { proof: _p, ...unsigned } = vc;
    const sloppy = { ...unsigned, credentialSubject: { ...unsigned.credentialSubject, gtins: ['012345600012'] } };
    const signedSloppy = signEddsaJcs2022(sloppy as Record<string, unknown>, { privateSeed: holderSeed, verificationMethod: didKeyVerificationMethodId(holderKey), created: FROM });
    expect(codeOf(signedSloppy)).toBe('VC_SUBJECT_INVALID'); // GTIN-12 where a GTIN-14 is required
    const extra = { ...unsigned, credentialSubject: { ...unsigned.credentialSubject, quantity: 5 } };
    expect(codeOf(signEddsaJcs2022(extra as Record<string, unknown>, { privateSeed: holderSeed, verificationMethod: didKeyVerificationMethodId(holderKey), created: FROM }))).toBe('VC_SUBJECT_INVALID');
  });

  it('the credential hash is the SHA-256 of its canonical JSON, independent of member order', () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(vc).reverse()))) as unknown;
    expect(canonicalizeJson(reordered)).toBe(canonicalizeJson(vc));
    expect(toHex(licenseCredentialHash(reordered))).toBe(toHex(licenseCredentialHash(vc)));
  });
});
