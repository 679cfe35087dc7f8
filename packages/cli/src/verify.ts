// Offline proof checking for `tradeledger verify-proof`: no node is trusted. A proof counts only
// against a certified head (checkpoint cosigned by a quorum of member organizations) whose log
// size and root it names exactly, with the membership taken from the network's genesis file (or a
// trusted-membership file) that the user already holds. Everything is the ledger's light client;
// this module only reads the files and shapes the verdict.

import {
  blockHash,
  BLOCK_VERSION,
  bytesEqual,
  checkTrustedMembership,
  decodeHeader,
  encodeHeader,
  headerSigningHash,
  verify as verifyEd25519,
  type BlockHeader,
  fromHex,
  parseCertifiedHead,
  parseGenesisConfig,
  parseProof,
  portableLeafHash,
  sha256,
  toHex,
  trustedMembershipFromGenesis,
  verifyConsistency,
  verifyConsistencyBetweenHeads,
  verifyInclusion,
  verifyInclusionAgainstHead,
  type CertifiedHead,
  type LightClientVerdict,
  type MerkleProof,
  type TrustedMembership,
} from '@tradeledger/ledger';
import { rejectedError, usageError } from './errors.js';

/**
 * What `prove --json` prints and `verify-proof` reads: the proof in the ledger's exact JSON, and
 * beside it whatever helps check it (all optional in a file given to verify-proof):
 *   head / older: certified heads (checkpoint.ts JSON) the proof is against;
 *   header: the block header whose logSize and logRoot the proof names (informative);
 *   txId, tx: the transaction's id and its signed bytes in hex, binding the proof's leaf.
 */
export interface ProofDocument {
  readonly proof: MerkleProof;
  readonly head?: CertifiedHead;
  readonly older?: CertifiedHead | HeaderJson;
  /** A block header (the API's JSON form) whose logSize and logRoot the proof names. */
  readonly header?: HeaderJson;
  readonly txBytes?: Uint8Array;
  readonly txId?: string;
}

const DOC_KEYS = ['proof', 'head', 'certifiedHead', 'older', 'newer', 'header', 'txId', 'tx', 'height', 'position'];

/** Reads a proof file: the bare proof JSON, or the object `prove --json` prints. */
export function parseProofDocument(value: unknown): ProofDocument {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'proof' in value) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!DOC_KEYS.includes(key)) throw rejectedError('PROOF_MALFORMED', `${key}: unknown field in the proof file (known: ${DOC_KEYS.join(', ')})`, key);
    const proof = parseProof(record['proof']);
    const headValue = record['head'] ?? record['certifiedHead'] ?? record['newer'];
    const doc: { -readonly [K in keyof ProofDocument]: ProofDocument[K] } = { proof };
    if (headValue !== undefined && headValue !== null) doc.head = parseCertifiedHead(headValue);
    if (record['older'] !== undefined && record['older'] !== null) doc.older = parseHeadFile(record['older'], 'older');
    if (record['header'] !== undefined && record['header'] !== null) doc.header = parseHeaderJson(record['header'], 'header');
    if (record['tx'] !== undefined) {
      if (typeof record['tx'] !== 'string') throw rejectedError('PROOF_MALFORMED', 'tx: expected the transaction bytes in hex', 'tx');
      doc.txBytes = fromHex(record['tx'], 'tx');
    }
    if (record['txId'] !== undefined) {
      if (typeof record['txId'] !== 'string' || !/^[0-9a-f]{64}$/.test(record['txId'])) throw rejectedError('PROOF_MALFORMED', 'txId: expected 64 lower-case hex characters', 'txId');
      doc.txId = record['txId'];
    }
    return doc;
  }
  return { proof: parseProof(value) };
}

