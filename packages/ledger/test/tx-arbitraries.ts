// Generators shared by the transaction tests: plain-data payloads as the canonical codec defines them.
import fc from 'fast-check';

export const payloadArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.string({ maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const edgeInts = fc.constantFrom(0, 1, 127, 128, 255, 256, 65535, 65536, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER);
const count = fc.oneof(edgeInts, fc.nat({ max: Number.MAX_SAFE_INTEGER }));

/** Unsigned envelopes of `signer` with any valid names, payloads, nonces and timestamps (integer header edges included). */
export function unsignedTxArb(signer: Uint8Array) {
  return fc.record({
    version: fc.constant(1 as const),
    chainId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    kind: fc.stringMatching(/^[A-Za-z0-9._:/-]{1,64}$/),
    payload: payloadArb,
    signer: fc.constant(signer),
    nonce: count,
    timestamp: count,
  });
}
