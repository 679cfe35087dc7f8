// The examples applied in manifest order, then every query over the resulting state.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateOfOrigin } from '../../src/documents/certificate.js';
import { attachmentMediaType, byCertificate, byEntryNumber, byGtin, byHsCode, byLei, checkEntryLine, checkProduct, getDocument, openProposals, openVerifications } from '../../src/state/queries.js';
import { readMembership, isMemberNodeKey } from '../../src/state/membership.js';
import { fromHex } from '../../src/bytes.js';
import { readManifest } from '../documents/example-files.js';
import { LEI } from '../documents/fixtures.js';
import { TestChain } from './harness.js';

let chain: TestChain;
let results: Record<string, { ok: boolean }>;

beforeAll(async () => {
  chain = await TestChain.fromExampleGenesis();
  results = await chain.submitExamples();
});

describe('the examples, submitted in manifest order', () => {
  it('are all accepted', () => {
    expect(Object.entries(results).filter(([, r]) => !r.ok)).toEqual([]);
    expect(Object.keys(results)).toEqual(readManifest().submissions.map((s) => s.name));
  });

  it('added the manufacturer by governance (4 of 6 approvals) and left three proposals open', async () => {
    const membership = await readMembership(chain.store);
    expect(membership.organizations.map((o) => o.lei)).toEqual([...Object.values(LEI)].sort());
    expect(membership.approvalsRequired).toBe(4); // 7 members now: more than half
    const proposal = await getDocument(chain.store, chain.ids['org-add'] as string);
    expect(proposal?.record.status).toBe('executed');
    expect(proposal?.history.map((h) => h.action)).toEqual(['created', 'approved', 'approved', 'approved', 'executed']);
    const open = await openProposals(chain.store);
    expect(open.items.map((i) => i.kind).sort()).toEqual(['key-rotate', 'node-set-change', 'org-remove']);
    expect(await isMemberNodeKey(chain.store, fromHex('017c6f164e9737f8b1f435531820010bf7e4145cef969332d761b271459f3d14', 'k', 32))).toBe(true);
    expect(await isMemberNodeKey(chain.store, fromHex('3bf932ab52eed9131ecb540bc7ed56398708995f04ca4bbeb88e435f7c8dc38c', 'k', 32))).toBe(false);
  });

  it('keeps the certificate with both versions, its withdrawal and its affirmed determination', async () => {
    const doc = await getDocument(chain.store, chain.ids['certificate-of-origin'] as string);
    expect(doc?.record.kind).toBe('certificate-of-origin');
    expect(doc?.record.version).toBe(2);
    expect(doc?.record.status).toBe('withdrawn');
    expect(doc?.record.determination).toEqual({ outcome: 'affirmed', id: chain.ids['verification-determination'], reasons: [] });
    expect(doc?.history.map((h) => h.action)).toEqual(['created', 'amended', 'verification-requested', 'determination-affirmed', 'withdrawn']);
    expect((doc?.history[0]?.payload as CertificateOfOrigin).goods).toHaveLength(3);
    expect((doc?.history[1]?.payload as CertificateOfOrigin).goods).toHaveLength(4);
    expect(doc?.history[1]?.txId).toBe(chain.ids['certificate-amend']);
  });

  it('indexes documents by certificate, entry number, HS code, GTIN and LEI', async () => {
    const cert = chain.ids['certificate-of-origin'] as string;
    const about = await byCertificate(chain.store, cert);
    expect(about.items.map((i) => i.kind).sort()).toEqual(['certificate-amend', 'certificate-withdraw', 'entry', 'verification-determination', 'verification-request', 'verification-response']);
    const entry = await byEntryNumber(chain.store, '9A100123456');
    expect(entry?.record.id).toBe(chain.ids.entry);
    expect(entry?.record.status).toBe('release');
    expect((await byEntryNumber(chain.store, '9A1-0012345-6'))?.record.id).toBe(chain.ids.entry);
    expect(await byEntryNumber(chain.store, 'ZZZ-0000000-0')).toBeUndefined();
    const hs = await byHsCode(chain.store, '8708.30.5090');
    expect(hs.items.map((i) => i.id).sort()).toEqual([cert, chain.ids.entry].sort());
    const gtin = await byGtin(chain.store, '12345600012'.padStart(12, '0'));
    expect(gtin.items.map((i) => i.kind).sort()).toEqual(['entry', 'license', 'license', 'license', 'license', 'right']);
    const nike = await byLei(chain.store, LEI.nike);
    expect(nike.items.filter((i) => i.kind === 'license')).toHaveLength(4);
    expect(nike.items.some((i) => i.kind === 'right')).toBe(true);
    const page = await byLei(chain.store, LEI.nike, { limit: 2 });
    expect(page.items).toHaveLength(2);
    const rest = await byLei(chain.store, LEI.nike, { after: page.next as string, limit: 100 });
    expect([...page.items, ...rest.items]).toEqual(nike.items);
    expect(await openVerifications(chain.store)).toEqual({ items: [] });
  });

  it('cascaded the retailer license revocation to its sublicense', async () => {
    const parent = await getDocument(chain.store, chain.ids['license-retailer'] as string);
    const child = await getDocument(chain.store, chain.ids['license-sublicense'] as string);
    expect(parent?.record.status).toBe('revoked');
    expect(parent?.record.revokedBy).toBe(chain.ids['license-revoke']);
    expect(child?.record.status).toBe('revoked');
    expect(child?.record.revokedVia).toBe(chain.ids['license-retailer']);
    expect(child?.history.map((h) => h.action)).toEqual(['created', 'revoked-with-parent']);
  });

  it('answers checkEntryLine with the license chain, the right and its attachments', async () => {
    const check = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2025-03-10', manufacturerLei: LEI.deutscheBank });
    expect(check.gtin14).toBe('00012345600012');
    expect(check.importer.licensed).toBe(true);
    const importerLicense = check.importer.licenses.find((l) => l.inForce);
    expect(importerLicense?.chain.map((c) => c.licenseId)).toEqual([chain.ids.license]);
    expect(check.manufacturer?.licensed).toBe(true);
    expect(check.rights).toHaveLength(1);
    expect(check.rights[0]?.rightsHolder).toBe(LEI.nike);
    expect(check.rights[0]?.rightsHolderName).toBe('Nike, Inc.');
    const image = check.rights[0]?.attachments.find((a) => a.purpose === 'image');
    expect(image?.records).toEqual([chain.ids.attachment]);
    const guide = check.rights[0]?.attachments.find((a) => a.purpose === 'product-guide');
    expect(guide?.records).toEqual([chain.ids['attachment-guide']]);
    // The media type an attachment is served under is the one its record declares.
    expect(await attachmentMediaType(chain.store, image?.sha256 ?? '')).toBe('image/png');
    expect(await attachmentMediaType(chain.store, guide?.sha256 ?? '')).toBe('application/pdf');
    expect(await attachmentMediaType(chain.store, '0'.repeat(64))).toBeUndefined();
    expect(await attachmentMediaType(chain.store, 'not a hash')).toBeUndefined();
    // The retail sublicense to the importer is revoked (through its parent): shown, not in force.
    const sub = check.importer.licenses.find((l) => l.chain[0]?.licenseId === chain.ids['license-sublicense']);
    expect(sub).toBeUndefined(); // a retailer license is not an importer license
    const late = await checkEntryLine(chain.store, { importerLei: LEI.microsoft, gtin: '00012345600012', date: '2027-01-01' });
    expect(late.importer.licensed).toBe(false);
    expect(late.importer.licenses[0]?.reason).toBe('NOT_IN_VALIDITY');
    const other = await checkEntryLine(chain.store, { importerLei: LEI.walmart, gtin: '00012345600012', date: '2025-03-10' });
    expect(other.importer).toEqual({ lei: LEI.walmart, licensed: false, licenses: [] });
    await expect(checkEntryLine(chain.store, { importerLei: '506700GE1G29325QX364', gtin: '00012345600012', date: '2025-03-10' })).rejects.toMatchObject({ code: 'LEI_CHECKSUM' });
  });

  it('answers the consumer check without prices, quantities or contacts', async () => {
    const check = await checkProduct(chain.store, { gtin: '00012345600012', sellerLei: LEI.walmart });
    expect(check.digitalLink).toBe('https://id.gs1.org/01/00012345600012');
    expect(check.rightsHolders.map((r) => r.lei)).toEqual([LEI.nike]);
    expect(check.licensed.map((l) => `${l.lei}:${l.role}`).sort()).toEqual([`${LEI.deutscheBank}:manufacturer`, `${LEI.microsoft}:importer`].sort());
    expect(check.seller).toEqual({ lei: LEI.walmart, licensed: false, roles: [] });
    const before = await checkProduct(chain.store, { gtin: '00012345600012', sellerLei: LEI.walmart, date: '2025-03-12' });
    // The retail license was revoked at 2025-03-12T15:00Z (the blocks' time): at midnight it was in force.
    expect(before.seller).toEqual({ lei: LEI.walmart, licensed: true, roles: ['retailer'] });
    const text = JSON.stringify(check);
    for (const secret of ['maxQuantity', '50000', 'email', 'telephone', 'value']) expect(text).not.toContain(secret);
  });
});
