// Cosigned heads. After applying a block each node signs a checkpoint
//   { chainId, height, blockHash, logSize, logRoot, stateRoot }
// with its organization's node key; a head is certified when it carries valid signatures from at
// least `threshold` DISTINCT member organizations. Anyone holding the membership's node keys can
// check a certified head offline, and then check Merkle proofs against its logRoot and logSize.
//
// Owns: the checkpoint's canonical bytes and signing hash, signature objects, quorum verification,
// the trusted-membership shape, and the certified head's one JSON form with its strict parser.
//
// Must stay browser-portable (the light client imports it): no node:* module, and not hash.ts or
// ed25519.ts, which load node:crypto. Hence its own domain hash over sha256-portable.ts (same tag
// and layout as hash.ts domainHash; a test checks they agree) and its own strict Ed25519 verifier
// over @noble/curves implementing ed25519.ts's rule (a test checks it answers as both back ends do
// on the RFC 8032 and speccheck vectors). The node can pass its node:crypto `verify` instead.
//
// Counting rule (decided here): only valid signatures by a current node key of a member count,
// each organization once however many of its keys signed. Everything else - a non-member key, an
// invalid or forged signature, a repeated key, a claimed LEI that is not the key's organization -
// is ignored and reported, never counted and never fatal: anyone relaying a head could append junk,
// so junk must not be able to veto a head that a quorum really signed.

import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes, fromHex, toHex, utf8 } from './bytes.js';
import { encodeCanonical } from './canonical-msgpack.js';
import { LedgerError, ok, reject, type Result } from './errors.js';
import { sha256PortableParts } from './sha256-portable.js';

/** Must equal DOMAIN.checkpoint in hash.ts (not imported: hash.ts loads node:crypto). */
export const CHECKPOINT_DOMAIN_TAG = 'tradeledger/checkpoint/v1';
export const CHECKPOINT_HASH_BYTES = 32;
/** Signatures a certified head may carry (several node keys per organization, bounded). */
export const CERTIFIED_HEAD_MAX_SIGNATURES = 256;
/** Bound on the JSON text handed to JSON.parse: 256 signatures are about 50 KiB. */
export const CERTIFIED_HEAD_MAX_JSON_CHARS = 128 * 1024;
/** Organizations a trusted membership may list. */
export const TRUSTED_MEMBERSHIP_MAX_ORGANIZATIONS = 1024;
const CHAIN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const LEI_SHAPE = /^[A-Z0-9]{18}[0-9]{2}$/;

export interface Checkpoint {
  readonly chainId: string;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly logSize: number;
  readonly logRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface CheckpointSignature {
  readonly signerPublicKey: Uint8Array;
  readonly signature: Uint8Array;
  /** The signer's organization as claimed by whoever relays it; informative, never trusted. */
  readonly lei?: string;
}

export interface CertifiedHead {
  readonly checkpoint: Checkpoint;
  readonly signatures: readonly CheckpointSignature[];
}

/** Who may certify heads: member organizations by LEI with their node keys (lower-case hex). */
export interface TrustedMembership {
  /** When present, a head of another chain is refused. */
  readonly chainId?: string;
  readonly organizations: readonly { readonly lei: string; readonly nodeKeys: readonly string[] }[];
  /** Distinct organizations whose signatures certify a head (at least 1). */
  readonly threshold: number;
}

export type Ed25519Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

// ---------------------------------------------------------------------------------------------
// Hashing and a portable strict Ed25519 check

/** SHA-256(len(tag) ‖ tag ‖ data), the layout of hash.ts domainHash, on the portable SHA-256. */
export function portableDomainHash(tag: string, data: Uint8Array): Uint8Array {
  const tagBytes = utf8(tag);
  if (tagBytes.length === 0 || tagBytes.length > 255) throw new LedgerError('DOMAIN_TAG_INVALID', `tag: expected 1 to 255 bytes, got ${tagBytes.length}`, { field: 'tag' });
  return sha256PortableParts(Uint8Array.of(tagBytes.length), tagBytes, data);
}

const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * Strict RFC 8032 Ed25519 verification, cofactorless, refusing S >= L, non-canonical or small-order
 * A, and R that is not exactly the encoding of a point of large order: the rule of ed25519.ts, on
 * @noble/curves alone. Never throws; false for any malformed input.
 */
export function verifyEd25519Portable(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || !(message instanceof Uint8Array)) return false;
  const rBytes = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= GROUP_ORDER) return false;
  let a: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    a = ed25519.Point.fromBytes(publicKey, false); // y < p, x = 0 only with the sign bit clear
  } catch {
    return false;
  }
  if (a.isSmallOrder()) return false;
  const k = bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))) % GROUP_ORDER;
  const r = ed25519.Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return bytesEqual(r.toBytes(), rBytes) && !r.isSmallOrder();
}

