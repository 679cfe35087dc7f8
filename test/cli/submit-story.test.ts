// Every submit subcommand round-trips an example through the built binary: a three-node `dev`
// network started empty, then the example story submitted document by document with
// `tradeledger submit <kind> <file> --ref … --wait`, each read back with `tradeledger get`.
// The rest of the story (revocations, governance changes, withdrawal) is in dev.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, examplePayloadFile, killAll, manifest, refNames, startDev, tl, tlOk, type DevInfo, type DevNetwork } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'tl-cli-story-'));
let dev: DevNetwork<DevInfo>;

beforeAll(async () => {
  dev = await startDev<DevInfo>(['--dir', join(root, 'net'), '--nodes', 'customs,producer,importer', '--examples', 'none']);
});
afterAll(async () => {
  await dev?.stop();
  killAll();
  rmSync(root, { recursive: true, force: true });
});

describe('submit round-trips the example story', () => {
  it('starts empty with every demo key and token', async () => {
    expect(dev.info.logSize).toBe(0);
    expect(dev.info.nodes.map((n) => n.name)).toEqual(['customs', 'producer', 'importer']);
    expect(dev.info.organizations.map((o) => o.signer).sort()).toEqual(['broker', 'customs', 'importer', 'manufacturer', 'producer', 'retailer', 'rightsholder']);
  });

  it('accepts every document of the story up to the determination, each as the kind it was sent', async () => {
    const node = (dev.info.nodes[0] as DevInfo['nodes'][number]).apiUrl;
    const token = (dev.info.organizations.find((o) => o.signer === 'customs') as DevInfo['organizations'][number]).token;
    const keyOf = (signer: string) => (dev.info.organizations.find((o) => o.signer === signer) as DevInfo['organizations'][number]).keyFile;
    const ids: Record<string, string> = {};
    const kinds = new Set<string>();
    const story = manifest().submissions;
    const last = story.findIndex((s) => s.name === 'verification-determination');
    for (const submission of story.slice(0, last + 1)) {
      let args: string[];
      if (submission.kind === 'attachment') {
        // The attachment subcommand takes the file itself (examples/media): upload, then record hash, size, type.
        const record = JSON.parse(readFileSync(join(EXAMPLES_DIR, submission.file), 'utf8')) as { title: string };
        args = ['submit', 'attachment', join(EXAMPLES_DIR, submission.bytes as string), '--title', record.title, '--belongs-to', ids['right'] as string];
      } else {
        const file = examplePayloadFile(join(root, 'payloads'), submission.name);
        args = ['submit', submission.kind, file, ...refNames(file).flatMap((name) => ['--ref', `${name}=${ids[name] as string}`])];
      }
      // Alternate nodes: followers forward to the leader. An attachment's upload is members-only and
      // the dev tokens are the first node's, so attachments go through the first node.
      const via = submission.kind === 'attachment' ? node : (dev.info.nodes[Object.keys(ids).length % dev.info.nodes.length] as DevInfo['nodes'][number]).apiUrl;
      const run = await tlOk([...args, '--key', keyOf(submission.signer), '--node', via, '--token', token, '--wait', '--json']);
      const outcome = JSON.parse(run.stdout) as { kind: string; txId: string; status: string; result: { ok: boolean } };
      expect(outcome, submission.name).toMatchObject({ kind: submission.kind, status: 'committed', result: { ok: true } });
      ids[submission.name] = outcome.txId;
      kinds.add(submission.kind);
    }
    expect([...kinds].sort()).toEqual(['attachment', 'broker-designation', 'certificate-amend', 'certificate-of-origin', 'entry', 'entry-review', 'governance-approve', 'license', 'org-add', 'right', 'verification-determination', 'verification-request', 'verification-response']);
    // Read back: the documents are there, as their kinds, with the amendment in the certificate's history.
    for (const name of ['certificate-of-origin', 'entry', 'attachment', 'attachment-guide', 'verification-determination']) {
      const doc = JSON.parse((await tlOk(['get', ids[name] as string, '--json', '--node', node, '--token', token])).stdout) as { record: { kind: string } };
      expect(doc.record.kind, name).toBe(story.find((s) => s.name === name)?.kind);
    }
    // The CLI records the committed media files exactly as the example attachment records do.
    for (const name of ['attachment', 'attachment-guide']) {
      const doc = JSON.parse((await tlOk(['get', ids[name] as string, '--json', '--node', node, '--token', token])).stdout) as { record: { payload: unknown } };
      const example = JSON.parse(readFileSync(join(EXAMPLES_DIR, story.find((s) => s.name === name)?.file as string), 'utf8')) as Record<string, unknown>;
      expect(doc.record.payload, name).toEqual({ ...example, belongsTo: [ids['right']] });
    }
    const certificate = JSON.parse((await tlOk(['get', 'document', ids['certificate-of-origin'] as string, '--json', '--node', node, '--token', token])).stdout) as { history: Array<{ txId: string }> };
    expect(certificate.history.map((h) => h.txId)).toContain(ids['certificate-amend']);
    // The same document twice is refused by the node (exit 1, its code), before any block.
    const again = await tl(['submit', 'right', examplePayloadFile(join(root, 'payloads'), 'right'), '--key', keyOf('rightsholder'), '--node', node, '--nonce', '1', '--wait']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error NONCE_REPLAY/);
  });
});