/** The membership that certifies heads, from a genesis file ({ config } or the bare config) or a membership file. */
export function membershipFromGenesisFile(value: unknown): TrustedMembership {
  const config = typeof value === 'object' && value !== null && 'config' in value ? (value as { config: unknown }).config : value;
  const parsed = parseGenesisConfig(config);
  if (!parsed.ok) throw usageError(parsed.error.code, `--genesis: ${parsed.error.message}`, parsed.error.field ?? 'genesis');
  return trustedMembershipFromGenesis(parsed.value);
}

export function membershipFromFile(value: unknown): TrustedMembership {
  try {
    return checkTrustedMembership(value as TrustedMembership);
  } catch (error) {
    throw usageError('MEMBERSHIP_INVALID', `--membership: ${(error as Error).message}`, 'membership', error);
  }
}

export interface ProofVerdict {
  readonly verified: boolean;
  readonly type: 'inclusion' | 'consistency';
  /**
   * 'head': against a certified head (a quorum's signatures); 'header': against a block header
   * signed by its proposer; 'path': the Merkle path alone (--path-only).
   */
  readonly against: 'head' | 'header' | 'path';
  readonly code?: string;
  readonly reason?: string;
  readonly field?: string;
  readonly height?: number;
  readonly logSize?: number;
  readonly logRoot?: string;
  readonly organizations?: readonly string[];
  readonly txId?: string;
}

function fromLightClient(type: ProofVerdict['type'], verdict: LightClientVerdict, txId: string | undefined): ProofVerdict {
  if (!verdict.verified) {
    const base = { verified: false, type, against: 'head' as const, code: verdict.code, reason: verdict.reason };
    return verdict.field === undefined ? base : { ...base, field: verdict.field };
  }
  const base = { verified: true, type, against: 'head' as const, height: verdict.height, logSize: verdict.logSize, logRoot: verdict.logRoot, organizations: verdict.organizations };
  return txId === undefined ? base : { ...base, txId };
}

/** The transaction's bytes must hash to the id the file names, when both are given. */
function checkTxBinding(doc: ProofDocument): string | undefined {
  if (doc.txBytes === undefined) return doc.txId;
  const id = toHex(sha256(doc.txBytes));
  if (doc.txId !== undefined && doc.txId !== id) throw rejectedError('PROOF_LEAF_MISMATCH', `txId: the transaction bytes hash to ${id}, not ${doc.txId}`, 'txId');
  return id;
}

