// The HTTP API's NodeService answered by a running LedgerNode and its store: the node core's
// operations as plain values (api/service.ts defines the contract and its error rules).

import {
  byCertificate,
  byEntryNumber,
  byGtin,
  byHsCode,
  byLei,
  checkEntryLine,
  checkProduct,
  decodeBlock,
  decodeTx,
  fromHex,
  attachmentMediaType,
  getDocument,
  MerkleLog,
  openVerifications,
  organizationOfSigningKey,
  toHex,
  type CertifiedHead,
  type DecodedBlock,
  type StoreHead,
} from '@tradeledger/ledger';
import { sha256Hex } from './attachment-store.js';
import { trustedMembershipOf } from './cosigner.js';
import { NodeError } from './errors.js';
import type { LedgerNode } from './ledger-node.js';
import {
  signedHeaderView,
  type BlockView,
  type ClusterStatusView,
  type CommittedTxView,
  type ConsistencyProofAnswer,
  type EntryLineQuery,
  type InclusionProofAnswer,
  type MembershipView,
  type NodeService,
  type ProductQuery,
  type ProofTarget,
  type Readiness,
  type SignedHeaderView,
  type TxContentView,
  type TxStatusView,
} from './api/service.js';

function txIdBytes(txId: string): Uint8Array {
  try {
    return fromHex(txId, 'txId', 32);
  } catch {
    throw new NodeError('TX_ID_INVALID', `txId: expected 64 lower-case hex characters, got ${JSON.stringify(txId.slice(0, 80))}`, { status: 400 });
  }
}

function contentOf(bytes: Uint8Array): TxContentView {
  const { tx } = decodeTx(bytes);
  return { kind: tx.kind, chainId: tx.chainId, signer: toHex(tx.signer), nonce: tx.nonce, timestamp: tx.timestamp, payload: tx.payload, bytes: toHex(bytes) };
}

export class LedgerNodeService implements NodeService {
  readonly chainId: string;

  constructor(private readonly node: LedgerNode) {
    this.chainId = node.chainId;
  }

  private get store() {
    return this.node.store;
  }

  private async storeHead(): Promise<StoreHead> {
    return (await this.store.head()) as StoreHead;
  }

  private async block(height: number): Promise<DecodedBlock | undefined> {
    const bytes = await this.store.getBlock(height);
    return bytes === undefined ? undefined : decodeBlock(bytes);
  }

