import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/bytes.js';
import { nobleBackend, publicKeyFromSeed } from '../../src/ed25519.js';
import { LedgerError } from '../../src/errors.js';
import { sha256 } from '../../src/hash.js';
import {
  createEddsaJcs2022Proof,
  eddsaJcs2022HashData,
  signEddsaJcs2022,
  verifyEddsaJcs2022,
} from '../../src/credentials/data-integrity.js';
import { decodeSecretKeyMultibaseEd25519, didKeyVerificationMethodId } from '../../src/credentials/did-key.js';
import { canonicalizeJson, parseJsonStrict } from '../../src/credentials/jcs.js';

// The W3C Recommendation's eddsa-jcs-2022 vector (Data Integrity EdDSA Cryptosuites v1.0, Appendix
// B.3); see fixtures/vc/eddsa-jcs-2022/README.md for the source of every file.
const dir = new URL('../fixtures/vc/eddsa-jcs-2022/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const signedText = read('signed-credential.json');
const signed = parseJsonStrict(signedText) as Record<string, unknown> & { proof: Record<string, unknown> };
const unsigned = parseJsonStrict(read('unsigned-credential.json')) as Record<string, unknown>;
const proofOptions = parseJsonStrict(read('proof-options.json')) as Record<string, unknown>;
const keyPair = JSON.parse(read('key-pair.json')) as { publicKeyMultibase: string; secretKeyMultibase: string };
const hashes = JSON.parse(read('hashes.json')) as Record<string, string>;
const seed = decodeSecretKeyMultibaseEd25519(keyPair.secretKeyMultibase);
const signOptions = { privateSeed: seed, verificationMethod: proofOptions['verificationMethod'] as string, created: proofOptions['created'] as string };

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function rejectionCode(value: unknown, options?: Parameters<typeof verifyEddsaJcs2022>[1]): string {
  const result = verifyEddsaJcs2022(value, options);
  if (result.ok) throw new Error('expected a rejection');
  return result.error.code;
}

describe('the published eddsa-jcs-2022 vector', () => {
  it('canonical forms and hashes match the appendix examples 31-36', () => {
    expect(canonicalizeJson(unsigned)).toBe(read('canonical-credential.txt'));
    expect(canonicalizeJson(proofOptions)).toBe(read('canonical-proof-options.txt'));
    const { documentHash, proofConfigHash, hashData } = eddsaJcs2022HashData(unsigned, proofOptions);
    expect(toHex(documentHash)).toBe(hashes['credentialHashHex']);
    expect(toHex(proofConfigHash)).toBe(hashes['proofOptionsHashHex']);
    expect(toHex(hashData)).toBe(hashes['combinedHashHex']);
    expect(toHex(sha256(utf8(read('canonical-credential.txt'))))).toBe(hashes['credentialHashHex']);
  });

  it('sign reproduces the exact proofValue and signed credential (Ed25519 is deterministic)', () => {
    const proof = createEddsaJcs2022Proof(unsigned, signOptions);
    expect(proof.proofValue).toBe(hashes['signatureMultibase']);
    expect(proof.proofValue).toBe(signed.proof['proofValue']);
    const secured = signEddsaJcs2022(unsigned, signOptions);
    expect(secured).toEqual(signed);
    // Same member order as the appendix, so the pretty-printed text is byte-identical.
    expect(`${JSON.stringify(secured, null, 2)}\n`).toBe(signedText);
    expect('proof' in unsigned).toBe(false); // the input is not modified
    expect(didKeyVerificationMethodId(publicKeyFromSeed(seed))).toBe(signOptions.verificationMethod);
  });

  it('verify accepts it, resolving the did:key offline, with both Ed25519 back ends', () => {
    const result = verifyEddsaJcs2022(signed);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.verificationMethod).toBe(signOptions.verificationMethod);
    expect(toHex(result.value.publicKey)).toBe(toHex(publicKeyFromSeed(seed)));
    expect(result.value.unsecuredDocument).toEqual(unsigned);
    expect(verifyEddsaJcs2022(signed, { verifySignature: nobleBackend.verify }).ok).toBe(true);
  });

  it('verify rejects it after any one-character change of the serialized credential', () => {
    const baseline = canonicalizeJson(signed);
    // Replacements: the next character of the same class plus characters that are structural in
    // JSON, so changes inside strings, to names, numbers-to-be and punctuation are all covered.
    const extra = ['x', 'Z', '0', ' ', '\t', '"', ',', ':', '{', '}', '[', ']', '\\', '#', '.', '-'];
    const successor = (c: string): string => {
      if (/[a-y]|[A-Y]|[0-8]/.test(c)) return String.fromCharCode(c.charCodeAt(0) + 1);
      if (c === 'z') return 'a';
      if (c === 'Z') return 'A';
      if (c === '9') return '0';
      return 'q';
    };
    const tally = { variants: 0, unparsable: 0, sameValue: 0, rejected: 0 };
    const accepted: string[] = [];
    const sameValueChars = new Set<string>();
    for (let i = 0; i < signedText.length; i++) {
      const original = signedText[i] as string;
      for (const replacement of new Set([successor(original), ...extra])) {
        if (replacement === original) continue;
        tally.variants++;
        const text = signedText.slice(0, i) + replacement + signedText.slice(i + 1);
        let value: unknown;
        try {
          value = parseJsonStrict(text);
        } catch (error) {
          expect(error).toBeInstanceOf(LedgerError);
          tally.unparsable++;
          continue;
        }
        if (canonicalizeJson(value) === baseline) {
          // Same JSON value (whitespace between tokens changed): nothing to detect.
          tally.sameValue++;
          sameValueChars.add(original);
          continue;
        }
        const result = verifyEddsaJcs2022(value);
        if (result.ok) accepted.push(`offset ${i}: ${JSON.stringify(original)} -> ${JSON.stringify(replacement)}`);
        else tally.rejected++;
      }
    }
    expect(accepted).toEqual([]);
    // The only changes that leave the value alone are to the whitespace between tokens.
    expect([...sameValueChars].sort()).toEqual(['\n', ' ']);
    expect(tally.rejected).toBeGreaterThan(signedText.length); // many values really did change
    expect(tally.variants).toBe(tally.unparsable + tally.sameValue + tally.rejected);
  });
});

