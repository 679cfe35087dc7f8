// The node's wire protocols over libp2p, each with its frame limits and a strict parser for
// what a peer sends. A value that does not parse costs that frame or stream (the p2p host counts
// it and closes the stream), never the node.

import { BLOCK_MAX_BYTES, TX_MAX_BYTES_DEFAULT } from '@tradeledger/ledger';
import { parseMessage, type Message } from '@tradeledger/consensus';
import { ATTACHMENT_MAX_BYTES } from './attachment-store.js';
import { NodeError } from './errors.js';
import type { OneWayProtocol, RequestProtocol } from './p2p/index.js';

/** Blocks returned by one sync request, and their total size. */
export const SYNC_MAX_BLOCKS_PER_REQUEST = 256;
export const SYNC_MAX_RESPONSE_BYTES = 48 * 1024 * 1024;

function malformed(what: string): NodeError {
  return new NodeError('FRAME_MALFORMED', `${what} has the wrong shape`, { status: 400 });
}

function record(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) throw malformed(what);
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw malformed(`${what}.${key}`);
  return value as Record<string, unknown>;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(what);
  return value;
}

function bytes(value: unknown, what: string, max: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length > max) throw malformed(what);
  return value;
}

/** Drops undefined members so msgpack carries only what the message holds. */
export function compactMessage(message: Message): Message {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) if (value !== undefined) out[key] = value;
  return out as unknown as Message;
}

export const RAFT_PROTOCOL: OneWayProtocol<Message> = {
  id: '/tradeledger/raft/1',
  // One append carries at least one entry, and an entry holds at most one block.
  maxFrameBytes: BLOCK_MAX_BYTES + 1024 * 1024,
  // Room for two full-size appends per peer; a stalled peer costs at most this much memory.
  queueMaxBytes: 2 * (BLOCK_MAX_BYTES + 1024 * 1024),
  queueMaxFrames: 4096,
  parse: (value) => parseMessage(value),
};

/** Transactions one forwarding request carries, and their bytes (one larger transaction goes alone). */
export const FORWARD_BATCH_MAX_TXS = 256;
export const FORWARD_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** A refusal's message, as a leader sends it back with its code. */
export const FORWARD_MESSAGE_MAX_CHARS = 512;
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** The code a transaction gets when the leader's verdict on it is malformed or names another id. */
export const FORWARD_ANSWER_MALFORMED = 'LEADER_ANSWER_MALFORMED';

export interface ForwardRequest {
  readonly txs: readonly Uint8Array[];
  /**
   * The Raft index the forwarding follower had applied when it sent the batch: its clients may
   * cite anything committed up to there, so the leader judges the batch on a state at least as new.
   */
  readonly appliedIndex: number;
}
/** The leader's verdict on one forwarded transaction: admitted (its id) or refused (why). */
export type ForwardVerdict = { readonly txId: string } | { readonly code: string; readonly message: string };
export interface ForwardResponse {
  /** One verdict per transaction, in the request's order. */
  readonly results: readonly ForwardVerdict[];
}

export const FORWARD_PROTOCOL: RequestProtocol<ForwardRequest, ForwardResponse> = {
  // 3: the request carries the follower's applied index (a /2 peer would refuse the field).
  id: '/tradeledger/tx/3',
  maxRequestBytes: Math.max(FORWARD_BATCH_MAX_BYTES, TX_MAX_BYTES_DEFAULT) + 64 * 1024,
  maxResponseBytes: FORWARD_BATCH_MAX_TXS * (FORWARD_MESSAGE_MAX_CHARS * 4 + 256),
  parseRequest: (value) => {
    const r = record(value, 'forward', ['txs', 'appliedIndex']);
    const txs = r['txs'];
    if (!Array.isArray(txs) || txs.length < 1 || txs.length > FORWARD_BATCH_MAX_TXS) throw malformed('forward.txs');
    return { txs: txs.map((tx, i) => bytes(tx, `forward.txs[${i}]`, TX_MAX_BYTES_DEFAULT)), appliedIndex: count(r['appliedIndex'], 'forward.appliedIndex') };
  },
  parseResponse: (value) => {
    const results = record(value, 'forward answer', ['results'])['results'];
    if (!Array.isArray(results) || results.length > FORWARD_BATCH_MAX_TXS) throw malformed('forward answer.results');
    // One malformed verdict costs its own transaction (LEADER_ANSWER_MALFORMED), not the batch's.
    return { results: results.map((item, i) => parseVerdict(item, `forward answer.results[${i}]`)) };
  },
};

