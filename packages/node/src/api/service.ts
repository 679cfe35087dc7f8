// What the HTTP API needs from a running node: the node core's operations, typed precisely and
// answering plain values. The API layer (server.ts) owns HTTP only — parsing, limits, access,
// status codes, JSON bytes — and the node core owns everything behind this interface.
//
// Error contract for implementations:
//   - refusals a client caused throw a NodeError with a 4xx status and a stable code
//     (TX_DUPLICATE 409, NONCE_REPLAY 409, TX_TOO_LARGE 413, ATTACHMENT_HASH_MISMATCH 400, …),
//     or a LedgerError whose `field` names the bad input (the ledger's query validation does this:
//     LEI_CHECKSUM, GTIN_FORMAT, …) — the API answers those 400;
//   - back-pressure throws a NodeError with status 503 and `retryAfterSeconds` (MEMPOOL_FULL,
//     NO_LEADER, NOT_LEADER, TOO_MANY_WAITERS, NODE_HALTED);
//   - "not found" is `undefined`, never a throw;
//   - anything else is an internal failure: the API logs it and answers 500 INTERNAL without
//     its message.
// Hex is lower case everywhere; ids are 64 hex characters.

import { toHex, type CertifiedHead, type ConsistencyProof, type DecodedBlock, type DocumentRef, type DocumentWithHistory, type EntryLineCheck, type InclusionProof, type Page, type PageOf, type ProductCheck, type TxResult } from '@tradeledger/ledger';

/** A block header as JSON, with the exact signed bytes so a client can check hash and signature. */
export interface SignedHeaderView {
  readonly height: number;
  /** SHA-256 block hash (hex), as the next header's prevHash names it. */
  readonly hash: string;
  readonly version: number;
  readonly chainId: string;
  readonly prevHash: string;
  readonly txRoot: string;
  readonly logSize: number;
  readonly logRoot: string;
  readonly stateRoot: string;
  readonly timestamp: number;
  readonly proposer: string;
  readonly term: number;
  /** The canonical header bytes that were hashed and signed (hex). */
  readonly headerBytes: string;
  /** The proposer's Ed25519 signature over the header's signing hash (hex). */
  readonly signature: string;
}

export function signedHeaderView(block: DecodedBlock): SignedHeaderView {
  const h = block.header;
  return {
    height: h.height,
    hash: block.hashHex,
    version: h.version,
    chainId: h.chainId,
    prevHash: toHex(h.prevHash),
    txRoot: toHex(h.txRoot),
    logSize: h.logSize,
    logRoot: toHex(h.logRoot),
    stateRoot: toHex(h.stateRoot),
    timestamp: h.timestamp,
    proposer: toHex(h.proposer),
    term: h.term,
    headerBytes: toHex(block.headerBytes),
    signature: toHex(block.signature),
  };
}

/** A transaction's signed content, decoded for reading. */
export interface TxContentView {
  readonly kind: string;
  readonly chainId: string;
  /** Signer public key (hex). */
  readonly signer: string;
  /** The signer's organization, when the key belongs to a member. */
  readonly signerLei?: string;
  readonly nonce: number;
  readonly timestamp: number;
  /** The payload as signed (JSON-able: strings, numbers, booleans, arrays, plain objects). */
  readonly payload: unknown;
  /** The exact signed bytes (lower-case hex); SHA-256 of them is the transaction id. */
  readonly bytes: string;
}

export type TxStatusView =
  | { readonly status: 'pending'; readonly txId: string; readonly tx: TxContentView }
  | {
      readonly status: 'committed';
      readonly txId: string;
      readonly height: number;
      readonly position: number;
      readonly blockHash: string;
      /** Leaf index of the transaction in the global Merkle log. */
      readonly leafIndex: number;
      /** Validation at apply: `ok`, or recorded with no effect under a rejection code. */
      readonly result: TxResult;
      readonly tx: TxContentView;
    }
  | { readonly status: 'unknown'; readonly txId: string };

export interface CommittedTxView {
  readonly txId: string;
  readonly height: number;
  readonly position: number;
  readonly result: TxResult;
}

/** Which log size an inclusion proof is built against. */
export type ProofTarget =
  | { readonly kind: 'head' }
  | { readonly kind: 'treeSize'; readonly treeSize: number }
  | { readonly kind: 'certified' };

export interface InclusionProofAnswer {
  readonly txId: string;
  readonly height: number;
  readonly position: number;
  readonly proof: InclusionProof;
  /** The header whose logSize and logRoot the proof reaches, when the size ends a block. */
  readonly header?: SignedHeaderView;
  /** Present when the target was the certified head: the head the proof reaches. */
  readonly certifiedHead?: CertifiedHead;
}

export interface ConsistencyProofAnswer {
  readonly proof: ConsistencyProof;
  /** Headers ending at the two sizes, when they end blocks. */
  readonly firstHeader?: SignedHeaderView;
  readonly secondHeader?: SignedHeaderView;
}