describe('rejections are coded', () => {
  it('no proof, a proof set, or a non-object', () => {
    expect(rejectionCode(unsigned)).toBe('PROOF_MISSING');
    expect(rejectionCode({ ...signed, proof: [signed.proof] })).toBe('PROOF_MALFORMED');
    expect(rejectionCode({ ...signed, proof: 'z123' })).toBe('PROOF_MALFORMED');
    expect(rejectionCode([signed])).toBe('PROOF_MALFORMED');
    expect(rejectionCode(null)).toBe('PROOF_MALFORMED');
  });

  it('another proof type, cryptosuite or purpose', () => {
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, type: 'Ed25519Signature2020' } })).toBe('PROOF_TYPE_UNSUPPORTED');
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, cryptosuite: 'eddsa-rdfc-2022' } })).toBe('PROOF_TYPE_UNSUPPORTED');
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, proofPurpose: 'authentication' } })).toBe('PROOF_PURPOSE_MISMATCH');
    expect(rejectionCode(signed, { expectedProofPurpose: 'authentication' })).toBe('PROOF_PURPOSE_MISMATCH');
  });

  it('malformed proofValue and created', () => {
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, proofValue: 'u' + (signed.proof['proofValue'] as string).slice(1) } })).toBe('PROOF_MALFORMED');
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, proofValue: 'z0OIl' } })).toBe('PROOF_MALFORMED');
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, proofValue: 'z2HnFSS' } })).toBe('PROOF_MALFORMED');
    const withoutValue = clone(signed);
    delete (withoutValue.proof as Record<string, unknown>)['proofValue'];
    expect(rejectionCode(withoutValue)).toBe('PROOF_MALFORMED');
    expect(rejectionCode({ ...signed, proof: { ...signed.proof, created: '2023-02-30T00:00:00Z' } })).toBe('PROOF_MALFORMED');
  });

  it("the @context rule: the document's context must start with the proof's", () => {
    const reordered = clone(signed);
    reordered['@context'] = [...(signed['@context'] as string[])].reverse();
    expect(rejectionCode(reordered)).toBe('PROOF_CONTEXT_MISMATCH');
    const prepended = clone(signed);
    prepended['@context'] = ['https://example.org/other', ...(signed['@context'] as string[])];
    expect(rejectionCode(prepended)).toBe('PROOF_CONTEXT_MISMATCH');
    const missing = clone(signed);
    delete missing['@context'];
    expect(rejectionCode(missing)).toBe('PROOF_CONTEXT_MISMATCH');
    const proofContextChanged = clone(signed);
    proofContextChanged.proof['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    // Now the document starts with the proof's context, but the signed proof config changed.
    expect(rejectionCode(proofContextChanged)).toBe('PROOF_INVALID_SIGNATURE');
    // Section 3.3.2 step 4.2: contexts appended after the proof's are outside the signature.
    const appended = clone(signed);
    appended['@context'] = [...(signed['@context'] as string[]), 'https://example.org/appended'];
    expect(verifyEddsaJcs2022(appended).ok).toBe(true);
  });

  it('verification methods that do not resolve, and custom resolvers', () => {
    const https = signEddsaJcs2022(unsigned, { ...signOptions, verificationMethod: 'https://vc.example/issuers/5678#key-1' });
    expect(rejectionCode(https)).toBe('PROOF_VERIFICATION_METHOD_UNRESOLVED');
    const publicKey = publicKeyFromSeed(seed);
    expect(verifyEddsaJcs2022(https, { resolvePublicKey: (vm) => (vm === 'https://vc.example/issuers/5678#key-1' ? publicKey : undefined) }).ok).toBe(true);
    const otherKey = publicKeyFromSeed(new Uint8Array(32).fill(7));
    expect(rejectionCode(https, { resolvePublicKey: () => otherKey })).toBe('PROOF_INVALID_SIGNATURE');
    const badDid = clone(signed);
    badDid.proof['verificationMethod'] = 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#key-1';
    expect(rejectionCode(badDid)).toBe('PROOF_VERIFICATION_METHOD_UNRESOLVED');
  });

  it('a document that is not JSON-canonicalizable is malformed, not an exception', () => {
    const result = verifyEddsaJcs2022({ ...signed, extra: Number.NaN });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'PROOF_MALFORMED', field: '$.extra' });
  });
});

