// FakeNodeService: a test double of NodeService for the HTTP API tests. It keeps a real RFC 9162
// Merkle log in memory (so proof answers can be checked with the ledger's verifiers), stores
// submitted bytes, "commits" pending transactions into blocks when the test says so, and can be
// told to be busy, to fail with an internal error, or to return fields a public route must filter.

import { createHash } from 'node:crypto';
import {
  checkGtin,
  checkLei,
  LedgerError,
  MemoryMerkleNodes,
  MerkleLog,
  publicKeyFromSeed,
  signCheckpoint,
  sign,
  toHex,
  unwrap,
  type CertifiedHead,
  type DocumentRef,
  type DocumentWithHistory,
  type EntryLineCheck,
  type Page,
  type PageOf,
  type ProductCheck,
} from '@tradeledger/ledger';
import { NodeError } from '../../src/errors.js';
import type {
  AttachmentBytes,
  BlockView,
  ClusterStatusView,
  CommittedTxView,
  ConsistencyProofAnswer,
  EntryLineQuery,
  InclusionProofAnswer,
  MembershipView,
  NodeService,
  ProductQuery,
  ProofTarget,
  Readiness,
  SignedHeaderView,
  TxContentView,
  TxStatusView,
} from '../../src/api/service.js';

export const FAKE_CHAIN_ID = 'tradeledger-api-test';
export const MEMBER_LEI = '5493001KJTIIGC8Y1R12';
export const OTHER_LEI = '529900T8BM49AURSDO55';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hexOf = (text: string) => createHash('sha256').update(text).digest('hex');

interface StoredTx {
  readonly bytes: Uint8Array;
  readonly height: number;
  readonly position: number;
  readonly leafIndex: number;
}

export class FakeNodeService implements NodeService {
  readonly chainId = FAKE_CHAIN_ID;
  /** Throw MEMPOOL_FULL (503, Retry-After 2) from submitTx. */
  busy = false;
  /** Throw an internal error whose message must never reach a client. */
  internalFailure: string | undefined;
  ready: Readiness = { ready: true, reasons: [] };
  /** Signing keys (hex) of member organizations. */
  readonly memberKeys = new Map<string, string>();
  readonly calls: string[] = [];

  private readonly log = MerkleLog.empty();
  private readonly nodes = new MemoryMerkleNodes();
  private readonly pending = new Map<string, Uint8Array>();
  private readonly committed = new Map<string, StoredTx>();
  private readonly blocks: Array<{ header: SignedHeaderView; txIds: string[]; bytes: Uint8Array }> = [];
  private readonly waiters = new Map<string, Array<(c: CommittedTxView) => void>>();
  private readonly attachments = new Map<string, Uint8Array>();
  private certified: CertifiedHead | undefined;
  readonly documents = new Map<string, DocumentWithHistory>();
  readonly checkpointSeed = new Uint8Array(32).fill(7);

  constructor() {
    this.blocks.push({ header: this.header(0, 0), txIds: [], bytes: Uint8Array.of(0xc0, 0) });
  }

  private maybeFail(operation: string): void {
    this.calls.push(operation);
    if (this.internalFailure !== undefined) throw new Error(this.internalFailure);
  }

  private header(height: number, logSize: number): SignedHeaderView {
    const root = logSize === 0 ? hexOf('empty') : toHex(this.log.root());
    return {
      height,
      hash: hexOf(`block-${height}`),
      version: 1,
      chainId: FAKE_CHAIN_ID,
      prevHash: height === 0 ? '0'.repeat(64) : hexOf(`block-${height - 1}`),
      txRoot: hexOf(`txroot-${height}`),
      logSize,
      logRoot: root,
      stateRoot: hexOf(`state-${height}`),
      timestamp: 1_735_689_600_000 + height * 1000,
      proposer: height === 0 ? '0'.repeat(64) : hexOf('proposer'),
      term: height === 0 ? 0 : 1,
      headerBytes: toHex(new TextEncoder().encode(`header-${height}`)),
      signature: hexOf(`sig-${height}`).repeat(2),
    };
  }

