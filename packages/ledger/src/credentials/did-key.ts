// did:key for Ed25519 (W3C CCG "The did:key Method v0.7") and the Multikey encoding of Ed25519 keys
// (W3C Controlled Identifiers 1.0 / Data Integrity EdDSA Cryptosuites 2.1.1):
//
//   publicKeyMultibase = 'z' + base58btc(0xed 0x01 ‖ 32-byte public key)      ("z6Mk…")
//   did                = 'did:key:' + publicKeyMultibase
//   verification method id = did + '#' + publicKeyMultibase
//   secretKeyMultibase = 'z' + base58btc(0x80 0x26 ‖ 32-byte seed)             ("z3u2…")
//
// Owns: encoding, strict decoding and resolution of these identifiers. Every decoder refuses what
// it did not itself produce: another multibase prefix, another multicodec, wrong lengths, a
// fragment that is not the key itself, and keys that could never verify (off-curve, small order).
// Pure: no clock, disk or network.

import { base58 } from '@scure/base';
import { bytesEqual, concatBytes } from '../bytes.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, isValidPublicKey } from '../ed25519.js';
import { LedgerError } from '../errors.js';

/** Multicodec varint of ed25519-pub (0xed). */
export const ED25519_PUB_MULTICODEC: Uint8Array = Uint8Array.of(0xed, 0x01);
/** Multicodec varint of ed25519-priv (0x1300). */
export const ED25519_PRIV_MULTICODEC: Uint8Array = Uint8Array.of(0x80, 0x26);
export const DID_KEY_PREFIX = 'did:key:';
export const MULTIKEY_TYPE = 'Multikey';
/** 'z' + base58 of 34 bytes is 48 characters; anything much longer is not an Ed25519 key. */
const MULTIBASE_MAX_CHARS = 64;

export const DID_KEY_ERROR = {
  multibase: 'MULTIBASE_INVALID',
  multicodec: 'MULTICODEC_UNSUPPORTED',
  keyLength: 'KEY_LENGTH_INVALID',
  keyInvalid: 'KEY_NOT_ON_CURVE',
  did: 'DID_KEY_INVALID',
  fragment: 'DID_KEY_FRAGMENT_MISMATCH',
} as const;

function fail(code: string, field: string, message: string): never {
  throw new LedgerError(code, `${field}: ${message}`, { field });
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value) : typeof value;
}

function decodeBase58btcMultibase(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || value.length < 2 || value.length > MULTIBASE_MAX_CHARS) {
    fail(DID_KEY_ERROR.multibase, field, `expected a base58btc multibase string ('z…'), got ${show(value)}`);
  }
  if (value[0] !== 'z') fail(DID_KEY_ERROR.multibase, field, `multibase prefix ${JSON.stringify(value[0])} is not 'z' (base58btc) in ${show(value)}`);
  try {
    return base58.decode(value.slice(1));
  } catch (error) {
    throw new LedgerError(DID_KEY_ERROR.multibase, `${field}: not base58btc after 'z' in ${show(value)}`, { field, cause: error });
  }
}

function withMulticodec(prefix: Uint8Array, key: Uint8Array): string {
  return `z${base58.encode(concatBytes(prefix, key))}`;
}

function stripMulticodec(bytes: Uint8Array, prefix: Uint8Array, keyLength: number, field: string, what: string): Uint8Array {
  if (bytes.length < 2 || !bytesEqual(bytes.subarray(0, 2), prefix)) {
    const got = Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join('');
    fail(DID_KEY_ERROR.multicodec, field, `expected the ${what} multicodec header 0x${Array.from(prefix, (b) => b.toString(16)).join('')}, got 0x${got}`);
  }
  if (bytes.length !== 2 + keyLength) fail(DID_KEY_ERROR.keyLength, field, `expected a ${keyLength}-byte ${what}, got ${bytes.length - 2} bytes`);
  return bytes.slice(2);
}

function requirePublicKey(publicKey: Uint8Array, field: string): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    fail(DID_KEY_ERROR.keyLength, field, `expected a ${ED25519_PUBLIC_KEY_BYTES}-byte Ed25519 public key`);
  }
  if (!isValidPublicKey(publicKey)) fail(DID_KEY_ERROR.keyInvalid, field, 'not a usable Ed25519 public key (non-canonical, off the curve or of small order)');
}