  /** The first block whose log size reaches `logSize` (binary search over heights). */
  private async blockAtLogSize(logSize: number): Promise<DecodedBlock | undefined> {
    const head = await this.storeHead();
    let lo = 0;
    let hi = head.height;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (((await this.block(mid)) as DecodedBlock).header.logSize < logSize) lo = mid + 1;
      else hi = mid;
    }
    const block = await this.block(lo);
    return block?.header.logSize === logSize ? block : undefined;
  }

  submitTx(bytes: Uint8Array): Promise<{ readonly txId: string }> {
    return this.node.submit(bytes);
  }

  waitForCommit(txId: string, timeoutMs: number): Promise<CommittedTxView> {
    txIdBytes(txId);
    return this.node.waitForCommit(txId, timeoutMs);
  }

  async getTx(txId: string): Promise<TxStatusView> {
    const location = await this.store.getTxLocation(txIdBytes(txId));
    if (location === undefined) {
      const pending = this.node.mempool.pendingTx(txId);
      return pending === undefined ? { status: 'unknown', txId } : { status: 'pending', txId, tx: contentOf(pending.bytes) };
    }
    const block = (await this.block(location.height)) as DecodedBlock;
    const bytes = block.txs[location.position] as Uint8Array;
    return {
      status: 'committed',
      txId,
      height: location.height,
      position: location.position,
      blockHash: block.hashHex,
      leafIndex: block.header.logSize - block.txs.length + location.position,
      result: location.result,
      tx: contentOf(bytes),
    };
  }

  async inclusionProof(txId: string, target: ProofTarget): Promise<InclusionProofAnswer | undefined> {
    const location = await this.store.getTxLocation(txIdBytes(txId));
    if (location === undefined) return undefined;
    const block = (await this.block(location.height)) as DecodedBlock;
    const leafIndex = block.header.logSize - block.txs.length + location.position;
    const head = await this.storeHead();
    let treeSize: number;
    let certifiedHead: CertifiedHead | undefined;
    if (target.kind === 'head') treeSize = head.logSize;
    else if (target.kind === 'treeSize') treeSize = target.treeSize;
    else {
      certifiedHead = this.node.cosigner.certifiedHead();
      if (certifiedHead === undefined) throw new NodeError('HEAD_NOT_CERTIFIED', 'no head is certified by a quorum of organizations yet', { status: 503, retryAfterSeconds: 1 });
      treeSize = certifiedHead.checkpoint.logSize;
    }
    if (treeSize > head.logSize) throw new NodeError('PROOF_SIZE_INVALID', `treeSize ${treeSize} is beyond the log size ${head.logSize}`, { status: 400 });
    if (treeSize <= leafIndex) return undefined;
    const proof = await MerkleLog.fromFrontier(head.logSize, head.frontier).inclusionProof(this.store, leafIndex, treeSize);
    const headerBlock = await this.blockAtLogSize(treeSize);
    return {
      txId,
      height: location.height,
      position: location.position,
      proof,
      ...(headerBlock === undefined ? {} : { header: signedHeaderView(headerBlock) }),
      ...(certifiedHead === undefined ? {} : { certifiedHead }),
    };
  }

  async consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyProofAnswer> {
    const head = await this.storeHead();
    if (!(firstSize > 0 && firstSize <= secondSize && secondSize <= head.logSize)) {
      throw new NodeError('PROOF_SIZE_INVALID', `sizes: need 0 < first <= second <= ${head.logSize}, got ${firstSize} and ${secondSize}`, { status: 400 });
    }
    const proof = await MerkleLog.fromFrontier(head.logSize, head.frontier).consistencyProof(this.store, firstSize, secondSize);
    const [first, second] = await Promise.all([this.blockAtLogSize(firstSize), this.blockAtLogSize(secondSize)]);
    return { proof, ...(first === undefined ? {} : { firstHeader: signedHeaderView(first) }), ...(second === undefined ? {} : { secondHeader: signedHeaderView(second) }) };
  }

  async getBlock(height: number): Promise<BlockView | undefined> {
    const block = await this.block(height);
    if (block === undefined) return undefined;
    const txs = await Promise.all(
      block.txs.map(async (bytes, position) => {
        const txId = sha256Hex(bytes);
        const location = await this.store.getTxLocation(fromHex(txId, 'txId', 32));
        return { txId, position, result: location !== undefined && location.height === height && location.position === position ? location.result : null };
      }),
    );
    return { header: signedHeaderView(block), txs, bytes: block.bytes };
  }

  async head(): Promise<SignedHeaderView> {
    const head = await this.storeHead();
    return signedHeaderView((await this.block(head.height)) as DecodedBlock);
  }

  async certifiedHead(): Promise<CertifiedHead | undefined> {
    return this.node.cosigner.certifiedHead();
  }

  getDocument(id: string) {
    return getDocument(this.store, id);
  }
  byLei(lei: string, page: Parameters<typeof byLei>[2]) {
    return byLei(this.store, lei, page);
  }
  byGtin(gtin: string, page: Parameters<typeof byGtin>[2]) {
    return byGtin(this.store, gtin, page);
  }
  byHsCode(hsCode: string, page: Parameters<typeof byHsCode>[2]) {
    return byHsCode(this.store, hsCode, page);
  }
  byCertificate(certificateId: string, page: Parameters<typeof byCertificate>[2]) {
    return byCertificate(this.store, certificateId, page);
  }
  byEntryNumber(entryNumber: string) {
    return byEntryNumber(this.store, entryNumber);
  }
  openVerifications(page: Parameters<typeof openVerifications>[1]) {
    return openVerifications(this.store, page);
  }
  checkEntryLine(query: EntryLineQuery) {
    return checkEntryLine(this.store, query);
  }
  checkProduct(query: ProductQuery) {
    return checkProduct(this.store, query);
  }

  async putAttachment(sha256: string, bytes: Uint8Array): Promise<{ readonly sha256: string; readonly size: number }> {
    return { sha256: await this.node.attachments.put(bytes, sha256), size: bytes.length };
  }

  async getAttachment(sha256: string) {
    const bytes = await this.node.fetchAttachment(sha256);
    if (bytes === undefined) return undefined;
    const mediaType = await attachmentMediaType(this.store, sha256);
    return mediaType === undefined ? { bytes } : { bytes, mediaType };
  }

  async status(): Promise<ClusterStatusView> {
    const status = this.node.status();
    const head = await this.storeHead();
    const lastIndex = status.raftLastIndex;
    return {
      peerId: status.peerId,
      chainId: status.chainId,
      role: status.role,
      leader: status.leader,
      term: status.term,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
      height: head.height,
      logSize: head.logSize,
      peers: status.peers.map((peer) => {
        const progress = status.progress[peer.peerId];
        return {
          peerId: peer.peerId,
          connected: peer.connected,
          raftRole: status.voters.includes(peer.peerId) ? 'voter' : status.learners.includes(peer.peerId) ? 'learner' : 'none',
          ...(progress === undefined ? {} : { matchIndex: progress.match, lagEntries: Math.max(0, lastIndex - progress.match) }),
          ...(peer.rttMs === undefined ? {} : { rttMs: peer.rttMs }),
        };
      }),
      mempool: { txs: status.mempool.size, bytes: status.mempool.bytes },
      halted: status.halted,
      // Beyond the interface's minimum: what operators and tests read.
      headHash: toHex(head.blockHash),
      voters: status.voters,
      learners: status.learners,
      blocksSynced: status.blocksSynced,
    } as ClusterStatusView;
  }

  async readiness(): Promise<Readiness> {
    const reasons: string[] = [];
    if (this.node.halted !== undefined) reasons.push(`halted: ${this.node.halted.code}`);
    if (this.node.currentLeader === null) reasons.push('no leader known');
    return { ready: reasons.length === 0, reasons };
  }

  async membership(): Promise<MembershipView> {
    const current = this.node.currentMembership;
    const trusted = trustedMembershipOf(current);
    const names = new Map(current.organizations.map((org) => [org.lei, org.name]));
    const head = await this.storeHead();
    return {
      chainId: current.chainId,
      organizations: trusted.organizations.map((org) => ({ lei: org.lei, name: names.get(org.lei) ?? org.lei, nodeKeys: [...org.nodeKeys] })),
      threshold: trusted.threshold,
      height: head.height,
    };
  }

  async memberOfSigningKey(publicKeyHex: string): Promise<{ readonly lei: string } | undefined> {
    if (!/^[0-9a-f]{64}$/.test(publicKeyHex)) return undefined;
    const org = await organizationOfSigningKey(this.store, fromHex(publicKeyHex, 'publicKey', 32));
    return org === undefined ? undefined : { lei: org.lei };
  }
}
