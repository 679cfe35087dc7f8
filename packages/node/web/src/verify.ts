// The page's proof check, as pure functions over values already fetched (so they run the same in a
// unit test and in the browser): the membership the page trusts and its fingerprint, whether a
// certified head is certified by it, and whether a document's transaction is in that head's log.
// Everything is decided with the ledger's light client (`@tradeledger/ledger/browser`); nothing the
// server says about validity is taken on trust.
//
// Owns: the verdicts the badges show. Must never: touch the DOM, storage or the network, or answer
// 'verified' unless verifyInclusionAgainstHead verified the document's own bytes.

import {
  checkTrustedMembership,
  fromHex,
  openSignedTxPortable,
  parseCertifiedHead,
  parseProof,
  sha256Portable,
  toHex,
  utf8,
  verifyCertifiedHead,
  verifyInclusionAgainstHead,
  type CertifiedHead,
  type InclusionProof,
  type TrustedMembership,
} from '@tradeledger/ledger/browser';

/** Hex characters of SHA-256 shown as a membership's fingerprint. */
export const FINGERPRINT_HEX_CHARS = 16;
/** Longest transaction accepted as bytes (the hex text of it), well above the node's limit. */
const TX_TEXT_MAX_CHARS = 4 * 1024 * 1024;

/** A membership the page may trust: the light client's form, names for display, its fingerprint. */
export interface MembershipAnchor {
  readonly membership: TrustedMembership & { readonly chainId: string };
  readonly names: Readonly<Record<string, string>>;
  readonly fingerprint: string;
}

export class VerifyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VerifyError';
  }
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'ERROR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Membership: parse what /v1/membership answers, fingerprint it, decide against the pinned one.

/**
 * The canonical JSON of a membership (RFC 8785 for these values: keys sorted, no spaces), with
 * organizations sorted by LEI and keys sorted, so one set of members has one fingerprint.
 * Names are left out: they are labels, not part of what certifies heads.
 */
export function canonicalMembershipJson(membership: TrustedMembership): string {
  const organizations = [...membership.organizations]
    .map((org) => ({ lei: org.lei, nodeKeys: [...org.nodeKeys].sort() }))
    .sort((a, b) => (a.lei < b.lei ? -1 : a.lei > b.lei ? 1 : 0));
  const orgs = organizations.map((org) => `{"lei":${JSON.stringify(org.lei)},"nodeKeys":[${org.nodeKeys.map((k) => JSON.stringify(k)).join(',')}]}`);
  const chain = membership.chainId === undefined ? '' : `"chainId":${JSON.stringify(membership.chainId)},`;
  return `{${chain}"organizations":[${orgs.join(',')}],"threshold":${membership.threshold}}`;
}

export function membershipFingerprint(membership: TrustedMembership): string {
  return toHex(sha256Portable(utf8(canonicalMembershipJson(membership)))).slice(0, FINGERPRINT_HEX_CHARS);
}

