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
