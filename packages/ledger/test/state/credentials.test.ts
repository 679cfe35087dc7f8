// Licensee credentials in the state machine: the issue and revoke rules, one rejection per rule
// (a rejected transaction has no effect), entry lines citing credentials, and checkEntryLine's
// report of an active, a revoked and an expired credential (and of a stored proof).
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { didKeyFromPublicKey } from '../../src/credentials/did-key.js';
import { buildLicenseCredential, issueLicenseCredential, licenseCredentialHash } from '../../src/credentials/license-credential.js';
import { timestampMs } from '../../src/documents/identifiers.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { checkEntryLine, credentialsBySubject, getCredential } from '../../src/state/queries.js';
import { readExample } from '../documents/example-files.js';
import { LEI } from '../documents/fixtures.js';
import { DAY_MS, EXAMPLE_TIME_MS, exampleSeed, TestChain } from './harness.js';

type Json = Record<string, unknown>;

const RIGHTSHOLDER_DID = didKeyFromPublicKey(publicKeyFromSeed(exampleSeed('rightsholder')));
let hashCounter = 0;

function codeOf(result: { ok: boolean }): string {
  return result.ok ? 'OK' : (result as unknown as { code: string }).code;
}

async function chainBefore(name: string, genesis?: unknown): Promise<TestChain> {
  const chain = genesis === undefined ? await TestChain.fromExampleGenesis() : await TestChain.fromExampleGenesis({}, genesis);
  const results = await chain.submitExamples(name);
  for (const [n, r] of Object.entries(results)) if (!r.ok) throw new Error(`setup: ${n} rejected`);
  return chain;
}

interface IssueArgs {
  readonly license?: string;
  readonly lei?: string;
  readonly role?: 'importer' | 'manufacturer' | 'retailer';
  readonly gtins?: readonly string[];
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly issuer?: string;
  readonly hash?: string;
}

/** A credential-issue payload (hash only) resting on the importer's license by default. */
function issuePayload(chain: TestChain, args: IssueArgs = {}): Json {
  hashCounter += 1;
  return {
    credentialHash: args.hash ?? hashCounter.toString(16).padStart(64, '0'),
    issuer: args.issuer ?? RIGHTSHOLDER_DID,
    subject: { lei: args.lei ?? LEI.microsoft, role: args.role ?? 'importer' },
    license: args.license ?? (chain.ids.license as string),
    gtins: args.gtins ?? ['00012345600012'],
    validFrom: args.validFrom ?? '2025-03-01T00:00:00Z',
    validUntil: args.validUntil ?? '2025-12-31T23:59:59Z',
  };
}

/** A real credential signed by the rights holder, carried inline. */
function inlineIssuePayload(chain: TestChain): { payload: Json; hash: string } {
  const seed = exampleSeed('rightsholder');
  const unsigned = buildLicenseCredential({
    issuerPublicKey: publicKeyFromSeed(seed),
    subject: { lei: LEI.microsoft, role: 'importer', licenseTxId: chain.ids.license as string, gtins: ['00012345600012'] },
    validFrom: '2025-03-01T00:00:00Z',
    validUntil: '2025-12-31T23:59:59Z',
  });
  const vc = issueLicenseCredential(unsigned, { privateSeed: seed, created: '2025-03-12T14:00:00Z' });
  const hash = toHex(licenseCredentialHash(vc));
  return { hash, payload: { ...issuePayload(chain, { hash }), credential: JSON.stringify(vc) } };
}

function entryPayload(entryNumber: string, credentials: readonly string[], overrides: { gtin?: string; manufacturer?: string } = {}): Json {
  const entry = readExample('entry.json') as Json;
  const line = { ...((entry['lines'] as Json[])[2] as Json), lineNumber: 1, licenses: [], credentials, gtin: overrides.gtin ?? '00012345600012', manufacturer: overrides.manufacturer ?? LEI.deutscheBank };
  return { ...entry, entryNumber, lines: [line] };
}

