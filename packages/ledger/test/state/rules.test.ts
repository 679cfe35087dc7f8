// The state machine's rules, one rejection per rule, each on a chain built from the examples up
// to the point where the rule matters. A rejected transaction has no effect.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { timestampMs } from '../../src/documents/identifiers.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { applyBlock } from '../../src/state/apply.js';
import { getDocument } from '../../src/state/queries.js';
import { readMembership } from '../../src/state/membership.js';
import type { DecodedTx } from '../../src/tx.js';
import { readExample } from '../documents/example-files.js';
import { LEI } from '../documents/fixtures.js';
import { CHAIN_ID, DAY_MS, EXAMPLE_TIME_MS, exampleSeed, TestChain } from './harness.js';

type Json = Record<string, unknown>;

async function chainBefore(name?: string): Promise<TestChain> {
  const chain = await TestChain.fromExampleGenesis();
  const results = await chain.submitExamples(name);
  for (const [n, r] of Object.entries(results)) if (!r.ok) throw new Error(`setup: ${n} rejected`);
  return chain;
}

function example(chain: TestChain, file: string): Json {
  return chain.resolve(readExample(file)) as Json;
}

function edit(value: Json, path: ReadonlyArray<string | number>, replacement: unknown): Json {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = replacement;
  return copy;
}

function codeOf(result: { ok: boolean }): string {
  return result.ok ? 'OK' : (result as unknown as { code: string }).code;
}

describe('envelope checks', () => {
  it('rejects another chain id, duplicates, unknown signers, replayed nonces, bad signatures, unknown kinds and bad payloads', async () => {
    const chain = await chainBefore('right');
    const right = example(chain, 'right.json');
    const good = chain.sign('rightsholder', 'right', right);
    const otherChain = chain.sign('rightsholder', 'right', right, { chainId: 'another-network' });
    const stranger = chain.sign(new Uint8Array(32).fill(7), 'right', right);
    const replay = chain.sign('rightsholder', 'right', edit(right, ['brands'], ['Jordan']), { nonce: good.tx.nonce });
    const fresh = chain.sign('rightsholder', 'right', edit(right, ['brands'], ['Nike SB']));
    const badSig: DecodedTx = { ...fresh, tx: { ...fresh.tx, signature: fresh.tx.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) } };
    const unknownKind = chain.sign('rightsholder', 'trademark', right);
    const badPayload = chain.sign('rightsholder', 'right', edit(right, ['rightsHolder'], '787RXPR0UX0O0XUXPZ82'));
    const results = await chain.block([otherChain, good, good, stranger, replay, badSig, unknownKind, badPayload]);
    expect(results.map(codeOf)).toEqual(['CHAIN_ID_MISMATCH', 'OK', 'TX_DUPLICATE', 'SIGNER_UNKNOWN', 'NONCE_REPLAY', 'SIGNATURE_INVALID', 'TX_KIND_UNKNOWN', 'LEI_CHECKSUM']);
    expect((await chain.block([good])).map(codeOf)).toEqual(['TX_DUPLICATE']);
  });

  it('gives a rejected transaction no effect: its nonce stays free and nothing is written', async () => {
    const chain = await chainBefore('right');
    const bad = chain.sign('rightsholder', 'right', edit(example(chain, 'right.json'), ['rightsHolder'], LEI.walmart), { nonce: 100 });
    const { writes, results } = await applyBlock(chain.store, { chainId: CHAIN_ID, height: chain.height + 1, timestampMs: EXAMPLE_TIME_MS }, [bad]);
    expect(results.map(codeOf)).toEqual(['RIGHTS_HOLDER_NOT_SIGNER']);
    expect(writes.map((w) => w.key)).toEqual(['meta/block']);
    const retry = chain.sign('rightsholder', 'right', example(chain, 'right.json'), { nonce: 100 });
    expect((await chain.block([bad, retry])).map(codeOf)).toEqual(['RIGHTS_HOLDER_NOT_SIGNER', 'OK']);
  });

  it('lets later transactions in a block see earlier ones', async () => {
    const chain = await chainBefore('right');
    const right = chain.sign('rightsholder', 'right', example(chain, 'right.json'));
    chain.ids.right = right.idHex;
    const license = chain.sign('rightsholder', 'license', example(chain, 'license.json'));
    expect((await chain.block([right, license])).map(codeOf)).toEqual(['OK', 'OK']);
  });
});

