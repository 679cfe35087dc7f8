// The trade state machine: applies a block's decoded transactions to the state, in order, and
// returns the block's writes (one per key, sorted) and a result per transaction.
//
// Pure and deterministic: no clock (every time rule reads ctx.timestampMs), no randomness, no
// floating point, sorted iteration; it never throws on any input: a transaction that fails a check
// gets { ok: false, code } and no effect (its writes are dropped with its overlay). Checks in order:
//   CHAIN_ID_MISMATCH, TX_DUPLICATE (committed or earlier in the block), SIGNER_UNKNOWN (not a current
//   signing key of a member), NONCE_REPLAY (per signer, strictly increasing), optionally
//   SIGNATURE_INVALID, TX_KIND_UNKNOWN, the payload's schema code, then the kind's own rules.
// Only a state read failing (a broken store) throws, and then the node must stop, not guess.

import { toHex } from '../bytes.js';
import { rememberCanonicalEncoding } from '../canonical-msgpack.js';
import type { ApplyContext, StateMachine } from '../block-verify.js';
import type { CertificateAmend, CertificateOfOrigin, CertificateWithdraw } from '../documents/certificate.js';
import type { Attachment } from '../documents/attachment.js';
import type { CredentialIssue, CredentialRevoke } from '../documents/credential.js';
import type { BrokerDesignation, BrokerDesignationRevoke, Entry, EntryReview } from '../documents/entry.js';
import type { GovernanceApprovePayload, KeyRotatePayload, NodeSetChangePayload, OrgAddPayload, OrgRemovePayload } from '../documents/governance.js';
import type { License, LicenseRevoke, Right } from '../documents/ip-rights.js';
import { documentKinds, isDocumentKind, type DocumentKind, type DocumentKindSet, type DocumentOptions } from '../documents/kinds.js';
import type { VerificationDetermination, VerificationRequest, VerificationResponse } from '../documents/verification.js';
import type { StateReader, StateWrite, TxResult } from '../store.js';
import { verifyTxSignature, type DecodedTx } from '../tx.js';
import { handleCredentialIssue, handleCredentialRevoke, handleEntryWithCredentials } from './handle-credential.js';
import { handleApprove, handleProposal } from './handle-governance.js';
import { handleAmend, handleCertificate, handleDetermination, handleVerificationRequest, handleVerificationResponse, handleWithdraw } from './handle-origin.js';
import { handleAttachment, handleBrokerDesignation, handleBrokerDesignationRevoke, handleEntry, handleEntryReview, handleLicense, handleLicenseRevoke, handleRight } from './handle-trade.js';
import { KEY } from './keys.js';
import { genesisStateWrites, isMemberNodeKey } from './membership.js';
import { StateOverlay } from './overlay.js';
import { readRecord, writeRecord, type KeyRecord, type LastBlockRecord, type NonceRecord, type OrgRecord } from './records.js';
import { rejected, TxScope } from './scope.js';
import { nextStateRoot } from './state-root.js';

export interface ApplyOptions extends DocumentOptions {
  /**
   * Verify each transaction's signature here (SIGNATURE_INVALID). The block pipeline verifies
   * signatures before apply (in worker threads), so it passes false; default true.
   */
  readonly verifySignatures?: boolean;
}

type Handler = (scope: TxScope, payload: unknown) => Promise<TxResult>;

const HANDLERS: { readonly [K in DocumentKind]: Handler } = {
  'org-add': (s, p) => handleProposal(s, 'org-add', p as OrgAddPayload),
  'org-remove': (s, p) => handleProposal(s, 'org-remove', p as OrgRemovePayload),
  'key-rotate': (s, p) => handleProposal(s, 'key-rotate', p as KeyRotatePayload),
  'node-set-change': (s, p) => handleProposal(s, 'node-set-change', p as NodeSetChangePayload),
  'governance-approve': (s, p) => handleApprove(s, p as GovernanceApprovePayload),
  'certificate-of-origin': (s, p) => handleCertificate(s, p as CertificateOfOrigin),
  'certificate-amend': (s, p) => handleAmend(s, p as CertificateAmend),
  'certificate-withdraw': (s, p) => handleWithdraw(s, p as CertificateWithdraw),
  'verification-request': (s, p) => handleVerificationRequest(s, p as VerificationRequest),
  'verification-response': (s, p) => handleVerificationResponse(s, p as VerificationResponse),
  'verification-determination': (s, p) => handleDetermination(s, p as VerificationDetermination),
  right: (s, p) => handleRight(s, p as Right),
  license: (s, p) => handleLicense(s, p as License),
  'license-revoke': (s, p) => handleLicenseRevoke(s, p as LicenseRevoke),
  'credential-issue': (s, p) => handleCredentialIssue(s, p as CredentialIssue),
  'credential-revoke': (s, p) => handleCredentialRevoke(s, p as CredentialRevoke),
  'broker-designation': (s, p) => handleBrokerDesignation(s, p as BrokerDesignation),
  'broker-designation-revoke': (s, p) => handleBrokerDesignationRevoke(s, p as BrokerDesignationRevoke),
  entry: (s, p) => handleEntryWithCredentials(s, p as Entry, handleEntry),
  'entry-review': (s, p) => handleEntryReview(s, p as EntryReview),
  attachment: (s, p) => handleAttachment(s, p as Attachment),
};

