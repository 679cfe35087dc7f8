// Random plain data in the canonical data model, and its definition of canonical bytes: what
// msgpackr writes for the normalized value (objects as Maps with keys in UTF-8 byte order,
// integers at or beyond 32 bits as bigint). Shared by the writer's property tests.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { toHex } from '../src/bytes.js';

const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false });
const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** The msgpackr form of a plain value, written the obvious recursive way. */
function msgpackrForm(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 ? 0 : value < -0x8000_0000 || value > 0xffff_ffff ? BigInt(value) : value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(msgpackrForm);
  const keys = Object.keys(value).sort(compareUtf8);
  return new Map(keys.map((k) => [k, msgpackrForm((value as Record<string, unknown>)[k])]));
}

/** The canonical bytes of a plain value by definition, in hex. */
export const msgpackrReference = (value: unknown): string => toHex(packr.pack(msgpackrForm(value)));

export const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()), fc.string({ maxLength: 300 }));

/**
 * Plain data of every kind the data model has; `leaves` adds further leaf choices (a marker to
 * replace, say). Without bytes when `bytes` is false (a value that can be deep-frozen).
 */
export function plainData(options: { readonly bytes: boolean; readonly leaves?: ReadonlyArray<fc.Arbitrary<unknown>> }): fc.Arbitrary<unknown> {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      text,
      fc.maxSafeInteger(),
      fc.integer({ min: -70000, max: 70000 }),
      fc.constantFrom(-0x8000_0001, -0x8000_0000, 0xffff_ffff, 0x1_0000_0000, -(2 ** 53) + 1, 2 ** 53 - 1, -0),
      ...(options.bytes ? [fc.uint8Array({ maxLength: 300 })] : []),
      ...(options.leaves ?? []),
      fc.array(tie('value'), { maxLength: 20 }),
      fc.dictionary(text.filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 20 }),
    ),
  }));
  return value;
}