describe('governance', () => {
  it('takes effect exactly when approvals reach the threshold, and only once', async () => {
    const chain = await chainBefore('governance-approve');
    const proposal = chain.ids['org-add'] as string;
    const approve = { proposal };
    expect(codeOf(await chain.submit('rightsholder', 'governance-approve', approve))).toBe('APPROVAL_DUPLICATE');
    expect(codeOf(await chain.submit('customs', 'governance-approve', approve))).toBe('OK');
    expect(codeOf(await chain.submit('importer', 'governance-approve', approve))).toBe('OK');
    expect((await readMembership(chain.store)).organizations).toHaveLength(6);
    expect(codeOf(await chain.submit('retailer', 'governance-approve', approve))).toBe('OK');
    expect((await readMembership(chain.store)).organizations).toHaveLength(7);
    expect(codeOf(await chain.submit('producer', 'governance-approve', approve))).toBe('PROPOSAL_CLOSED');
    expect(codeOf(await chain.submit('manufacturer', 'right', example(chain, 'right.json')))).toBe('ROLE_FORBIDDEN'); // a member now, without the role
  });

  it('refuses approvals after expiry, impossible changes, and unknown proposals', async () => {
    const chain = await chainBefore('governance-approve');
    const proposal = chain.ids['org-add'] as string;
    const after = timestampMs('2025-07-01T00:00:00Z');
    expect(codeOf(await chain.submit('customs', 'governance-approve', { proposal }, { timestampMs: after }))).toBe('PROPOSAL_EXPIRED');
    expect(codeOf(await chain.submit('customs', 'governance-approve', { proposal: 'ab'.repeat(32) }))).toBe('REF_NOT_FOUND');
    expect(codeOf(await chain.submit('customs', 'governance-approve', { proposal: chain.ids.right as string }))).toBe('REF_WRONG_KIND');
    expect(codeOf(await chain.submit('customs', 'org-add', readExample('org-add.json')))).toBe('OK'); // a second, competing proposal
    const takenKey = edit(readExample('key-rotate.json') as Json, ['add'], ['69dba6025096cea157eb53095bdb63958a7c88cda25cc11fd66bcc7d5f7270bd']);
    expect(codeOf(await chain.submit('retailer', 'key-rotate', takenKey))).toBe('KEY_IN_USE');
    expect(codeOf(await chain.submit('retailer', 'key-rotate', edit(readExample('key-rotate.json') as Json, ['remove'], ['11'.repeat(32)])))).toBe('KEY_UNKNOWN');
    expect(codeOf(await chain.submit('retailer', 'org-remove', edit(readExample('org-remove.json') as Json, ['lei'], LEI.deutscheBank)))).toBe('ORG_UNKNOWN');
    expect(codeOf(await chain.submit('retailer', 'org-add', edit(readExample('org-add.json') as Json, ['organization', 'lei'], LEI.walmart)))).toBe('ORG_EXISTS');
    expect(codeOf(await chain.submit('retailer', 'org-add', edit(readExample('org-add.json') as Json, ['expiresAt'], '2025-03-01T00:00:00Z')))).toBe('PROPOSAL_EXPIRED');
  });

  it('rotates keys, changes nodes and removes organizations once approved', async () => {
    const chain = await chainBefore();
    const approveAll = async (name: string, signers: readonly string[]) => {
      for (const signer of signers) expect(codeOf(await chain.submit(signer, 'governance-approve', { proposal: chain.ids[name] as string }))).toBe('OK');
    };
    await approveAll('key-rotate', ['customs', 'importer', 'rightsholder']);
    const rotatedSeed = exampleSeed('retailer-rotated');
    expect(toHex(publicKeyFromSeed(rotatedSeed))).toBe('354dc58ee411e988c92682a7da24feda566386461a5b041c86eda6937ffdbe40');
    const withNewKey = chain.sign(rotatedSeed, 'attachment', edit(example(chain, 'attachment.json'), ['belongsTo'], []));
    expect((await chain.block([withNewKey])).map(codeOf)).toEqual(['OK']);
    await approveAll('org-remove', ['customs', 'rightsholder', 'producer']);
    const membership = await readMembership(chain.store);
    expect(membership.organizations.map((o) => o.lei)).not.toContain(LEI.jpmorgan);
    expect(codeOf(await chain.submit('broker', 'attachment', edit(example(chain, 'attachment.json'), ['belongsTo'], [])))).toBe('SIGNER_UNKNOWN');
    expect(membership.approvalsRequired).toBe(4); // 6 members
    // The node-set change had approvals from the retailer only; the removed broker never counted.
    await approveAll('node-set-change', ['customs', 'importer']);
    expect((await getDocument(chain.store, chain.ids['node-set-change'] as string))?.record.status).toBe('open');
    await approveAll('node-set-change', ['rightsholder']);
    expect((await getDocument(chain.store, chain.ids['node-set-change'] as string))?.record.status).toBe('executed');
  });
});

