// The node's libp2p identity, derived from its Ed25519 key-file seed so the peer id is stable
// across restarts and can be computed from a member's public key alone (the membership lists
// public keys; the connection gater compares peer id strings). Owns no state and no I/O.

import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id';
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface';
import { NodeError } from '../errors.js';

export const ED25519_SEED_LENGTH_BYTES = 32;
export const ED25519_PUBLIC_KEY_LENGTH_BYTES = 32;

export interface P2PIdentity {
  readonly privateKey: Ed25519PrivateKey;
  readonly peerId: PeerId;
  /** The peer id in its string form (base58btc, "12D3KooW…"), as the gater and the API use it. */
  readonly peerIdString: string;
  /** The raw 32-byte Ed25519 public key, equal to the ledger's publicKeyFromSeed(seed). */
  readonly publicKey: Uint8Array;
}

/** The libp2p private key and peer id of the node whose key file holds `seed`. */
export async function identityFromSeed(seed: Uint8Array): Promise<P2PIdentity> {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH_BYTES) {
    throw new NodeError('P2P_SEED_INVALID', `p2p seed: expected ${ED25519_SEED_LENGTH_BYTES} bytes, got ${describeLength(seed)}`);
  }
  const privateKey = await generateKeyPairFromSeed('Ed25519', seed);
  const peerId = peerIdFromPrivateKey(privateKey);
  const publicKey = privateKey.publicKey.raw;
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH_BYTES) throw new Error(`assert: ed25519 public key is ${publicKey.length} bytes`);
  return { privateKey, peerId, peerIdString: peerId.toString(), publicKey };
}

/** The peer id string of the node whose raw Ed25519 public key is `publicKey`. */
export function peerIdFromEd25519PublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH_BYTES) {
    throw new NodeError('P2P_PUBLIC_KEY_INVALID', `p2p public key: expected ${ED25519_PUBLIC_KEY_LENGTH_BYTES} bytes, got ${describeLength(publicKey)}`);
  }
  const key = publicKeyFromRaw(publicKey);
  if (key.type !== 'Ed25519') throw new NodeError('P2P_PUBLIC_KEY_INVALID', `p2p public key: decoded as ${key.type}, expected Ed25519`);
  return peerIdFromPublicKey(key).toString();
}

function describeLength(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}
