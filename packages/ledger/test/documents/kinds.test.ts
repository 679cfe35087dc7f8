// Per kind: the example payload is accepted, and a table of mutations, one per rule, is rejected
// with the rule's stable code and a message naming the field.
import { describe, expect, it } from 'vitest';
import { DOCUMENT_KINDS, documentJsonSchemas, documentKinds, isDocumentKind, parseGenesisConfig, tradeDocumentKinds, tradeDocumentRegistry, type DocumentKind } from '../../src/documents/kinds.js';
import { approvalsRequired } from '../../src/documents/governance.js';
import { INVALID_GTINS, INVALID_LEIS, LEI, VALID_GTINS } from './fixtures.js';
import { readExample, readManifest, resolvedExample, standInId } from './example-files.js';

const DELETE = Symbol('delete');
type Path = ReadonlyArray<string | number>;

function mutate(base: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

type Case = readonly [label: string, path: Path, value: unknown, code: string];

const kinds = documentKinds();
const kindsWithE = documentKinds({ allowUsmcaCriterionE: true });

function expectAccepted(kind: DocumentKind, payload: unknown): unknown {
  const result = kinds[kind].parse(payload);
  if (!result.ok) throw new Error(`expected ${kind} to be accepted: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function runTable(kind: DocumentKind, file: string, cases: readonly Case[]): void {
  describe(kind, () => {
    const base = resolvedExample(file);
    it('accepts the example', () => {
      expectAccepted(kind, base);
    });
    it.each(cases)('rejects %s', (_label, path, value, code) => {
      const result = kinds[kind].parse(mutate(base, path, value));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe(code);
        expect(result.error.field).toMatch(/^payload/);
        expect(result.error.message.startsWith(result.error.field as string)).toBe(true);
      }
    });
  });
}

const common = (prefix: Path = []): Case[] => [
  ['an unknown field', [...prefix, 'surprise'], 1, 'FIELD_UNKNOWN'],
];

describe('the kind set', () => {
  it('has every kind the issue names, sorted', () => {
    for (const kind of ['certificate-of-origin', 'certificate-amend', 'certificate-withdraw', 'verification-request', 'verification-response', 'verification-determination', 'right', 'license', 'license-revoke', 'entry', 'entry-review', 'attachment', 'org-add', 'org-remove', 'key-rotate', 'node-set-change', 'governance-approve']) {
      expect(isDocumentKind(kind)).toBe(true);
    }
    expect([...DOCUMENT_KINDS].sort()).toEqual(DOCUMENT_KINDS);
    expect(tradeDocumentKinds().map((k) => k.kind)).toEqual(DOCUMENT_KINDS);
    expect(isDocumentKind('toString')).toBe(false);
  });
  it('builds a transaction kind registry of every kind', () => {
    const registry = tradeDocumentRegistry();
    expect(registry.kinds()).toEqual(DOCUMENT_KINDS);
    const unknown = registry.parse('invoice', {});
    expect(unknown.ok ? 'OK' : unknown.error.code).toBe('TX_KIND_UNKNOWN');
    expect(registry.parse('attachment', resolvedExample('attachment.json')).ok).toBe(true);
  });
  it('has one example per kind, listed in the manifest', () => {
    const manifest = readManifest();
    const covered = new Set(manifest.submissions.map((s) => s.kind));
    for (const kind of DOCUMENT_KINDS) expect(covered.has(kind)).toBe(true);
    for (const submission of manifest.submissions) expect(isDocumentKind(submission.kind)).toBe(true);
  });
  it('exports a JSON Schema per kind that rejects unknown fields', () => {
    const schemas = documentJsonSchemas() as Record<string, { type?: string; additionalProperties?: boolean; title?: string; properties?: Record<string, unknown> }>;
    for (const kind of DOCUMENT_KINDS) {
      expect(schemas[kind]?.title).toBe(kind);
      expect(schemas[kind]?.type).toBe('object');
      expect(schemas[kind]?.additionalProperties).toBe(false);
    }
    expect(Object.keys(schemas.entry?.properties ?? {})).toContain('entryNumber');
    expect(JSON.stringify(schemas['certificate-of-origin'])).toContain('^[A-Z0-9]{18}[0-9]{2}$');
    expect(schemas.genesis?.title).toBe('genesis');
  });
  it('rejects non-object payloads with FIELD_TYPE', () => {
    for (const kind of DOCUMENT_KINDS) {
      for (const payload of [null, 1, 'x', [], new Uint8Array(3)]) {
        const result = kinds[kind].parse(payload);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('FIELD_TYPE');
      }
    }
  });
});

describe('genesis', () => {
  const base = readExample('genesis.json');
  it('accepts the example', () => {
    expect(parseGenesisConfig(base).ok).toBe(true);
  });
  it.each<Case>([
    ['a bad LEI checksum', ['organizations', 0, 'lei'], INVALID_LEIS[0], 'LEI_CHECKSUM'],
    ['an unknown role', ['organizations', 0, 'roles', 0], 'king', 'FIELD_VALUE'],
    ['no roles', ['organizations', 0, 'roles'], [], 'FIELD_TOO_SMALL'],
    ['no signing keys', ['organizations', 0, 'signingKeys'], [], 'FIELD_TOO_SMALL'],
    ['a short key', ['organizations', 0, 'signingKeys', 0], 'abcd', 'PUBLIC_KEY_FORMAT'],
    ['an upper-case key', ['organizations', 0, 'signingKeys', 0], '69DBA6025096CEA157EB53095BDB63958A7C88CDA25CC11FD66BCC7D5F7270BD', 'PUBLIC_KEY_FORMAT'],
    ['a node shared by two organizations', ['organizations', 1, 'nodes'], [{ peerId: '12D3KooWS3DvmZpmkoAJzer6dRJmEFQvu549C9WvhLYfaAaxYUdC', publicKey: 'f1063927e076ad1a385120275d5701ad1a7036d9fabdaaabe6458b64586128a7' }], 'DUPLICATE_VALUE'],
    ['a peer id not derived from the node key', ['organizations', 0, 'nodes', 0, 'publicKey'], '00'.repeat(32), 'NODE_PEER_ID_MISMATCH'],
    ['a malformed peer id', ['organizations', 0, 'nodes', 0, 'peerId'], 'QmNotAnEd25519PeerId', 'PEER_ID_FORMAT'],
    ['a duplicated LEI', ['organizations', 1, 'lei'], LEI.gleif, 'DUPLICATE_VALUE'],
    ['a key shared by two organizations', ['organizations', 1, 'signingKeys', 0], '69dba6025096cea157eb53095bdb63958a7c88cda25cc11fd66bcc7d5f7270bd', 'DUPLICATE_VALUE'],
    ['a threshold of 1', ['governanceThreshold'], { numerator: 2, denominator: 2 }, 'THRESHOLD_RANGE'],
    ['a fractional threshold', ['governanceThreshold', 'numerator'], 0.5, 'FIELD_TYPE'],
    ['a chain id with a space', ['chainId'], 'trade ledger', 'CHAIN_ID_FORMAT'],
    ['an overlong chain id', ['chainId'], 'x'.repeat(65), 'CHAIN_ID_FORMAT'],
    ['no organizations', ['organizations'], [], 'FIELD_TOO_SMALL'],
    ['an unknown field', ['organizations', 0, 'colour'], 'red', 'FIELD_UNKNOWN'],
  ])('rejects %s', (_label, path, value, code) => {
    const result = parseGenesisConfig(mutate(base, path, value));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });
  it('needs a node somewhere', () => {
    const config = structuredClone(base) as { organizations: Array<{ nodes: unknown[] }> };
    for (const org of config.organizations) org.nodes = [];
    const result = parseGenesisConfig(config);
    expect(result.ok ? 'OK' : result.error.code).toBe('GENESIS_NO_NODES');
  });
  it('computes the approvals a threshold needs', () => {
    expect(approvalsRequired({ numerator: 1, denominator: 2 }, 1)).toBe(1);
    expect(approvalsRequired({ numerator: 1, denominator: 2 }, 2)).toBe(2);
    expect(approvalsRequired({ numerator: 1, denominator: 2 }, 3)).toBe(2);
    expect(approvalsRequired({ numerator: 1, denominator: 2 }, 6)).toBe(4);
    expect(approvalsRequired({ numerator: 2, denominator: 3 }, 6)).toBe(5);
    expect(approvalsRequired({ numerator: 0, denominator: 1 }, 6)).toBe(1);
  });
});

runTable('org-add', 'org-add.json', [
  ...common(),
  ['a bad LEI', ['organization', 'lei'], INVALID_LEIS[4], 'LEI_CHECKSUM'],
  ['a duplicate role', ['organization', 'roles'], ['manufacturer', 'manufacturer'], 'DUPLICATE_VALUE'],
  ['too many keys', ['organization', 'signingKeys'], Array.from({ length: 9 }, (_, i) => i.toString(16).padStart(64, '0')), 'FIELD_TOO_LARGE'],
  ['a bad expiry', ['expiresAt'], '2025-06-30', 'TIMESTAMP_FORMAT'],
  ['no organization', ['organization'], DELETE, 'FIELD_MISSING'],
]);
runTable('org-remove', 'org-remove.json', [
  ...common(),
  ['a lower-case LEI', ['lei'], LEI.jpmorgan.toLowerCase(), 'LEI_FORMAT'],
  ['an empty reason', ['reason'], '', 'TEXT_LENGTH'],
  ['an overlong reason', ['reason'], 'x'.repeat(4001), 'TEXT_LENGTH'],
]);
runTable('key-rotate', 'key-rotate.json', [
  ...common(),
  ['nothing to change', ['add'], [], 'PROPOSAL_EMPTY'],
  ['a key added and removed', ['remove'], ['354dc58ee411e988c92682a7da24feda566386461a5b041c86eda6937ffdbe40'], 'DUPLICATE_VALUE'],
  ['a malformed key', ['add', 0], 'zz'.repeat(32), 'PUBLIC_KEY_FORMAT'],
]);
runTable('node-set-change', 'node-set-change.json', [
  ...common(),
  ['nothing to change', ['add'], [], 'PROPOSAL_EMPTY'],
  ['a peer id of another key', ['add', 0, 'publicKey'], '1cf359b8c3040496f2fc6790008e190e77cb97a6057c239a486a0866d1c27a60', 'NODE_PEER_ID_MISMATCH'],
  ['a node added and removed', ['remove'], ['12D3KooWDrUccjffVDmtw2FArPPwo797ohqJz8ZMf6GX7GCosYNX'], 'DUPLICATE_VALUE'],
]);
runTable('governance-approve', 'governance-approve.json', [
  ...common(),
  ['a malformed reference', ['proposal'], '{{ref:org-add}}', 'DOC_REF_FORMAT'],
  ['an upper-case reference', ['proposal'], 'AB'.repeat(32), 'DOC_REF_FORMAT'],
]);

runTable('certificate-of-origin', 'certificate-of-origin.json', [
  ...common(),
  ['an unknown agreement', ['agreement'], 'NAFTA', 'FIELD_VALUE'],
  ['agreement other without a name', ['agreement'], 'other', 'AGREEMENT_NAME_MISSING'],
  ['a name for USMCA', ['agreementName'], 'USMCA', 'AGREEMENT_NAME_UNEXPECTED'],
  ['criterion E without the option', ['goods', 0, 'originCriterion'], 'E', 'ORIGIN_CRITERION'],
  ['criterion F (NAFTA only)', ['goods', 0, 'originCriterion'], 'F', 'ORIGIN_CRITERION'],
  ['a CAFTA-DR criterion under USMCA', ['goods', 0, 'originCriterion'], '10.594(a)', 'ORIGIN_CRITERION'],
  ['an unknown certifier role', ['certifierRole'], 'broker', 'FIELD_VALUE'],
  ['a certifier with a bad LEI', ['certifier', 'lei'], INVALID_LEIS[0], 'LEI_CHECKSUM'],
  ['a certifier without title', ['certifier', 'title'], DELETE, 'FIELD_MISSING'],
  ['a certifier without e-mail', ['certifier', 'email'], DELETE, 'FIELD_MISSING'],
  ['a bad certifier e-mail', ['certifier', 'email'], 'compliance at example.com', 'EMAIL_FORMAT'],
  ['a bad telephone', ['certifier', 'telephone'], 'ask reception', 'TELEPHONE_FORMAT'],
  ['an address without country', ['certifier', 'address', 'country'], DELETE, 'FIELD_MISSING'],
  ['an address in a non-ISO country', ['certifier', 'address', 'country'], 'MEX', 'COUNTRY_CODE'],
  ['an address of five lines', ['certifier', 'address', 'lines'], ['a', 'b', 'c', 'd', 'e'], 'FIELD_TOO_LARGE'],
  ['a producer-certifier naming another producer', ['producer'], { kind: 'various' }, 'CERTIFIER_PARTY_MISMATCH'],
  ['an unknown exporter kind', ['exporter'], { kind: 'someone' }, 'FIELD_VALUE'],
  ['an importer party without address', ['importer', 'party', 'address'], DELETE, 'FIELD_MISSING'],
  ['an importer party with a bad LEI', ['importer', 'party', 'lei'], INVALID_LEIS[1], 'LEI_FORMAT'],
  ['no goods', ['goods'], [], 'FIELD_TOO_SMALL'],
  ['a 4-digit HS code', ['goods', 0, 'hsCode'], '8708', 'HS_FORMAT'],
  ['a 7-digit HS code', ['goods', 0, 'hsCode'], '8708301', 'HS_FORMAT'],
  ['a bad GTIN', ['goods', 0, 'gtin'], INVALID_GTINS[0], 'GTIN_CHECKSUM'],
  ['a good without description', ['goods', 0, 'description'], '', 'TEXT_LENGTH'],
  ['a blanket period over 12 months', ['period', 'to'], '2026-02-01', 'BLANKET_PERIOD_TOO_LONG'],
  ['a blanket period ending before it starts', ['period', 'to'], '2025-01-31', 'PERIOD_ORDER'],
  ['a blanket period with an invalid date', ['period', 'from'], '2025-02-30', 'DATE_FORMAT'],
  ['an unknown period kind', ['period'], { kind: 'forever' }, 'FIELD_VALUE'],
  ['no signature date', ['signature', 'date'], DELETE, 'FIELD_MISSING'],
  ['a signature timestamp instead of a date', ['signature', 'date'], '2025-01-28T10:00:00Z', 'DATE_FORMAT'],
  ['no certification statement', ['signature', 'statement'], '', 'TEXT_LENGTH'],
  ['a numeric HS code', ['goods', 0, 'hsCode'], 870830, 'FIELD_TYPE'],
]);

describe('certificate-of-origin agreements and options', () => {
  const base = resolvedExample('certificate-of-origin.json');
  it('accepts criterion E only behind allowUsmcaCriterionE', () => {
    const withE = mutate(base, ['goods', 0, 'originCriterion'], 'E');
    expect(kinds['certificate-of-origin'].parse(withE).ok).toBe(false);
    expect(kindsWithE['certificate-of-origin'].parse(withE).ok).toBe(true);
  });
  it('accepts a blanket period of exactly 12 months, inclusive', () => {
    expect(kinds['certificate-of-origin'].parse(mutate(base, ['period'], { kind: 'blanket', from: '2025-02-01', to: '2026-01-31' })).ok).toBe(true);
    expect(kinds['certificate-of-origin'].parse(mutate(base, ['period'], { kind: 'blanket', from: '2024-02-29', to: '2025-02-27' })).ok).toBe(true);
    expect(kinds['certificate-of-origin'].parse(mutate(base, ['period'], { kind: 'blanket', from: '2024-02-29', to: '2025-02-28' })).ok).toBe(false);
  });
  it('accepts a single shipment', () => {
    expect(kinds['certificate-of-origin'].parse(mutate(base, ['period'], { kind: 'single-shipment', invoiceNumber: 'INV-2025-0042' })).ok).toBe(true);
  });
  it('takes CAFTA-DR criteria by their 19 CFR 10.594 paragraph', () => {
    let cafta = mutate(base, ['agreement'], 'CAFTA-DR');
    for (const [i, criterion] of ['10.594(a)', '10.594(b)(1)', '10.594(c)'].entries()) cafta = mutate(cafta, ['goods', i, 'originCriterion'], criterion);
    expect(kinds['certificate-of-origin'].parse(cafta).ok).toBe(true);
    const wrong = mutate(cafta, ['goods', 0, 'originCriterion'], 'A');
    const result = kinds['certificate-of-origin'].parse(wrong);
    expect(result.ok ? 'OK' : result.error.code).toBe('ORIGIN_CRITERION');
  });
  it('takes free-text criteria for other agreements', () => {
    const other = mutate(mutate(mutate(base, ['agreement'], 'other'), ['agreementName'], 'Chile-US FTA'), ['goods', 0, 'originCriterion'], 'Art. 4.1(b)');
    expect(kinds['certificate-of-origin'].parse(other).ok).toBe(true);
    const long = mutate(other, ['goods', 0, 'originCriterion'], 'x'.repeat(101));
    const result = kinds['certificate-of-origin'].parse(long);
    expect(result.ok ? 'OK' : result.error.code).toBe('TEXT_LENGTH');
  });
  it('lets only a certifying producer leave the exporter unknown', () => {
    expect(kinds['certificate-of-origin'].parse(mutate(base, ['exporter'], { kind: 'unknown' })).ok).toBe(true);
    let asExporter = mutate(base, ['certifierRole'], 'exporter');
    asExporter = mutate(asExporter, ['producer'], { kind: 'various' });
    expect(kinds['certificate-of-origin'].parse(asExporter).ok).toBe(true);
    const unknownExporter = mutate(mutate(base, ['certifierRole'], 'importer'), ['exporter'], { kind: 'unknown' });
    const result = kinds['certificate-of-origin'].parse(mutate(unknownExporter, ['importer'], { kind: 'same-as-certifier' }));
    expect(result.ok ? 'OK' : result.error.code).toBe('EXPORTER_REQUIRED');
  });
  it('normalises HS codes and GTINs', () => {
    const parsed = expectAccepted('certificate-of-origin', mutate(base, ['goods', 0, 'gtin'], VALID_GTINS[0])) as { goods: Array<{ hsCode: string; gtin?: string }> };
    expect(parsed.goods[0]?.hsCode).toBe('870830');
    expect(parsed.goods[0]?.gtin).toBe('04006381333931');
  });
});

runTable('certificate-amend', 'certificate-amend.json', [
  ...common(),
  ['a bad reference', ['certificate'], 'not-a-ref', 'DOC_REF_FORMAT'],
  ['an amended body breaking a rule', ['amended', 'goods', 0, 'originCriterion'], 'Z', 'ORIGIN_CRITERION'],
  ['an amended body with an unknown field', ['amended', 'notes'], 'x', 'FIELD_UNKNOWN'],
  ['no reason', ['reason'], DELETE, 'FIELD_MISSING'],
]);
runTable('certificate-withdraw', 'certificate-withdraw.json', [
  ...common(),
  ['a bad reference', ['certificate'], '12', 'DOC_REF_FORMAT'],
  ['a blank reason', ['reason'], '   ', 'TEXT_LENGTH'],
]);

runTable('verification-request', 'verification-request.json', [
  ...common(),
  ['no certificate', ['certificate'], DELETE, 'FIELD_MISSING'],
  ['a bad entry reference', ['entry'], 'x', 'DOC_REF_FORMAT'],
  ['a bad addressee', ['addressee'], INVALID_LEIS[2], 'LEI_FORMAT'],
  ['an unknown method', ['method'], 'telepathy', 'FIELD_VALUE'],
  ['no questions', ['questions'], [], 'FIELD_TOO_SMALL'],
  ['duplicate question ids', ['questions', 1, 'id'], 'Q1', 'DUPLICATE_VALUE'],
  ['a bad question id', ['questions', 0, 'id'], 'Q 1', 'QUESTION_ID_FORMAT'],
  ['a bad due date', ['dueDate'], '15/04/2025', 'DATE_FORMAT'],
]);
runTable('verification-response', 'verification-response.json', [
  ...common(),
  ['no answers', ['answers'], [], 'FIELD_TOO_SMALL'],
  ['two answers to one question', ['answers', 1, 'questionId'], 'Q1', 'DUPLICATE_VALUE'],
  ['a bad attachment hash', ['attachments', 0, 'sha256'], 'ab'.repeat(31), 'SHA256_FORMAT'],
  ['a duplicate attachment', ['attachments', 1, 'sha256'], '9b74c9897bac770ffc029102a200c5de9b0e0b5bce2f1a9c8e6ab3a0c3a4b5d6', 'DUPLICATE_VALUE'],
  ['an answer with a NUL', ['answers', 0, 'text'], 'a\u0000b', 'TEXT_CONTROL_CHARACTER'],
]);
runTable('verification-determination', 'verification-determination.json', [
  ...common(),
  ['an unknown outcome', ['outcome'], 'maybe', 'FIELD_VALUE'],
  ['an affirmation with reasons', ['reasons'], ['no-response'], 'AFFIRMATION_WITH_REASONS'],
  ['a denial without reasons', ['outcome'], 'denied', 'DENIAL_REASON_MISSING'],
  ['an unknown reason', ['reasons'], ['bad-vibes'], 'FIELD_VALUE'],
]);
describe('verification-determination denial', () => {
  it('accepts a denial with categories and text', () => {
    const base = resolvedExample('verification-determination.json');
    const denied = mutate(mutate(base, ['outcome'], 'denied'), ['reasons'], ['not-originating', 'pattern-of-conduct']);
    expect(kinds['verification-determination'].parse(denied).ok).toBe(true);
    const noText = kinds['verification-determination'].parse(mutate(denied, ['reasonsText'], ''));
    expect(noText.ok ? 'OK' : noText.error.code).toBe('DENIAL_REASON_MISSING');
  });
});

runTable('right', 'right.json', [
  ...common(),
  ['a bad rights holder', ['rightsHolder'], INVALID_LEIS[3], 'LEI_FORMAT'],
  ['no marks', ['marks'], [], 'FIELD_TOO_SMALL'],
  ['a bad office', ['marks', 0, 'registrations', 0, 'office'], 'us', 'OFFICE_FORMAT'],
  ['a duplicate registration', ['marks', 0, 'registrations', 1], { office: 'US', number: '978952' }, 'DUPLICATE_VALUE'],
  ['a bad GTIN', ['gtins', 0], INVALID_GTINS[1], 'GTIN_CHECKSUM'],
  ['the same GTIN twice in two forms', ['gtins'], ['5901234123457', '05901234123457'], 'DUPLICATE_VALUE'],
  ['a 5-digit prefix', ['gs1Prefixes', 0], '00123', 'GS1_PREFIX_FORMAT'],
  ['an unknown attachment purpose', ['attachments', 0, 'purpose'], 'video', 'FIELD_VALUE'],
  ['a bad attachment hash', ['attachments', 0, 'sha256'], 'x', 'SHA256_FORMAT'],
]);

describe('right scope', () => {
  it('needs a GTIN or a prefix', () => {
    const base = resolvedExample('right.json');
    const result = kinds.right.parse(mutate(mutate(base, ['gs1Prefixes'], []), ['gtins'], []));
    expect(result.ok ? 'OK' : result.error.code).toBe('SCOPE_EMPTY');
  });
});

runTable('license', 'license.json', [
  ...common(),
  ['a bad licensee', ['licensee'], INVALID_LEIS[0], 'LEI_CHECKSUM'],
  ['the licensor as licensee', ['licensee'], LEI.nike, 'LICENSEE_IS_LICENSOR'],
  ['an unknown role', ['role'], 'wholesaler', 'FIELD_VALUE'],
  ['no territory', ['territory'], [], 'FIELD_TOO_SMALL'],
  ['a non-ISO territory', ['territory', 0], 'EU', 'COUNTRY_CODE'],
  ['a validity ending before it starts', ['validTo'], '2024-12-31', 'PERIOD_ORDER'],
  ['a bad GTIN', ['gtins', 0], INVALID_GTINS[3], 'GTIN_FORMAT'],
  ['no GTIN and no prefix', ['gtins'], [], 'SCOPE_EMPTY'],
  ['a zero quantity cap', ['maxQuantity'], '0', 'DECIMAL_RANGE'],
  ['a numeric quantity cap', ['maxQuantity'], 50000, 'FIELD_TYPE'],
  ['a bad parent reference', ['parent'], 'parent', 'DOC_REF_FORMAT'],
  ['a bad right reference', ['right'], DELETE, 'FIELD_MISSING'],
]);
runTable('license-revoke', 'license-revoke.json', [
  ...common(),
  ['a bad reference', ['license'], 'x', 'DOC_REF_FORMAT'],
  ['no reason', ['reason'], DELETE, 'FIELD_MISSING'],
]);
runTable('broker-designation', 'broker-designation.json', [
  ...common(),
  ['the importer as its own broker', ['broker'], LEI.microsoft, 'BROKER_IS_IMPORTER'],
  ['a period ending before it starts', ['validTo'], '2024-01-01', 'PERIOD_ORDER'],
  ['a bad broker LEI', ['broker'], INVALID_LEIS[4], 'LEI_CHECKSUM'],
]);
runTable('broker-designation-revoke', 'broker-designation-revoke.json', [
  ...common(),
  ['a bad reference', ['designation'], 'x', 'DOC_REF_FORMAT'],
]);

runTable('entry', 'entry.json', [
  ...common(),
  ['a short entry number', ['entryNumber'], '9A1001234', 'ENTRY_NUMBER_FORMAT'],
  ['a lower-case filer code', ['entryNumber'], '9a1-0012345-6', 'ENTRY_NUMBER_FORMAT'],
  ['an unknown entry type', ['entryType'], '99', 'FIELD_VALUE'],
  ['a numeric entry type', ['entryType'], 1, 'FIELD_VALUE'],
  ['a bad importer LEI', ['importer'], INVALID_LEIS[0], 'LEI_CHECKSUM'],
  ['a bad broker LEI', ['broker'], INVALID_LEIS[1], 'LEI_FORMAT'],
  ['no lines', ['lines'], [], 'FIELD_TOO_SMALL'],
  ['duplicate line numbers', ['lines', 1, 'lineNumber'], 1, 'DUPLICATE_VALUE'],
  ['line number 0', ['lines', 0, 'lineNumber'], 0, 'FIELD_TOO_SMALL'],
  ['a 6-digit HTSUS', ['lines', 0, 'htsus'], '8708.30', 'HTSUS_FORMAT'],
  ['a bad country of origin', ['lines', 0, 'countryOfOrigin'], 'Mexico', 'COUNTRY_CODE'],
  ['a float quantity', ['lines', 0, 'quantity'], 1200.5, 'FIELD_TYPE'],
  ['a zero quantity', ['lines', 0, 'quantity'], '0', 'DECIMAL_RANGE'],
  ['a negative value', ['lines', 0, 'value'], '-38400.00', 'DECIMAL_FORMAT'],
  ['a value with an exponent', ['lines', 0, 'value'], '3.84e4', 'DECIMAL_FORMAT'],
  ['a bad unit', ['lines', 0, 'unit'], 'pieces', 'UNIT_FORMAT'],
  ['a bad SPI', ['lines', 0, 'spi'], 'USMCA', 'SPI_FORMAT'],
  ['SPI S without a certificate', ['lines', 0, 'certificate'], DELETE, 'CERTIFICATE_REQUIRED'],
  ['SPI S for goods of China', ['lines', 0, 'countryOfOrigin'], 'CN', 'SPI_ORIGIN_MISMATCH'],
  ['a certificate without an SPI', ['lines', 0, 'spi'], DELETE, 'SPI_MISSING'],
  ['licenses without a GTIN', ['lines', 2, 'gtin'], DELETE, 'GTIN_REQUIRED'],
  ['a bad GTIN', ['lines', 2, 'gtin'], INVALID_GTINS[4], 'GTIN_CHECKSUM'],
  ['a bad manufacturer', ['lines', 0, 'manufacturer'], INVALID_LEIS[4], 'LEI_CHECKSUM'],
  ['a duplicate license reference', ['lines', 2, 'licenses', 1], standInId('license'), 'DUPLICATE_VALUE'],
  ['eleven licenses', ['lines', 2, 'licenses'], Array.from({ length: 11 }, (_, i) => i.toString(16).padStart(64, '0')), 'FIELD_TOO_LARGE'],
  ['a bad import date', ['importDate'], '2025-3-10', 'DATE_FORMAT'],
  ['a bad port', ['portOfEntry'], '23', 'PORT_FORMAT'],
]);
describe('entry options', () => {
  it('applies a plugged-in entry number check digit rule', () => {
    const base = resolvedExample('entry.json');
    const strict = documentKinds({ entryNumberCheckDigit: (n) => n.endsWith('7') });
    const result = strict.entry.parse(base);
    expect(result.ok ? 'OK' : result.error.code).toBe('ENTRY_NUMBER_CHECK_DIGIT');
    expect(strict.entry.parse(mutate(base, ['entryNumber'], '9A1-0012345-7')).ok).toBe(true);
  });
  it('normalises the entry number and HTSUS codes', () => {
    const parsed = expectAccepted('entry', resolvedExample('entry.json')) as { entryNumber: string; lines: Array<{ htsus: string; gtin?: string }> };
    expect(parsed.entryNumber).toBe('9A100123456');
    expect(parsed.lines[0]?.htsus).toBe('8708305090');
    expect(parsed.lines[2]?.gtin).toBe('00012345600012');
  });
  it('accepts P+ for CAFTA-DR origin without a certificate (importer knowledge)', () => {
    const base = resolvedExample('entry.json');
    const line = mutate(mutate(mutate(base, ['lines', 0, 'spi'], 'P+'), ['lines', 0, 'countryOfOrigin'], 'GT'), ['lines', 0, 'certificate'], DELETE);
    expect(kinds.entry.parse(line).ok).toBe(true);
    const fromMexico = kinds.entry.parse(mutate(line, ['lines', 0, 'countryOfOrigin'], 'MX'));
    expect(fromMexico.ok ? 'OK' : fromMexico.error.code).toBe('SPI_ORIGIN_MISMATCH');
  });
});
runTable('entry-review', 'entry-review.json', [
  ...common(),
  ['an unknown decision', ['decision'], 'approve', 'FIELD_VALUE'],
  ['an unknown finding category', ['findings', 0, 'category'], 'vibes', 'FIELD_VALUE'],
  ['a finding on line 1000', ['findings', 0, 'lineNumber'], 1000, 'FIELD_TOO_LARGE'],
  ['a blank remark', ['remarks'], '', 'TEXT_LENGTH'],
]);
runTable('attachment', 'attachment.json', [
  ...common(),
  ['an upper-case hash', ['sha256'], String((readExample('attachment.json') as { sha256: string }).sha256).toUpperCase(), 'SHA256_FORMAT'],
  ['a bad media type', ['mediaType'], 'jpeg', 'MEDIA_TYPE_FORMAT'],
  ['a zero size', ['sizeBytes'], 0, 'FIELD_TOO_SMALL'],
  ['a fractional size', ['sizeBytes'], 1.5, 'FIELD_TYPE'],
  ['a size over 1 TiB', ['sizeBytes'], 2 ** 40 + 1, 'FIELD_TOO_LARGE'],
  ['a size as a string', ['sizeBytes'], '482133', 'FIELD_TYPE'],
  ['a bad document reference', ['belongsTo', 0], 'x', 'DOC_REF_FORMAT'],
  ['no title', ['title'], DELETE, 'FIELD_MISSING'],
]);