export interface BlockView {
  readonly header: SignedHeaderView;
  readonly txs: ReadonlyArray<{ readonly txId: string; readonly position: number; readonly result: TxResult | null }>;
  /** The exact block bytes (served raw for `Accept: application/octet-stream`). */
  readonly bytes: Uint8Array;
}

export interface AttachmentBytes {
  readonly bytes: Uint8Array;
  /** The media type an `attachment` document declared for these bytes, when one did. */
  readonly mediaType?: string;
}

export interface PeerStatusView {
  readonly peerId: string;
  readonly connected: boolean;
  /** Whether the peer is a voter, a learner, or not in the Raft configuration. */
  readonly raftRole: 'voter' | 'learner' | 'none';
  /** The leader's view of the peer's replicated index (leader only). */
  readonly matchIndex?: number;
  /** Entries the peer is behind the leader's last index (leader only). */
  readonly lagEntries?: number;
  readonly rttMs?: number;
}

export interface ClusterStatusView {
  readonly peerId: string;
  readonly chainId: string;
  readonly role: string;
  readonly leader: string | null;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly height: number;
  readonly logSize: number;
  readonly peers: readonly PeerStatusView[];
  readonly mempool: { readonly txs: number; readonly bytes: number };
  /** Why the node stopped applying, when it did. */
  readonly halted: { readonly code: string; readonly message: string } | null;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, when not: stable codes such as NO_LEADER, SYNCING, NODE_HALTED. */
  readonly reasons: readonly string[];
}

export interface EntryLineQuery {
  readonly importerLei: string;
  readonly gtin: string;
  readonly date: string;
  readonly manufacturerLei?: string;
  /** Credentials the entry line cites (document ids or credential hashes). */
  readonly credentials?: readonly string[];
}

export interface ProductQuery {
  readonly gtin: string;
  readonly sellerLei?: string;
  readonly date?: string;
}

/**
 * The members who certify heads, as a light client needs them (a TrustedMembership that
 * checkTrustedMembership accepts, plus names and the height it was read at). Public keys only.
 */
export interface MembershipView {
  readonly chainId: string;
  readonly organizations: ReadonlyArray<{ readonly lei: string; readonly name: string; readonly nodeKeys: readonly string[] }>;
  /** Signatures of distinct organizations a certified head needs. */
  readonly threshold: number;
  /** The applied height this membership was read at. */
  readonly height: number;
}

export interface NodeService {
  readonly chainId: string;

  /** Admits signed transaction bytes (here or forwarded to the leader). */
  submitTx(bytes: Uint8Array): Promise<{ readonly txId: string }>;
  /** Resolves when the transaction is applied on this node; NodeError COMMIT_TIMEOUT after `timeoutMs`. */
  waitForCommit(txId: string, timeoutMs: number): Promise<CommittedTxView>;
  getTx(txId: string): Promise<TxStatusView>;

  /** undefined when the transaction is not in the log at the target size. */
  inclusionProof(txId: string, target: ProofTarget): Promise<InclusionProofAnswer | undefined>;
  /** NodeError 400 when the sizes are not 0 < first <= second <= the current log size. */
  consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyProofAnswer>;

  getBlock(height: number): Promise<BlockView | undefined>;
  /** The latest applied block's signed header. */
  head(): Promise<SignedHeaderView>;
  /** The newest head cosigned by a quorum of member organizations, when there is one yet. */
  certifiedHead(): Promise<CertifiedHead | undefined>;

  getDocument(id: string): Promise<DocumentWithHistory | undefined>;
  byLei(lei: string, page: Page): Promise<PageOf<DocumentRef>>;
  byGtin(gtin: string, page: Page): Promise<PageOf<DocumentRef>>;
  byHsCode(hsCode: string, page: Page): Promise<PageOf<DocumentRef>>;
  byCertificate(certificateId: string, page: Page): Promise<PageOf<DocumentRef>>;
  byEntryNumber(entryNumber: string): Promise<DocumentWithHistory | undefined>;
  openVerifications(page: Page): Promise<PageOf<DocumentRef>>;
  checkEntryLine(query: EntryLineQuery): Promise<EntryLineCheck>;
  checkProduct(query: ProductQuery): Promise<ProductCheck>;

  /** Stores bytes that hash to `sha256`; NodeError ATTACHMENT_HASH_MISMATCH otherwise. */
  putAttachment(sha256: string, bytes: Uint8Array): Promise<{ readonly sha256: string; readonly size: number }>;
  /** The bytes from this node, or fetched from a peer and checked against the hash. */
  getAttachment(sha256: string): Promise<AttachmentBytes | undefined>;

  status(): Promise<ClusterStatusView>;
  readiness(): Promise<Readiness>;
  /** The current membership that certifies heads (public keys and names only). */
  membership(): Promise<MembershipView>;

  /** The member organization whose current signing key this is (hex), if any: for signed requests. */
  memberOfSigningKey(publicKeyHex: string): Promise<{ readonly lei: string } | undefined>;
}