// ---------------------------------------------------------------------------------------------
// Checkpoint bytes

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0);
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === CHECKPOINT_HASH_BYTES;
}

function malformed(field: string, message: string): never {
  throw new LedgerError('HEAD_MALFORMED', `${field}: ${message}`, { field });
}

function checkCheckpoint(cp: Checkpoint, at = 'checkpoint'): void {
  if (typeof cp !== 'object' || cp === null) malformed(at, 'expected an object');
  if (typeof cp.chainId !== 'string' || !CHAIN_ID_PATTERN.test(cp.chainId)) malformed(`${at}.chainId`, `expected 1 to 64 characters A-Z a-z 0-9 . _ : -, got ${JSON.stringify(String(cp.chainId).slice(0, 80))}`);
  if (!isSize(cp.height)) malformed(`${at}.height`, `expected a safe non-negative integer, got ${String(cp.height)}`);
  if (!isSize(cp.logSize)) malformed(`${at}.logSize`, `expected a safe non-negative integer, got ${String(cp.logSize)}`);
  for (const key of ['blockHash', 'logRoot', 'stateRoot'] as const) if (!isHash(cp[key])) malformed(`${at}.${key}`, 'expected a 32-byte hash');
}

/** The canonical msgpack bytes of a checkpoint (exactly these six fields). */
export function encodeCheckpoint(cp: Checkpoint): Uint8Array {
  checkCheckpoint(cp);
  return encodeCanonical({ chainId: cp.chainId, height: cp.height, blockHash: cp.blockHash, logSize: cp.logSize, logRoot: cp.logRoot, stateRoot: cp.stateRoot });
}

/** What a node key signs: domainHash(DOMAIN.checkpoint, encodeCheckpoint(cp)). */
export function checkpointSigningHash(cp: Checkpoint): Uint8Array {
  return portableDomainHash(CHECKPOINT_DOMAIN_TAG, encodeCheckpoint(cp));
}

/**
 * Signs `cp` with `sign` (the node's signer over its key, e.g. `(m) => ed25519.sign(seed, m)`) and
 * checks the result verifies under `signerPublicKey` before handing it out.
 */
export function signCheckpoint(cp: Checkpoint, signerPublicKey: Uint8Array, sign: (message: Uint8Array) => Uint8Array, lei?: string): CheckpointSignature {
  const message = checkpointSigningHash(cp);
  const signature = sign(message);
  if (!verifyEd25519Portable(signerPublicKey, message, signature)) {
    throw new LedgerError('CHECKPOINT_SIGNER_MISMATCH', 'signerPublicKey: the signer did not produce a valid signature under this key', { field: 'signerPublicKey' });
  }
  return lei === undefined ? { signerPublicKey: Uint8Array.from(signerPublicKey), signature } : { signerPublicKey: Uint8Array.from(signerPublicKey), signature, lei };
}

// ---------------------------------------------------------------------------------------------
// Membership and quorum

interface MembershipIndex {
  readonly orgOfKey: ReadonlyMap<string, string>;
  readonly threshold: number;
  readonly chainId: string | undefined;
}

/**
 * Checks a trusted membership: LEI-shaped, unique organizations; 32-byte lower-case hex node keys,
 * none shared between organizations; 1 <= threshold <= organizations that have a node key.
 * Throws MEMBERSHIP_INVALID naming the field.
 */