describe('credential-issue', () => {
  let chain: TestChain;
  beforeAll(async () => {
    chain = await chainBefore('credential-issue');
  });

  it('records the example and one carried inline, indexed by subject and hash', async () => {
    const example = chain.resolve(readExample('credential-issue.json')) as Json;
    const stored = await chain.submit('rightsholder', 'credential-issue', example, { name: 'credential-issue' });
    expect(codeOf(stored)).toBe('OK');
    const inline = inlineIssuePayload(chain);
    const withVc = await chain.submit('rightsholder', 'credential-issue', inline.payload);
    expect(codeOf(withVc)).toBe('OK');
    const byHash = await getCredential(chain.store, inline.hash);
    expect(byHash?.record).toMatchObject({ id: withVc.id, kind: 'credential-issue', status: 'active', signerLei: LEI.nike });
    expect((await getCredential(chain.store, withVc.id))?.record.id).toBe(withVc.id);
    expect(await getCredential(chain.store, 'ef'.repeat(32))).toBeUndefined();
    expect(await getCredential(chain.store, chain.ids.license as string)).toBeUndefined();
    expect((await credentialsBySubject(chain.store, LEI.walmart)).items).toEqual([{ id: stored.id, kind: 'credential-issue' }]);
    expect((await credentialsBySubject(chain.store, LEI.microsoft)).items).toEqual([{ id: withVc.id, kind: 'credential-issue' }]);
  });

  it.each<readonly [string, string, (c: TestChain) => Json, string]>([
    ['a signer without the rights-holder role', 'retailer', (c) => issuePayload(c, { issuer: didKeyFromPublicKey(publicKeyFromSeed(exampleSeed('retailer'))) }), 'ROLE_FORBIDDEN'],
    ['an issuer that is not the signing key', 'rightsholder', (c) => issuePayload(c, { issuer: didKeyFromPublicKey(publicKeyFromSeed(exampleSeed('retailer'))) }), 'CREDENTIAL_ISSUER_NOT_SIGNER'],
    ['a license that does not exist', 'rightsholder', (c) => issuePayload(c, { license: 'ab'.repeat(32) }), 'REF_NOT_FOUND'],
    ['a license id that names a right', 'rightsholder', (c) => issuePayload(c, { license: c.ids.right as string }), 'REF_WRONG_KIND'],
    ['a subject that is not the licensee', 'rightsholder', (c) => issuePayload(c, { lei: LEI.walmart }), 'CREDENTIAL_SUBJECT_MISMATCH'],
    ['a role that is not the license role', 'rightsholder', (c) => issuePayload(c, { role: 'retailer' }), 'CREDENTIAL_SUBJECT_MISMATCH'],
    ['a GTIN the license does not cover', 'rightsholder', (c) => issuePayload(c, { gtins: ['00012345600012', '4006381333931'] }), 'CREDENTIAL_SCOPE'],
    ['a start before the license', 'rightsholder', (c) => issuePayload(c, { validFrom: '2024-12-31T23:59:59Z' }), 'CREDENTIAL_PERIOD'],
    ['an end after the license', 'rightsholder', (c) => issuePayload(c, { validUntil: '2027-01-01T00:00:00Z' }), 'CREDENTIAL_PERIOD'],
    ['an end already past', 'rightsholder', (c) => issuePayload(c, { validFrom: '2025-01-01T00:00:00Z', validUntil: '2025-03-12T14:59:59Z' }), 'CREDENTIAL_EXPIRED'],
  ])('rejects %s', async (_label, signer, make, code) => {
    const payload = make(chain);
    const result = await chain.submit(signer, 'credential-issue', payload);
    expect(codeOf(result)).toBe(code);
    expect(await getCredential(chain.store, payload['credentialHash'] as string)).toBeUndefined();
  });

  it('accepts a credential that starts later, and refuses a second record of one hash', async () => {
    const later = issuePayload(chain, { validFrom: '2025-06-01T00:00:00Z' });
    expect(codeOf(await chain.submit('rightsholder', 'credential-issue', later))).toBe('OK');
    expect(codeOf(await chain.submit('rightsholder', 'credential-issue', { ...issuePayload(chain), credentialHash: later['credentialHash'] }))).toBe('CREDENTIAL_EXISTS');
  });

  it('refuses a credential on a revoked license, and a rights holder issuing on another holder\'s license', async () => {
    const revoked = await chainBefore('credential-issue');
    expect(codeOf(await revoked.submit('rightsholder', 'license-revoke', { license: revoked.ids.license, reason: 'ended' }))).toBe('OK');
    expect(codeOf(await revoked.submit('rightsholder', 'credential-issue', issuePayload(revoked)))).toBe('LICENSE_INACTIVE');
    // Walmart holds the rights-holder role too in this genesis, but the right is Nike's.
    const genesis = structuredClone(readExample('genesis.json')) as { organizations: Array<{ lei: string; roles: string[] }> };
    (genesis.organizations.find((o) => o.lei === LEI.walmart) as { roles: string[] }).roles.push('rights_holder');
    const other = await chainBefore('credential-issue', genesis);
    const walmartDid = didKeyFromPublicKey(publicKeyFromSeed(exampleSeed('retailer')));
    expect(codeOf(await other.submit('retailer', 'credential-issue', issuePayload(other, { issuer: walmartDid })))).toBe('CREDENTIAL_ISSUER_NOT_RIGHTS_HOLDER');
  });
});