const kindSets = new Map<string, DocumentKindSet>();
const kindSetsByRule = new WeakMap<object, Map<string, DocumentKindSet>>();

/** Parsers are built once per option set (a check-digit rule counts by identity). */
function kindsFor(options: DocumentOptions): DocumentKindSet {
  const key = options.allowUsmcaCriterionE === true ? 'E' : '-';
  let cache = kindSets;
  if (options.entryNumberCheckDigit !== undefined) {
    cache = kindSetsByRule.get(options.entryNumberCheckDigit) ?? new Map<string, DocumentKindSet>();
    kindSetsByRule.set(options.entryNumberCheckDigit, cache);
  }
  let kinds = cache.get(key);
  if (kinds === undefined) {
    kinds = documentKinds(options);
    cache.set(key, kinds);
  }
  return kinds;
}

/**
 * A leader applies each transaction twice (admission, then the block it builds) to the same
 * decoded object: the schema parse, a fifth of apply's time, is done once per object and option
 * set. The parsed value is frozen, so no handler can change what the next apply sees, and its
 * canonical encoding is remembered: the document record and the history entry both carry it, so
 * it is written from scratch once instead of twice per apply (four times on the leader). Both
 * live as long as the DecodedTx: the remembered bytes are no larger than the transaction itself,
 * so a leader's mempool (bounded in bytes) holds at most as much again.
 */
const parsedPayloads = new WeakMap<DecodedTx, { readonly kinds: DocumentKindSet; readonly parsed: ReturnType<DocumentKindSet[DocumentKind]['parse']> }>();

function parseOnce(decoded: DecodedTx, kind: DocumentKind, kinds: DocumentKindSet): ReturnType<DocumentKindSet[DocumentKind]['parse']> {
  const cached = parsedPayloads.get(decoded);
  if (cached !== undefined && cached.kinds === kinds) return cached.parsed;
  const parsed = kinds[kind].parse(decoded.tx.payload);
  if (parsed.ok) {
    deepFreeze(parsed.value);
    rememberCanonicalEncoding(parsed.value);
  }
  parsedPayloads.set(decoded, { kinds, parsed });
  return parsed;
}

function deepFreeze(value: unknown): void {
  // Typed arrays cannot be frozen; payloads hold bytes only as strings, but stay safe.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

async function applyOne(blockOverlay: StateOverlay, ctx: ApplyContext, decoded: DecodedTx, kinds: DocumentKindSet, seen: Set<string>, options: ApplyOptions): Promise<TxResult> {
  const { tx } = decoded;
  if (tx.chainId !== ctx.chainId) return rejected('CHAIN_ID_MISMATCH');
  if (seen.has(decoded.idHex) || (await blockOverlay.getTxLocation(decoded.id)) !== undefined) return rejected('TX_DUPLICATE');
  seen.add(decoded.idHex);
  const signerHex = toHex(tx.signer);
  const keyRecord = await readRecord<KeyRecord>(blockOverlay, KEY.signingKey(signerHex));
  const org = keyRecord === undefined ? undefined : await readRecord<OrgRecord>(blockOverlay, KEY.org(keyRecord.lei));
  if (org === undefined) return rejected('SIGNER_UNKNOWN');
  const last = await readRecord<NonceRecord>(blockOverlay, KEY.nonce(signerHex));
  if (last !== undefined && tx.nonce <= last.nonce) return rejected('NONCE_REPLAY');
  if (options.verifySignatures !== false && !verifyTxSignature(decoded)) return rejected('SIGNATURE_INVALID');
  if (!isDocumentKind(tx.kind)) return rejected('TX_KIND_UNKNOWN');
  const parsed = parseOnce(decoded, tx.kind, kinds);
  if (!parsed.ok) return rejected(parsed.error.code);
  const txOverlay = new StateOverlay(blockOverlay);
  const scope = new TxScope(txOverlay, ctx, decoded, signerHex, org);
  const result = await HANDLERS[tx.kind](scope, parsed.value);
  if (!result.ok) return result;
  writeRecord(txOverlay, KEY.nonce(signerHex), { nonce: tx.nonce } satisfies NonceRecord);
  txOverlay.commitInto(blockOverlay);
  return result;
}

export async function applyBlock(reader: StateReader, ctx: ApplyContext, txs: readonly DecodedTx[], options: ApplyOptions = {}): Promise<{ writes: StateWrite[]; results: TxResult[] }> {
  const blockOverlay = new StateOverlay(reader);
  const kinds = kindsFor(options);
  const seen = new Set<string>();
  const results: TxResult[] = [];
  for (const decoded of txs) results.push(await applyOne(blockOverlay, ctx, decoded, kinds, seen, options));
  writeRecord(blockOverlay, KEY.lastBlock, { height: ctx.height, timestampMs: ctx.timestampMs } satisfies LastBlockRecord);
  return { writes: blockOverlay.writes(), results };
}

/** The trade state machine in the shape the block pipeline takes (block-verify.ts). */
export function tradeStateMachine(options: ApplyOptions = {}): StateMachine {
  return {
    apply: (reader, context, txs) => applyBlock(reader, context, txs, options),
    nextStateRoot,
    genesisWrites: (config) => genesisStateWrites(config),
    isMemberNodeKey,
  };
}