export function checkTrustedMembership(membership: TrustedMembership): TrustedMembership {
  indexMembership(membership);
  return membership;
}

function indexMembership(membership: TrustedMembership): MembershipIndex {
  const bad = (field: string, message: string): never => {
    throw new LedgerError('MEMBERSHIP_INVALID', `${field}: ${message}`, { field });
  };
  if (typeof membership !== 'object' || membership === null || !Array.isArray(membership.organizations)) bad('membership', 'expected { organizations: [...], threshold }');
  if (membership.organizations.length > TRUSTED_MEMBERSHIP_MAX_ORGANIZATIONS) bad('organizations', `at most ${TRUSTED_MEMBERSHIP_MAX_ORGANIZATIONS}`);
  if (membership.chainId !== undefined && (typeof membership.chainId !== 'string' || !CHAIN_ID_PATTERN.test(membership.chainId))) bad('chainId', 'not a chain id');
  const orgOfKey = new Map<string, string>();
  const leis = new Set<string>();
  let withNodes = 0;
  membership.organizations.forEach((org, i) => {
    if (typeof org.lei !== 'string' || !LEI_SHAPE.test(org.lei)) bad(`organizations[${i}].lei`, `expected an LEI, got ${JSON.stringify(String(org.lei).slice(0, 40))}`);
    if (leis.has(org.lei)) bad(`organizations[${i}].lei`, `duplicate organization ${org.lei}`);
    leis.add(org.lei);
    if (!Array.isArray(org.nodeKeys)) bad(`organizations[${i}].nodeKeys`, 'expected an array of hex keys');
    if (org.nodeKeys.length > 0) withNodes++;
    org.nodeKeys.forEach((key, k) => {
      if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) bad(`organizations[${i}].nodeKeys[${k}]`, 'expected 64 lower-case hex characters');
      const owner = orgOfKey.get(key);
      if (owner !== undefined && owner !== org.lei) bad(`organizations[${i}].nodeKeys[${k}]`, `key ${key} also belongs to ${owner}`);
      orgOfKey.set(key, org.lei);
    });
  });
  const t = membership.threshold;
  if (!Number.isSafeInteger(t) || t < 1) bad('threshold', `expected an integer >= 1, got ${String(t)}`);
  if (t > withNodes) bad('threshold', `${t} organizations can never sign: only ${withNodes} have node keys`);
  return { orgOfKey, threshold: t, chainId: membership.chainId };
}

export type IgnoredSignatureReason = 'SIGNER_NOT_MEMBER' | 'SIGNATURE_INVALID' | 'SIGNER_DUPLICATE' | 'LEI_MISMATCH' | 'ORGANIZATION_ALREADY_COUNTED';

export interface CertifiedHeadVerification {
  readonly checkpoint: Checkpoint;
  /** Distinct organizations whose valid signature counted, in LEI order. */
  readonly organizations: readonly string[];
  readonly counted: readonly { readonly lei: string; readonly signerPublicKey: string }[];
  readonly ignored: readonly { readonly index: number; readonly signerPublicKey: string; readonly reason: IgnoredSignatureReason }[];
  readonly threshold: number;
}

/**
 * Whether `head` is certified under `membership`: valid signatures over the checkpoint from at
 * least `threshold` distinct member organizations (see the counting rule in the module header).
 * Rejections: HEAD_MALFORMED, HEAD_CHAIN_MISMATCH, HEAD_QUORUM_NOT_MET, MEMBERSHIP_INVALID.
 */
