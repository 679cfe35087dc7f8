// SHA-256 for the hot path (node:crypto one-shot, ~300k small hashes/s here) and domain-separated
// hashing. Every hash that a signature covers or that names an object carries a purpose tag, so
// bytes hashed for one purpose can never be replayed as another. The light client's proof checks
// use the portable hash in sha256-portable.ts instead.

import { hash as nodeHash } from 'node:crypto';
import { concatBytes, utf8 } from './bytes.js';

export const SHA256_BYTES = 32;

export function sha256(data: Uint8Array): Uint8Array {
  // crypto.hash returns a Buffer; expose a plain Uint8Array view of the same memory.
  const digest = nodeHash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** Purpose tags. Changing one changes every hash or signature made for that purpose. */
export const DOMAIN = {
  txSignature: 'tradeledger/tx/v1',
  blockHeader: 'tradeledger/block-header/v1',
  checkpoint: 'tradeledger/checkpoint/v1',
  stateRoot: 'tradeledger/state/v1',
} as const;
export type Domain = (typeof DOMAIN)[keyof typeof DOMAIN];

const domainPrefixes = new Map<string, Uint8Array>();

/** SHA-256(len(tag) ‖ tag ‖ data): an unambiguous prefix, the tag's length in one byte. */
export function domainHash(domain: Domain, data: Uint8Array): Uint8Array {
  let prefix = domainPrefixes.get(domain);
  if (prefix === undefined) {
    const tag = utf8(domain);
    prefix = concatBytes(Uint8Array.of(tag.length), tag);
    domainPrefixes.set(domain, prefix);
  }
  return sha256(concatBytes(prefix, data));
}
