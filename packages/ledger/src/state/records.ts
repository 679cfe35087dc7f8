// The records the trade state machine stores, and their encoding: canonical msgpack (one encoding
// per value, so every node writes the same bytes and gets the same state root).

import { decodeCanonical, encodeCanonical } from '../canonical-msgpack.js';
import { CANONICAL_MAX_BYTES } from '../constants.js';
import type { GovernanceThreshold, OrganizationRole } from '../documents/governance.js';
import type { DocumentKind } from '../documents/kinds.js';
import type { StateReader } from '../store.js';
import type { StateOverlay } from './overlay.js';

export interface ConfigRecord {
  readonly chainId: string;
  readonly threshold: GovernanceThreshold;
}

export interface NodeEntry {
  readonly peerId: string;
  readonly publicKey: string;
}

export interface OrgRecord {
  readonly lei: string;
  readonly name: string;
  readonly roles: readonly OrganizationRole[];
  readonly signingKeys: readonly string[];
  readonly nodes: readonly NodeEntry[];
  /** The height at which the organization joined (0: genesis). */
  readonly sinceHeight: number;
}

export interface KeyRecord {
  readonly lei: string;
}

export interface NodeKeyRecord {
  readonly lei: string;
  readonly peerId: string;
  readonly publicKey: string;
}

export interface LastBlockRecord {
  readonly height: number;
  readonly timestampMs: number;
}

export interface NonceRecord {
  readonly nonce: number;
}

/**
 * Statuses: 'active' (certificates, rights, licenses, designations, attachments and other records),
 * 'withdrawn' (certificate), 'revoked' (license, designation), 'open' / 'closed' (verification
 * request), 'open' / 'executed' (governance proposal), 'filed' / 'release' / 'hold' / 'examine'
 * (entry: its latest review decision).
 */
export type DocumentStatus = 'active' | 'withdrawn' | 'revoked' | 'open' | 'closed' | 'executed' | 'filed' | 'release' | 'hold' | 'examine';

export interface DocumentRecord {
  readonly id: string;
  readonly kind: DocumentKind;
  readonly status: DocumentStatus;
  /** 1 at creation; a certificate amendment adds one. */
  readonly version: number;
  /** Entries under hist/<id>/. */
  readonly historyLength: number;
  readonly signer: string;
  readonly signerLei: string;
  readonly createdHeight: number;
  readonly createdAtMs: number;
  readonly updatedHeight: number;
  readonly updatedAtMs: number;
  /** The current version's parsed (normalised) payload. */
  readonly payload: unknown;
  /** License / designation revocation: when, by which transaction, and (for a cascade) through which parent. */
  readonly revokedAtMs?: number;
  readonly revokedBy?: string;
  readonly revokedVia?: string;
  /** Certificate: the latest origin determination (a denial marks the certificate). */
  readonly determination?: { readonly outcome: 'affirmed' | 'denied'; readonly id: string; readonly reasons: readonly string[] };
  /** Verification response: answered after the due date (flagged, not refused). */
  readonly late?: boolean;
  /** Governance proposal: the height it took effect. */
  readonly executedHeight?: number;
}

export interface HistoryRecord {
  readonly seq: number;
  readonly txId: string;
  readonly kind: DocumentKind;
  readonly action: string;
  readonly height: number;
  readonly timestampMs: number;
  readonly version: number;
  /** The new version's payload, for actions that create one (created, amended). */
  readonly payload?: unknown;
}

export interface ApprovalRecord {
  readonly txId: string;
  readonly height: number;
}

export interface EntryNumberRecord {
  readonly id: string;
}

export interface IndexRecord {
  readonly kind: DocumentKind;
}

export function encodeRecord(value: unknown): Uint8Array {
  return encodeCanonical(value);
}

export function decodeRecord<T>(bytes: Uint8Array, key: string): T {
  return decodeCanonical(bytes, `state[${key}]`, CANONICAL_MAX_BYTES) as T;
}

export async function readRecord<T>(reader: StateReader, key: string): Promise<T | undefined> {
  const bytes = await reader.getState(key);
  return bytes === undefined ? undefined : decodeRecord<T>(bytes, key);
}

export function writeRecord(overlay: StateOverlay, key: string, value: unknown): void {
  overlay.set(key, encodeRecord(value));
}

/** Index entries carry the kind of the document they point at, so listings need no extra reads. */
export function writeIndex(overlay: StateOverlay, key: string, kind: DocumentKind): void {
  writeRecord(overlay, key, { kind } satisfies IndexRecord);
}
