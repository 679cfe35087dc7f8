// What the HTTP API asks of a node, answered from its LedgerNode and store: plain JSON-able
// values, with byte strings in lower-case hex. No HTTP concerns here.

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
  getDocument,
  inclusionProofToJSON,
  consistencyProofToJSON,
  MerkleLog,
  openVerifications,
  toHex,
  type BlockHeader,
  type StoreHead,
} from '@tradeledger/ledger';
import { sha256Hex } from '../attachment-store.js';
import { NodeError } from '../errors.js';
import type { LedgerNode } from '../ledger-node.js';

export function headerJson(header: BlockHeader, hash: Uint8Array, signature: Uint8Array): Record<string, unknown> {
  return {
    height: header.height,
    hash: toHex(hash),
    chainId: header.chainId,
    prevHash: toHex(header.prevHash),
    txRoot: toHex(header.txRoot),
    logSize: header.logSize,
    logRoot: toHex(header.logRoot),
    stateRoot: toHex(header.stateRoot),
    timestamp: header.timestamp,
    proposer: toHex(header.proposer),
    term: header.term,
    signature: toHex(signature),
  };
}

function txIdBytes(txId: string): Uint8Array {
  try {
    return fromHex(txId, 'txId', 32);
  } catch {
    throw new NodeError('TX_ID_INVALID', `txId: expected 64 lower-case hex characters, got ${JSON.stringify(txId.slice(0, 80))}`, { status: 400 });
  }
}

function count(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new NodeError('PARAM_INVALID', `${field}: expected a non-negative integer, got ${JSON.stringify(value.slice(0, 40))}`, { status: 400 });
  return Number(value);
}

export class NodeApiService {
  constructor(readonly node: LedgerNode) {}

  private async head(): Promise<StoreHead> {
    return (await this.node.store.head()) as StoreHead;
  }

  async submit(bytes: Uint8Array, options: { wait: boolean; timeoutMs: number }): Promise<Record<string, unknown>> {
    const { txId } = await this.node.submit(bytes);
    if (!options.wait) return { txId, status: 'accepted' };
    const committed = await this.node.waitForCommit(txId, options.timeoutMs);
    return { ...committed, status: 'committed' };
  }

  async tx(txId: string): Promise<Record<string, unknown>> {
    const id = txIdBytes(txId);
    const location = await this.node.store.getTxLocation(id);
    if (location === undefined) {
      if (this.node.mempool.has(txId)) return { txId, status: 'pending' };
      throw new NodeError('TX_NOT_FOUND', `no transaction ${txId} on this node`, { status: 404 });
    }
    const block = decodeBlock((await this.node.store.getBlock(location.height)) as Uint8Array);
    const bytes = block.txs[location.position] as Uint8Array;
    const leafIndex = block.header.logSize - block.txs.length + location.position;
    let decoded: Record<string, unknown> = {};
    try {
      const tx = decodeTx(bytes).tx;
      decoded = { kind: tx.kind, signer: toHex(tx.signer), nonce: tx.nonce, timestamp: tx.timestamp, payload: tx.payload };
    } catch {
      decoded = {};
    }
    return { txId, status: 'committed', height: location.height, position: location.position, leafIndex, result: location.result, ...decoded, bytes: Buffer.from(bytes).toString('base64') };
  }

  async inclusionProof(txId: string, treeSizeParam: string | undefined): Promise<{ proof: string; header: Record<string, unknown> }> {
    const id = txIdBytes(txId);
    const location = await this.node.store.getTxLocation(id);
    if (location === undefined) throw new NodeError('TX_NOT_FOUND', `no transaction ${txId} on this node`, { status: 404 });
    const block = decodeBlock((await this.node.store.getBlock(location.height)) as Uint8Array);
    const leafIndex = block.header.logSize - block.txs.length + location.position;
    const head = await this.head();
    const treeSize = count(treeSizeParam, 'treeSize') ?? head.logSize;
    if (treeSize <= leafIndex || treeSize > head.logSize) {
      throw new NodeError('PROOF_SIZE_INVALID', `treeSize: must be in (${leafIndex}, ${head.logSize}] for leaf ${leafIndex}`, { status: 400 });
    }
    const log = MerkleLog.fromFrontier(head.logSize, head.frontier);
    const proof = await log.inclusionProof(this.node.store, leafIndex, treeSize);
    return { proof: inclusionProofToJSON(proof), header: await this.headerAtLogSize(treeSize) };
  }

