import { readFileSync } from 'node:fs';
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromHex, toHex } from '../src/bytes.js';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
  SMALL_ORDER_ENCODINGS,
  PublicKeyCache,
  generateSeed,
  isValidPublicKey,
  nobleBackend,
  nodeBackend,
  publicKeyCache,
  publicKeyFromSeed,
  sign,
  strictPrecheck,
  verify,
  type SignatureBackend,
} from '../src/ed25519.js';
import { ED25519_KEY_CACHE_MAX_ENTRIES } from '../src/constants.js';

interface RfcVector { name: string; secretKey: string; publicKey: string; message: string; signature: string }
interface SpecCase { index: number; message: string; publicKey: string; signature: string; strict: boolean; note: string }

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const rfc = (fixture('ed25519-rfc8032.json') as { vectors: RfcVector[] }).vectors;
const speccheck = (fixture('ed25519-speccheck.json') as { cases: SpecCase[] }).cases;
const hex = (text: string): Uint8Array => fromHex(text, 'test');
const backends: readonly SignatureBackend[] = [nodeBackend, nobleBackend];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

/** What both back ends answer, asserting that they agree. */
function verdict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const node = nodeBackend.verify(publicKey, message, signature);
  const noble = nobleBackend.verify(publicKey, message, signature);
  expect({ node, noble }).toEqual({ node: noble, noble });
  return node;
}

/** OpenSSL with no pre-checks, to show which inputs the pre-checks exist for. */
function rawOpenssl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]), format: 'der', type: 'spki' });
  return opensslVerify(null, message, key, signature);
}