function parseVerdict(item: unknown, what: string): ForwardVerdict {
  try {
    if (typeof item === 'object' && item !== null && 'txId' in item) {
      const txId = record(item, what, ['txId'])['txId'];
      if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId)) throw malformed(`${what}.txId`);
      return { txId };
    }
    const r = record(item, what, ['code', 'message']);
    const code = r['code'];
    const message = r['message'];
    if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw malformed(`${what}.code`);
    if (typeof message !== 'string' || message.length > FORWARD_MESSAGE_MAX_CHARS) throw malformed(`${what}.message`);
    return { code, message };
  } catch (error) {
    return { code: FORWARD_ANSWER_MALFORMED, message: `the leader's verdict has the wrong shape: ${(error as Error).message}` };
  }
}

export interface SyncRequest {
  readonly fromHeight: number;
  readonly maxBlocks: number;
}
export interface SyncBlock {
  readonly bytes: Uint8Array;
  /** The Raft index of the entry that carried the block on the serving node. */
  readonly raftIndex: number;
}
export interface SyncResponse {
  readonly blocks: readonly SyncBlock[];
  readonly headHeight: number;
  readonly appliedIndex: number;
}

export const SYNC_PROTOCOL: RequestProtocol<SyncRequest, SyncResponse> = {
  id: '/tradeledger/sync/1',
  maxRequestBytes: 256,
  maxResponseBytes: SYNC_MAX_RESPONSE_BYTES + 64 * 1024,
  parseRequest: (value) => {
    const r = record(value, 'sync', ['fromHeight', 'maxBlocks']);
    const maxBlocks = count(r['maxBlocks'], 'sync.maxBlocks');
    if (maxBlocks < 1 || maxBlocks > SYNC_MAX_BLOCKS_PER_REQUEST) throw malformed('sync.maxBlocks');
    return { fromHeight: count(r['fromHeight'], 'sync.fromHeight'), maxBlocks };
  },
  parseResponse: (value) => {
    const r = record(value, 'sync answer', ['blocks', 'headHeight', 'appliedIndex']);
    const blocks = r['blocks'];
    if (!Array.isArray(blocks) || blocks.length > SYNC_MAX_BLOCKS_PER_REQUEST) throw malformed('sync answer.blocks');
    return {
      blocks: blocks.map((b, i) => {
        const entry = record(b, `sync answer.blocks[${i}]`, ['bytes', 'raftIndex']);
        return { bytes: bytes(entry['bytes'], `sync answer.blocks[${i}].bytes`, BLOCK_MAX_BYTES), raftIndex: count(entry['raftIndex'], `sync answer.blocks[${i}].raftIndex`) };
      }),
      headHeight: count(r['headHeight'], 'sync answer.headHeight'),
      appliedIndex: count(r['appliedIndex'], 'sync answer.appliedIndex'),
    };
  },
};

export interface AttachmentRequest {
  readonly hash: string;
}
export interface AttachmentResponse {
  readonly bytes: Uint8Array | null;
}

export const ATTACHMENT_PROTOCOL: RequestProtocol<AttachmentRequest, AttachmentResponse> = {
  id: '/tradeledger/attachment/1',
  maxRequestBytes: 256,
  maxResponseBytes: ATTACHMENT_MAX_BYTES + 1024,
  parseRequest: (value) => {
    const hash = record(value, 'attachment', ['hash'])['hash'];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw malformed('attachment.hash');
    return { hash };
  },
  parseResponse: (value) => {
    const b = record(value, 'attachment answer', ['bytes'])['bytes'];
    return { bytes: b === null ? null : bytes(b, 'attachment answer.bytes', ATTACHMENT_MAX_BYTES) };
  },
};