describe('credential-revoke', () => {
  it('lets only the issuing organization revoke, once, by document id or hash', async () => {
    const chain = await chainBefore('credential-issue');
    const first = issuePayload(chain);
    const byId = await chain.submit('rightsholder', 'credential-issue', first);
    const second = issuePayload(chain);
    expect(codeOf(await chain.submit('rightsholder', 'credential-issue', second))).toBe('OK');
    expect(codeOf(await chain.submit('retailer', 'credential-revoke', { credential: byId.id, reason: 'not mine' }))).toBe('NOT_ISSUER');
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: 'ab'.repeat(32), reason: 'unknown' }))).toBe('REF_NOT_FOUND');
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: chain.ids.license as string, reason: 'a license' }))).toBe('REF_WRONG_KIND');
    expect((await getCredential(chain.store, byId.id))?.record.status).toBe('active');
    const revoke = await chain.submit('rightsholder', 'credential-revoke', { credential: byId.id, reason: 'ended' });
    expect(codeOf(revoke)).toBe('OK');
    const doc = await getCredential(chain.store, byId.id);
    expect(doc?.record).toMatchObject({ status: 'revoked', revokedBy: revoke.id, revokedAtMs: EXAMPLE_TIME_MS });
    expect(doc?.history.map((h) => h.action)).toEqual(['created', 'revoked']);
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: first['credentialHash'] as string, reason: 'again' }))).toBe('REF_INACTIVE');
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: second['credentialHash'] as string, reason: 'by hash' }))).toBe('OK');
    expect((await getCredential(chain.store, second['credentialHash'] as string))?.record.status).toBe('revoked');
  });
});

describe('entry lines citing credentials', () => {
  let chain: TestChain;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    chain = await chainBefore('credential-issue');
    const make = async (name: string, args: IssueArgs) => {
      const payload = issuePayload(chain, args);
      const result = await chain.submit('rightsholder', 'credential-issue', payload);
      if (!result.ok) throw new Error(`setup: ${name} ${codeOf(result)}`);
      ids[name] = result.id;
      ids[`${name}-hash`] = payload['credentialHash'] as string;
    };
    await make('importer', {});
    await make('manufacturer', { license: chain.ids['license-manufacturer'] as string, lei: LEI.deutscheBank, role: 'manufacturer' });
    await make('retailer', { license: chain.ids['license-retailer'] as string, lei: LEI.walmart, role: 'retailer' });
    await make('later', { validFrom: '2025-06-01T00:00:00Z' });
    await make('revoked', {});
    await make('other-gtin', { gtins: ['05901234123457'] });
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: ids.revoked as string, reason: 'ended' }))).toBe('OK');
  });

  it.each<readonly [string, string, () => readonly string[], { gtin?: string; manufacturer?: string }, string]>([
    ['the importer and manufacturer credentials by id', 'ZZZ00000011', () => [ids.importer as string, ids.manufacturer as string], {}, 'OK'],
    ['the importer credential by hash', 'ZZZ00000021', () => [ids['importer-hash'] as string], {}, 'OK'],
    ['a credential the ledger does not hold', 'ZZZ00000031', () => ['ab'.repeat(32)], {}, 'REF_NOT_FOUND'],
    ['a document that is not a credential', 'ZZZ00000041', () => [chain.ids.license as string], {}, 'REF_WRONG_KIND'],
    ['a revoked credential', 'ZZZ00000051', () => [ids.revoked as string], {}, 'CREDENTIAL_REVOKED'],
    ['a credential not yet valid', 'ZZZ00000061', () => [ids.later as string], {}, 'CREDENTIAL_INACTIVE'],
    ['a retailer credential', 'ZZZ00000071', () => [ids.retailer as string], {}, 'CREDENTIAL_PARTY_MISMATCH'],
    ['a manufacturer credential for another manufacturer', 'ZZZ00000081', () => [ids.manufacturer as string], { manufacturer: LEI.apple }, 'CREDENTIAL_PARTY_MISMATCH'],
    ['a credential for another GTIN', 'ZZZ00000091', () => [ids['other-gtin'] as string], {}, 'CREDENTIAL_SCOPE'],
  ])('%s: %s', async (_label, entryNumber, cite, overrides, code) => {
    const result = await chain.submit('broker', 'entry', entryPayload(entryNumber, cite(), overrides));
    expect(codeOf(result)).toBe(code);
  });

  it('refuses an expired credential at a later block, and a rejected entry leaves its number free', async () => {
    const late = timestampMs('2026-01-02T00:00:00Z');
    // The broker's designation ends with 2025, so the importer files this one itself.
    const { broker: _broker, ...byImporter } = entryPayload('ZZZ00000101', [ids.importer as string]);
    expect(codeOf(await chain.submit('importer', 'entry', byImporter, { timestampMs: late }))).toBe('CREDENTIAL_INACTIVE');
    expect(codeOf(await chain.submit('broker', 'entry', entryPayload('ZZZ00000031', [ids.importer as string])))).toBe('OK');
  });
});