describe('certificates of origin', () => {
  it('checks the certifier, its role, and the signature date against the block time', async () => {
    const chain = await chainBefore('certificate-of-origin');
    const co = example(chain, 'certificate-of-origin.json');
    expect(codeOf(await chain.submit('importer', 'certificate-of-origin', co))).toBe('CERTIFIER_NOT_SIGNER');
    const asImporter = edit(edit(co, ['certifierRole'], 'importer'), ['importer'], { kind: 'same-as-certifier' });
    expect(codeOf(await chain.submit('producer', 'certificate-of-origin', edit(asImporter, ['producer'], { kind: 'various' })))).toBe('ROLE_FORBIDDEN');
    expect(codeOf(await chain.submit('producer', 'certificate-of-origin', edit(co, ['signature', 'date'], '2025-03-13')))).toBe('SIGNATURE_DATE_FUTURE');
    expect(codeOf(await chain.submit('producer', 'certificate-of-origin', edit(co, ['signature', 'date'], '2021-03-12')))).toBe('CERTIFICATE_EXPIRED');
    expect(codeOf(await chain.submit('producer', 'certificate-of-origin', edit(co, ['signature', 'date'], '2021-03-13')))).toBe('OK');
  });

  it('amends and withdraws only the certifier’s own, active certificates', async () => {
    const chain = await chainBefore('certificate-amend');
    const amend = example(chain, 'certificate-amend.json');
    expect(codeOf(await chain.submit('importer', 'certificate-amend', amend))).toBe('CERTIFIER_NOT_SIGNER');
    expect(codeOf(await chain.submit('producer', 'certificate-amend', edit(amend, ['amended', 'agreement'], 'other')))).toBe('AGREEMENT_NAME_MISSING');
    const toOther = edit(edit(edit(amend, ['amended', 'agreement'], 'other'), ['amended', 'agreementName'], 'Another FTA'), ['amended', 'goods', 0, 'originCriterion'], 'X');
    expect(codeOf(await chain.submit('producer', 'certificate-amend', toOther))).toBe('AGREEMENT_CHANGED');
    expect(codeOf(await chain.submit('producer', 'certificate-amend', edit(amend, ['certificate'], chain.ids.right)))).toBe('REF_WRONG_KIND');
    expect(codeOf(await chain.submit('producer', 'certificate-withdraw', example(chain, 'certificate-withdraw.json')))).toBe('OK');
    expect(codeOf(await chain.submit('producer', 'certificate-amend', amend))).toBe('CERTIFICATE_WITHDRAWN');
    expect(codeOf(await chain.submit('producer', 'certificate-withdraw', example(chain, 'certificate-withdraw.json')))).toBe('CERTIFICATE_WITHDRAWN');
  });
});