/** Multikey `publicKeyMultibase` of an Ed25519 public key: 'z6Mk…'. */
export function encodeMultikeyEd25519(publicKey: Uint8Array): string {
  requirePublicKey(publicKey, 'publicKey');
  return withMulticodec(ED25519_PUB_MULTICODEC, publicKey);
}

/** The Ed25519 public key of a `publicKeyMultibase`; strict (see the module header). */
export function decodeMultikeyEd25519(multibase: string, field = 'publicKeyMultibase'): Uint8Array {
  const bytes = decodeBase58btcMultibase(multibase, field);
  const key = stripMulticodec(bytes, ED25519_PUB_MULTICODEC, ED25519_PUBLIC_KEY_BYTES, field, 'ed25519-pub key');
  requirePublicKey(key, field);
  return key;
}

/** `secretKeyMultibase` of a 32-byte Ed25519 seed: 'z3u2…'. Handle the result as a secret. */
export function encodeSecretKeyMultibaseEd25519(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_BYTES) fail(DID_KEY_ERROR.keyLength, 'seed', `expected a ${ED25519_SEED_BYTES}-byte seed`);
  return withMulticodec(ED25519_PRIV_MULTICODEC, seed);
}

/** The 32-byte seed of a `secretKeyMultibase` (multicodec ed25519-priv). */
export function decodeSecretKeyMultibaseEd25519(multibase: string, field = 'secretKeyMultibase'): Uint8Array {
  const bytes = decodeBase58btcMultibase(multibase, field);
  return stripMulticodec(bytes, ED25519_PRIV_MULTICODEC, ED25519_SEED_BYTES, field, 'ed25519-priv seed');
}

/** `did:key:z6Mk…` of an Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  return `${DID_KEY_PREFIX}${encodeMultikeyEd25519(publicKey)}`;
}

/** The public key inside an Ed25519 `did:key` (no path, query or fragment allowed here). */
export function publicKeyFromDidKey(did: string, field = 'did'): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX)) fail(DID_KEY_ERROR.did, field, `expected 'did:key:z6Mk…', got ${show(did)}`);
  const id = did.slice(DID_KEY_PREFIX.length);
  if (/[/?#]/.test(id)) fail(DID_KEY_ERROR.did, field, `a DID has no path, query or fragment, got ${show(did)}`);
  return decodeMultikeyEd25519(id, field);
}

/** The verification method id of an Ed25519 did:key: `did:key:z6Mk…#z6Mk…`. */
export function didKeyVerificationMethodId(publicKey: Uint8Array): string {
  const multibase = encodeMultikeyEd25519(publicKey);
  return `${DID_KEY_PREFIX}${multibase}#${multibase}`;
}

export interface DidKeyUrl {
  readonly did: string;
  readonly publicKey: Uint8Array;
  readonly publicKeyMultibase: string;
}

/**
 * Parses a did:key verification method URL. The fragment must be the DID's own key (the only
 * verification method an Ed25519 did:key document lists for signing); a bare DID is refused here
 * because a proof's verificationMethod must name a method, not a controller.
 */
export function parseDidKeyUrl(url: string, field = 'verificationMethod'): DidKeyUrl {
  if (typeof url !== 'string') fail(DID_KEY_ERROR.did, field, `expected a did:key URL, got ${typeof url}`);
  const hash = url.indexOf('#');
  if (hash < 0) fail(DID_KEY_ERROR.fragment, field, `expected 'did:key:<key>#<key>', got ${show(url)} (no fragment)`);
  const did = url.slice(0, hash);
  const fragment = url.slice(hash + 1);
  const publicKey = publicKeyFromDidKey(did, field);
  const publicKeyMultibase = did.slice(DID_KEY_PREFIX.length);
  if (fragment !== publicKeyMultibase) fail(DID_KEY_ERROR.fragment, field, `fragment ${show(fragment)} is not the DID's key ${show(publicKeyMultibase)}`);
  return { did, publicKey, publicKeyMultibase };
}

export interface MultikeyVerificationMethod {
  readonly id: string;
  readonly type: typeof MULTIKEY_TYPE;
  readonly controller: string;
  readonly publicKeyMultibase: string;
}

/** Resolves a did:key verification method URL to its Multikey verification method (offline). */
export function resolveDidKeyVerificationMethod(url: string): MultikeyVerificationMethod {
  const parsed = parseDidKeyUrl(url);
  return { id: url, type: MULTIKEY_TYPE, controller: parsed.did, publicKeyMultibase: parsed.publicKeyMultibase };
}