describe('checkEntryLine with credentials', () => {
  let chain: TestChain;
  let active: string;
  let activeHash: string;
  let revoked: string;
  let revokedAtMs: number;
  beforeAll(async () => {
    chain = await chainBefore('credential-issue');
    const inline = inlineIssuePayload(chain);
    const issued = await chain.submit('rightsholder', 'credential-issue', inline.payload);
    active = issued.id;
    activeHash = inline.hash;
    const manufacturer = await chain.submit('rightsholder', 'credential-issue', issuePayload(chain, { license: chain.ids['license-manufacturer'] as string, lei: LEI.deutscheBank, role: 'manufacturer', validUntil: '2025-06-30T23:59:59Z' }));
    revoked = manufacturer.id;
    revokedAtMs = EXAMPLE_TIME_MS + DAY_MS;
    expect(codeOf(await chain.submit('rightsholder', 'credential-revoke', { credential: revoked, reason: 'factory audit failed' }, { timestampMs: revokedAtMs }))).toBe('OK');
  });

  it('reports an active credential found by the importer, with its stored proof verified', async () => {
    const check = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '012345600012', date: '2025-03-20' });
    expect(check.credentials).toHaveLength(1);
    expect(check.credentials[0]).toEqual({
      credentialId: active,
      credentialHash: activeHash,
      cited: false,
      issuer: RIGHTSHOLDER_DID,
      issuerLei: LEI.nike,
      subjectLei: LEI.microsoft,
      role: 'importer',
      licenseId: chain.ids.license,
      gtins: ['00012345600012'],
      validFrom: '2025-03-01T00:00:00Z',
      validUntil: '2025-12-31T23:59:59Z',
      ledgerStatus: 'active',
      standing: 'active',
      coversGtin: true,
      issuerIsRightsHolder: true,
      licenseInForce: true,
      proof: { stored: true, verified: true },
      verified: true,
    });
    expect(check.credentialsNotFound).toBeUndefined();
  });

  it('reports a revoked credential as revoked after its revocation and active before it', async () => {
    const after = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, manufacturerLei: LEI.deutscheBank, gtin: '00012345600012', date: '2025-03-20' });
    const evidence = after.credentials.find((c) => c.credentialId === revoked);
    expect(evidence).toMatchObject({ ledgerStatus: 'revoked', standing: 'revoked', verified: false, reason: 'REVOKED', proof: { stored: false }, revocation: { atMs: revokedAtMs } });
    expect(after.credentials.map((c) => c.credentialId)).toEqual([active, revoked].sort());
    const before = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, manufacturerLei: LEI.deutscheBank, gtin: '00012345600012', date: '2025-03-12T16:00:00Z' });
    expect(before.credentials.find((c) => c.credentialId === revoked)).toMatchObject({ ledgerStatus: 'revoked', standing: 'active', verified: true });
  });

  it('reports an expired credential while its license is still in force, and one not yet valid', async () => {
    const expired = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2026-01-05' });
    expect(expired.importer.licensed).toBe(true);
    expect(expired.credentials[0]).toMatchObject({ credentialId: active, ledgerStatus: 'active', standing: 'expired', licenseInForce: true, verified: false, reason: 'EXPIRED', proof: { stored: true, verified: true } });
    const early = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2025-02-01' });
    expect(early.credentials[0]).toMatchObject({ standing: 'not-yet-valid', reason: 'NOT_YET_VALID' });
  });

  it('reports cited credentials (by id or hash) even for another GTIN, and names those it does not hold', async () => {
    const check = await checkEntryLine(chain.store, { importerLei: LEI.walmart, gtin: '05901234123457', date: '2025-03-20', credentials: [activeHash, 'ab'.repeat(32)] });
    expect(check.credentials).toHaveLength(1);
    expect(check.credentials[0]).toMatchObject({ credentialId: active, cited: true, coversGtin: false, verified: false, reason: 'GTIN_NOT_COVERED' });
    expect(check.credentialsNotFound).toEqual(['ab'.repeat(32)]);
    await expect(checkEntryLine(chain.store, { importerLei: LEI.walmart, gtin: '05901234123457', date: '2025-03-20', credentials: ['AB'] })).rejects.toMatchObject({ code: 'CREDENTIAL_REF_FORMAT' });
  });

  it('reports a credential whose license was revoked as resting on a license not in force', async () => {
    expect(codeOf(await chain.submit('rightsholder', 'license-revoke', { license: chain.ids.license, reason: 'ended' }, { timestampMs: EXAMPLE_TIME_MS + 2 * DAY_MS }))).toBe('OK');
    const check = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2025-03-20' });
    expect(check.credentials[0]).toMatchObject({ credentialId: active, standing: 'active', licenseInForce: false, verified: false, reason: 'LICENSE_NOT_IN_FORCE' });
  });
});
