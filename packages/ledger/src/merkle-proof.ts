// RFC 9162 proof checking for the light client: inclusion (2.1.3.2) and consistency (2.1.4.2)
// verification, the proofs' one JSON form, and its strict parser.
//
// Owns: the proof types, their exact JSON bytes, and the pure checks. Must never import node:*,
// hash.ts or anything that touches storage: a browser holding a certified head and this module
// alone can check a proof. Building proofs (reads from a store) lives in merkle-log.ts.
//
// Sizes and indices are JavaScript safe integers (< 2^53); every loop below is bounded by the
// number of bits of a size, never by input lengths the caller chose.

import { bytesEqual, fromHex, toHex } from './bytes.js';
import { LedgerError, ok, reject, type Rejection, type Result } from './errors.js';
import { sha256Portable, sha256PortableParts } from './sha256-portable.js';

export const MERKLE_HASH_BYTES = 32;
/** Largest tree size (and leaf count) the log and its proofs accept. */
export const MERKLE_MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;
/** An audit path has at most ceil(log2(size)) entries: 53 for safe integers; the bound leaves room. */
export const MERKLE_MAX_INCLUSION_PATH = 64;
/** A consistency proof has at most about 2*log2(size) entries. */
export const MERKLE_MAX_CONSISTENCY_PATH = 128;

const LEAF_PREFIX = Uint8Array.of(0x00);
const INTERIOR_PREFIX = Uint8Array.of(0x01);
const EMPTY_ROOT = sha256Portable(new Uint8Array(0));

export interface InclusionProof {
  readonly type: 'inclusion';
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly auditPath: readonly Uint8Array[];
  readonly rootHash: Uint8Array;
}

export interface ConsistencyProof {
  readonly type: 'consistency';
  readonly firstSize: number;
  readonly secondSize: number;
  readonly firstRoot: Uint8Array;
  readonly secondRoot: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

export type MerkleProof = InclusionProof | ConsistencyProof;

/**
 * The interior-node hash the checks use. The light client uses the portable one (the default);
 * the node passes its node:crypto hasher to self-check the proofs it builds.
 */
export interface MerkleHasher {
  interior(left: Uint8Array, right: Uint8Array): Uint8Array;
}

/** SHA-256(0x00 ‖ leaf bytes), portable. */
export function portableLeafHash(leafBytes: Uint8Array): Uint8Array {
  return sha256PortableParts(LEAF_PREFIX, leafBytes);
}

/** SHA-256(0x01 ‖ left ‖ right), portable. */
export function portableInteriorHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256PortableParts(INTERIOR_PREFIX, left, right);
}

export const portableMerkleHasher: MerkleHasher = { interior: portableInteriorHash };

/** MTH({}) = SHA-256(""), a fresh copy. */
export function emptyRootHash(): Uint8Array {
  return EMPTY_ROOT.slice();
}

// ---------------------------------------------------------------------------------------------
// Shape checks shared by the verifiers, the serializers and the parser.

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0);
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === MERKLE_HASH_BYTES;
}

function malformed(field: string, message: string): Rejection {
  return { code: 'PROOF_MALFORMED', message: `${field}: ${message}`, field };
}

function checkHashList(list: unknown, field: string, max: number): Rejection | undefined {
  if (!Array.isArray(list)) return malformed(field, 'expected an array of 32-byte hashes');
  if (list.length > max) return malformed(field, `at most ${max} hashes, got ${list.length}`);
  for (let i = 0; i < list.length; i++) {
    if (!isHash(list[i])) return malformed(`${field}[${i}]`, 'expected a 32-byte hash');
  }
  return undefined;
}

function checkInclusionShape(p: InclusionProof): Rejection | undefined {
  if (p.type !== 'inclusion') return malformed('type', `expected "inclusion", got ${JSON.stringify(p.type)}`);
  if (!isSize(p.treeSize)) return malformed('treeSize', `expected a safe non-negative integer, got ${String(p.treeSize)}`);
  if (!isSize(p.leafIndex)) return malformed('leafIndex', `expected a safe non-negative integer, got ${String(p.leafIndex)}`);
  if (p.leafIndex >= p.treeSize) return malformed('leafIndex', `leaf index ${p.leafIndex} is not below tree size ${p.treeSize}`);
  if (!isHash(p.leafHash)) return malformed('leafHash', 'expected a 32-byte hash');
  if (!isHash(p.rootHash)) return malformed('rootHash', 'expected a 32-byte hash');
  return checkHashList(p.auditPath, 'auditPath', MERKLE_MAX_INCLUSION_PATH);
}