function withS(signature: Uint8Array, s: bigint): Uint8Array {
  return concatBytes(signature.subarray(0, 32), numberToBytesLE(s, 32));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

const seedA = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const keyA = publicKeyFromSeed(seedA);
const messageA = new TextEncoder().encode('tradeledger edge cases');
const signatureA = sign(seedA, messageA);

describe('RFC 8032 section 7.1 test vectors', () => {
  it('carries all five vectors, TEST 1024 with its 1023-byte message and SHA(abc) with the SHA-512 of "abc"', () => {
    expect(rfc.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(hex(rfc[3]!.message).length).toBe(1023);
    expect(rfc[4]!.message).toBe(toHex(sha512(new TextEncoder().encode('abc'))));
  });
  for (const vector of rfc) {
    it(`${vector.name}: both back ends derive the key, reproduce the signature and verify it`, () => {
      const seed = hex(vector.secretKey);
      const message = hex(vector.message);
      expect(toHex(publicKeyFromSeed(seed))).toBe(vector.publicKey);
      expect(toHex(ed25519.getPublicKey(seed))).toBe(vector.publicKey);
      for (const backend of backends) {
        expect(toHex(backend.sign(seed, message))).toBe(vector.signature);
        expect(backend.verify(hex(vector.publicKey), message, hex(vector.signature))).toBe(true);
      }
      // One changed message bit fails on both.
      const changed = message.length === 0 ? Uint8Array.of(0) : flipBit(message, 0);
      expect(verdict(hex(vector.publicKey), changed, hex(vector.signature))).toBe(false);
    });
  }
});

describe('"Taming the many EdDSAs" vectors (ed25519-speccheck cases 0-11)', () => {
  it('both back ends give the strict RFC 8032 verdict recorded for each case: only case 3 is valid', () => {
    const verdicts = speccheck.map((c) => verdict(hex(c.publicKey), hex(c.message), hex(c.signature)));
    expect(verdicts).toEqual(speccheck.map((c) => c.strict));
    expect(speccheck.filter((c) => c.strict).map((c) => c.index)).toEqual([3]);
  });
  it('shows why the pre-checks and the cofactorless noble equation exist', () => {
    const accepted = (fn: (pk: Uint8Array, m: Uint8Array, s: Uint8Array) => boolean) =>
      speccheck.filter((c) => fn(hex(c.publicKey), hex(c.message), hex(c.signature))).map((c) => c.index);
    // OpenSSL alone accepts small-order A (0, 1), small-order R (2) and the x-sign-bit A (11).
    expect(accepted(rawOpenssl)).toEqual([0, 1, 2, 3, 11]);
    // noble's own verify is cofactored even with zip215: false.
    expect(accepted((pk, m, s) => ed25519.verify(s, m, pk, { zip215: false }))).toEqual([2, 3, 4, 5]);
  });
});

describe('small-order points', () => {
  it('the encoding list is exactly the 8 torsion points plus the two x = 0 encodings with the sign bit set', () => {
    const order8 = ed25519.Point.fromBytes(hex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
    expect(order8.multiply(8n).is0() || order8.multiplyUnsafe(8n).is0()).toBe(true);
    const torsion = new Set<string>();
    let point = ed25519.Point.ZERO;
    for (let i = 0; i < 8; i++) {
      torsion.add(toHex(point.toBytes()));
      point = point.add(order8);
    }
    expect(point.is0()).toBe(true);
    expect(torsion.size).toBe(8);
    const listed = SMALL_ORDER_ENCODINGS.map(toHex);
    const decodable = listed.filter((encoding) => {
      try {
        return ed25519.Point.fromBytes(hex(encoding), false).isSmallOrder();
      } catch {
        return false;
      }
    });
    expect(new Set(decodable)).toEqual(torsion);
    const undecodable = listed.filter((encoding) => !decodable.includes(encoding));
    expect(undecodable).toEqual([
      '0100000000000000000000000000000000000000000000000000000000000080',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ]);
    for (const encoding of undecodable) {
      expect(() => ed25519.Point.fromBytes(hex(encoding), false)).toThrow();
      // ZIP-215 decoding reads them as the torsion points they name.
      expect(torsion.has(toHex(ed25519.Point.fromBytes(hex(encoding), true).toBytes()))).toBe(true);
    }
  });

  it('rejects every small-order A on both back ends, including a forgery that OpenSSL alone accepts', () => {
    for (const a of SMALL_ORDER_ENCODINGS) {
      expect(verdict(a, messageA, signatureA)).toBe(false);
      expect(strictPrecheck(a, signatureA)).toBe(false);
      expect(isValidPublicKey(a)).toBe(false);
    }
    // A = identity: (R = [s]B, S = s) satisfies [S]B = R + [k]A for every message.
    const identity = SMALL_ORDER_ENCODINGS[0]!;
    const s = 123456789n;
    const forged = concatBytes(ed25519.Point.BASE.multiply(s).toBytes(), numberToBytesLE(s, 32));
    expect(rawOpenssl(identity, messageA, forged)).toBe(true);
    expect(verdict(identity, messageA, forged)).toBe(false);
  });

  it('rejects every small-order R on both back ends, including R = identity with S = k·a that OpenSSL alone accepts', () => {
    for (const r of SMALL_ORDER_ENCODINGS) {
      expect(verdict(keyA, messageA, concatBytes(r, signatureA.subarray(32)))).toBe(false);
    }
    const { scalar } = ed25519.utils.getExtendedPublicKey(seedA);
    const identity = SMALL_ORDER_ENCODINGS[0]!;
    const k = bytesToNumberLE(sha512(concatBytes(identity, keyA, messageA))) % L;
    const forged = concatBytes(identity, numberToBytesLE((k * scalar) % L, 32));
    expect(rawOpenssl(keyA, messageA, forged)).toBe(true);
    expect(verdict(keyA, messageA, forged)).toBe(false);
  });
});

describe('edge cases: identical answers on both back ends', () => {
  it('accepts the untouched signature', () => {
    expect(verdict(keyA, messageA, signatureA)).toBe(true);
    expect(verify(keyA, messageA, signatureA)).toBe(true);
  });

  it('rejects non-canonical S: S + L, S + 2L, S = L, and the largest 256-bit value', () => {
    const s = bytesToNumberLE(signatureA.subarray(32));
    expect(s < L).toBe(true);
    for (const bad of [s + L, s + 2n * L, s + 7n * L]) {
      const malleated = withS(signatureA, bad);
      // OpenSSL rejects S >= L by itself too; noble would reduce nothing: both must say false.
      expect(verdict(keyA, messageA, malleated)).toBe(false);
    }
    expect(verdict(keyA, messageA, withS(signatureA, L))).toBe(false);
    expect(verdict(keyA, messageA, withS(signatureA, 2n ** 256n - 1n))).toBe(false);
    expect(strictPrecheck(keyA, withS(signatureA, L - 1n))).toBe(true);
    expect(strictPrecheck(keyA, withS(signatureA, L))).toBe(false);
  });

  it('rejects every non-canonical encoding (y >= p, either sign bit) as A and as R', () => {
    for (let y = P; y < 2n ** 255n; y++) {
      for (const signBit of [0, 0x80]) {
        const encoding = numberToBytesLE(y, 32);
        encoding[31] = (encoding[31] as number) | signBit;
        expect(verdict(encoding, messageA, signatureA)).toBe(false);
        expect(verdict(keyA, messageA, concatBytes(encoding, signatureA.subarray(32)))).toBe(false);
        expect(isValidPublicKey(encoding)).toBe(false);
      }
    }
  });

  it('rejects wrong lengths and wrong types without throwing', () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      [keyA.subarray(0, 31), messageA, signatureA],
      [concatBytes(keyA, Uint8Array.of(0)), messageA, signatureA],
      [new Uint8Array(0), messageA, signatureA],
      [keyA, messageA, signatureA.subarray(0, 63)],
      [keyA, messageA, concatBytes(signatureA, Uint8Array.of(0))],
      [keyA, messageA, new Uint8Array(0)],
      [toHex(keyA), messageA, signatureA],
      [keyA, 'message', signatureA],
      [keyA, messageA, Array.from(signatureA)],
      [null, messageA, signatureA],
      [keyA, undefined, signatureA],
      [keyA, messageA, 42],
    ];
    for (const [publicKey, message, signature] of cases) {
      for (const backend of backends) {
        expect(backend.verify(publicKey as Uint8Array, message as Uint8Array, signature as Uint8Array)).toBe(false);
      }
    }
  });

  it('rejects the all-zero key and the all-zero signature', () => {
    expect(verdict(new Uint8Array(32), messageA, signatureA)).toBe(false);
    expect(verdict(keyA, messageA, new Uint8Array(64))).toBe(false);
    expect(verdict(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64))).toBe(false);
  });

  it('rejects keys that are not on the curve, with the same answer on both back ends', () => {
    let offCurve = 0;
    for (let i = 0; i < 64; i++) {
      const candidate = sha512(Uint8Array.of(i)).subarray(0, 32);
      if (isValidPublicKey(candidate)) continue;
      offCurve++;
      expect(verdict(candidate, messageA, signatureA)).toBe(false);
    }
    expect(offCurve).toBeGreaterThan(10); // about half of random encodings are not points
  });

  it('accepts a signature from a mixed-order key when the cofactorless equation holds (speccheck case 3), as RFC 8032 allows', () => {
    const c = speccheck[3]!;
    expect(isValidPublicKey(hex(c.publicKey))).toBe(true);
    expect(ed25519.Point.fromBytes(hex(c.publicKey)).isTorsionFree()).toBe(false);
  });
});