export function verifyCertifiedHead(head: CertifiedHead, membership: TrustedMembership, options: { readonly verifySignature?: Ed25519Verifier } = {}): Result<CertifiedHeadVerification> {
  let index: MembershipIndex;
  let message: Uint8Array;
  try {
    index = indexMembership(membership);
    if (typeof head !== 'object' || head === null) malformed('head', 'expected an object');
    checkCheckpoint(head.checkpoint);
    if (!Array.isArray(head.signatures)) malformed('signatures', 'expected an array');
    if (head.signatures.length > CERTIFIED_HEAD_MAX_SIGNATURES) malformed('signatures', `at most ${CERTIFIED_HEAD_MAX_SIGNATURES}, got ${head.signatures.length}`);
    message = checkpointSigningHash(head.checkpoint);
  } catch (error) {
    if (error instanceof LedgerError) return reject(error.code, error.message, error.field);
    throw error;
  }
  const cp = head.checkpoint;
  if (index.chainId !== undefined && cp.chainId !== index.chainId) {
    return reject('HEAD_CHAIN_MISMATCH', `checkpoint.chainId: ${JSON.stringify(cp.chainId)} is not the trusted chain ${JSON.stringify(index.chainId)}`, 'checkpoint.chainId');
  }
  const verifySignature = options.verifySignature ?? verifyEd25519Portable;
  const seenKeys = new Set<string>();
  const countedOrgs = new Set<string>();
  const counted: { lei: string; signerPublicKey: string }[] = [];
  const ignored: { index: number; signerPublicKey: string; reason: IgnoredSignatureReason }[] = [];
  head.signatures.forEach((sig, i) => {
    const keyHex = sig !== null && typeof sig === 'object' && sig.signerPublicKey instanceof Uint8Array ? toHex(sig.signerPublicKey) : '';
    const skip = (reason: IgnoredSignatureReason): void => {
      ignored.push({ index: i, signerPublicKey: keyHex, reason });
    };
    if (keyHex === '' || !(sig.signature instanceof Uint8Array)) return skip('SIGNATURE_INVALID');
    const lei = index.orgOfKey.get(keyHex);
    if (lei === undefined) return skip('SIGNER_NOT_MEMBER');
    if (sig.lei !== undefined && sig.lei !== lei) return skip('LEI_MISMATCH');
    // A key is marked seen only once its signature is valid: junk placed before a genuine
    // signature under the same key must not push the genuine one out as a duplicate.
    if (seenKeys.has(keyHex)) return skip('SIGNER_DUPLICATE');
    if (!verifySignature(sig.signerPublicKey, message, sig.signature)) return skip('SIGNATURE_INVALID');
    seenKeys.add(keyHex);
    if (countedOrgs.has(lei)) return skip('ORGANIZATION_ALREADY_COUNTED');
    countedOrgs.add(lei);
    counted.push({ lei, signerPublicKey: keyHex });
  });
  const organizations = [...countedOrgs].sort();
  if (organizations.length < index.threshold) {
    const why = ignored.length === 0 ? '' : `; ignored: ${ignored.map((x) => `#${x.index} ${x.reason}`).join(', ')}`;
    return reject('HEAD_QUORUM_NOT_MET', `signatures: ${organizations.length} of ${index.threshold} required organizations signed height ${cp.height}${why}`, 'signatures');
  }
  return ok({ checkpoint: cp, organizations, counted, ignored, threshold: index.threshold });
}

// ---------------------------------------------------------------------------------------------
// The one JSON form: lower-case hex, this key order, no other keys.

