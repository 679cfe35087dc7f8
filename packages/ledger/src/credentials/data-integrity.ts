// W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite ("Data Integrity EdDSA
// Cryptosuites v1.0", W3C Recommendation 15 May 2025, section 3.3):
//
//   proof config  = proof options (type DataIntegrityProof, cryptosuite eddsa-jcs-2022, created,
//                   verificationMethod, proofPurpose, ...) + the document's @context, no proofValue
//   hashData      = SHA-256(JCS(proof config)) ‖ SHA-256(JCS(document without proof))
//   proofValue    = 'z' + base58btc(Ed25519 signature over hashData)
//
// Verification (3.3.2): if the proof carries @context, the document's @context must start with
// those values in order, and the document is hashed with the proof's @context in place of its own.
//
// Owns: creating one proof on a JSON document and verifying it, with every rejection a coded
// Result. Never reads a clock: `created` is an argument. One proof per document: proof sets and
// chains (an array `proof`) are refused with PROOF_MALFORMED, because nothing here needs them and
// accepting a set would mean deciding which member counts.

import { base58 } from '@scure/base';
import { bytesEqual, concatBytes, toHex } from '../bytes.js';
import { ED25519_SIGNATURE_BYTES, publicKeyFromSeed, sign as ed25519Sign, verify as ed25519Verify } from '../ed25519.js';
import { LedgerError, ok, reject, type Result } from '../errors.js';
import { sha256 } from '../hash.js';
import { parseXsdDateTimeMs } from './datetime.js';
import { parseDidKeyUrl } from './did-key.js';
import { canonicalizeJson, canonicalizeJsonBytes } from './jcs.js';

export const DATA_INTEGRITY_PROOF_TYPE = 'DataIntegrityProof';
export const EDDSA_JCS_2022 = 'eddsa-jcs-2022';
export const ASSERTION_METHOD = 'assertionMethod';
/** Longest verificationMethod URL accepted (a did:key method id is 105 characters). */
export const PROOF_MAX_VERIFICATION_METHOD_CHARS = 2048;

export const PROOF_ERROR = {
  missing: 'PROOF_MISSING',
  malformed: 'PROOF_MALFORMED',
  unsupported: 'PROOF_TYPE_UNSUPPORTED',
  purpose: 'PROOF_PURPOSE_MISMATCH',
  context: 'PROOF_CONTEXT_MISMATCH',
  unresolved: 'PROOF_VERIFICATION_METHOD_UNRESOLVED',
  signature: 'PROOF_INVALID_SIGNATURE',
  generation: 'PROOF_GENERATION_ERROR',
} as const;

type JsonObject = Record<string, unknown>;

/** A Data Integrity proof as this module writes it; verification accepts extra members too. */
export interface DataIntegrityProof {
  readonly type: typeof DATA_INTEGRITY_PROOF_TYPE;
  readonly cryptosuite: typeof EDDSA_JCS_2022;
  readonly created: string;
  readonly verificationMethod: string;
  readonly proofPurpose: string;
  readonly '@context'?: unknown;
  readonly proofValue: string;
}

export type SecuredDocument<T extends JsonObject> = T & { readonly proof: DataIntegrityProof };

export interface SignEddsaJcs2022Options {
  /** The 32-byte Ed25519 seed of the verification method's key. */
  readonly privateSeed: Uint8Array;
  /** URL of the verification method; a did:key URL is checked against the seed's public key. */
  readonly verificationMethod: string;
  /** XML Schema dateTimeStamp (with timezone): the caller's clock, never read here. */
  readonly created: string;
  readonly proofPurpose?: string;
}

export interface HashData {
  readonly proofConfigHash: Uint8Array;
  readonly documentHash: Uint8Array;
  /** proofConfigHash ‖ documentHash: the 64 bytes that are signed. */
  readonly hashData: Uint8Array;
}