describe('origin verification', () => {
  it('lets only customs ask, only a party of the claim be asked, with a due date ahead', async () => {
    const chain = await chainBefore('verification-request');
    const request = example(chain, 'verification-request.json');
    expect(codeOf(await chain.submit('importer', 'verification-request', request))).toBe('ROLE_FORBIDDEN');
    expect(codeOf(await chain.submit('customs', 'verification-request', edit(request, ['addressee'], LEI.nike)))).toBe('ADDRESSEE_NOT_PARTY');
    expect(codeOf(await chain.submit('customs', 'verification-request', edit(request, ['dueDate'], '2025-03-11')))).toBe('DUE_DATE_PAST');
    expect(codeOf(await chain.submit('customs', 'verification-request', edit(request, ['certificate'], 'cd'.repeat(32))))).toBe('REF_NOT_FOUND');
    expect(codeOf(await chain.submit('customs', 'verification-request', edit(request, ['entry'], chain.ids['certificate-of-origin'])))).toBe('REF_WRONG_KIND');
    expect(codeOf(await chain.submit('customs', 'verification-request', edit(request, ['addressee'], LEI.microsoft)))).toBe('OK'); // the importer of the certificate
  });

  it('takes answers only from the party asked, flags late ones, and closes on determination', async () => {
    const chain = await chainBefore('verification-response');
    const response = example(chain, 'verification-response.json');
    expect(codeOf(await chain.submit('importer', 'verification-response', response))).toBe('NOT_ADDRESSEE');
    expect(codeOf(await chain.submit('producer', 'verification-response', edit(response, ['answers', 0, 'questionId'], 'Q9')))).toBe('QUESTION_UNKNOWN');
    const late = await chain.submit('producer', 'verification-response', response, { timestampMs: timestampMs('2025-04-16T00:00:00Z') });
    expect(codeOf(late)).toBe('OK');
    expect((await getDocument(chain.store, late.id))?.record.late).toBe(true);
    const determination = example(chain, 'verification-determination.json');
    expect(codeOf(await chain.submit('producer', 'verification-determination', determination))).toBe('ROLE_FORBIDDEN');
    const denied = { ...determination, outcome: 'denied', reasons: ['not-originating'], reasonsText: 'Castings were imported from outside the territory.' };
    expect(codeOf(await chain.submit('customs', 'verification-determination', denied))).toBe('OK');
    expect(codeOf(await chain.submit('customs', 'verification-determination', determination))).toBe('VERIFICATION_CLOSED');
    expect(codeOf(await chain.submit('producer', 'verification-response', response))).toBe('VERIFICATION_CLOSED');
    const cert = await getDocument(chain.store, chain.ids['certificate-of-origin'] as string);
    expect(cert?.record.determination?.outcome).toBe('denied');
    // A denied certificate backs no new claim.
    const entry = edit(example(chain, 'entry.json'), ['entryNumber'], '9A1-0012346-4');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('CERTIFICATE_DENIED');
  });
});