function checkConsistencyShape(p: ConsistencyProof): Rejection | undefined {
  if (p.type !== 'consistency') return malformed('type', `expected "consistency", got ${JSON.stringify(p.type)}`);
  if (!isSize(p.firstSize)) return malformed('firstSize', `expected a safe non-negative integer, got ${String(p.firstSize)}`);
  if (!isSize(p.secondSize)) return malformed('secondSize', `expected a safe non-negative integer, got ${String(p.secondSize)}`);
  if (p.firstSize > p.secondSize) return malformed('firstSize', `first size ${p.firstSize} is above second size ${p.secondSize}`);
  if (!isHash(p.firstRoot)) return malformed('firstRoot', 'expected a 32-byte hash');
  if (!isHash(p.secondRoot)) return malformed('secondRoot', 'expected a 32-byte hash');
  return checkHashList(p.proof, 'proof', MERKLE_MAX_CONSISTENCY_PATH);
}

function mismatch(field: string, message: string): { readonly ok: false; readonly error: Rejection } {
  return reject('PROOF_MISMATCH', `${field}: ${message}`, field);
}

// Sizes go up to 2^53, beyond 32-bit bitwise operators: halve with arithmetic.
function isOdd(n: number): boolean {
  return n % 2 === 1;
}
function half(n: number): number {
  return Math.floor(n / 2);
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 2.1.3.2: verifying an inclusion proof.

/**
 * The root an audit path leads to from `leafHash` at `leafIndex` in a tree of `treeSize`
 * (RFC 9162 2.1.3.2 steps 1-5 without the final root comparison). Rejects with PROOF_MISMATCH
 * when the path is too long or too short for (leafIndex, treeSize).
 */
export function rootFromInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  auditPath: readonly Uint8Array[],
  hasher: MerkleHasher = portableMerkleHasher,
): Result<Uint8Array> {
  if (!isSize(treeSize)) return { ok: false, error: malformed('treeSize', `expected a safe non-negative integer, got ${String(treeSize)}`) };
  if (!isSize(leafIndex) || leafIndex >= treeSize) {
    return { ok: false, error: malformed('leafIndex', `leaf index ${String(leafIndex)} is not below tree size ${treeSize}`) };
  }
  if (!isHash(leafHash)) return { ok: false, error: malformed('leafHash', 'expected a 32-byte hash') };
  const listProblem = checkHashList(auditPath, 'auditPath', MERKLE_MAX_INCLUSION_PATH);
  if (listProblem !== undefined) return { ok: false, error: listProblem };

  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (let i = 0; i < auditPath.length; i++) {
    const p = auditPath[i] as Uint8Array;
    if (sn === 0) return mismatch('auditPath', `${auditPath.length} hashes is too long for leaf ${leafIndex} of ${treeSize} (extra at ${i})`);
    if (isOdd(fn) || fn === sn) {
      r = hasher.interior(p, r);
      // The node is a left child at the right edge: climb past the levels where it has no sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hasher.interior(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return mismatch('auditPath', `${auditPath.length} hashes is too short for leaf ${leafIndex} of ${treeSize}`);
  return ok(r);
}

/** RFC 9162 2.1.3.2. The caller must still compare `rootHash` and `treeSize` with a trusted head. */
export function verifyInclusion(p: InclusionProof, hasher: MerkleHasher = portableMerkleHasher): Result<true> {
  const problem = checkInclusionShape(p);
  if (problem !== undefined) return { ok: false, error: problem };
  const computed = rootFromInclusion(p.leafIndex, p.treeSize, p.leafHash, p.auditPath, hasher);
  if (!computed.ok) return computed;
  if (!bytesEqual(computed.value, p.rootHash)) {
    return mismatch('rootHash', `audit path leads to ${toHex(computed.value)}, not ${toHex(p.rootHash)}`);
  }
  return ok(true);
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 2.1.4.2: verifying consistency between two tree heads.

/**
 * Checks that `proof` leads to `firstRoot` for `firstSize` and returns the root it implies for
 * `secondSize`. Sizes the RFC leaves undefined are settled so: equal sizes need an empty proof
 * (the second root is the first); from the empty tree (first size 0) the proof is empty, the first
 * root must be SHA-256("") and the empty tree is a prefix of any tree, so nothing about the second
 * root can be proven and `undefined` is returned in its place.
 */
export function rootFromConsistency(
  firstSize: number,
  secondSize: number,
  firstRoot: Uint8Array,
  proof: readonly Uint8Array[],
  hasher: MerkleHasher = portableMerkleHasher,
): Result<Uint8Array | undefined> {
  if (!isSize(firstSize)) return { ok: false, error: malformed('firstSize', `expected a safe non-negative integer, got ${String(firstSize)}`) };
  if (!isSize(secondSize) || secondSize < firstSize) {
    return { ok: false, error: malformed('secondSize', `second size ${String(secondSize)} is below first size ${firstSize}`) };
  }
  if (!isHash(firstRoot)) return { ok: false, error: malformed('firstRoot', 'expected a 32-byte hash') };
  const listProblem = checkHashList(proof, 'proof', MERKLE_MAX_CONSISTENCY_PATH);
  if (listProblem !== undefined) return { ok: false, error: listProblem };

  if (firstSize === 0) {
    if (proof.length !== 0) return mismatch('proof', `must be empty from the empty tree, got ${proof.length} hashes`);
    if (!bytesEqual(firstRoot, EMPTY_ROOT)) return mismatch('firstRoot', `the empty tree's root is ${toHex(EMPTY_ROOT)}, not ${toHex(firstRoot)}`);
    return ok(undefined);
  }
  if (firstSize === secondSize) {
    if (proof.length !== 0) return mismatch('proof', `must be empty for equal sizes, got ${proof.length} hashes`);
    return ok(firstRoot);
  }
  // Step 1.
  if (proof.length === 0) return mismatch('proof', `empty, but sizes ${firstSize} and ${secondSize} differ`);
  // Step 2: a power-of-two first tree is a node of the second; its root is not sent.
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : proof;
  // Steps 3-4.
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return mismatch('proof', `${proof.length} hashes is too long for sizes ${firstSize} and ${secondSize}`);
    if (isOdd(fn) || fn === sn) {
      fr = hasher.interior(c, fr);
      sr = hasher.interior(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hasher.interior(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) return mismatch('proof', `${proof.length} hashes is too short for sizes ${firstSize} and ${secondSize}`);
  if (!bytesEqual(fr, firstRoot)) return mismatch('firstRoot', `proof leads to ${toHex(fr)}, not ${toHex(firstRoot)}`);
  return ok(sr);
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n > 1) {
    if (isOdd(n)) return false;
    n = n / 2;
  }
  return true;
}

/** RFC 9162 2.1.4.2. The caller must still compare both (size, root) pairs with trusted heads. */
export function verifyConsistency(p: ConsistencyProof, hasher: MerkleHasher = portableMerkleHasher): Result<true> {
  const problem = checkConsistencyShape(p);
  if (problem !== undefined) return { ok: false, error: problem };
  const computed = rootFromConsistency(p.firstSize, p.secondSize, p.firstRoot, p.proof, hasher);
  if (!computed.ok) return computed;
  // From the empty tree nothing binds the second root (see rootFromConsistency).
  if (computed.value !== undefined && !bytesEqual(computed.value, p.secondRoot)) {
    return mismatch('secondRoot', `proof leads to ${toHex(computed.value)}, not ${toHex(p.secondRoot)}`);
  }
  return ok(true);
}

// ---------------------------------------------------------------------------------------------
// The one JSON form: lower-case hex, this key order, no other keys.

function throwIfMalformed(problem: Rejection | undefined): void {
  if (problem !== undefined) throw new LedgerError(problem.code, problem.message, problem.field === undefined ? {} : { field: problem.field });
}

export function inclusionProofToJSON(p: InclusionProof): string {
  throwIfMalformed(checkInclusionShape(p));
  return JSON.stringify({
    type: 'inclusion',
    leafIndex: p.leafIndex,
    treeSize: p.treeSize,
    leafHash: toHex(p.leafHash),
    auditPath: p.auditPath.map(toHex),
    rootHash: toHex(p.rootHash),
  });
}

export function consistencyProofToJSON(p: ConsistencyProof): string {
  throwIfMalformed(checkConsistencyShape(p));
  return JSON.stringify({
    type: 'consistency',
    firstSize: p.firstSize,
    secondSize: p.secondSize,
    firstRoot: toHex(p.firstRoot),
    secondRoot: toHex(p.secondRoot),
    proof: p.proof.map(toHex),
  });
}

export function proofToJSON(p: MerkleProof): string {
  return p.type === 'inclusion' ? inclusionProofToJSON(p) : consistencyProofToJSON(p);
}

const INCLUSION_KEYS = ['type', 'leafIndex', 'treeSize', 'leafHash', 'auditPath', 'rootHash'] as const;
const CONSISTENCY_KEYS = ['type', 'firstSize', 'secondSize', 'firstRoot', 'secondRoot', 'proof'] as const;
/** Bounds the text handed to JSON.parse: the longest consistency proof is about 8.5 KiB. */
export const MERKLE_MAX_PROOF_JSON_CHARS = 64 * 1024;

function fail(field: string, message: string, cause?: unknown): never {
  throw new LedgerError('PROOF_MALFORMED', `${field}: ${message}`, cause === undefined ? { field } : { field, cause });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function readSize(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (!isSize(value)) fail(field, `expected a safe non-negative integer, got ${describe(value)}`);
  return value;
}

function readHash(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') fail(field, `expected 64 lower-case hex characters, got ${describe(value)}`);
  try {
    return fromHex(value, field, MERKLE_HASH_BYTES);
  } catch (error) {
    return fail(field, `expected 64 lower-case hex characters, got ${describe(value)}`, error);
  }
}

function readHashList(value: unknown, field: string, max: number): Uint8Array[] {
  if (!Array.isArray(value)) fail(field, `expected an array of hashes, got ${describe(value)}`);
  if (value.length > max) fail(field, `at most ${max} hashes, got ${value.length}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < value.length; i++) out.push(readHash(value[i], `${field}[${i}]`));
  return out;
}

function checkKeys(record: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(key, `unknown field ${JSON.stringify(key.slice(0, 80))}`);
  }
  for (const key of allowed) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) fail(key, 'missing');
  }
}

/**
 * Parses a proof from its JSON text or from an already parsed value. Strict: unknown or missing
 * keys, wrong types, hex that is not 64 lower-case characters, unsafe integers and out-of-range
 * indices throw a LedgerError PROOF_MALFORMED naming the field. Key order is not significant here;
 * the serializers always write the one order.
 */
export function parseProof(json: string | unknown): MerkleProof {
  let value: unknown = json;
  if (typeof json === 'string') {
    if (json.length > MERKLE_MAX_PROOF_JSON_CHARS) fail('$', `proof JSON is ${json.length} characters, limit ${MERKLE_MAX_PROOF_JSON_CHARS}`);
    try {
      value = JSON.parse(json);
    } catch (error) {
      fail('$', 'not valid JSON', error);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('$', `expected an object, got ${describe(value)}`);
  const record = value as Record<string, unknown>;
  const type = record['type'];
  if (type === 'inclusion') {
    checkKeys(record, INCLUSION_KEYS);
    const leafIndex = readSize(record, 'leafIndex');
    const treeSize = readSize(record, 'treeSize');
    if (leafIndex >= treeSize) fail('leafIndex', `leaf index ${leafIndex} is not below tree size ${treeSize}`);
    return {
      type: 'inclusion',
      leafIndex,
      treeSize,
      leafHash: readHash(record['leafHash'], 'leafHash'),
      auditPath: readHashList(record['auditPath'], 'auditPath', MERKLE_MAX_INCLUSION_PATH),
      rootHash: readHash(record['rootHash'], 'rootHash'),
    };
  }
  if (type === 'consistency') {
    checkKeys(record, CONSISTENCY_KEYS);
    const firstSize = readSize(record, 'firstSize');
    const secondSize = readSize(record, 'secondSize');
    if (firstSize > secondSize) fail('firstSize', `first size ${firstSize} is above second size ${secondSize}`);
    return {
      type: 'consistency',
      firstSize,
      secondSize,
      firstRoot: readHash(record['firstRoot'], 'firstRoot'),
      secondRoot: readHash(record['secondRoot'], 'secondRoot'),
      proof: readHashList(record['proof'], 'proof', MERKLE_MAX_CONSISTENCY_PATH),
    };
  }
  return fail('type', `expected "inclusion" or "consistency", got ${describe(type)}`);
}