  async consistencyProof(firstParam: string | undefined, secondParam: string | undefined): Promise<{ proof: string; header: Record<string, unknown> }> {
    const head = await this.head();
    const first = count(firstParam, 'first');
    const second = count(secondParam, 'second') ?? head.logSize;
    if (first === undefined || first > second || second > head.logSize) {
      throw new NodeError('PROOF_SIZE_INVALID', `first and second: need 0 <= first <= second <= ${head.logSize}`, { status: 400 });
    }
    const log = MerkleLog.fromFrontier(head.logSize, head.frontier);
    const proof = await log.consistencyProof(this.node.store, first, second);
    return { proof: consistencyProofToJSON(proof), header: await this.headerAtLogSize(second) };
  }

  /** The header of the first block whose log size is `logSize`, when a block ends there. */
  private async headerAtLogSize(logSize: number): Promise<Record<string, unknown>> {
    const head = await this.head();
    let lo = 0;
    let hi = head.height;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = decodeBlock((await this.node.store.getBlock(mid)) as Uint8Array);
      if (block.header.logSize < logSize) lo = mid + 1;
      else hi = mid;
    }
    const block = decodeBlock((await this.node.store.getBlock(lo)) as Uint8Array);
    return block.header.logSize === logSize ? headerJson(block.header, block.hash, block.signature) : { logSize, note: 'no block ends at this log size' };
  }

  async block(heightParam: string): Promise<Record<string, unknown>> {
    const height = count(heightParam, 'height') as number;
    const bytes = await this.node.store.getBlock(height);
    if (bytes === undefined) throw new NodeError('BLOCK_NOT_FOUND', `no block at height ${height}`, { status: 404 });
    const block = decodeBlock(bytes);
    return { header: headerJson(block.header, block.hash, block.signature), txIds: block.txs.map((tx) => sha256Hex(tx)), bytes: Buffer.from(bytes).toString('base64') };
  }

  async latestHeader(): Promise<Record<string, unknown>> {
    const head = await this.head();
    const block = decodeBlock((await this.node.store.getBlock(head.height)) as Uint8Array);
    return headerJson(block.header, block.hash, block.signature);
  }

  async document(id: string): Promise<unknown> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new NodeError('DOCUMENT_ID_INVALID', `document id: expected 64 lower-case hex characters`, { status: 400 });
    const found = await getDocument(this.node.store, id);
    if (found === undefined) throw new NodeError('DOCUMENT_NOT_FOUND', `no document ${id}`, { status: 404 });
    return found;
  }

  async query(by: string, value: string, after: string | undefined): Promise<unknown> {
    const page = after === undefined ? {} : { after };
    const store = this.node.store;
    switch (by) {
      case 'lei':
        return byLei(store, value, page);
      case 'gtin':
        return byGtin(store, value, page);
      case 'hs':
        return byHsCode(store, value, page);
      case 'certificate':
        return byCertificate(store, value, page);
      case 'entry': {
        const found = await byEntryNumber(store, value);
        if (found === undefined) throw new NodeError('DOCUMENT_NOT_FOUND', `no entry ${value}`, { status: 404 });
        return found;
      }
      default:
        throw new NodeError('QUERY_UNKNOWN', `query by ${JSON.stringify(by)}: expected lei, gtin, hs, entry or certificate`, { status: 404 });
    }
  }

  openVerifications(after: string | undefined): Promise<unknown> {
    return openVerifications(this.node.store, after === undefined ? {} : { after });
  }

  checkEntryLine(params: { importerLei?: string; gtin?: string; date?: string; manufacturerLei?: string }): Promise<unknown> {
    if (params.importerLei === undefined || params.gtin === undefined || params.date === undefined) {
      throw new NodeError('PARAM_MISSING', 'importerLei, gtin and date are required', { status: 400 });
    }
    return checkEntryLine(this.node.store, { importerLei: params.importerLei, gtin: params.gtin, date: params.date, ...(params.manufacturerLei === undefined ? {} : { manufacturerLei: params.manufacturerLei }) });
  }

  checkProduct(gtin: string, sellerLei: string | undefined): Promise<unknown> {
    return checkProduct(this.node.store, { gtin, ...(sellerLei === undefined ? {} : { sellerLei }) });
  }

  async putAttachment(hash: string, bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const stored = await this.node.attachments.put(bytes, hash);
    return { sha256: stored, size: bytes.length };
  }

  async getAttachment(hash: string): Promise<Uint8Array> {
    const bytes = await this.node.fetchAttachment(hash);
    if (bytes === undefined) throw new NodeError('ATTACHMENT_NOT_FOUND', `no node holds attachment ${hash}`, { status: 404 });
    return bytes;
  }

  async status(): Promise<Record<string, unknown>> {
    const head = await this.head();
    return { ...this.node.status(), height: head.height, logSize: head.logSize, headHash: toHex(head.blockHash) };
  }

  ready(): boolean {
    return this.node.halted === undefined && this.node.currentLeader !== null;
  }
}