describe('rights and licenses', () => {
  it('lets only the rights holder register its right', async () => {
    const chain = await chainBefore('right');
    const right = example(chain, 'right.json');
    expect(codeOf(await chain.submit('retailer', 'right', right))).toBe('ROLE_FORBIDDEN');
    expect(codeOf(await chain.submit('rightsholder', 'right', edit(right, ['rightsHolder'], LEI.apple)))).toBe('RIGHTS_HOLDER_NOT_SIGNER');
  });

  it('keeps licenses within the right, and sublicenses within their parent', async () => {
    const chain = await chainBefore('license-sublicense');
    const license = example(chain, 'license.json');
    expect(codeOf(await chain.submit('retailer', 'license', license))).toBe('LICENSOR_NOT_SIGNER');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(license, ['gtins'], ['4006381333931'])))).toBe('LICENSE_SCOPE');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(license, ['gs1Prefixes'], ['001234'])))).toBe('LICENSE_SCOPE');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(license, ['gs1Prefixes'], ['00123456'])))).toBe('OK');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(edit(license, ['validFrom'], '2024-01-01'), ['validTo'], '2025-03-11')))).toBe('LICENSE_EXPIRED');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(license, ['right'], chain.ids.license)))).toBe('REF_WRONG_KIND');
    const sub = example(chain, 'license-sublicense.json');
    expect(codeOf(await chain.submit('importer', 'license', edit(sub, ['licensor'], LEI.microsoft)))).toBe('LICENSEE_IS_LICENSOR');
    expect(codeOf(await chain.submit('producer', 'license', edit(edit(sub, ['licensor'], LEI.apple), ['licensee'], LEI.jpmorgan)))).toBe('LICENSOR_NOT_LICENSEE');
    expect(codeOf(await chain.submit('retailer', 'license', edit(sub, ['validTo'], '2028-01-01')))).toBe('SUBLICENSE_PERIOD');
    expect(codeOf(await chain.submit('retailer', 'license', edit(sub, ['territory'], ['US', 'DE'])))).toBe('LICENSE_TERRITORY');
    expect(codeOf(await chain.submit('retailer', 'license', edit(sub, ['role'], 'importer')))).toBe('SUBLICENSE_ROLE');
    expect(codeOf(await chain.submit('retailer', 'license', edit(sub, ['gtins'], ['5901234123457'])))).toBe('LICENSE_SCOPE');
    expect(codeOf(await chain.submit('retailer', 'license', sub))).toBe('OK');
  });

  it('revokes only by the licensor or rights holder, once, with the cascade', async () => {
    const chain = await chainBefore('license-revoke');
    const revoke = example(chain, 'license-revoke.json');
    expect(codeOf(await chain.submit('importer', 'license-revoke', revoke))).toBe('NOT_LICENSOR');
    expect(codeOf(await chain.submit('retailer', 'license-revoke', { license: chain.ids['license-sublicense'], reason: 'Ended.' }))).toBe('OK');
    expect(codeOf(await chain.submit('rightsholder', 'license-revoke', revoke))).toBe('OK');
    expect(codeOf(await chain.submit('rightsholder', 'license-revoke', revoke))).toBe('REF_INACTIVE');
    // The sublicense was revoked on its own first: the cascade leaves its revocation as it was.
    const sub = await getDocument(chain.store, chain.ids['license-sublicense'] as string);
    expect(sub?.record.revokedVia).toBeUndefined();
    const sublicense = edit(example(chain, 'license-sublicense.json'), ['validFrom'], '2025-03-12');
    expect(codeOf(await chain.submit('retailer', 'license', sublicense))).toBe('REF_INACTIVE');
  });
});

