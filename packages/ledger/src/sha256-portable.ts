// Portable SHA-256 for the light client: @noble/hashes only, so proof checking runs unchanged in a
// browser. It must never import node:* or hash.ts (the node:crypto hot path); the node and the light
// client agree because both are checked against the same published vectors.

import { sha256 } from '@noble/hashes/sha2.js';

export const SHA256_PORTABLE_BYTES = 32;

/** SHA-256 of one byte string. */
export function sha256Portable(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** SHA-256 of the concatenation of `parts`, without building the concatenation. */
export function sha256PortableParts(...parts: readonly Uint8Array[]): Uint8Array {
  const state = sha256.create();
  for (const part of parts) state.update(part);
  return state.digest();
}