describe('keys and signing', () => {
  it('generates distinct 32-byte seeds whose public keys are valid', () => {
    const a = generateSeed();
    const b = generateSeed();
    expect(a.length).toBe(ED25519_SEED_BYTES);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(isValidPublicKey(publicKeyFromSeed(a))).toBe(true);
    expect(publicKeyFromSeed(a).length).toBe(ED25519_PUBLIC_KEY_BYTES);
  });

  it('refuses malformed seeds with a coded error naming the field', () => {
    for (const backend of backends) {
      expect(() => backend.sign(new Uint8Array(31), messageA)).toThrow(expect.objectContaining({ code: 'KEY_SEED_INVALID', field: 'seed' }));
    }
    expect(() => publicKeyFromSeed(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'KEY_SEED_INVALID' }));
  });

  it('signs correctly when the seed changes between calls and when the caller mutates its seed array', () => {
    const seed = Uint8Array.from(seedA);
    const first = sign(seed, messageA);
    seed[0] = (seed[0] as number) ^ 1;
    const second = sign(seed, messageA);
    expect(toHex(second)).not.toBe(toHex(first));
    expect(verify(publicKeyFromSeed(seed), messageA, second)).toBe(true);
    expect(toHex(second)).toBe(toHex(nobleBackend.sign(seed, messageA)));
    expect(ED25519_SIGNATURE_BYTES).toBe(second.length);
  });
});

