import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../src/bytes.js';
import { nobleBackend, nodeBackend, publicKeyFromSeed, sign } from '../src/ed25519.js';
import { LedgerError } from '../src/errors.js';
import { DOMAIN, domainHash, sha256 } from '../src/hash.js';
import { decodeCanonical } from '../src/canonical-msgpack.js';
import {
  CERTIFIED_HEAD_MAX_SIGNATURES,
  CHECKPOINT_DOMAIN_TAG,
  certifiedHeadToJSON,
  checkpointSigningHash,
  checkTrustedMembership,
  encodeCheckpoint,
  parseCertifiedHead,
  portableDomainHash,
  signCheckpoint,
  verifyCertifiedHead,
  verifyEd25519Portable,
  type CertifiedHead,
  type Checkpoint,
  type CheckpointSignature,
  type TrustedMembership,
} from '../src/checkpoint.js';

const LEIS = ['506700GE1G29325QX363', '787RXPR0UX0O0XUXPZ81', '7LTWFZYICNSX8D621K86', '8I5DZWZKVSZI1NUHU748', 'HWUPKR0MPOU8FGXBT394'];
const seedOf = (n: number): Uint8Array => new Uint8Array(32).fill(n);
// Organization i runs node keys seeded 10*i+1 and 10*i+2; organization 4 runs none.
const orgKeys = LEIS.map((_, i) => (i === 4 ? [] : [seedOf(10 * i + 1), seedOf(10 * i + 2)]));
const membership: TrustedMembership = {
  chainId: 'tradeledger-test',
  organizations: LEIS.map((lei, i) => ({ lei, nodeKeys: (orgKeys[i] as Uint8Array[]).map((s) => toHex(publicKeyFromSeed(s))) })),
  threshold: 3,
};
const checkpoint: Checkpoint = {
  chainId: 'tradeledger-test',
  height: 42,
  blockHash: sha256(Uint8Array.of(1)),
  logSize: 1000,
  logRoot: sha256(Uint8Array.of(2)),
  stateRoot: sha256(Uint8Array.of(3)),
};

function signBy(seed: Uint8Array, cp: Checkpoint = checkpoint, lei?: string): CheckpointSignature {
  return signCheckpoint(cp, publicKeyFromSeed(seed), (m) => sign(seed, m), lei);
}

function key(org: number, k = 0): Uint8Array {
  return (orgKeys[org] as Uint8Array[])[k] as Uint8Array;
}

function verdict(head: CertifiedHead, m: TrustedMembership = membership): string {
  const result = verifyCertifiedHead(head, m);
  return result.ok ? 'OK' : result.error.code;
}