describe('signing refuses what it cannot sign honestly', () => {
  const codeOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      return (error as LedgerError).code;
    }
    throw new Error('expected a throw');
  };
  it('a did:key of another key, a created without timezone, an existing proof, non-JSON content', () => {
    const other = didKeyVerificationMethodId(publicKeyFromSeed(new Uint8Array(32).fill(9)));
    expect(codeOf(() => signEddsaJcs2022(unsigned, { ...signOptions, verificationMethod: other }))).toBe('PROOF_GENERATION_ERROR');
    expect(codeOf(() => signEddsaJcs2022(unsigned, { ...signOptions, created: '2023-02-24T23:36:38' }))).toBe('PROOF_GENERATION_ERROR');
    expect(codeOf(() => signEddsaJcs2022(signed, signOptions))).toBe('PROOF_GENERATION_ERROR');
    expect(codeOf(() => signEddsaJcs2022({ ...unsigned, when: new Date(0) }, signOptions))).toBe('JCS_NOT_JSON');
    expect(codeOf(() => signEddsaJcs2022({ ...unsigned, n: undefined }, signOptions))).toBe('JCS_NOT_JSON');
  });

  it('a fresh credential round-trips with a document without @context (no proof @context then)', () => {
    const doc = { id: 'urn:x', n: '1.50' };
    const secured = signEddsaJcs2022(doc, { ...signOptions, created: '2025-01-02T03:04:05+01:00' });
    expect('@context' in secured.proof).toBe(false);
    expect(verifyEddsaJcs2022(secured).ok).toBe(true);
    expect(verifyEddsaJcs2022({ ...secured, n: '1.5' }).ok).toBe(false);
  });
});
