// A naive reference for the PRNG, written from the published algorithms with BigInt arithmetic
// (no 32-bit tricks), to check the fast implementation output for output.
const MASK = (1n << 32n) - 1n;

function rotl(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (32n - k))) & MASK;
}

/** splitmix32 as used for seeding: add the golden gamma, then the murmur3 finalizer. */
export function referenceSeedState(seed: number): bigint[] {
  let x = BigInt(seed % 2 ** 32) ^ BigInt(Math.floor(seed / 2 ** 32));
  x &= MASK;
  const out: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9n) & MASK;
    let z = x;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & MASK;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & MASK;
    out.push((z ^ (z >> 16n)) & MASK);
  }
  if (out.every((v) => v === BigInt(0))) out[0] = BigInt(1);
  return out;
}

/** xoshiro128** (Blackman and Vigna, 2018). */
export function referenceOutputs(seed: number, count: number): number[] {
  const s = referenceSeedState(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const [s0, s1, s2, s3] = s as [bigint, bigint, bigint, bigint];
    out.push(Number((rotl((s1 * 5n) & MASK, 7n) * 9n) & MASK));
    const t = (s1 << 9n) & MASK;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    s[0] = n0;
    s[1] = n1;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11n);
  }
  return out;
}
