// Ed25519 keys and signatures under one verification rule, strict RFC 8032, with two back ends
// that must answer the same for every input (a node that accepts what another rejects forks the
// ledger):
//
//   - `nodeBackend` (hot path): node:crypto / OpenSSL with one cached public KeyObject per key;
//   - `nobleBackend` (reference, portable): @noble/curves point arithmetic.
//
// The rule (cofactorless, as RFC 8032 §5.1.7 permits and OpenSSL does): a signature (R, S) on
// message M under key A is valid iff
//   1. A is 32 bytes, R ‖ S is 64 bytes;
//   2. S < L (canonical scalar);
//   3. A and R are canonical point encodings (y < p; x = 0 only with the sign bit clear) and A
//      decodes to a curve point;
//   4. neither A nor R is of small order (one of the 8 torsion points);
//   5. encode([S]B - [k]A) == R bytes, k = SHA-512(R ‖ A ‖ M) mod L.
// OpenSSL checks 1, 2, 5 (and "on the curve") but accepts small-order A and R and the x = 0 /
// sign-bit-set encodings, so `strictPrecheck` adds 3 and 4 by byte comparison before it is called.
// noble's own `verify` is cofactored ([8]S B = [8]R + [8]k A) even with `zip215: false`, which
// accepts signatures with a torsion component in R that OpenSSL rejects; the noble back end
// therefore computes the cofactorless equation from noble's point operations instead.
//
// Verification never throws on bad input (wrong types or lengths answer false); signing throws a
// LedgerError on a malformed seed, since that is the caller's bug, not a peer's input.

import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes } from './bytes.js';
import { ED25519_KEY_CACHE_MAX_ENTRIES } from './constants.js';
import { assert, LedgerError } from './errors.js';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
export const ED25519_SEED_BYTES = 32;

export interface SignatureBackend {
  readonly name: 'node' | 'noble';
  /** Signs `message` with the key derived from the 32-byte `seed`; throws on a malformed seed. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false (never a throw) for any malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** The prime order of the base point, L = 2^252 + 27742317777372353535851937790883648493. */
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** L in little-endian bytes, for the byte-wise S < L check. */
const GROUP_ORDER_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/**
 * Canonical encodings of the 8 points of small order, plus the two encodings with x = 0 and the
 * sign bit set (of the identity and of (0, -1)), which RFC 8032 decoding rejects but OpenSSL
 * accepts. Encodings with y >= p are caught by the canonical-y check. The test suite derives this
 * list from noble's point arithmetic and checks it is complete.
 */
export const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
  '0100000000000000000000000000000000000000000000000000000000000080', // identity with x sign set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // (0, -1) with x sign set
  '0000000000000000000000000000000000000000000000000000000000000000', // (sqrt(-1), 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // (-sqrt(-1), 0), order 4
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}

/** S < L for the 32 little-endian bytes at `offset`. */
function isCanonicalScalar(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = bytes[offset + i] as number;
    const b = GROUP_ORDER_LE[i] as number;
    if (a !== b) return a < b;
  }
  return false; // S == L
}