describe('portable pieces agree with the node pieces', () => {
  it('the checkpoint tag is DOMAIN.checkpoint and the portable domain hash equals domainHash', () => {
    expect(CHECKPOINT_DOMAIN_TAG).toBe(DOMAIN.checkpoint);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(toHex(portableDomainHash(CHECKPOINT_DOMAIN_TAG, data))).toBe(toHex(domainHash(DOMAIN.checkpoint, data)));
        expect(toHex(portableDomainHash(DOMAIN.txSignature, data))).toBe(toHex(domainHash(DOMAIN.txSignature, data)));
      }),
      { numRuns: 200 },
    );
    expect(toHex(checkpointSigningHash(checkpoint))).toBe(toHex(domainHash(DOMAIN.checkpoint, encodeCheckpoint(checkpoint))));
  });

  it('verifyEd25519Portable answers as both back ends on the RFC 8032 and speccheck vectors', () => {
    const rfc = JSON.parse(readFileSync(new URL('./fixtures/ed25519-rfc8032.json', import.meta.url), 'utf8')) as { vectors: { publicKey: string; message: string; signature: string }[] };
    for (const v of rfc.vectors) {
      const [pk, msg, sig] = [fromHex(v.publicKey, 'pk'), fromHex(v.message, 'm'), fromHex(v.signature, 's')];
      expect(verifyEd25519Portable(pk, msg, sig)).toBe(true);
      expect(nodeBackend.verify(pk, msg, sig)).toBe(true);
    }
    const speccheck = JSON.parse(readFileSync(new URL('./fixtures/ed25519-speccheck.json', import.meta.url), 'utf8')) as { cases: { publicKey: string; message: string; signature: string; strict: boolean }[] };
    expect(speccheck.cases.length).toBe(12);
    for (const c of speccheck.cases) {
      const [pk, msg, sig] = [fromHex(c.publicKey, 'pk'), fromHex(c.message, 'm'), fromHex(c.signature, 's')];
      expect(verifyEd25519Portable(pk, msg, sig)).toBe(c.strict);
      expect(nobleBackend.verify(pk, msg, sig)).toBe(c.strict);
      expect(nodeBackend.verify(pk, msg, sig)).toBe(c.strict);
    }
  });

  it('property: same answer as nodeBackend on valid and one-bit-flipped signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), fc.nat(64 * 8 - 1), fc.boolean(), (seed, message, bit, flip) => {
        const pk = publicKeyFromSeed(seed);
        const sig = sign(seed, message);
        if (flip) sig[bit >> 3] = (sig[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(verifyEd25519Portable(pk, message, sig)).toBe(nodeBackend.verify(pk, message, sig));
        if (!flip) expect(verifyEd25519Portable(pk, message, sig)).toBe(true);
      }),
      { numRuns: 100 },
    );
    expect(verifyEd25519Portable(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64))).toBe(false);
    expect(verifyEd25519Portable(new Uint8Array(32), 'x' as unknown as Uint8Array, new Uint8Array(64))).toBe(false);
  });
});

describe('checkpoint bytes', () => {
  it('are the canonical msgpack of exactly the six fields, and every field changes them', () => {
    const bytes = encodeCheckpoint(checkpoint);
    expect(decodeCanonical(bytes, 'checkpoint', 4096)).toEqual({ ...checkpoint });
    const variants: Checkpoint[] = [
      { ...checkpoint, chainId: 'tradeledger-other' },
      { ...checkpoint, height: 43 },
      { ...checkpoint, blockHash: sha256(Uint8Array.of(9)) },
      { ...checkpoint, logSize: 1001 },
      { ...checkpoint, logRoot: sha256(Uint8Array.of(9)) },
      { ...checkpoint, stateRoot: sha256(Uint8Array.of(9)) },
    ];
    const hashes = new Set([toHex(checkpointSigningHash(checkpoint)), ...variants.map((v) => toHex(checkpointSigningHash(v)))]);
    expect(hashes.size).toBe(7);
    expect(toHex(encodeCheckpoint({ ...checkpoint, extra: 1 } as Checkpoint))).toBe(toHex(bytes)); // extra members are not signed
  });

  it('refuses malformed checkpoints', () => {
    const code = (cp: unknown): string => {
      try {
        encodeCheckpoint(cp as Checkpoint);
        return 'OK';
      } catch (error) {
        return (error as LedgerError).code;
      }
    };
    expect(code({ ...checkpoint, chainId: 'bad chain' })).toBe('HEAD_MALFORMED');
    expect(code({ ...checkpoint, height: -1 })).toBe('HEAD_MALFORMED');
    expect(code({ ...checkpoint, logSize: 2 ** 53 })).toBe('HEAD_MALFORMED');
    expect(code({ ...checkpoint, logRoot: new Uint8Array(31) })).toBe('HEAD_MALFORMED');
  });

  it('signCheckpoint refuses a signer that does not match the claimed key', () => {
    expect(() => signCheckpoint(checkpoint, publicKeyFromSeed(seedOf(99)), (m) => sign(seedOf(98), m))).toThrow(LedgerError);
  });
});

