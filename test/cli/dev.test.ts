// `tradeledger dev` as a user meets it: six organizations' nodes as processes with the examples
// loaded; the example attachments' bytes (examples/media) are served by every node; the CLI reads,
// queries, checks, submits the rest of the story, proves and verifies (and a one-byte change
// fails); SIGTERM stops every node; `audit` passes on a node's store and
// names the bad height once a stored block is tampered with.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, LevelStore } from '@tradeledger/node';
import { alive, EXAMPLES_DIR, examplePayloadFile, killAll, manifest, refNames, startDev, tl, tlOk, type DevInfo, type DevNetwork } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'tl-cli-dev-'));
let dev: DevNetwork<DevInfo>;
let node: string;
let env: Record<string, string>;
const keyOf = (signer: string) => (dev.info.organizations.find((o) => o.signer === signer) as DevInfo['organizations'][number]).keyFile;

beforeAll(async () => {
  dev = await startDev<DevInfo>(['--dir', join(root, 'net')]);
  node = (dev.info.nodes[0] as DevInfo['nodes'][number]).apiUrl;
  env = { TRADELEDGER_NODE: node, TRADELEDGER_TOKEN: (dev.info.organizations.find((o) => o.signer === 'customs') as DevInfo['organizations'][number]).token };
});
afterAll(async () => {
  await dev?.stop();
  killAll();
  rmSync(root, { recursive: true, force: true });
});