describe('entries and reviews', () => {
  it('is filed by the importer or a designated broker', async () => {
    const chain = await chainBefore('broker-designation');
    const entry = example(chain, 'entry.json');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('BROKER_NOT_DESIGNATED');
    expect(codeOf(await chain.submit('retailer', 'entry', entry))).toBe('FILER_NOT_IMPORTER_OR_BROKER');
    expect(codeOf(await chain.submit('importer', 'broker-designation', edit(example(chain, 'broker-designation.json'), ['broker'], LEI.walmart)))).toBe('BROKER_ROLE_MISSING');
    expect(codeOf(await chain.submit('importer', 'entry', entry))).toBe('OK');
    expect(codeOf(await chain.submit('importer', 'entry', edit(entry, ['entryNumber'], '9A100123456')))).toBe('ENTRY_NUMBER_REUSED');
  });

  it('stops a broker once the designation is revoked or expired', async () => {
    const chain = await chainBefore('entry');
    const entry = example(chain, 'entry.json');
    expect(codeOf(await chain.submit('broker', 'entry', entry, { timestampMs: timestampMs('2026-01-01T00:00:00Z') }))).toBe('BROKER_NOT_DESIGNATED');
    expect(codeOf(await chain.submit('importer', 'broker-designation-revoke', { designation: chain.ids['broker-designation'], reason: 'Withdrawn.' }))).toBe('OK');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('BROKER_NOT_DESIGNATED');
  });

  it('checks each line against its certificate and licenses at the block time', async () => {
    const chain = await chainBefore('entry');
    const entry = example(chain, 'entry.json');
    const file = (e: Json, at?: number) => chain.submit('broker', 'entry', e, at === undefined ? {} : { timestampMs: at });
    expect(codeOf(await file(edit(entry, ['lines', 0, 'htsus'], '8708.40.1000')))).toBe('HS_MISMATCH');
    expect(codeOf(await file(edit(entry, ['importDate'], '2025-01-31')))).toBe('CERTIFICATE_PERIOD');
    const caftaLine = edit(edit(entry, ['lines', 0, 'spi'], 'P'), ['lines', 0, 'countryOfOrigin'], 'GT');
    expect(codeOf(await file(caftaLine))).toBe('SPI_AGREEMENT_MISMATCH');
    expect(codeOf(await file(edit(entry, ['lines', 0, 'certificate'], chain.ids.right)))).toBe('REF_WRONG_KIND');
    expect(codeOf(await file(edit(entry, ['lines', 2, 'licenses'], [chain.ids['license-retailer']])))).toBe('LICENSE_PARTY_MISMATCH');
    expect(codeOf(await file(edit(entry, ['lines', 2, 'manufacturer'], LEI.apple)))).toBe('LICENSE_PARTY_MISMATCH');
    expect(codeOf(await file(edit(entry, ['lines', 2, 'gtin'], '50012345678900')))).toBe('LICENSE_SCOPE');
    expect(codeOf(await file(edit(entry, ['lines', 2, 'countryOfOrigin'], 'CN')))).toBe('LICENSE_SCOPE');
    expect(codeOf(await file(entry, timestampMs('2026-07-01T00:00:00Z')))).toBe('BROKER_NOT_DESIGNATED');
    expect(codeOf(await chain.submit('importer', 'entry', entry, { timestampMs: timestampMs('2026-07-01T00:00:00Z') }))).toBe('LICENSE_INACTIVE');
    const otherImporter = edit(edit(entry, ['importer'], LEI.walmart), ['broker'], LEI.jpmorgan);
    expect(codeOf(await chain.submit('retailer', 'entry', edit(otherImporter, ['lines'], [(entry.lines as Json[])[0]])))).toBe('CERTIFICATE_IMPORTER_MISMATCH');
    expect(codeOf(await file(entry))).toBe('OK');
  });

  it('is reviewed by customs only, on lines the entry has', async () => {
    const chain = await chainBefore('entry-review');
    const review = example(chain, 'entry-review.json');
    expect(codeOf(await chain.submit('importer', 'entry-review', review))).toBe('ROLE_FORBIDDEN');
    expect(codeOf(await chain.submit('customs', 'entry-review', edit(review, ['findings', 0, 'lineNumber'], 4)))).toBe('FINDING_LINE_UNKNOWN');
    expect(codeOf(await chain.submit('customs', 'entry-review', edit(review, ['decision'], 'hold')))).toBe('OK');
    expect((await getDocument(chain.store, chain.ids.entry as string))?.record.status).toBe('hold');
    expect(codeOf(await chain.submit('customs', 'entry-review', review))).toBe('OK');
    const entry = await getDocument(chain.store, chain.ids.entry as string);
    expect(entry?.record.status).toBe('release');
    expect(entry?.history.map((h) => h.action)).toEqual(['created', 'reviewed-hold', 'reviewed-release']);
  });

  it('refuses a revoked license and a withdrawn certificate', async () => {
    const chain = await chainBefore('entry');
    const entry = example(chain, 'entry.json');
    expect(codeOf(await chain.submit('rightsholder', 'license-revoke', { license: chain.ids.license, reason: 'Breach.' }))).toBe('OK');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('LICENSE_INACTIVE');
    expect(codeOf(await chain.submit('producer', 'certificate-withdraw', example(chain, 'certificate-withdraw.json')))).toBe('OK');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('CERTIFICATE_WITHDRAWN');
  });
});