/** y < p = 2^255 - 19 for the 32-byte point encoding at `offset` (the top bit is x's sign). */
function hasCanonicalY(bytes: Uint8Array, offset: number): boolean {
  if (((bytes[offset + 31] as number) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return (bytes[offset] as number) < 0xed;
}

function isSmallOrderEncoding(bytes: Uint8Array, offset: number): boolean {
  for (const encoding of SMALL_ORDER_ENCODINGS) {
    let same = true;
    for (let i = 0; i < 32 && same; i++) same = bytes[offset + i] === encoding[i];
    if (same) return true;
  }
  return false;
}

/** A and R pass the strict encoding rules: canonical y, not one of the small-order encodings. */
function isStrictPointEncoding(bytes: Uint8Array, offset: number): boolean {
  return hasCanonicalY(bytes, offset) && !isSmallOrderEncoding(bytes, offset);
}

/**
 * The strict RFC 8032 checks OpenSSL does not make: lengths, S < L, A and R canonical and not of
 * small order. Byte arithmetic only (no curve operations). A true answer still needs the
 * verification equation; a false answer means the signature is invalid under every back end.
 */
export function strictPrecheck(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (!isBytes(publicKey, ED25519_PUBLIC_KEY_BYTES) || !isBytes(signature, ED25519_SIGNATURE_BYTES)) return false;
  return isCanonicalScalar(signature, 32) && isStrictPointEncoding(publicKey, 0) && isStrictPointEncoding(signature, 0);
}

/**
 * Whether `publicKey` can ever verify a signature: 32 bytes, canonical, on the curve and not of
 * small order. Use it to refuse bad keys where they are registered (genesis, governance).
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (!isBytes(publicKey, ED25519_PUBLIC_KEY_BYTES) || !isStrictPointEncoding(publicKey, 0)) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false; // not a point on the curve: a rejection, not an error
  }
}

function requireSeed(seed: unknown): void {
  if (!isBytes(seed, ED25519_SEED_BYTES)) {
    const got = seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed;
    throw new LedgerError('KEY_SEED_INVALID', `seed: expected ${ED25519_SEED_BYTES} bytes, got ${got}`, { field: 'seed' });
  }
}

function requireMessage(message: unknown): void {
  if (!(message instanceof Uint8Array)) throw new LedgerError('SIGN_MESSAGE_INVALID', `message: expected bytes, got ${typeof message}`, { field: 'message' });
}

// ---- node:crypto back end ----

// DER prefixes of an Ed25519 SubjectPublicKeyInfo (RFC 8410) and of a PKCS#8 private key holding
// the 32-byte seed: the raw key follows each.
const SPKI_PREFIX = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));
const PKCS8_PREFIX = Uint8Array.from(Buffer.from('302e020100300506032b657004220420', 'hex'));

/**
 * Public KeyObjects by raw key, bounded: at `maxEntries` the least recently used key is dropped
 * (a Map iterates in insertion order, and a hit re-inserts its entry at the end).
 */
export class PublicKeyCache {
  readonly maxEntries: number;
  private readonly keys = new Map<string, KeyObject>();

  constructor(maxEntries: number) {
    assert(Number.isSafeInteger(maxEntries) && maxEntries > 0, 'a key cache holds at least one key');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.keys.size;
  }

  has(publicKey: Uint8Array): boolean {
    return this.keys.has(bufferView(publicKey).toString('hex'));
  }

  /** The KeyObject for a 32-byte raw key; may throw if OpenSSL refuses the key. */
  get(publicKey: Uint8Array): KeyObject {
    const id = bufferView(publicKey).toString('hex');
    let key = this.keys.get(id);
    if (key !== undefined) {
      this.keys.delete(id);
      this.keys.set(id, key);
      return key;
    }
    key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
    if (this.keys.size >= this.maxEntries) {
      const oldest = this.keys.keys().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
    this.keys.set(id, key);
    assert(this.keys.size <= this.maxEntries, 'public key cache within its cap');
    return key;
  }

  clear(): void {
    this.keys.clear();
  }
}

function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The process-wide cache behind `verify` and `nodeBackend`. */
export const publicKeyCache = new PublicKeyCache(ED25519_KEY_CACHE_MAX_ENTRIES);

// The signing key a process uses is almost always the same one: keep the last private KeyObject,
// keyed by a copy of its seed (compared byte for byte, so a caller mutating its seed is safe).
let lastSigningSeed: Uint8Array | undefined;
let lastSigningKey: KeyObject | undefined;

function privateKeyOf(seed: Uint8Array): KeyObject {
  if (lastSigningSeed !== undefined && lastSigningKey !== undefined && bytesEqual(lastSigningSeed, seed)) return lastSigningKey;
  const key = createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' });
  lastSigningSeed = Uint8Array.from(seed);
  lastSigningKey = key;
  return key;
}

function toPlainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export const nodeBackend: SignatureBackend = {
  name: 'node',
  sign(seed, message) {
    requireSeed(seed);
    requireMessage(message);
    const signature = toPlainBytes(nodeSign(null, message, privateKeyOf(seed)));
    assert(signature.length === ED25519_SIGNATURE_BYTES, 'OpenSSL returned a 64-byte Ed25519 signature');
    return signature;
  },
  verify(publicKey, message, signature) {
    if (!(message instanceof Uint8Array) || !strictPrecheck(publicKey, signature)) return false;
    try {
      return nodeVerify(null, message, publicKeyCache.get(publicKey), signature);
    } catch {
      return false; // OpenSSL refusing a key or signature is a rejection, never an error
    }
  },
};

// ---- @noble/curves back end ----

const { Point } = ed25519;

function nobleVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isBytes(publicKey, ED25519_PUBLIC_KEY_BYTES) || !isBytes(signature, ED25519_SIGNATURE_BYTES) || !(message instanceof Uint8Array)) return false;
  const rBytes = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= GROUP_ORDER) return false;
  let a: InstanceType<typeof Point>;
  try {
    a = Point.fromBytes(publicKey, false); // zip215 = false: y < p, and x = 0 only with sign bit 0
  } catch {
    return false;
  }
  if (a.isSmallOrder()) return false;
  const k = bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))) % GROUP_ORDER;
  const rCheck = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  // R must be exactly the canonical encoding of [S]B - [k]A; that also rejects non-canonical and
  // undecodable R. A small-order R can still match (S = k·a), so it is refused explicitly.
  return bytesEqual(rCheck.toBytes(), rBytes) && !rCheck.isSmallOrder();
}

export const nobleBackend: SignatureBackend = {
  name: 'noble',
  sign(seed, message) {
    requireSeed(seed);
    requireMessage(message);
    return ed25519.sign(message, seed);
  },
  verify: nobleVerify,
};

// ---- Keys and the default (node) operations ----

/** 32 random bytes from the platform CSPRNG (crypto.getRandomValues). */
export function generateSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(ED25519_SEED_BYTES));
}

export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  requireSeed(seed);
  const spki = createPublicKey(privateKeyOf(seed)).export({ format: 'der', type: 'spki' });
  assert(spki.length === SPKI_PREFIX.length + ED25519_PUBLIC_KEY_BYTES, 'Ed25519 SPKI is prefix + 32 bytes');
  return Uint8Array.from(spki.subarray(SPKI_PREFIX.length));
}

/** Signs with node:crypto. */
export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return nodeBackend.sign(seed, message);
}

/** Strict RFC 8032 verification with node:crypto and a cached KeyObject; never throws. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return nodeBackend.verify(publicKey, message, signature);
}
