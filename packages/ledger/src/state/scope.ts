// What a transaction handler works with: the transaction, its signer's organization, the block
// context, and a private overlay whose writes are kept only if the handler accepts. Document,
// history and index writes go through here so every document is stored the same way.

import type { ApplyContext } from '../block-verify.js';
import type { OrganizationRole } from '../documents/governance.js';
import { dateEndExclusiveMs, dateOfMs, dateStartMs } from '../documents/identifiers.js';
import type { DocumentKind } from '../documents/kinds.js';
import type { TxResult } from '../store.js';
import type { DecodedTx } from '../tx.js';
import { KEY } from './keys.js';
import type { StateOverlay } from './overlay.js';
import { readRecord, writeIndex, writeRecord, type DocumentRecord, type DocumentStatus, type HistoryRecord, type OrgRecord } from './records.js';

export type Rejected = { readonly ok: false; readonly code: string };
export const ACCEPTED: TxResult = { ok: true };

export function rejected(code: string): Rejected {
  return { ok: false, code };
}

/** Whether a period of whole UTC days [from, to] (inclusive) contains the instant. */
export function periodContains(from: string, to: string, instantMs: number): boolean {
  return dateStartMs(from) <= instantMs && instantMs < dateEndExclusiveMs(to);
}

export class TxScope {
  readonly id: string;

  constructor(
    readonly overlay: StateOverlay,
    readonly block: ApplyContext,
    readonly tx: DecodedTx,
    readonly signerHex: string,
    readonly org: OrgRecord,
  ) {
    this.id = tx.idHex;
  }

  get nowMs(): number {
    return this.block.timestampMs;
  }

  /** The block's UTC calendar date. */
  today(): string {
    return dateOfMs(this.block.timestampMs);
  }

  hasRole(role: OrganizationRole): boolean {
    return this.org.roles.includes(role);
  }

  doc(id: string): Promise<DocumentRecord | undefined> {
    return readRecord<DocumentRecord>(this.overlay, KEY.doc(id));
  }

  /** The referenced document, or REF_NOT_FOUND / REF_WRONG_KIND. */
  async requireDoc(id: string, kinds: readonly DocumentKind[]): Promise<DocumentRecord | Rejected> {
    const record = await this.doc(id);
    if (record === undefined) return rejected('REF_NOT_FOUND');
    if (!kinds.includes(record.kind)) return rejected('REF_WRONG_KIND');
    return record;
  }

  index(key: string, kind: DocumentKind): void {
    writeIndex(this.overlay, key, kind);
  }

  /** Indexes a document under every LEI it names (sorted, unique), the signer's organization included. */
  indexLeis(id: string, kind: DocumentKind, leis: readonly string[]): void {
    for (const lei of [...new Set([this.org.lei, ...leis])].sort()) this.index(KEY.byLei(lei, id), kind);
  }

  /** Stores the document this transaction creates (id = the transaction id), with its first history entry. */
  createDocument(kind: DocumentKind, payload: unknown, status: DocumentStatus, extra: Partial<Pick<DocumentRecord, 'late'>> = {}): DocumentRecord {
    const record: DocumentRecord = {
      id: this.id,
      kind,
      status,
      version: 1,
      historyLength: 1,
      signer: this.signerHex,
      signerLei: this.org.lei,
      createdHeight: this.block.height,
      createdAtMs: this.block.timestampMs,
      updatedHeight: this.block.height,
      updatedAtMs: this.block.timestampMs,
      payload,
      ...extra,
    };
    writeRecord(this.overlay, KEY.doc(this.id), record);
    const history: HistoryRecord = { seq: 1, txId: this.id, kind, action: 'created', height: this.block.height, timestampMs: this.block.timestampMs, version: 1, payload };
    writeRecord(this.overlay, KEY.history(this.id, 1), history);
    return record;
  }

  /**
   * Records a change to an existing document made by this transaction: the new record (status,
   * payload, version as given) and a history entry naming the action.
   */
  updateDocument(before: DocumentRecord, changes: Partial<Omit<DocumentRecord, 'id' | 'kind' | 'historyLength'>>, action: string, options: { txId?: string; withPayload?: boolean } = {}): DocumentRecord {
    const seq = before.historyLength + 1;
    const after: DocumentRecord = { ...before, ...changes, historyLength: seq, updatedHeight: this.block.height, updatedAtMs: this.block.timestampMs };
    writeRecord(this.overlay, KEY.doc(before.id), after);
    const history: HistoryRecord =
      options.withPayload === true
        ? { seq, txId: options.txId ?? this.id, kind: before.kind, action, height: this.block.height, timestampMs: this.block.timestampMs, version: after.version, payload: after.payload }
        : { seq, txId: options.txId ?? this.id, kind: before.kind, action, height: this.block.height, timestampMs: this.block.timestampMs, version: after.version };
    writeRecord(this.overlay, KEY.history(before.id, seq), history);
    return after;
  }
}

export function isRejected(value: unknown): value is Rejected {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}