describe('verifyCertifiedHead', () => {
  const quorum = [signBy(key(0)), signBy(key(1)), signBy(key(2))];

  it('certifies a head signed by a quorum of distinct organizations and reports who counted', () => {
    const result = verifyCertifiedHead({ checkpoint, signatures: quorum }, membership);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.organizations).toEqual([LEIS[0], LEIS[1], LEIS[2]].sort());
    expect(result.value.ignored).toEqual([]);
    expect(result.value.threshold).toBe(3);
    expect(verifyCertifiedHead({ checkpoint, signatures: quorum }, membership, { verifySignature: nodeBackend.verify }).ok).toBe(true);
  });

  it('rejects fewer than a quorum', () => {
    expect(verdict({ checkpoint, signatures: quorum.slice(0, 2) })).toBe('HEAD_QUORUM_NOT_MET');
    expect(verdict({ checkpoint, signatures: [] })).toBe('HEAD_QUORUM_NOT_MET');
  });

  it('two keys of one organization count once', () => {
    const head = { checkpoint, signatures: [signBy(key(0, 0)), signBy(key(0, 1)), signBy(key(1))] };
    const result = verifyCertifiedHead(head, membership);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/2 of 3/);
    const withThird = verifyCertifiedHead({ checkpoint, signatures: [...head.signatures, signBy(key(2))] }, membership);
    expect(withThird.ok && withThird.value.ignored).toEqual([{ index: 1, signerPublicKey: toHex(publicKeyFromSeed(key(0, 1))), reason: 'ORGANIZATION_ALREADY_COUNTED' }]);
  });

  it('a non-member signature is ignored and reported, and cannot make up a quorum', () => {
    const outsider = signBy(seedOf(200));
    expect(verdict({ checkpoint, signatures: [quorum[0] as CheckpointSignature, quorum[1] as CheckpointSignature, outsider] })).toBe('HEAD_QUORUM_NOT_MET');
    const result = verifyCertifiedHead({ checkpoint, signatures: [outsider, ...quorum] }, membership);
    expect(result.ok && result.value.ignored).toEqual([{ index: 0, signerPublicKey: toHex(publicKeyFromSeed(seedOf(200))), reason: 'SIGNER_NOT_MEMBER' }]);
  });

  it('forged, repeated and mislabelled signatures never count', () => {
    const forged: CheckpointSignature = { signerPublicKey: publicKeyFromSeed(key(2)), signature: new Uint8Array(64).fill(1) };
    const otherCheckpoint = signBy(key(2), { ...checkpoint, logRoot: sha256(Uint8Array.of(7)) });
    const mislabelled = signBy(key(2), checkpoint, LEIS[0]);
    for (const bad of [forged, otherCheckpoint, mislabelled]) {
      expect(verdict({ checkpoint, signatures: [quorum[0] as CheckpointSignature, quorum[1] as CheckpointSignature, bad] })).toBe('HEAD_QUORUM_NOT_MET');
    }
    // Junk under a member's key placed before its genuine signature does not veto the genuine one.
    const repeated = verifyCertifiedHead({ checkpoint, signatures: [quorum[0] as CheckpointSignature, quorum[0] as CheckpointSignature, quorum[1] as CheckpointSignature, forged, mislabelled, otherCheckpoint, quorum[2] as CheckpointSignature, quorum[2] as CheckpointSignature] }, membership);
    expect(repeated.ok && repeated.value.ignored.map((x) => `${x.index} ${x.reason}`)).toEqual(['1 SIGNER_DUPLICATE', '3 SIGNATURE_INVALID', '4 LEI_MISMATCH', '5 SIGNATURE_INVALID', '7 SIGNER_DUPLICATE']);
    expect(verdict({ checkpoint, signatures: [...quorum.slice(0, 2), signBy(key(2), checkpoint, LEIS[2])] })).toBe('OK');
  });

  it('a forged head (one valid signature, wrong root) is rejected', () => {
    const forgedCp = { ...checkpoint, logRoot: sha256(Uint8Array.of(66)) };
    expect(verdict({ checkpoint: forgedCp, signatures: [signBy(key(0), forgedCp), ...quorum.slice(1)] })).toBe('HEAD_QUORUM_NOT_MET');
  });

  it('refuses another chain and invalid memberships', () => {
    const other = { ...checkpoint, chainId: 'tradeledger-other' };
    expect(verdict({ checkpoint: other, signatures: [signBy(key(0), other), signBy(key(1), other), signBy(key(2), other)] })).toBe('HEAD_CHAIN_MISMATCH');
    const noChain = { organizations: membership.organizations, threshold: 3 };
    expect(verdict({ checkpoint: other, signatures: [signBy(key(0), other), signBy(key(1), other), signBy(key(2), other)] }, noChain)).toBe('OK');
    expect(verdict({ checkpoint, signatures: quorum }, { ...membership, threshold: 0 })).toBe('MEMBERSHIP_INVALID');
    expect(verdict({ checkpoint, signatures: quorum }, { ...membership, threshold: 5 })).toBe('MEMBERSHIP_INVALID'); // only 4 run nodes
    const shared = { ...membership, organizations: [...membership.organizations, { lei: '5493001KJTIIGC8Y1R12', nodeKeys: [toHex(publicKeyFromSeed(key(0)))] }] };
    expect(verdict({ checkpoint, signatures: quorum }, shared)).toBe('MEMBERSHIP_INVALID');
    expect(() => checkTrustedMembership({ ...membership, organizations: [{ lei: LEIS[0] as string, nodeKeys: ['AB'.repeat(32)] }], threshold: 1 })).toThrow(LedgerError);
  });

  it('bounds the number of signatures', () => {
    const many = Array.from({ length: CERTIFIED_HEAD_MAX_SIGNATURES + 1 }, () => quorum[0] as CheckpointSignature);
    expect(verdict({ checkpoint, signatures: many })).toBe('HEAD_MALFORMED');
  });
});

