// The operator walkthrough, end to end: keygen; network init for three organizations on free
// loopback ports; each node started with `tradeledger node start` as its own process; a right, a
// license and a certificate of origin submitted with the generated signing keys; the license
// proven and verified offline against the genesis; SIGINT stops each node cleanly (exit 0).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@tradeledger/node';
import { freePorts } from '../../packages/cli/src/ports.js';
import { BIN, EXAMPLES_DIR, tl, tlOk } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'tl-cli-init-'));
const nodes: ChildProcess[] = [];
afterAll(() => {
  for (const child of nodes) if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function startNode(config: string): Promise<{ child: ChildProcess; apiUrl: string }> {
  const child = spawn(process.execPath, [BIN, 'node', 'start', '--config', config], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  nodes.push(child);
  // The node logs to stderr: kept (the last part) so a failed start says why.
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`node exited with ${String(code)}: ${out}\n${log}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /^tradeledger-node ready (http:\/\/\S+) (12D3KooW\w+)$/m.exec(out);
      if (match !== null) resolve({ child, apiUrl: match[1] as string });
    });
  });
}

describe('an operator walkthrough', () => {
  it('keygen writes a 0600 key file and prints its public forms', async () => {
    const out = join(root, 'alice.key');
    const run = JSON.parse((await tlOk(['keygen', '--out', out, '--json'])).stdout) as { publicKey: string; peerId: string; didKey: string };
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(run.publicKey).toBe((JSON.parse(readFileSync(out, 'utf8')) as { publicKey: string }).publicKey);
    expect(run.peerId).toMatch(/^12D3KooW/);
    expect(run.didKey).toMatch(/^did:key:z6Mk/);
    const again = await tl(['keygen', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error KEY_FILE_EXISTS/);
  });

  it('inits three organizations, runs their nodes, submits a right, a license and a certificate, proves and verifies', async () => {
    const ports = await freePorts(6);
    const org = (id: string, lei: string, roles: string[], i: number) => ({ id, lei, name: id, roles, nodes: [{ name: `${id}-1`, host: '127.0.0.1', p2pPort: ports[2 * i], apiPort: ports[2 * i + 1] }] });
    const orgsFile = join(root, 'orgs.json');
    writeFileSync(
      orgsFile,
      JSON.stringify({ chainId: 'walkthrough', organizations: [org('producer', 'HWUPKR0MPOU8FGXBT394', ['producer', 'exporter'], 0), org('importer', 'INR2EJN1ERAN0W5ZP974', ['importer'], 1), org('nike', '787RXPR0UX0O0XUXPZ81', ['rights_holder'], 2)] }),
    );
    const net = join(root, 'net');
    const init = JSON.parse((await tlOk(['network', 'init', '--orgs', orgsFile, '--out', net, '--json'])).stdout) as { genesis: string; nodes: Array<{ config: string; api: string; peerId: string }>; organizations: Array<{ id: string; signingKeyFile: string }> };
    expect(init.nodes).toHaveLength(3);
    for (const n of init.nodes) {
      const config = await loadConfig(n.config);
      expect(config.p2p.peers.map((p) => p.peerId).sort()).toEqual(init.nodes.filter((m) => m !== n).map((m) => m.peerId).sort());
      expect(statSync(config.keyFile).mode & 0o777).toBe(0o600);
    }
    expect((await tl(['network', 'init', '--orgs', orgsFile, '--out', net])).code).toBe(2);

    const running = await Promise.all(init.nodes.map((n) => startNode(n.config)));
    expect(running.map((r) => r.apiUrl)).toEqual(init.nodes.map((n) => n.api));
    const key = (id: string) => (init.organizations.find((o) => o.id === id) as { signingKeyFile: string }).signingKeyFile;
    const [producerApi, importerApi, nikeApi] = running.map((r) => r.apiUrl) as [string, string, string];

    // The first submission may meet an election in progress: the client retries busy answers.
    const right = (await tlOk(['submit', 'right', join(EXAMPLES_DIR, 'right.json'), '--key', key('nike'), '--node', nikeApi, '--wait', '-q'])).stdout.trim();
    const license = (await tlOk(['submit', 'license', join(EXAMPLES_DIR, 'license.json'), '--ref', `right=${right}`, '--key', key('nike'), '--node', importerApi, '--wait', '-q'])).stdout.trim();
    const certificate = JSON.parse((await tlOk(['submit', 'certificate-of-origin', join(EXAMPLES_DIR, 'certificate-of-origin.json'), '--key', key('producer'), '--node', producerApi, '--wait', '--json'])).stdout) as { result: { ok: boolean }; height: number };
    expect(certificate.result.ok).toBe(true);
    // A document signed by an organization that lacks the role is recorded as rejected: exit 1.
    const wrongRole = await tl(['submit', 'certificate-of-origin', join(EXAMPLES_DIR, 'certificate-of-origin.json'), '--key', key('importer'), '--node', producerApi, '--wait']);
    expect(wrongRole.code).toBe(1);
    expect(wrongRole.stderr).toMatch(/^error [A-Z_]+/);

    const proofFile = join(root, 'license-proof.json');
    writeFileSync(proofFile, (await tlOk(['prove', license, '--json', '--node', producerApi])).stdout);
    const verdict = JSON.parse((await tlOk(['verify-proof', proofFile, '--genesis', init.genesis, '--json'])).stdout) as { verified: boolean; txId: string };
    expect(verdict).toMatchObject({ verified: true, txId: license });
    // The same proof against another network's genesis is refused: its proposer is no member there.
    const otherGenesis = join(root, 'other-genesis.json');
    const genesis = JSON.parse(readFileSync(init.genesis, 'utf8')) as { config: { organizations: Array<{ nodes: unknown[] }> } };
    genesis.config.organizations = genesis.config.organizations.map((o, i) => (i === 0 ? o : { ...o, nodes: [] }));
    writeFileSync(otherGenesis, JSON.stringify(genesis));
    const refused = await tl(['verify-proof', proofFile, '--genesis', otherGenesis]);
    expect([0, 1]).toContain(refused.code);
    if (refused.code === 1) expect(refused.stderr).toMatch(/^error HEAD_SIGNER_NOT_MEMBER/);

    // SIGINT: each node shuts down cleanly.
    for (const r of running) r.child.removeAllListeners('exit');
    const exits = running.map((r) => new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code))));
    for (const r of running) r.child.kill('SIGINT');
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
  }, 120_000);
});