/** Narrows a /v1/membership answer (or a pinned copy) and checks it with the light client. Throws MEMBERSHIP_INVALID. */
export function parseMembershipView(json: unknown): MembershipAnchor & { readonly height?: number } {
  const bad = (field: string, what: string): never => {
    throw new VerifyError('MEMBERSHIP_INVALID', `membership.${field}: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('', 'expected an object');
  const view = json as { chainId?: unknown; organizations?: unknown; threshold?: unknown; height?: unknown };
  if (typeof view.chainId !== 'string') bad('chainId', 'expected a string');
  if (!Array.isArray(view.organizations)) bad('organizations', 'expected an array');
  if (typeof view.threshold !== 'number') bad('threshold', 'expected a number');
  const names: Record<string, string> = {};
  const organizations = (view.organizations as unknown[]).map((org, i) => {
    if (typeof org !== 'object' || org === null) return bad(`organizations[${i}]`, 'expected an object');
    const o = org as { lei?: unknown; name?: unknown; nodeKeys?: unknown };
    if (typeof o.lei !== 'string') bad(`organizations[${i}].lei`, 'expected a string');
    if (!Array.isArray(o.nodeKeys) || !o.nodeKeys.every((k): k is string => typeof k === 'string')) bad(`organizations[${i}].nodeKeys`, 'expected an array of strings');
    if (typeof o.name === 'string') names[o.lei as string] = o.name;
    return { lei: o.lei as string, nodeKeys: [...(o.nodeKeys as string[])] };
  });
  const membership = { chainId: view.chainId as string, organizations, threshold: view.threshold as number };
  try {
    checkTrustedMembership(membership);
  } catch (error) {
    throw new VerifyError(codeOf(error), messageOf(error));
  }
  const anchor = { membership, names, fingerprint: membershipFingerprint(membership) };
  return typeof view.height === 'number' ? { ...anchor, height: view.height } : anchor;
}

/** What to do with the membership a node serves, given the one pinned on first use (if any). */
export type PinDecision =
  | { readonly action: 'pin'; readonly anchor: MembershipAnchor }
  | { readonly action: 'same'; readonly anchor: MembershipAnchor }
  /** Verify against `pinned` until the person accepts `served`. */
  | { readonly action: 'changed'; readonly pinned: MembershipAnchor; readonly served: MembershipAnchor };

export function decidePin(pinned: MembershipAnchor | undefined, served: MembershipAnchor): PinDecision {
  if (pinned === undefined) return { action: 'pin', anchor: served };
  if (pinned.fingerprint === served.fingerprint && canonicalMembershipJson(pinned.membership) === canonicalMembershipJson(served.membership)) {
    // Same members: the names stay the pinned ones (names are outside the fingerprint, so a node
    // could otherwise relabel a member for the rest of the load).
    return { action: 'same', anchor: pinned };
  }
  return { action: 'changed', pinned, served };
}

/** The one localStorage key of the pin: one pinned membership per origin, whatever chain a node names. */
export const MEMBERSHIP_PIN_KEY = 'tradeledger.membership';

/** The text stored under MEMBERSHIP_PIN_KEY for a pinned membership (chainId inside it). */
export function pinText(anchor: MembershipAnchor): string {
  return JSON.stringify({ membership: anchor.membership, names: anchor.names, fingerprint: anchor.fingerprint });
}

/** Reads a stored pin; text that no longer parses (or none) is no pin. */
export function readPinText(text: string | null): MembershipAnchor | undefined {
  if (text === null) return undefined;
  try {
    const stored = JSON.parse(text) as { membership?: unknown; names?: unknown };
    const membership = stored.membership as { organizations?: unknown } | undefined;
    const names = (typeof stored.names === 'object' && stored.names !== null ? stored.names : {}) as Record<string, unknown>;
    const organizations = Array.isArray(membership?.organizations)
      ? (membership.organizations as Array<{ lei?: unknown }>).map((o) => ({ ...o, name: typeof o.lei === 'string' && typeof names[o.lei] === 'string' ? names[o.lei] : undefined }))
      : membership?.organizations;
    const { height: _height, ...anchor } = parseMembershipView({ ...membership, organizations });
    return anchor;
  } catch {
    return undefined;
  }
}

/**
 * The pin decision for one page load: the stored pin (text under MEMBERSHIP_PIN_KEY, or null)
 * against what the node serves. Another chainId is another membership: 'changed', never a new pin.
 */
export function decideStoredPin(storedText: string | null, served: MembershipAnchor): PinDecision {
  return decidePin(readPinText(storedText), served);
}

// ---------------------------------------------------------------------------------------------
// Certified heads

export type HeadCheck =
  | {
      readonly ok: true;
      readonly head: CertifiedHead;
      readonly height: number;
      readonly logSize: number;
      readonly logRoot: string;
      readonly blockHash: string;
      /** LEIs whose signature counted, sorted. */
      readonly organizations: readonly string[];
      readonly threshold: number;
      /** Signatures that did not count, with why. */
      readonly ignored: readonly { readonly signerPublicKey: string; readonly reason: string }[];
    }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** Parses a /v1/head/certified answer and checks its signatures against the membership. */
export function checkHead(json: unknown, membership: TrustedMembership): HeadCheck {
  let head: CertifiedHead;
  try {
    head = parseCertifiedHead(json);
  } catch (error) {
    return { ok: false, code: codeOf(error), reason: messageOf(error) };
  }
  const result = verifyCertifiedHead(head, membership);
  if (!result.ok) return { ok: false, code: result.error.code, reason: result.error.message };
  const cp = result.value.checkpoint;
  return {
    ok: true,
    head,
    height: cp.height,
    logSize: cp.logSize,
    logRoot: toHex(cp.logRoot),
    blockHash: toHex(cp.blockHash),
    organizations: result.value.organizations,
    threshold: result.value.threshold,
    ignored: result.value.ignored.map((x) => ({ signerPublicKey: x.signerPublicKey, reason: x.reason })),
  };
}

/**
 * The head a page load may hold: certified by the membership, else thrown (with the light
 * client's code), so a head that does not check out is never kept for later proofs.
 */
export function headToHold(json: unknown, membership: TrustedMembership): { readonly json: unknown; readonly logSize: number } {
  const check = checkHead(json, membership);
  if (!check.ok) throw new VerifyError(check.code, `/v1/head/certified: ${check.reason}`);
  if (!Number.isSafeInteger(check.logSize) || check.logSize < 1) throw new VerifyError('RESPONSE_MALFORMED', `/v1/head/certified: log size ${check.logSize}, expected at least 1`);
  return { json, logSize: check.logSize };
}

// ---------------------------------------------------------------------------------------------
// Transaction bytes

/**
 * The signed bytes of transaction `txId` from the text /v1/tx answers (`tx.bytes`, lower-case hex).
 * The hash is the check: bytes that do not hash to the id are refused with TX_BYTES_MISMATCH.
 */
export function txBytesFor(txId: string, text: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(txId)) throw new VerifyError('TX_ID_INVALID', `tx id ${txId.slice(0, 80)}: expected 64 lower-case hex characters`);
  if (text.length === 0 || text.length > TX_TEXT_MAX_CHARS || text.length % 2 !== 0 || !/^[0-9a-f]+$/.test(text)) {
    throw new VerifyError('TX_BYTES_MISMATCH', `tx.bytes: expected 2 to ${TX_TEXT_MAX_CHARS} lower-case hex characters, got ${text.length} characters`);
  }
  const bytes = fromHex(text, 'tx.bytes');
  if (toHex(sha256Portable(bytes)) !== txId) throw new VerifyError('TX_BYTES_MISMATCH', `tx.bytes: the bytes the node sent do not hash to ${txId}`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// One document's proof

export type ProofOutcome =
  | { readonly state: 'verified'; readonly height: number; readonly logSize: number; readonly organizations: readonly string[]; readonly threshold: number }
  /** Not checked: without the document's signed bytes no leaf can be bound to it. */
  | { readonly state: 'unavailable'; readonly reason: string }
  | { readonly state: 'failed'; readonly code: string; readonly reason: string };

export interface DocumentProofInput {
  readonly txId: string;
  readonly membership: TrustedMembership;
  /** The certified head as the node sent it (JSON value). */
  readonly head: unknown;
  /** The `proof` member of /v1/proof/inclusion/{txId} (JSON value). */
  readonly proof: unknown;
  /** The transaction's signed bytes (checked here to hash to txId). Without them nothing is checked. */
  readonly txBytes?: Uint8Array;
}

export const NO_BYTES_REASON = "not checked: the document's signed bytes need an access token";

export function failed(code: string, reason: string): ProofOutcome {
  return { state: 'failed', code, reason };
}

export function unavailable(reason: string = NO_BYTES_REASON): ProofOutcome {
  return { state: 'unavailable', reason };
}

/** The proof's tree size, to tell whether it was built against another head than the one held. */
export function proofTreeSize(proofJson: unknown): number | undefined {
  if (typeof proofJson !== 'object' || proofJson === null) return undefined;
  const size = (proofJson as { treeSize?: unknown }).treeSize;
  return typeof size === 'number' ? size : undefined;
}

/**
 * verified only when the head is certified by the membership, the proof reaches its exact size
 * and root, and the leaf is the hash of the given bytes, which hash to txId; failed (with the
 * light client's code) otherwise. Without the bytes a proof binds nothing to the document (any
 * leaf's path would do), so nothing is checked and the answer is unavailable.
 */
export function checkDocumentProof(input: DocumentProofInput): ProofOutcome {
  if (input.txBytes === undefined) return unavailable();
  const headCheck = checkHead(input.head, input.membership);
  if (!headCheck.ok) return failed(headCheck.code, headCheck.reason);
  let proof: InclusionProof;
  try {
    const parsed = parseProof(input.proof);
    if (parsed.type !== 'inclusion') return failed('PROOF_MALFORMED', `expected an inclusion proof, got a ${parsed.type} proof`);
    proof = parsed;
  } catch (error) {
    return failed(codeOf(error), messageOf(error));
  }
  if (toHex(sha256Portable(input.txBytes)) !== input.txId) {
    return failed('TX_BYTES_MISMATCH', `the transaction bytes do not hash to ${input.txId}`);
  }
  const verdict = verifyInclusionAgainstHead({ membership: input.membership, head: headCheck.head, proof, leaf: { txBytes: input.txBytes } });
  if (!verdict.verified) return failed(verdict.code, verdict.reason);
  return { state: 'verified', height: verdict.height, logSize: verdict.logSize, organizations: verdict.organizations, threshold: headCheck.threshold };
}

// ---------------------------------------------------------------------------------------------
// What the signed bytes say, and whether the page shows the same

/** A transaction as its signed bytes say (see packages/ledger/src/tx.ts): binary fields as hex. */
export interface SignedTxView {
  readonly version: number;
  readonly chainId: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly signer: string;
  readonly nonce: number;
  readonly timestamp: number;
  readonly signature: string;
}


/** Binary values (msgpack bin) as lower-case hex, so decoded values compare and print as JSON does. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/**
 * Opens the signed envelope { version, chainId, kind, payload, signer, nonce, timestamp, signature }
 * with the ledger's strict canonical decoder, and checks its Ed25519 signature over the signing
 * hash. Throws with the ledger's code (TX_MALFORMED, TX_NONCANONICAL, …) on bytes that are not a
 * canonical envelope, and TX_SIGNATURE_INVALID when the signature does not hold: the ledger records
 * such a transaction as rejected, yet it stays in the Merkle log, so its inclusion proves nothing.
 */
export function decodeSignedTx(bytes: Uint8Array): SignedTxView {
  let opened: ReturnType<typeof openSignedTxPortable>;
  try {
    opened = openSignedTxPortable(bytes, Math.max(bytes.length, TX_TEXT_MAX_CHARS / 2));
  } catch (error) {
    throw new VerifyError(codeOf(error) === 'ERROR' ? 'TX_DECODE_FAILED' : codeOf(error), `tx bytes: ${messageOf(error)}`);
  }
  const tx = opened.tx;
  if (!opened.signatureValid) throw new VerifyError('TX_SIGNATURE_INVALID', `tx ${opened.idHex.slice(0, 12)}…: the signature does not verify with the signer's key ${toHex(tx.signer).slice(0, 16)}… over the transaction's signing hash (the ledger recorded it as rejected)`);
  return { version: tx.version, chainId: tx.chainId, kind: tx.kind, payload: plain(tx.payload), signer: toHex(tx.signer), nonce: tx.nonce, timestamp: tx.timestamp, signature: toHex(tx.signature) };
}

const GTIN_FORMS = /^(?:[0-9]{8}|[0-9]{12}|[0-9]{13}|[0-9]{14})$/;
const HS_DOTTED = /^[0-9]{4}\.[0-9]{2}(?:\.[0-9]{2}(?:[0-9]{2}|\.[0-9]{2})?)?$/;
const ENTRY_NUMBER_DASHED = /^([A-Z0-9]{3})-([0-9]{7})-([0-9])$/;

function normaliseGtin(value: unknown): unknown {
  return typeof value === 'string' && GTIN_FORMS.test(value) ? value.padStart(14, '0') : value;
}

function normaliseField(key: string, value: unknown): unknown {
  switch (key) {
    case 'gtin':
      return normaliseGtin(value);
    case 'gtins':
      return Array.isArray(value) ? value.map(normaliseGtin) : normalise(value);
    case 'hsCode':
    case 'htsus':
      return typeof value === 'string' && HS_DOTTED.test(value) ? value.replaceAll('.', '') : value;
    case 'entryNumber': {
      const match = typeof value === 'string' ? ENTRY_NUMBER_DASHED.exec(value) : null;
      return match === null ? value : `${match[1]}${match[2]}${match[3]}`;
    }
    default:
      return normalise(value);
  }
}

/**
 * A signed payload in the form the ledger stores it: the three identifier normalisations of
 * packages/ledger/src/documents/identifiers.ts, applied by field name at any depth (GTINs under
 * `gtin`/`gtins` padded to 14 digits, dotted `hsCode`/`htsus` without dots, a dashed
 * `entryNumber` without dashes). Everything else is left as it is. Pure; the input is not changed.
 */
export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseField(k, v);
    return out;
  }
  return value;
}

function pathOf(base: string, key: string | number): string {
  return typeof key === 'number' ? `${base}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * The first path at which two JSON values differ (keys compared in sorted order, arrays by
 * position, an absent key differs from any value, numbers by value), or undefined when equal.
 */
export function firstDifference(a: unknown, b: unknown, path = 'payload'): string | undefined {
  if (a === b) return undefined;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return path;
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return pathOf(path, i);
      const d = firstDifference(a[i], b[i], pathOf(path, i));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    for (const key of keys) {
      const hasX = Object.prototype.hasOwnProperty.call(x, key) && x[key] !== undefined;
      const hasY = Object.prototype.hasOwnProperty.call(y, key) && y[key] !== undefined;
      if (hasX !== hasY) return pathOf(path, key);
      const d = firstDifference(x[key], y[key], pathOf(path, key));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return path;
}

/** A document as /v1/documents/{id} and /v1/query/entry answer it (the parts compared here). */
export interface ShownDocument {
  readonly record: { readonly id: string; readonly kind: string; readonly payload: unknown; readonly version: number };
  readonly history: ReadonlyArray<{ readonly txId: string; readonly action: string; readonly version: number; readonly payload?: unknown }>;
}

/** The one amendment the ledger knows: a certificate-amend replaces a certificate of origin's version. */
const AMEND_KIND = 'certificate-amend';
const AMENDED_KIND = 'certificate-of-origin';

/** The payload a history entry must show, from the signed transaction that made it. */
export function signedVersionPayload(action: string, signed: SignedTxView): { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly reason: string } {
  if (action === 'created') return { ok: true, payload: normalise(signed.payload) };
  if (action === 'amended') {
    const p = signed.payload;
    if (typeof p !== 'object' || p === null || !('amended' in p)) return { ok: false, reason: `tx ${signed.kind}: the signed payload has no amended version` };
    return { ok: true, payload: normalise((p as { amended: unknown }).amended) };
  }
  return { ok: false, reason: `history action ${action} carries no version payload` };
}

/**
 * Whether the document shown matches the signed transaction `txId` (already verified): every
 * history entry of that transaction that carries a payload equals the signed payload (normalised),
 * the record shown equals its current version's history entry, and an amendment names this
 * document. Returns the transactions whose bytes must also be checked for the version shown.
 */
export function checkShownContent(doc: ShownDocument, txId: string, signed: SignedTxView): { readonly ok: true; readonly alsoCheck: readonly string[] } | { readonly ok: false; readonly code: string; readonly reason: string } {
  const mismatch = (reason: string) => ({ ok: false as const, code: 'CONTENT_MISMATCH', reason });
  const entries = doc.history.map((h, i) => ({ h, i })).filter(({ h }) => h.txId === txId && (h.action === 'created' || h.action === 'amended'));
  // The badge's transaction must be this document's own or one of its versions: with nothing to
  // compare, a node could put any verified transaction's badge next to content it made up.
  if (txId !== doc.record.id && entries.length === 0) return mismatch(`record ${doc.record.id.slice(0, 12)}… is not transaction ${txId.slice(0, 12)}… and no version of it was made by that transaction`);
  if (txId === doc.record.id && signed.kind !== doc.record.kind) return mismatch(`record.kind ${doc.record.kind.slice(0, 80)} differs from the signed kind ${signed.kind.slice(0, 80)}`);
  if (txId === doc.record.id && !entries.some(({ h }) => h.action === 'created')) return mismatch(`history: no 'created' entry for ${txId}`);
  for (const { h, i } of entries) {
    if (h.action === 'amended' && (signed.kind !== AMEND_KIND || doc.record.kind !== AMENDED_KIND)) return mismatch(`history[${i}]: a ${signed.kind.slice(0, 80)} transaction cannot amend a ${doc.record.kind.slice(0, 80)}`);
    const expected = signedVersionPayload(h.action, signed);
    if (!expected.ok) return mismatch(expected.reason);
    if (h.action === 'amended') {
      const target = (signed.payload as { certificate?: unknown }).certificate;
      if (target !== doc.record.id) return mismatch(`history[${i}]: the signed amendment is for ${String(target).slice(0, 80)}, not ${doc.record.id}`);
    }
    const d = firstDifference(expected.payload, h.payload, `history[${i}].payload`);
    if (d !== undefined) return mismatch(`${d} differs from the signed transaction ${txId.slice(0, 12)}…`);
  }
  if (txId !== doc.record.id) return { ok: true, alsoCheck: [] };
  const current = doc.history.filter((h) => h.version === doc.record.version && (h.action === 'created' || h.action === 'amended'));
  const last = current[current.length - 1];
  if (last === undefined) return mismatch(`history: no entry makes version ${doc.record.version}`);
  if (last.action === 'created' && last.txId !== doc.record.id) return mismatch(`history: version ${doc.record.version} was created by ${last.txId.slice(0, 12)}…, not by this document's transaction`);
  const d = firstDifference(last.payload, doc.record.payload, 'record.payload');
  if (d !== undefined) return mismatch(`${d} differs from the signed version ${doc.record.version}`);
  return { ok: true, alsoCheck: last.txId === txId ? [] : [last.txId] };
}

// ---------------------------------------------------------------------------------------------
// Claims: what a view shows about a transaction it did not fetch as a document

/** Any one of these values is accepted (a credential revocation names the credential by id or hash). */
export interface OneOf {
  readonly oneOf: readonly unknown[];
}

export function oneOf(...values: readonly unknown[]): OneOf {
  return { oneOf: values };
}

function isOneOf(value: unknown): value is OneOf {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && Array.isArray((value as { oneOf?: unknown }).oneOf);
}

/**
 * What a view displays next to a badge, to be found in the signed transaction: its kind, and per
 * payload path the value shown. A path is dot-separated keys; `name[]` maps over an array
 * (`marks[].mark` is the list of the marks' names). Values compare after `normalise`, by the
 * path's last key (so a GTIN shown padded equals the one signed unpadded).
 */
export interface ClaimExpectation {
  readonly kind: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const MISSING = Symbol('missing');

/** The value at `path` in `value` (see ClaimExpectation), or MISSING. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const mapped = head.endsWith('[]');
  const key = mapped ? head.slice(0, -2) : head;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key)) return MISSING;
  const next = (value as Record<string, unknown>)[key];
  if (!mapped) return valueAt(next, rest);
  if (!Array.isArray(next)) return MISSING;
  const items = next.map((item) => valueAt(item, rest));
  return items.includes(MISSING) ? MISSING : items;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Whether the signed transaction says what the view shows; CONTENT_MISMATCH names the first path that does not. */
export function checkClaims(expectation: ClaimExpectation, signed: SignedTxView): { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string } {
  const mismatch = (reason: string) => ({ ok: false as const, code: 'CONTENT_MISMATCH', reason });
  if (signed.kind !== expectation.kind) return mismatch(`kind: shown as ${expectation.kind.slice(0, 80)}, signed as ${signed.kind.slice(0, 80)}`);
  for (const path of Object.keys(expectation.fields).sort()) {
    const parts = path.split('.');
    const last = (parts[parts.length - 1] as string).replace(/\[\]$/, '');
    const shown = expectation.fields[path];
    const found = valueAt(signed.payload, parts);
    if (found === MISSING) return mismatch(`payload.${path}: shown as ${shortJson(shown)}, absent from the signed transaction`);
    const signedValue = normaliseField(last, found);
    const candidates = isOneOf(shown) ? shown.oneOf : [shown];
    if (!candidates.some((c) => firstDifference(normaliseField(last, c), signedValue) === undefined)) {
      return mismatch(`payload.${path}: shown as ${shortJson(isOneOf(shown) ? shown.oneOf[0] : shown)}, signed as ${shortJson(signedValue)}`);
    }
  }
  return { ok: true };
}
