// Cosigned heads: after applying a block, each node signs the checkpoint { chainId, height,
// blockHash, logSize, logRoot, stateRoot } with its node key and sends it to its peers; a head is
// certified once valid signatures from a quorum of distinct member organizations agree on it. A
// certified head lets anyone holding the members' public keys check proofs offline
// (light-client.ts) without trusting any single node.
//
// A peer's signature counts only for the checkpoint this node computed itself at that height, and
// only when the signing key is the sending peer's own node key. Limits: the last
// COSIGN_KEEP_HEIGHTS heights, and at most COSIGN_PENDING_MAX signatures for heights not yet applied.

import {
  approvalsRequired,
  bytesEqual,
  checkpointSigningHash,
  sign,
  toHex,
  verify,
  verifyCertifiedHead,
  type CertifiedHead,
  type Checkpoint,
  type CheckpointSignature,
  type Membership,
  type TrustedMembership,
} from '@tradeledger/ledger';
import { NodeError } from './errors.js';
import type { OneWayProtocol, P2PHost, P2PLogger } from './p2p/index.js';

export const COSIGN_KEEP_HEIGHTS = 128;
export const COSIGN_PENDING_MAX = 4096;

export interface CheckpointMessage {
  readonly checkpoint: Checkpoint;
  readonly signer: Uint8Array;
  readonly signature: Uint8Array;
}

function malformed(what: string): NodeError {
  return new NodeError('FRAME_MALFORMED', `checkpoint message: ${what}`, { status: 400 });
}

function bytes32(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw malformed(`${what} must be 32 bytes`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(`${what} must be a non-negative integer`);
  return value;
}

export const CHECKPOINT_PROTOCOL: OneWayProtocol<CheckpointMessage> = {
  id: '/tradeledger/checkpoint/1',
  maxFrameBytes: 1024,
  parse: (value) => {
    if (typeof value !== 'object' || value === null) throw malformed('expected a map');
    const m = value as Record<string, unknown>;
    const c = m['checkpoint'] as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || typeof c['chainId'] !== 'string' || (c['chainId'] as string).length > 64) throw malformed('checkpoint');
    const signature = m['signature'];
    if (!(signature instanceof Uint8Array) || signature.length !== 64) throw malformed('signature must be 64 bytes');
    return {
      checkpoint: {
        chainId: c['chainId'] as string,
        height: count(c['height'], 'height'),
        blockHash: bytes32(c['blockHash'], 'blockHash'),
        logSize: count(c['logSize'], 'logSize'),
        logRoot: bytes32(c['logRoot'], 'logRoot'),
        stateRoot: bytes32(c['stateRoot'], 'stateRoot'),
      },
      signer: bytes32(m['signer'], 'signer'),
      signature,
    };
  },
};

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.chainId === b.chainId && a.height === b.height && a.logSize === b.logSize && bytesEqual(a.blockHash, b.blockHash) && bytesEqual(a.logRoot, b.logRoot) && bytesEqual(a.stateRoot, b.stateRoot);
}

/** The members who may certify heads now: organizations with node keys, and how many must sign. */
export function trustedMembershipOf(membership: Membership): TrustedMembership {
  const organizations = membership.organizations.map((org) => ({ lei: org.lei, nodeKeys: org.nodes.map((node) => node.publicKey) }));
  const signers = organizations.filter((org) => org.nodeKeys.length > 0).length;
  return { chainId: membership.chainId, organizations, threshold: Math.max(1, approvalsRequired(membership.threshold, signers)) };
}

interface HeightEntry {
  readonly checkpoint: Checkpoint;
  readonly signatures: Map<string, CheckpointSignature>;
}

export class Cosigner {
  private readonly heights = new Map<number, HeightEntry>();
  private readonly pending: Array<{ from: string; message: CheckpointMessage }> = [];
  private certified: CertifiedHead | undefined;

  constructor(
    private readonly args: {
      readonly seed: Uint8Array;
      readonly publicKey: Uint8Array;
      readonly p2p: P2PHost;
      readonly logger: P2PLogger;
      readonly membership: () => Membership;
      /** The node key of a member peer, by peer id (undefined for non-members). */
      readonly nodeKeyOfPeer: (peerId: string) => string | undefined;
    },
  ) {}

  /** Signs this node's checkpoint for an applied block and sends it to every connected peer. */
  onApplied(checkpoint: Checkpoint): void {
    const signature = sign(this.args.seed, checkpointSigningHash(checkpoint));
    const entry: HeightEntry = { checkpoint, signatures: new Map() };
    entry.signatures.set(toHex(this.args.publicKey), { signerPublicKey: this.args.publicKey, signature });
    this.heights.set(checkpoint.height, entry);
    for (const height of this.heights.keys()) if (height <= checkpoint.height - COSIGN_KEEP_HEIGHTS) this.heights.delete(height);
    const waiting = this.pending.splice(0, this.pending.length);
    for (const item of waiting) this.accept(item.from, item.message);
    this.updateCertified(checkpoint.height);
    const message: CheckpointMessage = { checkpoint, signer: this.args.publicKey, signature };
    for (const peer of this.args.p2p.peers()) {
      if (!peer.connected) continue;
      try {
        this.args.p2p.sendOneWay(peer.peerId, CHECKPOINT_PROTOCOL, message);
      } catch (error) {
        this.args.logger.debug({ err: error, peer: peer.peerId }, 'checkpoint not sent');
      }
    }
  }

  /** A peer's signed checkpoint. */
  onMessage(from: string, message: CheckpointMessage): void {
    this.accept(from, message);
  }

  private accept(from: string, message: CheckpointMessage): void {
    const key = toHex(message.signer);
    if (this.args.nodeKeyOfPeer(from) !== key) return; // a peer signs only for itself
    const entry = this.heights.get(message.checkpoint.height);
    if (entry === undefined) {
      const newest = Math.max(-1, ...this.heights.keys());
      if (message.checkpoint.height > newest && this.pending.length < COSIGN_PENDING_MAX) this.pending.push({ from, message });
      return;
    }
    if (!sameCheckpoint(entry.checkpoint, message.checkpoint)) {
      this.args.logger.warn({ from, height: message.checkpoint.height }, 'a peer signed a different checkpoint at this height');
      return;
    }
    if (!verify(message.signer, checkpointSigningHash(message.checkpoint), message.signature)) return;
    entry.signatures.set(key, { signerPublicKey: message.signer, signature: message.signature });
    this.updateCertified(message.checkpoint.height);
  }

  private updateCertified(height: number): void {
    if (this.certified !== undefined && this.certified.checkpoint.height >= height) return;
    const entry = this.heights.get(height);
    if (entry === undefined) return;
    const head: CertifiedHead = { checkpoint: entry.checkpoint, signatures: [...entry.signatures.values()] };
    const membership = trustedMembershipOf(this.args.membership());
    const verdict = verifyCertifiedHead(head, membership, { verifySignature: verify });
    if (verdict.ok) this.certified = head;
  }

  /** The newest head certified by a quorum of member organizations, if any. */
  certifiedHead(): CertifiedHead | undefined {
    return this.certified;
  }

  /** The signatures gathered so far for a height (certified or not). */
  signaturesAt(height: number): CertifiedHead | undefined {
    const entry = this.heights.get(height);
    return entry === undefined ? undefined : { checkpoint: entry.checkpoint, signatures: [...entry.signatures.values()] };
  }
}