/** Checks a proof document against a certified head (or, with `pathOnly`, its Merkle path alone). */
export function verifyProofDocument(doc: ProofDocument, inputs: { membership?: TrustedMembership; head?: CertifiedHead | HeaderJson; older?: CertifiedHead | HeaderJson; pathOnly?: boolean }): ProofVerdict {
  const { proof } = doc;
  let txId: string | undefined;
  try {
    txId = checkTxBinding(doc);
  } catch (error) {
    return { verified: false, type: proof.type, against: inputs.pathOnly === true ? 'path' : 'head', code: (error as { code: string }).code, reason: (error as Error).message, field: 'txId' };
  }
  if (inputs.pathOnly === true) {
    const result = proof.type === 'inclusion' ? verifyInclusion(proof) : verifyConsistency(proof);
    if (!result.ok) return { verified: false, type: proof.type, against: 'path', code: result.error.code, reason: result.error.message, ...(result.error.field === undefined ? {} : { field: result.error.field }) };
    if (proof.type === 'inclusion' && doc.txBytes !== undefined) {
      const verdictWithLeaf = verifyLeafOnly(proof.leafHash, doc.txBytes);
      if (verdictWithLeaf !== undefined) return { verified: false, type: proof.type, against: 'path', code: 'PROOF_LEAF_MISMATCH', reason: verdictWithLeaf, field: 'proof.leafHash' };
    }
    const size = proof.type === 'inclusion' ? proof.treeSize : proof.secondSize;
    const root = proof.type === 'inclusion' ? proof.rootHash : proof.secondRoot;
    return { verified: true, type: proof.type, against: 'path', logSize: size, logRoot: toHex(root), ...(txId === undefined ? {} : { txId }) };
  }
  if (inputs.membership === undefined) throw usageError('MEMBERSHIP_REQUIRED', 'a proof is checked against a certified head: pass --genesis <file> (or --membership <file>), or --path-only to check the Merkle path alone', 'genesis');
  const head = inputs.head ?? doc.head ?? doc.header;
  if (head !== undefined && isHeaderJson(head)) {
    const older = inputs.older ?? doc.older;
    if (older !== undefined && !isHeaderJson(older)) throw usageError('HEAD_KIND_MIXED', 'the older head is a certified head but the newer one is a block header: give two of one kind', 'older-head');
    return verifyAgainstHeader(doc, head, inputs.membership, older, txId);
  }
  if (head === undefined) throw usageError('HEAD_REQUIRED', 'no head to check against: pass --head <file>, a proof file that carries one (prove --json), or --node to fetch it', 'head');
  if (proof.type === 'inclusion') {
    const leaf = doc.txBytes === undefined ? undefined : { txBytes: doc.txBytes };
    return fromLightClient('inclusion', verifyInclusionAgainstHead({ membership: inputs.membership, head, proof, ...(leaf === undefined ? {} : { leaf }) }), txId);
  }
  const older = inputs.older ?? doc.older;
  if (older !== undefined && isHeaderJson(older)) throw usageError('HEAD_KIND_MIXED', 'the newer head is a certified head but the older one is a block header: give two of one kind', 'older-head');
  if (older === undefined) throw usageError('HEAD_REQUIRED', 'a consistency proof needs the older certified head too: pass --older-head <file> or a proof file that carries it (prove --consistency --json)', 'older-head');
  return fromLightClient('consistency', verifyConsistencyBetweenHeads({ membership: inputs.membership, older, newer: head, proof }), undefined);
}

function verifyLeafOnly(leafHash: Uint8Array, txBytes: Uint8Array): string | undefined {
  const expected = portableLeafHash(txBytes);
  return toHex(expected) === toHex(leafHash) ? undefined : `proof is about leaf hash ${toHex(leafHash)}, not the transaction's ${toHex(expected)}`;
}

// ---- Block headers as a head ---------------------------------------------------------------
// Until nodes serve cosigned heads, the API's head is the latest block header, signed by the node
// that proposed it. Checked here: the fields re-encode to the header bytes whose SHA-256 is the
// stated block hash (canonical encoding: one byte string per header), the proposer's Ed25519
// signature over them, and that the proposer is a node key of a member organization. One proposer
// signature is weaker than a quorum's: a certified head (checkpoint) is preferred when given.

export interface HeaderJson {
  readonly header: BlockHeader;
  readonly hash: string;
  readonly signature: Uint8Array;
  /** The exact signed header bytes, when the node served them. */
  readonly headerBytes?: Uint8Array;
}

const HEADER_JSON_KEYS = ['height', 'hash', 'version', 'chainId', 'prevHash', 'txRoot', 'logSize', 'logRoot', 'stateRoot', 'timestamp', 'proposer', 'term', 'headerBytes', 'signature'] as const;
/** Older nodes served no version and no header bytes; the fields are then re-encoded (canonical: one encoding). */
const OPTIONAL_HEADER_KEYS: readonly string[] = ['version', 'headerBytes'];

function headerField(field: string, message: string): never {
  throw rejectedError('HEAD_MALFORMED', `${field}: ${message}`, field);
}