  /** Commits every pending transaction into one new block and certifies the new head. */
  commitPending(): number {
    const height = this.blocks.length;
    const txIds = [...this.pending.keys()];
    txIds.forEach((txId, position) => {
      const bytes = this.pending.get(txId) as Uint8Array;
      const leafIndex = this.log.size;
      this.nodes.putAll(this.log.appendLeaf(bytes).writes);
      this.committed.set(txId, { bytes, height, position, leafIndex });
    });
    this.pending.clear();
    const header = this.header(height, this.log.size);
    this.blocks.push({ header, txIds, bytes: new TextEncoder().encode(`block-bytes-${height}`) });
    const checkpoint = { chainId: FAKE_CHAIN_ID, height, blockHash: Buffer.from(header.hash, 'hex'), logSize: this.log.size, logRoot: this.log.root(), stateRoot: Buffer.from(header.stateRoot, 'hex') };
    this.certified = { checkpoint, signatures: [signCheckpoint(checkpoint, publicKeyFromSeed(this.checkpointSeed), (m) => sign(this.checkpointSeed, m), MEMBER_LEI)] };
    for (const txId of txIds) {
      const stored = this.committed.get(txId) as StoredTx;
      for (const resolve of this.waiters.get(txId) ?? []) resolve({ txId, height, position: stored.position, result: { ok: true } });
      this.waiters.delete(txId);
    }
    return height;
  }

  async submitTx(bytes: Uint8Array): Promise<{ txId: string }> {
    this.maybeFail('submitTx');
    if (this.busy) throw new NodeError('MEMPOOL_FULL', 'the mempool is full: retry later', { status: 503, retryAfterSeconds: 2 });
    if (bytes[0] !== 0x88) throw new NodeError('TX_DECODE', 'tx: not a canonical msgpack map of 8 fields', { status: 400 });
    const txId = sha256Hex(bytes);
    if (this.pending.has(txId) || this.committed.has(txId)) throw new NodeError('TX_DUPLICATE', `transaction ${txId} is already pending or in the ledger`, { status: 409 });
    this.pending.set(txId, new Uint8Array(bytes));
    return { txId };
  }