describe('attachments', () => {
  it('must belong to existing documents', async () => {
    const chain = await chainBefore('attachment');
    expect(codeOf(await chain.submit('rightsholder', 'attachment', edit(example(chain, 'attachment.json'), ['belongsTo'], ['ee'.repeat(32)])))).toBe('REF_NOT_FOUND');
    expect(codeOf(await chain.submit('customs', 'attachment', example(chain, 'attachment.json')))).toBe('OK');
  });
});

describe('time', () => {
  it('judges validity by the block timestamp, never a clock', async () => {
    const chain = await chainBefore('license');
    const license = example(chain, 'license.json');
    const dayBeforeEnd = timestampMs('2026-12-31T23:59:59Z');
    expect(codeOf(await chain.submit('rightsholder', 'license', license, { timestampMs: dayBeforeEnd }))).toBe('OK');
    expect(codeOf(await chain.submit('rightsholder', 'license', edit(license, ['territory'], ['CA']), { timestampMs: dayBeforeEnd + 1000 }))).toBe('LICENSE_EXPIRED');
    expect(DAY_MS).toBe(86_400_000);
  });
});

describe('network document options', () => {
  it('apply the plugged-in entry number rule and the criterion E option', async () => {
    const chain = await TestChain.fromExampleGenesis({ entryNumberCheckDigit: (n) => n.endsWith('7'), allowUsmcaCriterionE: true });
    const results = await chain.submitExamples('entry');
    expect(Object.values(results).every((r) => r.ok)).toBe(true);
    const entry = example(chain, 'entry.json');
    expect(codeOf(await chain.submit('broker', 'entry', entry))).toBe('ENTRY_NUMBER_CHECK_DIGIT');
    expect(codeOf(await chain.submit('broker', 'entry', edit(entry, ['entryNumber'], '9A1-0012345-7')))).toBe('OK');
    const withE = edit(example(chain, 'certificate-of-origin.json'), ['goods', 0, 'originCriterion'], 'E');
    expect(codeOf(await chain.submit('producer', 'certificate-of-origin', withE))).toBe('OK');
    const plain = await chainBefore('certificate-of-origin');
    expect(codeOf(await plain.submit('producer', 'certificate-of-origin', withE))).toBe('ORIGIN_CRITERION');
  });

  it('judge one decoded transaction by the options of each apply, however often it is applied', async () => {
    // A leader applies the same decoded object at admission and in its block: the parse is kept
    // per object, but never across option sets.
    const plain = await chainBefore('certificate-of-origin');
    const tx = plain.sign('producer', 'certificate-of-origin', edit(example(plain, 'certificate-of-origin.json'), ['goods', 0, 'originCriterion'], 'E'));
    const ctx = { chainId: CHAIN_ID, height: plain.height + 1, timestampMs: EXAMPLE_TIME_MS };
    const once = await applyBlock(plain.store, ctx, [tx]);
    const twice = await applyBlock(plain.store, ctx, [tx]);
    const withE = await applyBlock(plain.store, ctx, [tx], { allowUsmcaCriterionE: true });
    expect([once.results, twice.results]).toEqual([[{ ok: false, code: 'ORIGIN_CRITERION' }], [{ ok: false, code: 'ORIGIN_CRITERION' }]]);
    expect(withE.results).toEqual([{ ok: true }]);
    const again = await applyBlock(plain.store, ctx, [tx], { allowUsmcaCriterionE: true });
    expect(again.writes).toEqual(withE.writes);
  });
});
