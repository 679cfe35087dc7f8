// A filter of the keys a store has ever written: a scalable Bloom filter (Almeida et al., 2007:
// segments of doubling capacity, a new one when the last is full), each segment blocked (Putze et
// al., 2007: all of a key's bits in one 64-byte block, so a lookup costs one cache miss per
// segment, not one per probe). `mightContain` is never wrong about a key that was added, and takes
// a key never added for one it holds about 0.15% of the time per full segment (16 bits and 8
// probes per key). Memory: 2 bytes per key in full segments, up to 4 while the newest segment
// fills (26-52 MB for 13 million keys).
//
// LevelStore asks it before it reads LevelDB for a key that is probably absent (every new
// transaction id, every new document and index key). LevelDB charges every read that looks into
// more than one table file to the first one, and compacts a file into the next level after about
// one such read per 16 KiB of it ("seek compaction", which classic-level cannot turn off), so the
// absent reads of a busy node kept merging files down the levels: measured with a node's key
// pattern, 250,000 transactions with two absent reads each wrote 3.9 times the flushed bytes in
// compactions and used 89.4 s of CPU; asking this filter first, 2.2 times and 67.2 s; with no
// reads at all, 2.2 times and 62.7 s (bench/results/store-compaction.json, 2026-12-08).

/** Bits per key (a power of two, so a segment's size is one too) and probes per key. */
const BITS_PER_KEY = 16;
const PROBES = 8;
/** Keys the first segment holds (a power of two); each further one holds twice as many. */
export const KEY_FILTER_FIRST_CAPACITY = 1 << 16;

/** 512 bits: one cache line. */
const BLOCK_WORDS = 16;

interface Segment {
  readonly words: Uint32Array;
  /** Block count minus one: a power of two minus one, so a block is a mask away. */
  readonly mask: number;
  readonly capacity: number;
  count: number;
}

function segment(capacity: number): Segment {
  const words = (capacity * BITS_PER_KEY) / 32;
  return { words: new Uint32Array(words), mask: words / BLOCK_WORDS - 1, capacity, count: 0 };
}

/** A string's block hash and its in-block start and step (FNV-1a and a multiply-xorshift, each finalised). */
function hashes(key: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  out[0] = mix(a);
  out[1] = mix(b);
  out[2] = mix(a ^ Math.imul(b, 0x27d4eb2f)) | 1; // odd: x, x + c, x + 2c, … are distinct mod 512
}

/** MurmurHash3's 32-bit finaliser. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class KeyFilter {
  private readonly segments: Segment[] = [segment(KEY_FILTER_FIRST_CAPACITY)];
  private readonly hash = new Uint32Array(3);

  /** Records a key. A key the filter already (seemingly) holds is not counted again. */
  add(key: string): void {
    if (this.mightContain(key)) return; // leaves the key's hashes in this.hash
    let last = this.segments[this.segments.length - 1]!;
    if (last.count >= last.capacity) {
      last = segment(last.capacity * 2);
      this.segments.push(last);
    }
    const base = (this.hash[0]! & last.mask) * BLOCK_WORDS;
    const step = this.hash[2]!;
    for (let i = 0, x = this.hash[1]!; i < PROBES; i++, x += step) {
      const bit = x & 511; // a bit of the 512-bit block
      last.words[base + (bit >>> 5)]! |= 1 << (bit & 31);
    }
    last.count++;
  }

  /** False only for a key never added. */
  mightContain(key: string): boolean {
    hashes(key, this.hash);
    return this.segments.some((s) => this.holds(s));
  }

  /** Distinct keys recorded (a key taken for one already held is not counted). */
  get keys(): number {
    let total = 0;
    for (const s of this.segments) total += s.count;
    return total;
  }

  get bytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.words.byteLength;
    return total;
  }

  private holds(s: Segment): boolean {
    const base = (this.hash[0]! & s.mask) * BLOCK_WORDS;
    const step = this.hash[2]!;
    for (let i = 0, x = this.hash[1]!; i < PROBES; i++, x += step) {
      const bit = x & 511;
      if ((s.words[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