/** Parses the API's signed header JSON (node api/service.ts SignedHeaderView) strictly. */
export function parseHeaderJson(value: unknown, field = 'head'): HeaderJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) headerField(field, 'expected an object');
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!(HEADER_JSON_KEYS as readonly string[]).includes(key)) headerField(`${field}.${key}`, 'unknown field');
  for (const key of HEADER_JSON_KEYS) if (!(key in r) && !OPTIONAL_HEADER_KEYS.includes(key)) headerField(`${field}.${key}`, 'missing');
  const int = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) headerField(`${field}.${key}`, `expected a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const hex = (key: string, bytes: number | undefined): Uint8Array => {
    const v = r[key];
    if (typeof v !== 'string' || (bytes !== undefined && v.length !== bytes * 2) || v.length % 2 !== 0 || !/^[0-9a-f]*$/.test(v)) headerField(`${field}.${key}`, `expected ${bytes === undefined ? '' : `${bytes * 2} `}lower-case hex characters`);
    return fromHex(v, `${field}.${key}`, bytes);
  };
  if (typeof r['chainId'] !== 'string') headerField(`${field}.chainId`, 'expected a string');
  if (r['version'] !== undefined && r['version'] !== BLOCK_VERSION) headerField(`${field}.version`, `expected ${BLOCK_VERSION}, got ${JSON.stringify(r['version'])}`);
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    chainId: r['chainId'],
    height: int('height'),
    prevHash: hex('prevHash', 32),
    txRoot: hex('txRoot', 32),
    logSize: int('logSize'),
    logRoot: hex('logRoot', 32),
    stateRoot: hex('stateRoot', 32),
    timestamp: int('timestamp'),
    proposer: hex('proposer', 32),
    term: int('term'),
  };
  if (header.height === 0) headerField(`${field}.height`, 'the genesis header carries no proposer signature; use a later head');
  const parsed = { header, hash: toHex(hex('hash', 32)), signature: hex('signature', 64) };
  return r['headerBytes'] === undefined ? parsed : { ...parsed, headerBytes: hex('headerBytes', undefined) };
}

/** The header bytes: as served (and then their decoded fields must be the JSON's), or re-encoded from the fields. */
function headerBytesOf(head: HeaderJson): Uint8Array {
  if (head.headerBytes === undefined) return encodeHeader(head.header);
  const decoded = decodeHeader(head.headerBytes);
  const shown = head.header;
  for (const key of ['chainId', 'height', 'logSize', 'timestamp', 'term'] as const) {
    if (decoded[key] !== shown[key]) throw rejectedError('HEAD_FIELDS_MISMATCH', `head.${key}: the header bytes say ${String(decoded[key])}, the JSON ${String(shown[key])}`, `head.${key}`);
  }
  for (const key of ['prevHash', 'txRoot', 'logRoot', 'stateRoot', 'proposer'] as const) {
    if (!bytesEqual(decoded[key], shown[key])) throw rejectedError('HEAD_FIELDS_MISMATCH', `head.${key}: the header bytes say ${toHex(decoded[key])}, the JSON ${toHex(shown[key])}`, `head.${key}`);
  }
  return head.headerBytes;
}

/** A block header is a head when it hashes to its stated hash and a member's node signed it. */
export function checkHeaderHead(head: HeaderJson, membership: TrustedMembership): { ok: true; lei: string } | { ok: false; code: string; reason: string; field: string } {
  let bytes: Uint8Array;
  try {
    bytes = headerBytesOf(head);
  } catch (error) {
    return { ok: false, code: (error as { code?: string }).code ?? 'HEAD_MALFORMED', reason: (error as Error).message, field: (error as { field?: string }).field ?? 'head' };
  }
  if (toHex(blockHash(bytes)) !== head.hash) return { ok: false, code: 'HEAD_HASH_MISMATCH', reason: `the header fields hash to ${toHex(blockHash(bytes))}, not the stated block hash ${head.hash}`, field: 'head.hash' };
  if (membership.chainId !== undefined && head.header.chainId !== membership.chainId) return { ok: false, code: 'HEAD_CHAIN_MISMATCH', reason: `head of chain ${head.header.chainId}, expected ${membership.chainId}`, field: 'head.chainId' };
  const proposer = toHex(head.header.proposer);
  const org = membership.organizations.find((o) => o.nodeKeys.includes(proposer));
  if (org === undefined) return { ok: false, code: 'HEAD_SIGNER_NOT_MEMBER', reason: `proposer ${proposer} is not a node key of a member organization`, field: 'head.proposer' };
  if (!verifyEd25519(head.header.proposer, headerSigningHash(bytes), head.signature)) return { ok: false, code: 'HEAD_SIGNATURE_INVALID', reason: `the proposer's signature over block ${head.hash} does not verify`, field: 'head.signature' };
  return { ok: true, lei: org.lei };
}

