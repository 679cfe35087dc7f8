// The credential-issue and credential-revoke payloads, and credentials cited on entry lines: the
// example is accepted, a credential carried inline is checked against the payload (JSON, proof,
// hash, every field), and a table of mutations, one per rule, is rejected with its code and field.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { buildLicenseCredential, issueLicenseCredential, licenseCredentialHash } from '../../src/credentials/license-credential.js';
import { didKeyFromPublicKey } from '../../src/credentials/did-key.js';
import { CREDENTIAL_JSON_MAX_CHARS } from '../../src/documents/credential.js';
import { documentKinds, type DocumentKind } from '../../src/documents/kinds.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { LEI } from './fixtures.js';
import { resolvedExample, standInId } from './example-files.js';

const kinds = documentKinds();
const SEED = new Uint8Array(32).fill(9);
const ISSUER = didKeyFromPublicKey(publicKeyFromSeed(SEED));
const LICENSE_ID = standInId('license-retailer');

type Json = Record<string, unknown>;

function parse(kind: DocumentKind, payload: unknown): { code: string; field?: string; message?: string } {
  const result = kinds[kind].parse(payload);
  return result.ok ? { code: 'OK' } : { code: result.error.code, ...(result.error.field === undefined ? {} : { field: result.error.field }), message: result.error.message };
}