export function certifiedHeadToJSON(head: CertifiedHead): string {
  checkCheckpoint(head.checkpoint);
  if (!Array.isArray(head.signatures) || head.signatures.length > CERTIFIED_HEAD_MAX_SIGNATURES) malformed('signatures', `expected at most ${CERTIFIED_HEAD_MAX_SIGNATURES} signatures`);
  const cp = head.checkpoint;
  return JSON.stringify({
    checkpoint: { chainId: cp.chainId, height: cp.height, blockHash: toHex(cp.blockHash), logSize: cp.logSize, logRoot: toHex(cp.logRoot), stateRoot: toHex(cp.stateRoot) },
    signatures: head.signatures.map((s, i) => {
      if (!(s.signerPublicKey instanceof Uint8Array) || s.signerPublicKey.length !== 32) malformed(`signatures[${i}].signerPublicKey`, 'expected 32 bytes');
      if (!(s.signature instanceof Uint8Array) || s.signature.length !== 64) malformed(`signatures[${i}].signature`, 'expected 64 bytes');
      const out: Record<string, string> = { signerPublicKey: toHex(s.signerPublicKey), signature: toHex(s.signature) };
      if (s.lei !== undefined) out['lei'] = s.lei;
      return out;
    }),
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function asRecord(value: unknown, field: string, keys: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(field, `expected an object, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!keys.includes(key) && !optional.includes(key)) malformed(`${field}.${key}`, 'unknown field');
  for (const key of keys) if (!Object.prototype.hasOwnProperty.call(record, key)) malformed(`${field}.${key}`, 'missing');
  return record;
}

function readHex(value: unknown, field: string, bytes: number): Uint8Array {
  if (typeof value !== 'string' || value.length !== bytes * 2) malformed(field, `expected ${bytes * 2} lower-case hex characters, got ${describe(value)}`);
  try {
    return fromHex(value, field, bytes);
  } catch (error) {
    throw new LedgerError('HEAD_MALFORMED', `${field}: expected lower-case hex, got ${describe(value)}`, { field, cause: error });
  }
}

function readSize(value: unknown, field: string): number {
  if (!isSize(value)) malformed(field, `expected a safe non-negative integer, got ${describe(value)}`);
  return value;
}

/**
 * Parses a certified head from its JSON text or parsed value. Strict: unknown or missing keys,
 * wrong types, hex that is not lower case of the exact length, unsafe integers, more than
 * CERTIFIED_HEAD_MAX_SIGNATURES signatures or text above CERTIFIED_HEAD_MAX_JSON_CHARS throw
 * HEAD_MALFORMED naming the field. Signatures are not checked here (verifyCertifiedHead does).
 */
export function parseCertifiedHead(json: string | unknown): CertifiedHead {
  let value: unknown = json;
  if (typeof json === 'string') {
    if (json.length > CERTIFIED_HEAD_MAX_JSON_CHARS) malformed('$', `JSON is ${json.length} characters, limit ${CERTIFIED_HEAD_MAX_JSON_CHARS}`);
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new LedgerError('HEAD_MALFORMED', '$: not valid JSON', { field: '$', cause: error });
    }
  }
  const head = asRecord(value, '$', ['checkpoint', 'signatures']);
  const c = asRecord(head['checkpoint'], 'checkpoint', ['chainId', 'height', 'blockHash', 'logSize', 'logRoot', 'stateRoot']);
  const checkpoint: Checkpoint = {
    chainId: c['chainId'] as string,
    height: readSize(c['height'], 'checkpoint.height'),
    blockHash: readHex(c['blockHash'], 'checkpoint.blockHash', 32),
    logSize: readSize(c['logSize'], 'checkpoint.logSize'),
    logRoot: readHex(c['logRoot'], 'checkpoint.logRoot', 32),
    stateRoot: readHex(c['stateRoot'], 'checkpoint.stateRoot', 32),
  };
  checkCheckpoint(checkpoint);
  const list = head['signatures'];
  if (!Array.isArray(list)) malformed('signatures', `expected an array, got ${describe(list)}`);
  if (list.length > CERTIFIED_HEAD_MAX_SIGNATURES) malformed('signatures', `at most ${CERTIFIED_HEAD_MAX_SIGNATURES}, got ${list.length}`);
  const signatures = list.map((item, i): CheckpointSignature => {
    const s = asRecord(item, `signatures[${i}]`, ['signerPublicKey', 'signature'], ['lei']);
    const signerPublicKey = readHex(s['signerPublicKey'], `signatures[${i}].signerPublicKey`, 32);
    const signature = readHex(s['signature'], `signatures[${i}].signature`, 64);
    if (s['lei'] === undefined) return { signerPublicKey, signature };
    if (typeof s['lei'] !== 'string' || !LEI_SHAPE.test(s['lei'])) malformed(`signatures[${i}].lei`, `expected an LEI, got ${describe(s['lei'])}`);
    return { signerPublicKey, signature, lei: s['lei'] };
  });
  return { checkpoint, signatures };
}