describe('public key cache', () => {
  it('holds at most its cap and drops the least recently used key first', () => {
    const cache = new PublicKeyCache(3);
    const keys = [1, 2, 3, 4].map((i) => publicKeyFromSeed(sha512(Uint8Array.of(i)).subarray(0, 32)));
    const [k1, k2, k3, k4] = keys as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    cache.get(k1);
    cache.get(k2);
    cache.get(k3);
    expect(cache.get(k1)).toBe(cache.get(k1)); // a hit returns the same KeyObject and refreshes k1
    cache.get(k4); // evicts k2, the least recently used
    expect(cache.size).toBe(3);
    expect([cache.has(k1), cache.has(k2), cache.has(k3), cache.has(k4)]).toEqual([true, false, true, true]);
  });

  it('the process-wide cache uses the stated cap and fills on verification', () => {
    expect(publicKeyCache.maxEntries).toBe(ED25519_KEY_CACHE_MAX_ENTRIES);
    publicKeyCache.clear();
    expect(verify(keyA, messageA, signatureA)).toBe(true);
    expect(publicKeyCache.has(keyA)).toBe(true);
    // A key refused by the pre-checks never reaches OpenSSL or the cache.
    expect(verify(SMALL_ORDER_ENCODINGS[6]!, messageA, signatureA)).toBe(false);
    expect(publicKeyCache.has(SMALL_ORDER_ENCODINGS[6]!)).toBe(false);
    expect(publicKeyCache.size).toBe(1);
  });
});

describe('property: node and noble agree on random and mutated inputs', () => {
  const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const messageArb = fc.uint8Array({ maxLength: 200 });

  it('signs identically, both accept, and every mutation fails on both', () => {
    fc.assert(
      fc.property(seedArb, messageArb, fc.nat(), fc.nat(), (seed, message, r1, r2) => {
        const publicKey = publicKeyFromSeed(seed);
        const signature = nodeBackend.sign(seed, message);
        expect(toHex(nobleBackend.sign(seed, message))).toBe(toHex(signature));
        expect(verdict(publicKey, message, signature)).toBe(true);

        expect(verdict(publicKey, message, flipBit(signature, r1 % 512))).toBe(false);
        expect(verdict(flipBit(publicKey, r1 % 256), message, signature)).toBe(false);
        const longer = concatBytes(message, Uint8Array.of(r2 & 0xff));
        expect(verdict(publicKey, message.length > 0 ? flipBit(message, r2 % (message.length * 8)) : longer, signature)).toBe(false);
        const s = bytesToNumberLE(signature.subarray(32));
        expect(verdict(publicKey, message, withS(signature, s + L))).toBe(false);
        const torsion = SMALL_ORDER_ENCODINGS[r2 % SMALL_ORDER_ENCODINGS.length]!;
        expect(verdict(publicKey, message, concatBytes(torsion, signature.subarray(32)))).toBe(false);
        expect(verdict(torsion, message, signature)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('agree on random keys and signatures (almost all invalid)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), messageArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.boolean(), (publicKey, message, signature, canonicalS) => {
        // Half the runs clear S's top bits so S < L and the pre-checks pass to the equation.
        if (canonicalS) signature[63] = (signature[63] as number) & 0x0f;
        expect(verdict(publicKey, message, signature)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
