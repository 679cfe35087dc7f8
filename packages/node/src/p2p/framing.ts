// Frames on a libp2p stream: a 4-byte unsigned big-endian length, then that many bytes of one
// msgpack value. The length counts the payload only (not the prefix); 0 is malformed. Each
// protocol states its own maximum payload size; a prefix above it is refused as soon as the
// four bytes arrive, before any payload is buffered. Chunks from the stream are not message
// boundaries: FrameDecoder reassembles frames across chunks and holds at most one frame.
// Errors are NodeError with code FRAME_TOO_LARGE or FRAME_MALFORMED; after one, the decoder
// refuses everything (the stream is to be closed). This module does no I/O.

import { Packr, Unpackr } from 'msgpackr';
import { NodeError } from '../errors.js';
import { FRAME_LENGTH_PREFIX_BYTES, FRAME_MAX_BYTES_CEILING, FRAME_VALUE_MAX_DEPTH } from './constants.js';

export const FRAME_ERROR = {
  TOO_LARGE: 'FRAME_TOO_LARGE',
  MALFORMED: 'FRAME_MALFORMED',
} as const;
export type FrameErrorCode = (typeof FRAME_ERROR)[keyof typeof FRAME_ERROR];

// Records and structured clones are msgpackr extensions other implementations do not share;
// frames are plain msgpack.
const packr = new Packr({ useRecords: false, structuredClone: false });
const unpackr = new Unpackr({ useRecords: false, structuredClone: false });

function assertMaxFrameBytes(maxFrameBytes: number): void {
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > FRAME_MAX_BYTES_CEILING) {
    throw new RangeError(`maxFrameBytes: expected an integer in 1..${FRAME_MAX_BYTES_CEILING}, got ${maxFrameBytes}`);
  }
}

/** msgpack-encodes `value` and prefixes its length; FRAME_TOO_LARGE when over `maxFrameBytes`. */
export function encodeFrame(value: unknown, maxFrameBytes: number, protocol = 'frame'): Uint8Array {
  assertMaxFrameBytes(maxFrameBytes);
  const payload: Uint8Array = packr.pack(value);
  if (payload.length > maxFrameBytes) {
    throw new NodeError(FRAME_ERROR.TOO_LARGE, `${protocol}: frame of ${payload.length} bytes exceeds the limit of ${maxFrameBytes}`, { status: 413 });
  }
  const frame = new Uint8Array(FRAME_LENGTH_PREFIX_BYTES + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, false);
  frame.set(payload, FRAME_LENGTH_PREFIX_BYTES);
  return frame;
}

/**
 * Decodes exactly one msgpack value filling `payload`; FRAME_MALFORMED otherwise, and also when
 * the value is not plain data (see assertPlainData).
 */
export function decodeFramePayload(payload: Uint8Array, protocol = 'frame'): unknown {
  if (payload.length === 0) throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol}: empty frame`, { status: 400 });
  let value: unknown;
  try {
    // msgpackr throws when bytes remain after the first value, so one frame is one value.
    value = unpackr.unpack(payload);
  } catch (cause) {
    throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol}: frame of ${payload.length} bytes is not one msgpack value (${errorText(cause)})`, { status: 400, cause });
  }
  assertPlainData(value, protocol);
  return value;
}

/**
 * Frames carry plain data only: nil/undefined, booleans, numbers, bigints, strings, byte
 * arrays, arrays and string-keyed maps (as plain objects), nested at most
 * FRAME_VALUE_MAX_DEPTH deep. msgpackr turns some bytes into other objects (0xc1 into a
 * marker object, timestamps into Dates, extensions into wrappers); those are refused here, so
 * a protocol's parse() only ever sees JSON-like values plus bytes. Iterative: no recursion.
 */