describe('tradeledger dev', () => {
  it('starts six nodes with the examples up to the determination loaded, and serves them', async () => {
    const story = manifest().submissions;
    const loaded = story.slice(0, story.findIndex((s) => s.name === 'verification-determination') + 1).map((s) => s.name);
    expect(dev.info.nodes.map((n) => n.name)).toEqual(['customs', 'importer', 'producer', 'manufacturer', 'rightsholder', 'retailer']);
    expect(dev.info.nodes.filter((n) => !n.founding).map((n) => n.name)).toEqual(['manufacturer']);
    expect(Object.keys(dev.info.examples)).toEqual(loaded);
    expect(dev.info.logSize).toBe(loaded.length);
    expect(JSON.parse(readFileSync(join(dev.info.dir, 'dev.json'), 'utf8'))).toEqual(dev.info);
    for (const org of dev.info.organizations) expect(readFileSync(org.keyFile, 'utf8')).toContain('"type": "ed25519"');

    // Every node answers with the same chain; the head moves only forward from what dev reported.
    for (const n of dev.info.nodes) {
      const head = JSON.parse((await tlOk(['head', '--json', '--node', n.apiUrl])).stdout) as { chainId: string; logSize: number };
      expect(head.chainId).toBe('tradeledger-dev');
      expect(head.logSize).toBeGreaterThanOrEqual(0);
    }
    const status = JSON.parse((await tlOk(['status', '--json'], env)).stdout) as { peerId: string; leader: string | null; peers: Array<{ peerId: string; raftRole: string }>; logSize: number };
    expect(status.leader).not.toBeNull();
    const others = dev.info.nodes.map((n) => n.peerId).filter((id) => id !== status.peerId).sort();
    expect(status.peers.map((p) => p.peerId).filter((id) => id !== status.peerId).sort()).toEqual(others);
    expect(status.logSize).toBe(loaded.length);

    const certificate = dev.info.examples['certificate-of-origin'] as string;
    const doc = JSON.parse((await tlOk(['get', certificate, '--json'], env)).stdout) as { record: { kind: string; status: string } };
    expect(doc.record).toMatchObject({ kind: 'certificate-of-origin' });
    const byImporter = JSON.parse((await tlOk(['query', 'lei', 'INR2EJN1ERAN0W5ZP974', '--json'], env)).stdout) as { items: Array<{ id: string }> };
    expect(byImporter.items.map((i) => i.id)).toContain(dev.info.examples['entry']);
    const byHs = await tlOk(['query', 'hs', '870830'], env);
    expect(byHs.stdout).toContain(certificate);
    const product = JSON.parse((await tlOk(['check', 'product', '00012345600012', '--json', '--node', node])).stdout) as { rightsHolders: Array<{ lei: string }> };
    expect(product.rightsHolders.map((r) => r.lei)).toEqual(['787RXPR0UX0O0XUXPZ81']);
    const line = JSON.parse((await tlOk(['check', 'entry-line', '--importer', 'INR2EJN1ERAN0W5ZP974', '--gtin', '00012345600012', '--date', new Date().toISOString().slice(0, 10), '--json'], env)).stdout) as { importer: { licensed: boolean } };
    expect(line.importer.licensed).toBe(true);
    // Members-only reads refuse a missing or wrong token with the node's code (exit 1).
    const anonymous = await tl(['get', certificate, '--node', node], { TRADELEDGER_TOKEN: '' });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^error AUTH_REQUIRED:/);
    expect((await tl(['status', '--node', node, '--token', 'tlt_wrong'])).stderr).toMatch(/^error (TOKEN|AUTH)_[A-Z_]+: /);
  });

  it('serves the example attachments, uploaded by dev to the first node, from every node', async () => {
    const attachments = manifest().submissions.filter((s) => s.kind === 'attachment');
    expect(attachments.map((s) => s.name)).toEqual(['attachment', 'attachment-guide']);
    const first = dev.info.nodes[0] as DevInfo['nodes'][number];
    // A node that did not receive the upload fetches the bytes from its peers.
    const other = dev.info.nodes.find((n) => n.name === 'retailer') as DevInfo['nodes'][number];
    const tokens = new Map([
      [first.apiUrl, env['TRADELEDGER_TOKEN'] as string],
      [other.apiUrl, createToken(other.dataDir, { org: 'Y87794H0US1R65VBXU25', label: 'dev test' }).token],
    ]);
    for (const submission of attachments) {
      const record = JSON.parse(readFileSync(join(EXAMPLES_DIR, submission.file), 'utf8')) as { sha256: string; sizeBytes: number; mediaType: string };
      const expected = readFileSync(join(EXAMPLES_DIR, submission.bytes as string));
      const onLedger = JSON.parse((await tlOk(['get', dev.info.examples[submission.name] as string, '--json'], env)).stdout) as { record: { payload: { sha256: string } } };
      expect(onLedger.record.payload.sha256).toBe(record.sha256);
      for (const [apiUrl, token] of tokens) {
        const response = await fetch(new URL(`/v1/attachments/${record.sha256}`, apiUrl), { headers: { authorization: `Bearer ${token}` } });
        expect(response.status, `${submission.name} from ${apiUrl}`).toBe(200);
        // Served under the media type its attachment record declares: the image inline, the PDF as a download.
        expect(response.headers.get('content-type')).toBe(record.mediaType);
        expect(response.headers.get('content-disposition') ?? 'inline').toBe(record.mediaType.startsWith('image/') ? 'inline' : `attachment; filename="${record.sha256}"`);
        const body = Buffer.from(await response.arrayBuffer());
        expect(body.length).toBe(record.sizeBytes);
        expect(body.equals(expected), `${submission.name} from ${apiUrl}`).toBe(true);
      }
    }
  });

  it('submits the rest of the story through the CLI, and an attachment from its bytes', async () => {
    const story = manifest().submissions;
    const ids: Record<string, string> = { ...dev.info.examples };
    for (const submission of story.slice(story.findIndex((s) => s.name === 'verification-determination') + 1)) {
      const file = examplePayloadFile(join(root, 'payloads'), submission.name);
      const refs = refNames(file).flatMap((name) => ['--ref', `${name}=${ids[name] as string}`]);
      const run = await tlOk(['submit', submission.kind, file, ...refs, '--key', keyOf(submission.signer), '--wait', '--json'], env);
      expect(JSON.parse(run.stdout), submission.name).toMatchObject({ kind: submission.kind, status: 'committed', result: { ok: true } });
      ids[submission.name] = (JSON.parse(run.stdout) as { txId: string }).txId;
    }
    const bytes = join(root, 'guide.txt');
    writeFileSync(bytes, 'Care guide for the Air Max 90.\n');
    const attachment = await tlOk(['submit', 'attachment', bytes, '--title', 'Care guide', '--belongs-to', ids['right'] as string, '--key', keyOf('rightsholder'), '--wait', '-q'], env);
    const attachmentId = attachment.stdout.trim();
    expect(attachmentId).toMatch(/^[0-9a-f]{64}$/);
    const record = JSON.parse((await tlOk(['get', attachmentId, '--json'], env)).stdout) as { record: { payload: { sha256: string; mediaType: string; sizeBytes: number } } };
    expect(record.record.payload).toMatchObject({ mediaType: 'text/plain', sizeBytes: 31 });
    const out = join(root, 'guide-back.txt');
    await tlOk(['get', 'attachment', record.record.payload.sha256, '--out', out], env);
    expect(readFileSync(out, 'utf8')).toBe('Care guide for the Air Max 90.\n');
    const withdrawn = JSON.parse((await tlOk(['get', dev.info.examples['certificate-of-origin'] as string, '--json'], env)).stdout) as { record: { status: string } };
    expect(withdrawn.record.status).not.toBe('active');
  });

  it('prints a proof that verify-proof accepts, and refuses after a one-byte change', async () => {
    const certificate = dev.info.examples['certificate-of-origin'] as string;
    const plain = await tlOk(['prove', certificate], env);
    expect(JSON.parse(plain.stdout)).toMatchObject({ type: 'inclusion', leafIndex: Object.keys(dev.info.examples).indexOf('certificate-of-origin') });
    expect(Object.keys(JSON.parse(plain.stdout) as object)).toEqual(['type', 'leafIndex', 'treeSize', 'leafHash', 'auditPath', 'rootHash']);
    const proofFile = join(root, 'proof.json');
    writeFileSync(proofFile, (await tlOk(['prove', certificate, '--json'], env)).stdout);
    const verdict = JSON.parse((await tlOk(['verify-proof', proofFile, '--genesis', dev.info.genesis, '--json'])).stdout) as { verified: boolean; txId: string };
    expect(verdict).toMatchObject({ verified: true, type: 'inclusion', against: 'header', txId: certificate });
    // One byte of the audit path, of the root, of the header: each fails with exit 1 and a code.
    const text = readFileSync(proofFile, 'utf8');
    const proof = JSON.parse(text) as { proof: { auditPath: string[]; rootHash: string }; header: { signature: string } };
    for (const target of [proof.proof.auditPath[0] as string, proof.proof.rootHash, proof.header.signature]) {
      const at = text.indexOf(target) + 10;
      const changed = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
      writeFileSync(proofFile, changed);
      const run = await tl(['verify-proof', proofFile, '--genesis', dev.info.genesis]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error (PROOF_MISMATCH|PROOF_HEAD_MISMATCH|HEAD_HASH_MISMATCH|HEAD_SIGNATURE_INVALID) \(/);
    }
    // Against the newest head cosigned by a quorum of member organizations (the light client).
    const certifiedFile = join(root, 'certified-proof.json');
    writeFileSync(certifiedFile, (await tlOk(['prove', certificate, '--certified', '--json'], env)).stdout);
    const certified = JSON.parse((await tlOk(['verify-proof', certifiedFile, '--genesis', dev.info.genesis, '--json'])).stdout) as { organizations: string[] };
    expect(certified).toMatchObject({ verified: true, against: 'head', txId: certificate });
    expect(certified.organizations.length).toBeGreaterThanOrEqual(3);
    // A consistency proof from the examples' log to today's head.
    const consistency = join(root, 'consistency.json');
    const head = JSON.parse((await tlOk(['head', '--json'], env)).stdout) as { logSize: number };
    writeFileSync(consistency, (await tlOk(['prove', '--consistency', String(dev.info.logSize), String(head.logSize), '--json'], env)).stdout);
    expect(JSON.parse((await tlOk(['verify-proof', consistency, '--genesis', dev.info.genesis, '--json'])).stdout)).toMatchObject({ verified: true, type: 'consistency', logSize: head.logSize });
  });

  it('stops every node on SIGTERM; audit passes on a clean store and names the bad height of a tampered one', async () => {
    const pids = dev.info.nodes.map((n) => n.pid);
    expect(pids.every((pid) => Number.isInteger(pid) && alive(pid))).toBe(true);
    expect(await dev.stop()).toBe(0);
    expect(pids.filter((pid) => alive(pid))).toEqual([]);

    const dataDir = (dev.info.nodes.find((n) => n.name === 'importer') as DevInfo['nodes'][number]).dataDir;
    const clean = JSON.parse((await tlOk(['audit', dataDir, '--json'])).stdout) as { ok: boolean; headHeight: number; blocks: number };
    expect(clean).toMatchObject({ ok: true });
    expect(clean.blocks).toBe(clean.headHeight + 1);
    const viaFolder = await tlOk(['audit', join(dataDir, '..')]);
    expect(viaFolder.stdout).toMatch(/^audit: +ok$/m);

    // Flip one byte inside the block stored at height 5.
    const store = await LevelStore.open(join(dataDir, 'ledger'));
    const key = `b/${(5).toString(16).padStart(12, '0')}`;
    const block = (await store.raw.get(key)) as Uint8Array;
    const tampered = new Uint8Array(block);
    tampered[tampered.length - 40] = (tampered[tampered.length - 40] as number) ^ 0x01;
    await store.raw.put(key, tampered);
    await store.close();
    const bad = await tl(['audit', dataDir, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, badHeight: 5, code: expect.stringMatching(/^[A-Z_]+$/) });
    const human = await tl(['audit', dataDir]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^bad height: +5$/m);
    expect(human.stderr).toMatch(/^error [A-Z_]+ \(height 5\): /);
  });
});