/** Section 3.3.4 over already transformed (JCS) values. */
export function eddsaJcs2022HashData(unsecuredDocument: unknown, proofConfig: unknown): HashData {
  const proofConfigHash = sha256(canonicalizeJsonBytes(proofConfig));
  const documentHash = sha256(canonicalizeJsonBytes(unsecuredDocument));
  return { proofConfigHash, documentHash, hashData: concatBytes(proofConfigHash, documentHash) };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function generationError(field: string, message: string): never {
  throw new LedgerError(PROOF_ERROR.generation, `${field}: ${message}`, { field });
}

/** A copy through canonical JSON: the proof never shares objects with the caller's document. */
function jsonCopy(value: unknown): unknown {
  return JSON.parse(canonicalizeJson(value)) as unknown;
}

/**
 * Creates the eddsa-jcs-2022 proof for `document` (section 3.3.1, including step 2: the proof
 * carries the document's @context). Throws a LedgerError PROOF_GENERATION_ERROR (or a JCS_* code
 * for a document that is not JSON) naming the field.
 */
export function createEddsaJcs2022Proof(document: JsonObject, options: SignEddsaJcs2022Options): DataIntegrityProof {
  if (!isObject(document)) generationError('document', 'expected a JSON object');
  if ('proof' in document) generationError('document.proof', 'the document already has a proof (proof sets are not supported)');
  const proofPurpose = options.proofPurpose ?? ASSERTION_METHOD;
  if (typeof proofPurpose !== 'string' || proofPurpose.length === 0) generationError('proofPurpose', 'expected a non-empty string');
  parseXsdDateTimeMs(options.created, 'created', { requireTimezone: true, code: PROOF_ERROR.generation });
  const vm = options.verificationMethod;
  if (typeof vm !== 'string' || vm.length === 0 || vm.length > PROOF_MAX_VERIFICATION_METHOD_CHARS) generationError('verificationMethod', 'expected a URL string');
  const publicKey = publicKeyFromSeed(options.privateSeed);
  if (vm.startsWith('did:key:') && !bytesEqual(parseDidKeyUrl(vm).publicKey, publicKey)) {
    generationError('verificationMethod', `${vm} is not the key of the signing seed`);
  }

  const config: JsonObject = {
    type: DATA_INTEGRITY_PROOF_TYPE,
    cryptosuite: EDDSA_JCS_2022,
    created: options.created,
    verificationMethod: vm,
    proofPurpose,
  };
  if (document['@context'] !== undefined) config['@context'] = jsonCopy(document['@context']);
  const { hashData } = eddsaJcs2022HashData(document, config);
  const signature = ed25519Sign(options.privateSeed, hashData);
  return { ...(config as Omit<DataIntegrityProof, 'proofValue'>), proofValue: `z${base58.encode(signature)}` };
}

/** `document` with its eddsa-jcs-2022 proof attached (a new object; the input is not changed). */
export function signEddsaJcs2022<T extends JsonObject>(document: T, options: SignEddsaJcs2022Options): SecuredDocument<T> {
  const proof = createEddsaJcs2022Proof(document, options);
  return { ...document, proof };
}

// ---------------------------------------------------------------------------------------------
// Verification

export interface VerifyEddsaJcs2022Options {
  /**
   * Public key of a verification method URL, or undefined when it is unknown. Default: resolve
   * did:key URLs offline (`did:key:z6Mk…#z6Mk…`) and nothing else.
   */
  readonly resolvePublicKey?: (verificationMethod: string) => Uint8Array | undefined;
  /** Required proofPurpose; default 'assertionMethod'. */
  readonly expectedProofPurpose?: string;
  /** Ed25519 verification; default the ledger's strict rule on node:crypto. */
  readonly verifySignature?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

export interface VerifiedProof {
  readonly proof: JsonObject;
  readonly verificationMethod: string;
  readonly publicKey: Uint8Array;
  /** The document that was signed: no proof, @context as the proof carried it. */
  readonly unsecuredDocument: JsonObject;
}

/** The offline did:key resolution used by default: the key, or undefined for any other URL. */
export function resolveDidKeyPublicKey(verificationMethod: string): Uint8Array | undefined {
  if (!verificationMethod.startsWith('did:key:')) return undefined;
  return parseDidKeyUrl(verificationMethod, 'proof.verificationMethod').publicKey;
}

function contextList(context: unknown): unknown[] {
  return Array.isArray(context) ? context : [context];
}

function fail(code: string, field: string, message: string): { readonly ok: false; readonly error: { code: string; message: string; field?: string } } {
  return reject(code, `${field}: ${message}`, field);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Verifies the eddsa-jcs-2022 proof of `securedDocument` (section 3.3.2). Never throws on bad input:
 * the reason is a coded rejection (PROOF_MISSING, PROOF_MALFORMED, PROOF_TYPE_UNSUPPORTED,
 * PROOF_PURPOSE_MISMATCH, PROOF_CONTEXT_MISMATCH, PROOF_VERIFICATION_METHOD_UNRESOLVED,
 * PROOF_INVALID_SIGNATURE) with the field it concerns.
 */
export function verifyEddsaJcs2022(securedDocument: unknown, options: VerifyEddsaJcs2022Options = {}): Result<VerifiedProof> {
  if (!isObject(securedDocument)) return fail(PROOF_ERROR.malformed, '$', `expected a JSON object, got ${describe(securedDocument)}`);
  const proof = securedDocument['proof'];
  if (proof === undefined) return fail(PROOF_ERROR.missing, 'proof', 'the document has no proof');
  if (Array.isArray(proof)) return fail(PROOF_ERROR.malformed, 'proof', 'proof sets (an array of proofs) are not supported');
  if (!isObject(proof)) return fail(PROOF_ERROR.malformed, 'proof', `expected an object, got ${describe(proof)}`);

  // Section 3.3.5 step 2 and 3.3.3 step 1: only DataIntegrityProof / eddsa-jcs-2022.
  if (proof['type'] !== DATA_INTEGRITY_PROOF_TYPE) return fail(PROOF_ERROR.unsupported, 'proof.type', `expected "${DATA_INTEGRITY_PROOF_TYPE}", got ${describe(proof['type'])}`);
  if (proof['cryptosuite'] !== EDDSA_JCS_2022) return fail(PROOF_ERROR.unsupported, 'proof.cryptosuite', `expected "${EDDSA_JCS_2022}", got ${describe(proof['cryptosuite'])}`);
  const expectedPurpose = options.expectedProofPurpose ?? ASSERTION_METHOD;
  if (proof['proofPurpose'] !== expectedPurpose) return fail(PROOF_ERROR.purpose, 'proof.proofPurpose', `expected "${expectedPurpose}", got ${describe(proof['proofPurpose'])}`);
  const vm = proof['verificationMethod'];
  if (typeof vm !== 'string' || vm.length === 0 || vm.length > PROOF_MAX_VERIFICATION_METHOD_CHARS) {
    return fail(PROOF_ERROR.malformed, 'proof.verificationMethod', `expected a URL string, got ${describe(vm)}`);
  }
  if (proof['created'] !== undefined) {
    try {
      parseXsdDateTimeMs(proof['created'], 'proof.created', { code: PROOF_ERROR.malformed });
    } catch (error) {
      return fail(PROOF_ERROR.malformed, 'proof.created', (error as Error).message.replace(/^proof\.created: /, ''));
    }
  }

  // Step 3: proofBytes from the multibase base58btc proofValue.
  const proofValue = proof['proofValue'];
  if (typeof proofValue !== 'string' || proofValue[0] !== 'z' || proofValue.length > 128) {
    return fail(PROOF_ERROR.malformed, 'proof.proofValue', `expected a base58btc multibase string ('z…'), got ${describe(proofValue)}`);
  }
  let signature: Uint8Array;
  try {
    signature = base58.decode(proofValue.slice(1));
  } catch {
    return fail(PROOF_ERROR.malformed, 'proof.proofValue', `not base58btc after 'z': ${describe(proofValue)}`);
  }
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    return fail(PROOF_ERROR.malformed, 'proof.proofValue', `expected a ${ED25519_SIGNATURE_BYTES}-byte signature, got ${signature.length} bytes`);
  }

  // Steps 1-2 and 4: the unsecured document and the proof options; the @context rule.
  const { proof: _proof, ...unsecuredDocument } = securedDocument;
  const { proofValue: _value, ...proofOptions } = proof;
  if (proofOptions['@context'] !== undefined) {
    const required = contextList(proofOptions['@context']);
    const actual = securedDocument['@context'] === undefined ? [] : contextList(securedDocument['@context']);
    let matches = required.length <= actual.length;
    try {
      for (let i = 0; matches && i < required.length; i++) matches = canonicalizeJson(required[i]) === canonicalizeJson(actual[i]);
    } catch (error) {
      return fail(PROOF_ERROR.malformed, '@context', (error as Error).message);
    }
    if (!matches) return fail(PROOF_ERROR.context, '@context', "the document's @context does not start with the proof's @context");
    unsecuredDocument['@context'] = proofOptions['@context'];
  }

  // Steps 5-7: transformation, proof configuration, hashing.
  let hash: HashData;
  try {
    hash = eddsaJcs2022HashData(unsecuredDocument, proofOptions);
  } catch (error) {
    const e = error as LedgerError;
    return fail(PROOF_ERROR.malformed, e.field ?? '$', `not canonicalizable JSON (${e.code}): ${e.message}`);
  }

  // Step 8 (3.3.7): the key of the verification method, then Ed25519.
  let publicKey: Uint8Array | undefined;
  try {
    publicKey = (options.resolvePublicKey ?? resolveDidKeyPublicKey)(vm);
  } catch (error) {
    return fail(PROOF_ERROR.unresolved, 'proof.verificationMethod', (error as Error).message.replace(/^proof\.verificationMethod: /, ''));
  }
  if (publicKey === undefined) return fail(PROOF_ERROR.unresolved, 'proof.verificationMethod', `no public key known for ${describe(vm)}`);
  const verifySignature = options.verifySignature ?? ed25519Verify;
  if (!verifySignature(publicKey, hash.hashData, signature)) {
    return fail(PROOF_ERROR.signature, 'proof.proofValue', `signature does not verify under ${toHex(publicKey)} for ${describe(vm)}`);
  }
  return ok({ proof, verificationMethod: vm, publicKey, unsecuredDocument });
}