export function assertPlainData(value: unknown, protocol = 'frame'): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    const v = item.value;
    if (v === null || v === undefined) continue;
    const type = typeof v;
    if (type === 'boolean' || type === 'number' || type === 'bigint' || type === 'string') continue;
    if (v instanceof Uint8Array) continue;
    if (item.depth >= FRAME_VALUE_MAX_DEPTH) {
      throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol}: value nested deeper than ${FRAME_VALUE_MAX_DEPTH}`, { status: 400 });
    }
    if (Array.isArray(v)) {
      for (const element of v) stack.push({ value: element, depth: item.depth + 1 });
      continue;
    }
    const proto: unknown = type === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (type === 'object' && (proto === Object.prototype || proto === null)) {
      for (const element of Object.values(v as Record<string, unknown>)) stack.push({ value: element, depth: item.depth + 1 });
      continue;
    }
    const name = type === 'object' ? ((v as { constructor?: { name?: unknown } }).constructor?.name ?? 'object') : type;
    throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol}: value contains a ${String(name)}, not plain data`, { status: 400 });
  }
}

/** Anything a libp2p stream yields: a Uint8Array or a Uint8ArrayList (which has subarray()). */
export type StreamChunk = Uint8Array | { subarray(): Uint8Array };

function chunkBytes(chunk: StreamChunk): Uint8Array {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray();
}

/** Reassembles frames from stream chunks; holds at most one prefix plus one payload. */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  readonly protocol: string;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Payload length of the frame being read, once its prefix is complete. */
  private expected: number | undefined;
  private failure: NodeError | undefined;

  constructor(maxFrameBytes: number, protocol = 'frame') {
    assertMaxFrameBytes(maxFrameBytes);
    this.maxFrameBytes = maxFrameBytes;
    this.protocol = protocol;
  }

  /** Bytes received but not yet returned as values (a partial frame, its prefix included). */
  get bufferedBytes(): number {
    return this.buffered + (this.expected === undefined ? 0 : FRAME_LENGTH_PREFIX_BYTES);
  }

  /** Feeds one chunk; returns the values of every frame it completes, in order. */
  push(chunk: StreamChunk): unknown[] {
    if (this.failure !== undefined) throw this.failure;
    const bytes = chunkBytes(chunk);
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const values: unknown[] = [];
    try {
      for (;;) {
        if (this.expected === undefined) {
          if (this.buffered < FRAME_LENGTH_PREFIX_BYTES) break;
          const prefix = this.take(FRAME_LENGTH_PREFIX_BYTES);
          const length = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(0, false);
          if (length === 0) throw new NodeError(FRAME_ERROR.MALFORMED, `${this.protocol}: frame with length 0`, { status: 400 });
          if (length > this.maxFrameBytes) {
            throw new NodeError(FRAME_ERROR.TOO_LARGE, `${this.protocol}: frame length ${length} exceeds the limit of ${this.maxFrameBytes}`, { status: 413 });
          }
          this.expected = length;
        }
        if (this.buffered < this.expected) break;
        const payload = this.take(this.expected);
        this.expected = undefined;
        values.push(decodeFramePayload(payload, this.protocol));
      }
    } catch (error) {
      this.fail(error);
    }
    if (this.buffered > FRAME_LENGTH_PREFIX_BYTES + this.maxFrameBytes) {
      throw new Error(`assert: ${this.protocol} decoder holds ${this.buffered} bytes, more than one frame`);
    }
    return values;
  }

  /**
   * Call when the stream's readable end is done. FRAME_MALFORMED when a frame was cut short
   * (a truncated prefix or payload).
   */
  finish(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.buffered > 0 || this.expected !== undefined) {
      const detail = this.expected === undefined ? `${this.buffered} of ${FRAME_LENGTH_PREFIX_BYTES} length-prefix bytes` : `${this.buffered} of ${this.expected} payload bytes`;
      this.fail(new NodeError(FRAME_ERROR.MALFORMED, `${this.protocol}: stream ended inside a frame (${detail})`, { status: 400 }));
    }
  }

  private fail(error: unknown): never {
    this.failure = error instanceof NodeError ? error : new NodeError(FRAME_ERROR.MALFORMED, `${this.protocol}: ${errorText(error)}`, { status: 400, cause: error });
    this.chunks = [];
    this.buffered = 0;
    throw this.failure;
  }

  /** Removes and returns the first `n` buffered bytes as a fresh copy (values may keep it). */
  private take(n: number): Uint8Array {
    if (n > this.buffered) throw new Error(`assert: take ${n} of ${this.buffered} buffered bytes`);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      if (head === undefined) throw new Error('assert: decoder chunk list shorter than its byte count');
      const used = Math.min(head.length, n - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    this.buffered -= n;
    return out;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