function edit(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): Json {
  const copy = structuredClone(value) as Json;
  let node = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

function signedCredential(overrides: { gtins?: string[]; validUntil?: string } = {}): Json {
  const unsigned = buildLicenseCredential({
    issuerPublicKey: publicKeyFromSeed(SEED),
    subject: { lei: LEI.walmart, role: 'retailer', licenseTxId: LICENSE_ID, gtins: overrides.gtins ?? ['00012345600012'] },
    validFrom: '2025-03-01T00:00:00Z',
    validUntil: overrides.validUntil ?? '2025-12-31T23:59:59Z',
  });
  return issueLicenseCredential(unsigned, { privateSeed: SEED, created: '2025-03-01T00:00:00Z' }) as unknown as Json;
}

/** A credential-issue payload carrying `vc` inline, its fields taken from the credential. */
function inlinePayload(vc: Json, text: string = JSON.stringify(vc)): Json {
  return {
    credentialHash: toHex(licenseCredentialHash(vc)),
    issuer: ISSUER,
    subject: { lei: LEI.walmart, role: 'retailer' },
    license: LICENSE_ID,
    gtins: ['00012345600012'],
    validFrom: '2025-03-01T00:00:00Z',
    validUntil: '2025-12-31T23:59:59Z',
    credential: text,
  };
}

describe('credential-issue', () => {
  const base = resolvedExample('credential-issue.json') as Json;

  it('accepts the example and normalises GTINs to GTIN-14', () => {
    expect(parse('credential-issue', base).code).toBe('OK');
    const parsed = kinds['credential-issue'].parse(edit(base, ['gtins'], ['012345600012']));
    expect(parsed.ok && parsed.value.gtins).toEqual(['00012345600012']);
  });

  it.each<readonly [string, ReadonlyArray<string | number>, unknown, string, string]>([
    ['an unknown field', ['surprise'], 1, 'FIELD_UNKNOWN', 'payload'],
    ['a hash that is not hex', ['credentialHash'], 'z'.repeat(64), 'SHA256_FORMAT', 'payload.credentialHash'],
    ['a missing hash', ['credentialHash'], undefined, 'FIELD_MISSING', 'payload.credentialHash'],
    ['an issuer that is a URL', ['issuer'], 'https://nike.example/issuer', 'DID_KEY_INVALID', 'payload.issuer'],
    ['an issuer did:key of another multibase', ['issuer'], 'did:key:m6Mkp6GWeXRwvQDT3a5D482qvm8dTyzbiJ5mpSFH5JGURuEW', 'MULTIBASE_INVALID', 'payload.issuer'],
    ['an issuer did:key one character off', ['issuer'], 'did:key:z6Mkp6GWeXRwvQDT3a5D482qvm8dTyzbiJ5mpSFH5JGURuEX', 'KEY_NOT_ON_CURVE', 'payload.issuer'],
    ['a subject LEI with a bad checksum', ['subject', 'lei'], 'Y87794H0US1R65VBXU26', 'LEI_CHECKSUM', 'payload.subject.lei'],
    ['a subject role outside the licensee roles', ['subject', 'role'], 'broker', 'FIELD_VALUE', 'payload.subject.role'],
    ['an unknown subject member', ['subject', 'name'], 'Walmart', 'FIELD_UNKNOWN', 'payload.subject'],
    ['a license that is not a document id', ['license'], 'ABC', 'DOC_REF_FORMAT', 'payload.license'],
    ['no GTINs', ['gtins'], [], 'FIELD_TOO_SMALL', 'payload.gtins'],
    ['a GTIN with a bad check digit', ['gtins'], ['4006381333932'], 'GTIN_CHECKSUM', 'payload.gtins[0]'],
    ['a GTIN twice (in two lengths)', ['gtins'], ['00012345600012', '012345600012'], 'DUPLICATE_VALUE', 'payload.gtins[1]'],
    ['a validFrom that is a date only', ['validFrom'], '2025-03-01', 'TIMESTAMP_FORMAT', 'payload.validFrom'],
    ['no validUntil', ['validUntil'], undefined, 'FIELD_MISSING', 'payload.validUntil'],
    ['a validity that ends before it starts', ['validUntil'], '2025-02-28T23:59:59Z', 'PERIOD_ORDER', 'payload.validUntil'],
    ['a validity of no time at all', ['validUntil'], '2025-03-01T00:00:00Z', 'PERIOD_ORDER', 'payload.validUntil'],
    ['a credential that is not a string', ['credential'], { a: 1 }, 'FIELD_TYPE', 'payload.credential'],
  ])('rejects %s', (_label, path, value, code, field) => {
    const result = parse('credential-issue', edit(base, path, value));
    expect(result.code).toBe(code);
    expect(result.field).toBe(field);
    expect(result.message?.startsWith(field)).toBe(true);
  });

  it('accepts a credential carried inline whose proof, hash and fields agree with the payload', () => {
    expect(parse('credential-issue', inlinePayload(signedCredential())).code).toBe('OK');
    // Key order and whitespace of the text do not matter: the hash is of the RFC 8785 form.
    const vc = signedCredential();
    expect(parse('credential-issue', inlinePayload(vc, JSON.stringify(vc, null, 2))).code).toBe('OK');
    // The payload may list the GTINs in another order or length.
    const two = signedCredential({ gtins: ['00012345600012', '00012345600029'] });
    expect(parse('credential-issue', { ...inlinePayload(two), gtins: ['012345600029', '00012345600012'] }).code).toBe('OK');
  });

  it.each<readonly [string, (vc: Json) => Json, string, string]>([
    ['text that is not JSON', (vc) => ({ ...inlinePayload(vc), credential: '{"@context": [' }), 'CREDENTIAL_JSON', 'payload.credential'],
    ['a credential longer than the bound', (vc) => ({ ...inlinePayload(vc), credential: JSON.stringify(vc).padEnd(CREDENTIAL_JSON_MAX_CHARS + 1, ' ') }), 'FIELD_TOO_LARGE', 'payload.credential'],
    ['a proof whose signature is one character off', (vc) => {
      const proof = vc['proof'] as Json;
      const value = proof['proofValue'] as string;
      const tampered = { ...vc, proof: { ...proof, proofValue: `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}` } };
      return { ...inlinePayload(tampered), credentialHash: toHex(licenseCredentialHash(tampered)) };
    }, 'PROOF_INVALID_SIGNATURE', 'payload.credential'],
    ['a credential changed after signing', (vc) => {
      const changed = edit(vc, ['credentialSubject', 'gtins'], ['00012345600029']);
      return { ...inlinePayload(changed), gtins: ['00012345600029'] };
    }, 'PROOF_INVALID_SIGNATURE', 'payload.credential'],
    ['a credential without a proof', (vc) => inlinePayload(edit(vc, ['proof'], undefined)), 'PROOF_MISSING', 'payload.credential'],
    ['a credential of another type', (vc) => inlinePayload(edit(vc, ['type'], ['VerifiableCredential'])), 'VC_TYPE', 'payload.credential'],
    ['a hash that is not the credential\'s', (vc) => ({ ...inlinePayload(vc), credentialHash: 'ab'.repeat(32) }), 'CREDENTIAL_HASH_MISMATCH', 'payload.credentialHash'],
    ['another issuer', (vc) => ({ ...inlinePayload(vc), issuer: didKeyFromPublicKey(publicKeyFromSeed(new Uint8Array(32).fill(3))) }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.issuer'],
    ['another subject', (vc) => ({ ...inlinePayload(vc), subject: { lei: LEI.microsoft, role: 'retailer' } }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.subject.lei'],
    ['another role', (vc) => ({ ...inlinePayload(vc), subject: { lei: LEI.walmart, role: 'importer' } }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.subject.role'],
    ['another license', (vc) => ({ ...inlinePayload(vc), license: standInId('license') }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.license'],
    ['another GTIN', (vc) => ({ ...inlinePayload(vc), gtins: ['00012345600029'] }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.gtins'],
    ['one GTIN more', (vc) => ({ ...inlinePayload(vc), gtins: ['00012345600012', '00012345600029'] }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.gtins'],
    ['another start', (vc) => ({ ...inlinePayload(vc), validFrom: '2025-03-01T00:00:01Z' }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.validFrom'],
    ['another end', (vc) => ({ ...inlinePayload(vc), validUntil: '2025-12-31T23:59:58Z' }), 'CREDENTIAL_FIELD_MISMATCH', 'payload.validUntil'],
  ])('rejects an inline credential: %s', (_label, make, code, field) => {
    const result = parse('credential-issue', make(signedCredential()));
    expect(result.code).toBe(code);
    expect(result.field).toBe(field);
  });

  it('refuses a credential without validUntil: the ledger records only bounded credentials', () => {
    const unsigned = buildLicenseCredential({ issuerPublicKey: publicKeyFromSeed(SEED), subject: { lei: LEI.walmart, role: 'retailer', licenseTxId: LICENSE_ID, gtins: ['00012345600012'] }, validFrom: '2025-03-01T00:00:00Z' });
    const vc = issueLicenseCredential(unsigned, { privateSeed: SEED, created: '2025-03-01T00:00:00Z' }) as unknown as Json;
    expect(parse('credential-issue', inlinePayload(vc))).toMatchObject({ code: 'CREDENTIAL_FIELD_MISMATCH', field: 'payload.validUntil' });
  });
});

describe('credential-revoke', () => {
  const base = resolvedExample('credential-revoke.json') as Json;
  it('accepts the example, by document id or by credential hash alike', () => {
    expect(parse('credential-revoke', base).code).toBe('OK');
    expect(parse('credential-revoke', { ...base, credential: 'cd'.repeat(32) }).code).toBe('OK');
  });
  it.each<readonly [string, ReadonlyArray<string>, unknown, string, string]>([
    ['an upper-case reference', ['credential'], 'CD'.repeat(32), 'CREDENTIAL_REF_FORMAT', 'payload.credential'],
    ['a short reference', ['credential'], 'cd'.repeat(31), 'CREDENTIAL_REF_FORMAT', 'payload.credential'],
    ['no reason', ['reason'], undefined, 'FIELD_MISSING', 'payload.reason'],
    ['an empty reason', ['reason'], '', 'TEXT_LENGTH', 'payload.reason'],
    ['an unknown field', ['credentialHash'], 'cd'.repeat(32), 'FIELD_UNKNOWN', 'payload'],
  ])('rejects %s', (_label, path, value, code, field) => {
    const result = parse('credential-revoke', edit(base, path, value));
    expect(result.code).toBe(code);
    expect(result.field).toBe(field);
  });
});

describe('entry lines citing credentials', () => {
  const entry = resolvedExample('entry.json') as Json;
  const line = ['lines', 2, 'credentials'] as const;
  it('accepts a line citing credentials by id or hash, and lines citing none', () => {
    expect(parse('entry', entry).code).toBe('OK');
    expect(parse('entry', edit(entry, line, ['ab'.repeat(32), 'cd'.repeat(32)])).code).toBe('OK');
  });
  it.each<readonly [string, ReadonlyArray<string | number>, unknown, string, string]>([
    ['a citation that is not 64 hex', line, ['ab'], 'CREDENTIAL_REF_FORMAT', 'payload.lines[2].credentials[0]'],
    ['the same credential twice', line, ['ab'.repeat(32), 'ab'.repeat(32)], 'DUPLICATE_VALUE', 'payload.lines[2].credentials[1]'],
    ['more than ten credentials', line, Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(64, '0')), 'FIELD_TOO_LARGE', 'payload.lines[2].credentials'],
    ['credentials on a line without a GTIN', ['lines', 0, 'credentials'], ['ab'.repeat(32)], 'GTIN_REQUIRED', 'payload.lines[0].gtin'],
  ])('rejects %s', (_label, path, value, code, field) => {
    const result = parse('entry', edit(entry, path, value));
    expect(result.code).toBe(code);
    expect(result.field).toBe(field);
  });
});
