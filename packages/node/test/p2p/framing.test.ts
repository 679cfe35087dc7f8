import fc from 'fast-check';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../src/errors.js';
import { FRAME_ERROR, FrameDecoder, decodeFramePayload, encodeFrame } from '../../src/p2p/framing.js';

function prefixed(length: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, length, false);
  out.set(payload, 4);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return (error as NodeError).code;
  }
  return undefined;
}

/** Stands in for a libp2p Uint8ArrayList chunk: only subarray() is used. */
function listChunk(bytes: Uint8Array): { subarray(): Uint8Array } {
  return { subarray: () => bytes };
}

const VALUES: unknown[] = [
  { type: 'append', term: 3, entries: [{ index: 1, data: new Uint8Array([1, 2, 3]) }] },
  [1, 'two', null, true, -5, 2 ** 40],
  'x'.repeat(1000),
  0,
];

describe('frames: 4-byte big-endian length + one msgpack value', () => {
  it('encodes the payload length in front of the msgpack bytes', () => {
    const frame = encodeFrame({ a: 1 }, 100);
    const payload = pack({ a: 1 });
    expect(Buffer.from(frame.subarray(0, 4)).readUInt32BE(0)).toBe(payload.length);
    expect(Buffer.from(frame.subarray(4)).equals(Buffer.from(payload))).toBe(true);
  });

  it('decodes frames split at every byte boundary and frames packed into one chunk', () => {
    const frames = VALUES.map((value) => encodeFrame(value, 4096));
    const all = Buffer.concat(frames);
    const whole = new FrameDecoder(4096).push(all);
    expect(whole).toEqual(VALUES.map((v) => (v instanceof Object ? v : v)));
    const bytewise = new FrameDecoder(4096);
    const out: unknown[] = [];
    for (const byte of all) out.push(...bytewise.push(listChunk(Uint8Array.of(byte))));
    expect(out).toEqual(whole);
    expect(bytewise.bufferedBytes).toBe(0);
    bytewise.finish();
  });

  it('decodes a "__proto__" key without touching any prototype', () => {
    const [decoded] = new FrameDecoder(1 << 20).push(encodeFrame(JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown, 1 << 20)) as [Record<string, unknown>];
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded['a']).toBe(1);
    // msgpackr renames the key rather than let it reach the prototype; protocols never use it.
    expect(Object.keys(decoded)).not.toContain('__proto__');
  });

  it('round-trips any msgpack value under any chunking (property)', () => {
    // "__proto__" keys are renamed on decode (the test above), so the round trip leaves them out.
    const withoutProto = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(withoutProto) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== '__proto__').map(([k, x]) => [k, withoutProto(x)])) : v;
    const value = fc.jsonValue({ maxDepth: 4 }).map((v) => withoutProto(JSON.parse(JSON.stringify(v)) as unknown));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (values, cuts) => {
        const bytes = Buffer.concat(values.map((v) => encodeFrame(v, 1 << 20)));
        const decoder = new FrameDecoder(1 << 20);
        const out: unknown[] = [];
        let offset = 0;
        let i = 0;
        while (offset < bytes.length) {
          const size = cuts[i++ % cuts.length] ?? 1;
          out.push(...decoder.push(bytes.subarray(offset, offset + size)));
          offset += size;
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(4 + (1 << 20));
        }
        decoder.finish();
        expect(out).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts a frame exactly at the limit and refuses one byte over, on both sides', () => {
    const atLimit = 'a'.repeat(100);
    const size = pack(atLimit).length;
    const frame = encodeFrame(atLimit, size);
    expect(new FrameDecoder(size).push(frame)).toEqual([atLimit]);
    expect(codeOf(() => encodeFrame(atLimit, size - 1))).toBe(FRAME_ERROR.TOO_LARGE);
    expect(codeOf(() => new FrameDecoder(size - 1).push(frame))).toBe(FRAME_ERROR.TOO_LARGE);
  });

  it('refuses an oversized length as soon as the prefix arrives, before any payload', () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(Uint8Array.of(0xff, 0xff))).toEqual([]);
    expect(codeOf(() => decoder.push(Uint8Array.of(0xff, 0xff)))).toBe(FRAME_ERROR.TOO_LARGE);
    expect(decoder.bufferedBytes).toBe(0);
    // Poisoned: the stream is to be closed, nothing more is decoded.
    expect(codeOf(() => decoder.push(encodeFrame(1, 1024)))).toBe(FRAME_ERROR.TOO_LARGE);
    expect(codeOf(() => decoder.finish())).toBe(FRAME_ERROR.TOO_LARGE);
  });

  it('refuses a zero length, bytes that are not msgpack, and two values in one frame as FRAME_MALFORMED', () => {
    expect(codeOf(() => new FrameDecoder(64).push(prefixed(0)))).toBe(FRAME_ERROR.MALFORMED);
    expect(codeOf(() => new FrameDecoder(64).push(prefixed(1, Uint8Array.of(0xc1))))).toBe(FRAME_ERROR.MALFORMED);
    // str8 header announcing 200 bytes, 3 present
    expect(codeOf(() => new FrameDecoder(64).push(prefixed(5, Uint8Array.of(0xd9, 200, 0x61, 0x62, 0x63))))).toBe(FRAME_ERROR.MALFORMED);
    const two = Buffer.concat([pack(1), pack(2)]);
    expect(codeOf(() => new FrameDecoder(64).push(prefixed(two.length, two)))).toBe(FRAME_ERROR.MALFORMED);
    expect(codeOf(() => decodeFramePayload(new Uint8Array(0)))).toBe(FRAME_ERROR.MALFORMED);
  });

  it('refuses values that are not plain data: msgpackr markers, timestamps, extensions, deep nesting', () => {
    const payloads: Array<[string, Uint8Array]> = [
      ['0xc1 marker inside an array', Uint8Array.of(0x92, 0x01, 0xc1)],
      ['timestamp extension (a Date)', pack(new Date(0))],
      ['unknown fixext 1 (type 5)', Uint8Array.of(0xd4, 0x05, 0x00)],
      ['65 nested arrays', new Uint8Array([...new Array<number>(65).fill(0x91), 0x01])],
      ['a million nested arrays', new Uint8Array(1_000_000).fill(0x91)],
    ];
    for (const [name, payload] of payloads) {
      expect(codeOf(() => decodeFramePayload(payload, name)), name).toBe(FRAME_ERROR.MALFORMED);
    }
    const deepest = new Uint8Array([...new Array<number>(64).fill(0x91), 0x01]);
    expect(decodeFramePayload(deepest)).toBeInstanceOf(Array);
    const plain = decodeFramePayload(pack({ b: new Uint8Array([1, 2]), n: 2n ** 62n, u: undefined })) as { b: Uint8Array; n: bigint; u: undefined };
    expect(plain.b).toBeInstanceOf(Uint8Array); // a Buffer on Node
    expect([...plain.b]).toEqual([1, 2]);
    expect(plain.n).toBe(2n ** 62n);
    expect(Object.keys(plain).sort()).toEqual(['b', 'n', 'u']);
  });

  it('reports a stream that ends inside a prefix or a payload as FRAME_MALFORMED', () => {
    const frame = encodeFrame({ hello: 'world' }, 64);
    for (const cut of [1, 3, 4, frame.length - 1]) {
      const decoder = new FrameDecoder(64);
      expect(decoder.push(frame.subarray(0, cut))).toEqual([]);
      expect(decoder.bufferedBytes).toBe(cut);
      const error = (() => {
        try {
          decoder.finish();
        } catch (e) {
          return e as NodeError;
        }
        return undefined;
      })();
      expect(error?.code).toBe(FRAME_ERROR.MALFORMED);
      expect(error?.message).toMatch(/ended inside a frame/);
    }
  });

  it('rejects random garbage with a coded error or returns values, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        const decoder = new FrameDecoder(256);
        try {
          decoder.push(bytes);
          decoder.finish();
        } catch (error) {
          expect(error).toBeInstanceOf(NodeError);
          expect([FRAME_ERROR.MALFORMED, FRAME_ERROR.TOO_LARGE]).toContain((error as NodeError).code);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses limits outside 1..128 MiB', () => {
    expect(() => new FrameDecoder(0)).toThrow(RangeError);
    expect(() => new FrameDecoder(2 ** 27)).not.toThrow();
    expect(() => encodeFrame(1, 2 ** 27 + 1)).toThrow(RangeError);
  });
});
