import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base58 } from '@scure/base';
import { bytesEqual, fromHex, toHex } from '../../src/bytes.js';
import { publicKeyFromSeed, SMALL_ORDER_ENCODINGS } from '../../src/ed25519.js';
import { LedgerError } from '../../src/errors.js';
import {
  decodeMultikeyEd25519,
  decodeSecretKeyMultibaseEd25519,
  didKeyFromPublicKey,
  didKeyVerificationMethodId,
  encodeMultikeyEd25519,
  encodeSecretKeyMultibaseEd25519,
  parseDidKeyUrl,
  publicKeyFromDidKey,
  resolveDidKeyVerificationMethod,
} from '../../src/credentials/did-key.js';
import { codeOf } from './code-of.js';

interface DidKeyVector {
  did: string;
  seed: string;
  verificationMethodId: string;
  publicKeyBase58: string;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/vc/did-key-ed25519.json', import.meta.url), 'utf8')) as { vectors: DidKeyVector[] };


describe('did:key test vectors (w3c-ccg/did-method-key)', () => {
  it('has the five Ed25519 vectors', () => {
    expect(fixture.vectors).toHaveLength(5);
  });

  it.each(fixture.vectors.map((v) => [v.did, v] as const))('%s: seed -> key -> DID, and back', (_did, v) => {
    const publicKey = publicKeyFromSeed(fromHex(v.seed, 'seed', 32));
    expect(toHex(publicKey)).toBe(toHex(base58.decode(v.publicKeyBase58)));
    expect(didKeyFromPublicKey(publicKey)).toBe(v.did);
    expect(didKeyVerificationMethodId(publicKey)).toBe(v.verificationMethodId);
    expect(toHex(publicKeyFromDidKey(v.did))).toBe(toHex(publicKey));
    const parsed = parseDidKeyUrl(v.verificationMethodId);
    expect(parsed.did).toBe(v.did);
    expect(bytesEqual(parsed.publicKey, publicKey)).toBe(true);
    expect(resolveDidKeyVerificationMethod(v.verificationMethodId)).toEqual({
      id: v.verificationMethodId,
      type: 'Multikey',
      controller: v.did,
      publicKeyMultibase: v.did.slice('did:key:'.length),
    });
  });
});

describe('Multikey key pair of the Data Integrity EdDSA test vectors (vc-di-eddsa B.3)', () => {
  it('secretKeyMultibase decodes to the seed whose public key is publicKeyMultibase', () => {
    const seed = decodeSecretKeyMultibaseEd25519('z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq');
    expect(seed).toHaveLength(32);
    const publicKey = publicKeyFromSeed(seed);
    expect(encodeMultikeyEd25519(publicKey)).toBe('z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2');
    expect(encodeSecretKeyMultibaseEd25519(seed)).toBe('z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq');
  });
});

describe('strict decoding', () => {
  const good = fixture.vectors[1] as DidKeyVector;
  const goodMultibase = good.did.slice('did:key:'.length);

  it('refuses another multibase prefix, non-base58 text, and oversize input', () => {
    expect(codeOf(() => decodeMultikeyEd25519(`u${goodMultibase.slice(1)}`))).toBe('MULTIBASE_INVALID');
    expect(codeOf(() => decodeMultikeyEd25519(`${goodMultibase.slice(0, 10)}0${goodMultibase.slice(11)}`))).toBe('MULTIBASE_INVALID'); // '0' is not base58
    expect(codeOf(() => decodeMultikeyEd25519('z'))).toBe('MULTIBASE_INVALID');
    expect(codeOf(() => decodeMultikeyEd25519(`z${'2'.repeat(80)}`))).toBe('MULTIBASE_INVALID');
    expect(codeOf(() => decodeMultikeyEd25519(42 as unknown as string))).toBe('MULTIBASE_INVALID');
  });

  it('refuses other multicodecs (an X25519 key, a secret key) and wrong lengths', () => {
    const key = publicKeyFromDidKey(good.did);
    expect(codeOf(() => decodeMultikeyEd25519(`z${base58.encode(Uint8Array.of(0xec, 0x01, ...key))}`))).toBe('MULTICODEC_UNSUPPORTED');
    expect(codeOf(() => decodeMultikeyEd25519(encodeSecretKeyMultibaseEd25519(new Uint8Array(32))))).toBe('MULTICODEC_UNSUPPORTED');
    expect(codeOf(() => decodeMultikeyEd25519(`z${base58.encode(Uint8Array.of(0xed, 0x01, ...key.subarray(1)))}`))).toBe('KEY_LENGTH_INVALID');
    expect(codeOf(() => decodeMultikeyEd25519(`z${base58.encode(Uint8Array.of(0xed, 0x01, ...key, 0))}`))).toBe('KEY_LENGTH_INVALID');
    expect(codeOf(() => decodeSecretKeyMultibaseEd25519(goodMultibase))).toBe('MULTICODEC_UNSUPPORTED');
  });

  it('refuses keys that could never verify: small-order points', () => {
    for (const encoding of SMALL_ORDER_ENCODINGS) {
      const multibase = `z${base58.encode(Uint8Array.of(0xed, 0x01, ...encoding))}`;
      expect(codeOf(() => decodeMultikeyEd25519(multibase))).toBe('KEY_NOT_ON_CURVE');
      expect(codeOf(() => encodeMultikeyEd25519(encoding))).toBe('KEY_NOT_ON_CURVE');
    }
  });

  it('refuses DIDs of another method, with a path, query or fragment, and mismatched fragments', () => {
    expect(codeOf(() => publicKeyFromDidKey(`did:web:${goodMultibase}`))).toBe('DID_KEY_INVALID');
    expect(codeOf(() => publicKeyFromDidKey(`${good.did}#${goodMultibase}`))).toBe('DID_KEY_INVALID');
    expect(codeOf(() => publicKeyFromDidKey(`${good.did}/path`))).toBe('DID_KEY_INVALID');
    expect(codeOf(() => parseDidKeyUrl(good.did))).toBe('DID_KEY_FRAGMENT_MISMATCH');
    const other = (fixture.vectors[2] as DidKeyVector).did.slice('did:key:'.length);
    expect(codeOf(() => parseDidKeyUrl(`${good.did}#${other}`))).toBe('DID_KEY_FRAGMENT_MISMATCH');
    expect(codeOf(() => parseDidKeyUrl(`${good.did}#key-1`))).toBe('DID_KEY_FRAGMENT_MISMATCH');
  });

  it('names the field in the message', () => {
    try {
      parseDidKeyUrl('did:key:zzz#zzz', 'proof.verificationMethod');
      expect.unreachable();
    } catch (error) {
      expect((error as LedgerError).field).toBe('proof.verificationMethod');
      expect((error as LedgerError).message).toMatch(/^proof\.verificationMethod: /);
    }
  });

  it('property: encode/decode round-trips every seed-derived key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const key = publicKeyFromSeed(seed);
        const did = didKeyFromPublicKey(key);
        expect(did.startsWith('did:key:z6Mk')).toBe(true);
        expect(bytesEqual(publicKeyFromDidKey(did), key)).toBe(true);
        expect(bytesEqual(decodeSecretKeyMultibaseEd25519(encodeSecretKeyMultibaseEd25519(seed)), seed)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
