// A small deterministic PRNG (xoshiro128**, seeded through splitmix32) that hosts hand to the
// Raft core and the simulator uses for its network. The core never draws randomness elsewhere,
// so a run is reproducible from its seed. Not for cryptography.

import { ConsensusError } from './errors.js';

export interface Prng {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
}

export class Xoshiro128 implements Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ConsensusError('PRNG_SEED_INVALID', `seed must be a non-negative safe integer, got ${seed}`, { field: 'seed' });
    }
    // splitmix32 over both 32-bit halves spreads any seed (including 0) over the whole state.
    let x = (seed >>> 0) ^ Math.floor(seed / 0x1_0000_0000);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createPrng(seed: number): Prng {
  return new Xoshiro128(seed);
}

/** A uniform integer in [0, bound), bound in [1, 2^32], without modulo bias. */
export function randomInt(prng: Prng, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 0x1_0000_0000) {
    throw new ConsensusError('PRNG_BOUND_INVALID', `bound must be an integer in [1, 2^32], got ${bound}`, { field: 'bound' });
  }
  const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
  for (;;) {
    const value = prng.nextUint32();
    if (value < limit) return value % bound;
  }
}

/** A float in [0, 1) with 32 bits of randomness (for simulation probabilities only). */
export function randomUnit(prng: Prng): number {
  return prng.nextUint32() / 0x1_0000_0000;
}