describe('certified head JSON', () => {
  const head: CertifiedHead = { checkpoint, signatures: [signBy(key(0), checkpoint, LEIS[0]), signBy(key(1)), signBy(key(2))] };

  it('round-trips and verifies after parsing', () => {
    const json = certifiedHeadToJSON(head);
    expect(json).toBe(certifiedHeadToJSON(parseCertifiedHead(json)));
    expect(parseCertifiedHead(json)).toEqual(head);
    expect(verdict(parseCertifiedHead(json))).toBe('OK');
    expect(json).not.toMatch(/"[0-9a-fA-F]*[A-F][0-9a-fA-F]*"/); // hex is lower case (LEIs are not hex)
  });

  it('rejects unknown, missing and malformed fields with HEAD_MALFORMED naming the field', () => {
    const base = JSON.parse(certifiedHeadToJSON(head)) as { checkpoint: Record<string, unknown>; signatures: Record<string, unknown>[] };
    const cases: [unknown, string][] = [
      [{ ...base, extra: 1 }, '$.extra'],
      [{ checkpoint: base.checkpoint }, '$.signatures'],
      [{ ...base, checkpoint: { ...base.checkpoint, logRoot: (base.checkpoint['logRoot'] as string).toUpperCase() } }, 'checkpoint.logRoot'],
      [{ ...base, checkpoint: { ...base.checkpoint, logRoot: (base.checkpoint['logRoot'] as string).slice(2) } }, 'checkpoint.logRoot'],
      [{ ...base, checkpoint: { ...base.checkpoint, height: 1.5 } }, 'checkpoint.height'],
      [{ ...base, checkpoint: { ...base.checkpoint, logSize: '1000' } }, 'checkpoint.logSize'],
      [{ ...base, checkpoint: { ...base.checkpoint, chainId: '' } }, 'checkpoint.chainId'],
      [{ ...base, signatures: [{ ...base.signatures[0], extra: true }] }, 'signatures[0].extra'],
      [{ ...base, signatures: [{ ...base.signatures[1], lei: 'lower' }] }, 'signatures[0].lei'],
      [{ ...base, signatures: [{ signature: base.signatures[1]?.['signature'] }] }, 'signatures[0].signerPublicKey'],
      [{ ...base, signatures: {} }, 'signatures'],
    ];
    for (const [value, field] of cases) {
      try {
        parseCertifiedHead(JSON.stringify(value));
        expect.unreachable(`accepted ${field}`);
      } catch (error) {
        expect((error as LedgerError).code).toBe('HEAD_MALFORMED');
        expect((error as LedgerError).field).toBe(field);
      }
    }
    expect(() => parseCertifiedHead('{')).toThrow(/not valid JSON/);
    expect(() => parseCertifiedHead(' '.repeat(128 * 1024 + 1))).toThrow(/limit/);
  });
});