  async waitForCommit(txId: string, timeoutMs: number): Promise<CommittedTxView> {
    this.maybeFail('waitForCommit');
    const stored = this.committed.get(txId);
    if (stored !== undefined) return { txId, height: stored.height, position: stored.position, result: { ok: true } };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new NodeError('COMMIT_TIMEOUT', `transaction ${txId} was not committed within ${timeoutMs} ms`, { status: 504 })), timeoutMs);
      const list = this.waiters.get(txId) ?? [];
      list.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
      this.waiters.set(txId, list);
    });
  }

  private content(bytes: Uint8Array): TxContentView {
    return { kind: 'attachment', chainId: FAKE_CHAIN_ID, signer: hexOf('signer'), nonce: 1, timestamp: 1_735_689_600_000, payload: { note: 'fake' }, bytes: Buffer.from(bytes).toString('base64') };
  }

  async getTx(txId: string): Promise<TxStatusView> {
    this.maybeFail('getTx');
    const pending = this.pending.get(txId);
    if (pending !== undefined) return { status: 'pending', txId, tx: this.content(pending) };
    const stored = this.committed.get(txId);
    if (stored === undefined) return { status: 'unknown', txId };
    const block = this.blocks[stored.height] as { header: SignedHeaderView };
    return { status: 'committed', txId, height: stored.height, position: stored.position, blockHash: block.header.hash, leafIndex: stored.leafIndex, result: { ok: true }, tx: this.content(stored.bytes) };
  }

  private headerAtSize(size: number): SignedHeaderView | undefined {
    return this.blocks.find((b) => b.header.logSize === size && b.header.height > 0)?.header;
  }

  async inclusionProof(txId: string, target: ProofTarget): Promise<InclusionProofAnswer | undefined> {
    this.maybeFail('inclusionProof');
    const stored = this.committed.get(txId);
    if (stored === undefined) return undefined;
    const treeSize = target.kind === 'treeSize' ? target.treeSize : target.kind === 'certified' ? (this.certified?.checkpoint.logSize ?? 0) : this.log.size;
    if (treeSize > this.log.size) throw new NodeError('PROOF_SIZE_INVALID', `treeSize ${treeSize}: the log holds ${this.log.size}`, { status: 400 });
    if (stored.leafIndex >= treeSize) return undefined;
    const proof = await this.log.inclusionProof(this.nodes, stored.leafIndex, treeSize);
    const header = this.headerAtSize(treeSize);
    return {
      txId,
      height: stored.height,
      position: stored.position,
      proof,
      ...(header === undefined ? {} : { header }),
      ...(target.kind === 'certified' && this.certified !== undefined ? { certifiedHead: this.certified } : {}),
    };
  }

  async consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyProofAnswer> {
    this.maybeFail('consistencyProof');
    if (secondSize > this.log.size) throw new NodeError('PROOF_SIZE_INVALID', `second ${secondSize}: the log holds ${this.log.size}`, { status: 400 });
    const proof = await this.log.consistencyProof(this.nodes, firstSize, secondSize);
    const first = this.headerAtSize(firstSize);
    const second = this.headerAtSize(secondSize);
    return { proof, ...(first === undefined ? {} : { firstHeader: first }), ...(second === undefined ? {} : { secondHeader: second }) };
  }

  async getBlock(height: number): Promise<BlockView | undefined> {
    this.maybeFail('getBlock');
    const block = this.blocks[height];
    if (block === undefined) return undefined;
    return { header: block.header, txs: block.txIds.map((txId, position) => ({ txId, position, result: { ok: true } })), bytes: block.bytes };
  }

  async head(): Promise<SignedHeaderView> {
    this.maybeFail('head');
    return (this.blocks[this.blocks.length - 1] as { header: SignedHeaderView }).header;
  }

  async certifiedHead(): Promise<CertifiedHead | undefined> {
    this.maybeFail('certifiedHead');
    return this.certified;
  }

  async getDocument(id: string): Promise<DocumentWithHistory | undefined> {
    this.maybeFail('getDocument');
    return this.documents.get(id);
  }

  private page(label: string, page: Page): PageOf<DocumentRef> {
    const ids = [hexOf(`${label}-1`), hexOf(`${label}-2`), hexOf(`${label}-3`)].sort().filter((id) => page.after === undefined || id > page.after);
    const limit = page.limit ?? 100;
    const items = ids.slice(0, limit).map((id) => ({ id, kind: 'license' as const }));
    const last = items[items.length - 1];
    return ids.length > limit && last !== undefined ? { items, next: last.id } : { items };
  }

  async byLei(lei: string, page: Page): Promise<PageOf<DocumentRef>> {
    this.maybeFail('byLei');
    return this.page(unwrap(checkLei(lei, 'lei')), page);
  }

  async byGtin(gtin: string, page: Page): Promise<PageOf<DocumentRef>> {
    this.maybeFail('byGtin');
    return this.page(unwrap(checkGtin(gtin, 'gtin')), page);
  }

  async byHsCode(hsCode: string, page: Page): Promise<PageOf<DocumentRef>> {
    this.maybeFail('byHsCode');
    if (!/^[0-9.]{6,13}$/.test(hsCode)) throw new LedgerError('HS_FORMAT', `hsCode: expected an HS code of 6, 8 or 10 digits, got ${JSON.stringify(hsCode)}`, { field: 'hsCode' });
    return this.page(hsCode.replaceAll('.', '').slice(0, 6), page);
  }

  async byCertificate(certificateId: string, page: Page): Promise<PageOf<DocumentRef>> {
    this.maybeFail('byCertificate');
    return this.page(certificateId, page);
  }

  async byEntryNumber(entryNumber: string): Promise<DocumentWithHistory | undefined> {
    this.maybeFail('byEntryNumber');
    if (!/^[A-Z0-9]{3}-?[0-9]{7}-?[0-9]$/.test(entryNumber)) throw new LedgerError('ENTRY_NUMBER_FORMAT', `entryNumber: expected 11 characters, got ${JSON.stringify(entryNumber)}`, { field: 'entryNumber' });
    return [...this.documents.values()].find((d) => d.record.kind === 'entry');
  }

  async openVerifications(page: Page): Promise<PageOf<DocumentRef>> {
    this.maybeFail('openVerifications');
    return this.page('verifications', page);
  }

  async checkEntryLine(query: EntryLineQuery): Promise<EntryLineCheck> {
    this.maybeFail('checkEntryLine');
    const lei = unwrap(checkLei(query.importerLei, 'importerLei'));
    const gtin14 = unwrap(checkGtin(query.gtin, 'gtin'));
    return { gtin14, instantMs: Date.parse(query.date), importer: { lei, licensed: true, licenses: [] }, rights: [] };
  }

  async checkProduct(query: ProductQuery): Promise<ProductCheck> {
    this.maybeFail('checkProduct');
    const gtin14 = unwrap(checkGtin(query.gtin, 'gtin'));
    // Fields a public answer must never carry ride along here on purpose: the API must drop them.
    const leaky = {
      gtin14,
      digitalLink: `https://id.gs1.org/01/${gtin14}`,
      asOfMs: 1_735_689_600_000,
      price: '19.99',
      rightsHolders: [{ lei: MEMBER_LEI, name: 'Brand Owner Inc', brands: ['Acme'], marks: ['ACME'], rightId: hexOf('right'), contactEmail: 'legal@brand.example', phone: '+1 555 0100' }],
      licensed: [{ lei: OTHER_LEI, name: 'Importer LLC', role: 'importer' as const, licenseId: hexOf('license'), territory: ['US'], validTo: '2027-12-31', quantity: '1000', value: '25000.00' }],
      ...(query.sellerLei === undefined ? {} : { seller: { lei: query.sellerLei, licensed: query.sellerLei === OTHER_LEI, roles: query.sellerLei === OTHER_LEI ? (['importer'] as const) : [], contact: 'sales@seller.example' } }),
    };
    return leaky as unknown as ProductCheck;
  }

  async putAttachment(sha256: string, bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    this.maybeFail('putAttachment');
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new NodeError('ATTACHMENT_HASH_MISMATCH', `attachment: the bytes hash to ${actual}, not ${sha256}`, { status: 400 });
    this.attachments.set(sha256, new Uint8Array(bytes));
    return { sha256, size: bytes.length };
  }

  async getAttachment(sha256: string): Promise<AttachmentBytes | undefined> {
    this.maybeFail('getAttachment');
    const bytes = this.attachments.get(sha256);
    if (bytes === undefined) return undefined;
    return { bytes, mediaType: bytes[0] === 0x89 ? 'image/png' : 'text/html' };
  }

  async status(): Promise<ClusterStatusView> {
    this.maybeFail('status');
    return {
      peerId: '12D3KooWFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake',
      chainId: FAKE_CHAIN_ID,
      role: 'leader',
      leader: '12D3KooWFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake',
      term: 3,
      commitIndex: 10,
      appliedIndex: 10,
      height: this.blocks.length - 1,
      logSize: this.log.size,
      peers: [{ peerId: '12D3KooWPeerPeerPeerPeerPeerPeerPeerPeerPeerPeerPeer', connected: true, raftRole: 'voter', matchIndex: 9, lagEntries: 1 }],
      mempool: { txs: this.pending.size, bytes: [...this.pending.values()].reduce((n, b) => n + b.length, 0) },
      halted: null,
    };
  }

  async readiness(): Promise<Readiness> {
    this.maybeFail('readiness');
    return this.ready;
  }

  async membership(): Promise<MembershipView> {
    this.maybeFail('membership');
    return { chainId: FAKE_CHAIN_ID, organizations: [{ lei: MEMBER_LEI, name: 'Member Org', nodeKeys: ['ab'.repeat(32)] }], threshold: 1, height: this.blocks.length - 1 };
  }

  async memberOfSigningKey(publicKeyHex: string): Promise<{ lei: string } | undefined> {
    const lei = this.memberKeys.get(publicKeyHex);
    return lei === undefined ? undefined : { lei };
  }
}