/** A proof against a proposer-signed header: the header checks, then the proof names its size and root. */
export function verifyAgainstHeader(doc: ProofDocument, head: HeaderJson, membership: TrustedMembership, older: HeaderJson | undefined, txId: string | undefined): ProofVerdict {
  const { proof } = doc;
  const refuse = (code: string, reason: string, field: string): ProofVerdict => ({ verified: false, type: proof.type, against: 'header', code, reason, field });
  const checked = checkHeaderHead(head, membership);
  if (!checked.ok) return refuse(checked.code, checked.reason, checked.field);
  const h = head.header;
  if (proof.type === 'inclusion') {
    if (proof.treeSize !== h.logSize) return refuse('PROOF_HEAD_MISMATCH', `proof is for tree size ${proof.treeSize}, the head's log has ${h.logSize} leaves`, 'proof.treeSize');
    if (!bytesEqual(proof.rootHash, h.logRoot)) return refuse('PROOF_HEAD_MISMATCH', `proof root is not the head's log root ${toHex(h.logRoot)}`, 'proof.rootHash');
    if (doc.txBytes !== undefined && !bytesEqual(proof.leafHash, portableLeafHash(doc.txBytes))) return refuse('PROOF_LEAF_MISMATCH', "proof is not about the transaction's leaf", 'proof.leafHash');
    const result = verifyInclusion(proof);
    if (!result.ok) return refuse(result.error.code, result.error.message, result.error.field ?? 'proof');
  } else {
    if (proof.secondSize !== h.logSize || !bytesEqual(proof.secondRoot, h.logRoot)) return refuse('PROOF_HEAD_MISMATCH', `proof's second tree (size ${proof.secondSize}) is not the head's log (size ${h.logSize}, root ${toHex(h.logRoot)})`, 'proof.secondRoot');
    if (older !== undefined) {
      const olderChecked = checkHeaderHead(older, membership);
      if (!olderChecked.ok) return refuse(olderChecked.code, `older head: ${olderChecked.reason}`, `older.${olderChecked.field}`);
      if (proof.firstSize !== older.header.logSize || !bytesEqual(proof.firstRoot, older.header.logRoot)) return refuse('PROOF_HEAD_MISMATCH', "proof's first tree is not the older head's log", 'proof.firstRoot');
    }
    let result;
    try {
      result = verifyConsistency(proof);
    } catch (error) {
      return refuse((error as { code?: string }).code ?? 'PROOF_MALFORMED', (error as Error).message, 'proof');
    }
    if (!result.ok) return refuse(result.error.code, `the newer log does not extend the older one: ${result.error.message}`, result.error.field ?? 'proof');
  }
  const base = { verified: true, type: proof.type, against: 'header' as const, height: h.height, logSize: h.logSize, logRoot: toHex(h.logRoot), organizations: [checked.lei] };
  return txId === undefined ? base : { ...base, txId };
}

export function isHeaderJson(value: CertifiedHead | HeaderJson): value is HeaderJson {
  return 'header' in value && 'hash' in value;
}

/** A head file: a certified head ({ checkpoint, signatures }) or a block header (`head --json`). */
export function parseHeadFile(value: unknown, field: string): CertifiedHead | HeaderJson {
  if (typeof value === 'object' && value !== null && 'checkpoint' in value) return parseCertifiedHead(value);
  return parseHeaderJson(value, field);
}
