// The browser's transaction opener agrees with the node's: same fields, id and signing hash, the
// same verdict on the signature, and the same refusal codes for every single-byte change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { publicKeyFromSeed } from '../src/ed25519.js';
import { DOMAIN } from '../src/hash.js';
import { decodeTx, signTx, verifyTxSignature } from '../src/tx.js';
import { openSignedTxPortable, TX_SIGNATURE_DOMAIN_TAG } from '../src/tx-portable.js';
import { LedgerError } from '../src/errors.js';

const seed = new Uint8Array(32).fill(7);
const signer = publicKeyFromSeed(seed);
// Plain data as payloads carry it: strings, safe integers, booleans, null, arrays and maps (no floats).
const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__');
const leaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null));
const payload = fc.dictionary(key, fc.oneof(leaf, fc.array(leaf, { maxLength: 4 }), fc.dictionary(key, leaf, { maxKeys: 3 })), { maxKeys: 5 });

function outcome(open: () => { signatureValid: boolean; idHex: string; signingHash: Uint8Array }): string {
  try {
    const opened = open();
    return `ok ${opened.idHex} ${toHex(opened.signingHash)} ${opened.signatureValid}`;
  } catch (error) {
    if (error instanceof LedgerError) return `error ${error.code}`;
    throw error;
  }
}

describe('openSignedTxPortable', () => {
  it('uses the node signing domain', () => {
    expect(TX_SIGNATURE_DOMAIN_TAG).toBe(DOMAIN.txSignature);
  });

  it('opens what signTx made exactly as decodeTx does, with a valid signature (property)', () => {
    fc.assert(
      fc.property(payload, fc.string({ minLength: 1, maxLength: 20 }).filter((k) => /^[a-z-]+$/.test(k)), fc.nat(), (p, kind, nonce) => {
        const signed = signTx({ version: 1, chainId: 'portable-test', kind, payload: p, signer, nonce, timestamp: 1_700_000_000_000 + nonce }, seed);
        const opened = openSignedTxPortable(signed.bytes);
        const decoded = decodeTx(signed.bytes);
        expect(opened.tx).toEqual(decoded.tx);
        expect(opened.idHex).toBe(decoded.idHex);
        expect(toHex(opened.signingHash)).toBe(toHex(decoded.signingHash));
        expect(opened.signatureValid).toBe(true);
        expect(verifyTxSignature(decoded)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the node verdict for every single-byte change: the same refusal code, or the same signature verdict', () => {
    const signed = signTx({ version: 1, chainId: 'portable-test', kind: 'certificate-of-origin', payload: { agreement: 'USMCA', lines: [{ hs: '870830', value: '38400.00' }] }, signer, nonce: 3, timestamp: 1_700_000_000_123 }, seed);
    let invalidSignatures = 0;
    for (let i = 0; i < signed.bytes.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const mutated = Uint8Array.from(signed.bytes);
        mutated[i] = (mutated[i] as number) ^ flip;
        const node = outcome(() => {
          const d = decodeTx(mutated);
          return { idHex: d.idHex, signingHash: d.signingHash, signatureValid: verifyTxSignature(d) };
        });
        const portable = outcome(() => openSignedTxPortable(mutated));
        expect(portable, `byte ${i} ^ ${flip}`).toBe(node);
        if (portable.endsWith(' false')) invalidSignatures++;
        expect(portable.endsWith(' true'), `byte ${i} ^ ${flip} must not keep a valid signature`).toBe(false);
      }
    }
    expect(invalidSignatures).toBeGreaterThan(0);
  });
});
