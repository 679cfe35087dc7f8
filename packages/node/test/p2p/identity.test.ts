import { describe, expect, it } from 'vitest';
import { peerIdFromString } from '@libp2p/peer-id';
import { publicKeyFromSeed } from '@tradeledger/ledger';
import { NodeError } from '../../src/errors.js';
import { identityFromSeed, peerIdFromEd25519PublicKey } from '../../src/p2p/identity.js';

// RFC 8032 section 7.1, TEST 1.
const RFC_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const RFC_PUBLIC = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');

describe('p2p identity', () => {
  it('derives the RFC 8032 public key and an identity-multihash peer id from the seed', async () => {
    const identity = await identityFromSeed(new Uint8Array(RFC_SEED));
    expect(Buffer.from(identity.publicKey).toString('hex')).toBe(RFC_PUBLIC.toString('hex'));
    // identity multihash (0x00, length 36) of the protobuf PublicKey { Type: Ed25519 (1), Data: 32 bytes }
    const expected = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...RFC_PUBLIC]);
    expect(Buffer.from(peerIdFromString(identity.peerIdString).toMultihash().bytes).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    expect(identity.peerIdString.startsWith('12D3KooW')).toBe(true);
  });

  it('is stable across derivations (restarts) and differs between seeds', async () => {
    const seed = new Uint8Array(32).map((_, i) => i * 7 + 3);
    const first = await identityFromSeed(seed);
    const second = await identityFromSeed(Uint8Array.from(seed));
    expect(second.peerIdString).toBe(first.peerIdString);
    expect(second.peerId.equals(first.peerId)).toBe(true);
    const other = await identityFromSeed(new Uint8Array(32).fill(9));
    expect(other.peerIdString).not.toBe(first.peerIdString);
  });

  it('gives the same peer id from the public key alone as from the seed, for the ledger key derivation', async () => {
    for (const fill of [0, 1, 77, 255]) {
      const seed = new Uint8Array(32).fill(fill);
      const identity = await identityFromSeed(seed);
      const ledgerPublic = publicKeyFromSeed(seed);
      expect(Buffer.from(identity.publicKey).equals(Buffer.from(ledgerPublic))).toBe(true);
      expect(peerIdFromEd25519PublicKey(ledgerPublic)).toBe(identity.peerIdString);
    }
  });

  it('refuses seeds and public keys of the wrong length with coded errors', async () => {
    await expect(identityFromSeed(new Uint8Array(31))).rejects.toMatchObject({ code: 'P2P_SEED_INVALID' });
    await expect(identityFromSeed(new Uint8Array(33))).rejects.toBeInstanceOf(NodeError);
    expect(() => peerIdFromEd25519PublicKey(new Uint8Array(31))).toThrow(/expected 32 bytes, got 31 bytes/);
    try {
      peerIdFromEd25519PublicKey(new Uint8Array(64));
      expect.unreachable();
    } catch (error) {
      expect((error as NodeError).code).toBe('P2P_PUBLIC_KEY_INVALID');
    }
  });
});
