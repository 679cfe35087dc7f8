// The state root: a chained commitment to every state change.
//
//   writesHash = SHA-256( for each write, sorted by key:
//                           u32be(len(key)) ‖ key ‖ (0x01 ‖ u32be(len(value)) ‖ value   |   0x00) )
//   stateRoot  = domainHash(DOMAIN.stateRoot, prevRoot ‖ u32be(count) ‖ writesHash)
//
// Two nodes whose state changes differ get different roots from the first block where they differ,
// and every root after it differs too (it chains the previous root). A deletion and an empty value
// are distinct (marker 0x00 versus 0x01 with length 0). The genesis root chains from 32 zero bytes.

import { concatBytes, utf8 } from '../bytes.js';
import { assert } from '../errors.js';
import { DOMAIN, domainHash, SHA256_BYTES, sha256 } from '../hash.js';
import type { StateWrite } from '../store.js';

export const GENESIS_PREVIOUS_STATE_ROOT = new Uint8Array(SHA256_BYTES);

function u32(n: number): Uint8Array {
  if (!(Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff)) assert(false, `length fits 32 bits: ${n}`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function nextStateRoot(prevRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
  assert(prevRoot.length === SHA256_BYTES, `previous state root is ${SHA256_BYTES} bytes`);
  const sorted = [...writes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const write = sorted[i] as StateWrite;
    if (!(i === 0 || (sorted[i - 1] as StateWrite).key !== write.key)) assert(false, `one write per key in a block: ${write.key}`);
    const key = utf8(write.key);
    parts.push(u32(key.length), key);
    if (write.value === null) parts.push(Uint8Array.of(0));
    else parts.push(Uint8Array.of(1), u32(write.value.length), write.value);
  }
  const writesHash = sha256(concatBytes(...parts));
  return domainHash(DOMAIN.stateRoot, concatBytes(prevRoot, u32(sorted.length), writesHash));
}
