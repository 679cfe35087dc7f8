// A naive RFC 9162 Merkle tree, written straight from the recursive definitions and nothing else:
// MTH (2.1.1), PATH (2.1.3.1) and PROOF/SUBPROOF (2.1.4.1). Slow on purpose and shares no code with
// src/: the fast log is compared against it. Hashes with @noble/hashes, not node:crypto.

import { sha256 } from '@noble/hashes/sha2.js';

function hash(...parts: Uint8Array[]): Uint8Array {
  const state = sha256.create();
  for (const part of parts) state.update(part);
  return state.digest();
}

/** The largest power of two smaller than n (n > 1): "k < n <= 2k". */
function k(n: number): number {
  let power = 1;
  while (power * 2 < n) power *= 2;
  return power;
}

export function refLeafHash(entry: Uint8Array): Uint8Array {
  return hash(Uint8Array.of(0x00), entry);
}

/** MTH of the perfect range [index * 2^level, (index + 1) * 2^level), precomputed elsewhere. */
export type PerfectNodeOracle = (level: number, index: number) => Uint8Array;

/**
 * A reference tree over leaf hashes. MTH is memoised on (begin, end), which changes nothing but
 * the speed: every definition below still recurses exactly as the RFC writes it. For very large
 * trees an oracle may answer MTH of aligned power-of-two ranges (computed independently, level by
 * level), so the recursion stops there instead of at the leaves.
 */
export class ReferenceTree {
  readonly #leafHashes: readonly Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();
  readonly #perfect: PerfectNodeOracle | undefined;

  constructor(leafHashes: readonly Uint8Array[], perfect?: PerfectNodeOracle) {
    this.#leafHashes = leafHashes;
    this.#perfect = perfect;
  }

  static fromEntries(entries: readonly Uint8Array[]): ReferenceTree {
    return new ReferenceTree(entries.map(refLeafHash));
  }

  /** MTH(D[begin:end]). MTH({}) = HASH(); MTH({d}) = HASH(0x00 || d); else split at k. */
  mth(begin: number, end: number): Uint8Array {
    const key = `${begin}:${end}`;
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const n = end - begin;
    let result: Uint8Array;
    if (n === 0) result = hash();
    else if (this.#perfect !== undefined && n > 1 && (n & (n - 1)) === 0 && begin % n === 0) result = this.#perfect(Math.log2(n), begin / n);
    else if (n === 1) result = this.#leafHashes[begin] as Uint8Array;
    else {
      const split = k(n);
      result = hash(Uint8Array.of(0x01), this.mth(begin, begin + split), this.mth(begin + split, end));
    }
    this.#memo.set(key, result);
    return result;
  }

  root(size: number): Uint8Array {
    return this.mth(0, size);
  }

  /** PATH(m, D[n]) over D = leaves [0, n). */
  path(m: number, n: number): Uint8Array[] {
    return this.#path(m, 0, n);
  }

  // PATH(m, {d(0)}) = {}; PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k,
  // PATH(m - k, D[k:n]) : MTH(D[0:k]) if m >= k. `begin` offsets the sublist D[begin:end].
  #path(m: number, begin: number, end: number): Uint8Array[] {
    const n = end - begin;
    if (n === 1) return [];
    const split = k(n);
    if (m < split) return [...this.#path(m, begin, begin + split), this.mth(begin + split, end)];
    return [...this.#path(m - split, begin + split, end), this.mth(begin, begin + split)];
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.#subproof(m, 0, n, true);
  }

  // SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
  // m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
  #subproof(m: number, begin: number, end: number, b: boolean): Uint8Array[] {
    const n = end - begin;
    if (m === n) return b ? [] : [this.mth(begin, end)];
    const split = k(n);
    if (m <= split) return [...this.#subproof(m, begin, begin + split, b), this.mth(begin + split, end)];
    return [...this.#subproof(m - split, begin + split, end, false), this.mth(begin, begin + split)];
  }
}
