// A network of real node processes on loopback for multi-process tests: the examples'
// organizations, a node each for the chosen ones, free ports, configs and keys in a temporary
// folder. Each node runs `node packages/node/dist/main.js --config <file>`; every process started
// here is stopped by `stopAll` (tests call it in afterAll), SIGKILL as the last resort.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGenesis, publicKeyFromSeed, toHex, tradeStateMachine, writeKeyFile } from '@tradeledger/ledger';
import { createToken, exampleNodeSeed, peerIdFromEd25519PublicKey, readExampleGenesis, readExampleManifest } from '@tradeledger/node';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES_DIR = join(ROOT, 'examples');
const MAIN = join(ROOT, 'packages/node/dist/main.js');

export { freePort } from '../../packages/node/test/support/example-network.js';
import { freePort } from '../../packages/node/test/support/example-network.js';

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : `: ${(lastError as Error).message}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface ClusterNode {
  readonly signer: string;
  readonly peerId: string;
  readonly configFile: string;
  readonly dataDir: string;
  readonly apiPort: number;
  readonly p2pPort: number;
  readonly apiUrl: string;
  token: string;
  process: ChildProcess | undefined;
  log: string;
}

export interface ClusterOptions {
  /** Example signers that run a node from genesis. */
  readonly founders: readonly string[];
  /** Example signers whose node is configured (and can be started) but is not in genesis. */
  readonly extra?: readonly string[];
  readonly raft?: { tickMs?: number; electionTicks?: number; heartbeatTicks?: number; retainEntries?: number };
  readonly blockCutting?: { maxTxs?: number; maxWaitMs?: number; maxInflightBlocks?: number };
  readonly chainId?: string;
}

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'tl-cluster-'));
  readonly nodes = new Map<string, ClusterNode>();
  genesis!: { chainId: string; timestamp: number; config: unknown; hash: string };

  static async create(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster();
    await cluster.configure(options);
    return cluster;
  }

  private async configure(options: ClusterOptions): Promise<void> {
    const chainId = options.chainId ?? 'tradeledger-cluster-test';
    const { config } = readExampleGenesis(EXAMPLES_DIR);
    const manifest = readExampleManifest(EXAMPLES_DIR);
    const leiToSigner = new Map(Object.entries(manifest.signers).map(([signer, lei]) => [lei, signer]));
    const organizations = (config as { organizations: Array<Record<string, unknown> & { lei: string }> }).organizations.map((org) => {
      const signer = leiToSigner.get(org.lei);
      if (signer === undefined || !options.founders.includes(signer)) return { ...org, nodes: [] };
      const publicKey = publicKeyFromSeed(exampleNodeSeed(signer));
      return { ...org, nodes: [{ peerId: peerIdFromEd25519PublicKey(publicKey), publicKey: toHex(publicKey) }] };
    });
    const genesisConfig = { ...(config as object), chainId, organizations };
    const timestamp = 1_735_689_600_000;
    const { block } = buildGenesis(tradeStateMachine(), { chainId, timestamp, config: genesisConfig });
    this.genesis = { chainId, timestamp, config: genesisConfig, hash: block.hashHex };
    writeFileSync(join(this.dir, 'genesis.json'), JSON.stringify(this.genesis, null, 2));

    const signers = [...options.founders, ...(options.extra ?? [])];
    const ports = new Map<string, { api: number; p2p: number }>();
    for (const signer of signers) ports.set(signer, { api: await freePort(), p2p: await freePort() });
    for (const signer of signers) {
      const seed = exampleNodeSeed(signer);
      const peerId = peerIdFromEd25519PublicKey(publicKeyFromSeed(seed));
      const dataDir = join(this.dir, signer, 'data');
      mkdirSync(dataDir, { recursive: true });
      writeKeyFile(join(this.dir, signer, 'node-key.json'), seed);
      const port = ports.get(signer) as { api: number; p2p: number };
      const peers = signers
        .filter((other) => other !== signer)
        .map((other) => ({ peerId: peerIdFromEd25519PublicKey(publicKeyFromSeed(exampleNodeSeed(other))), addrs: [`/ip4/127.0.0.1/tcp/${(ports.get(other) as { p2p: number }).p2p}`] }));
      const nodeConfig = {
        dataDir: './data',
        keyFile: './node-key.json',
        genesisFile: '../genesis.json',
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${port.p2p}`], peers },
        api: { host: '127.0.0.1', port: port.api },
        raft: { tickMs: 20, electionTicks: 10, heartbeatTicks: 2, ...options.raft },
        blockCutting: { maxTxs: 256, maxWaitMs: 5, maxInflightBlocks: 4, ...options.blockCutting },
        log: { level: process.env['TL_LOG'] ?? 'warn', format: 'json' },
        verifyWorkers: 1,
      };
      const configFile = join(this.dir, signer, 'node.json');
      writeFileSync(configFile, JSON.stringify(nodeConfig, null, 2));
      const lei = manifest.signers[signer] as string;
      const token = createToken(dataDir, { org: lei, label: 'cluster test' }).token;
      this.nodes.set(signer, { signer, peerId, configFile, dataDir, apiPort: port.api, p2pPort: port.p2p, apiUrl: `http://127.0.0.1:${port.api}`, token, process: undefined, log: '' });
    }
  }

  node(signer: string): ClusterNode {
    const node = this.nodes.get(signer);
    if (node === undefined) throw new Error(`no node for ${signer}`);
    return node;
  }

  /** Starts a node process and waits until it serves. */
  async start(signer: string): Promise<ClusterNode> {
    const node = this.node(signer);
    if (node.process !== undefined && node.process.exitCode === null && node.process.signalCode === null) throw new Error(`${signer} is already running`);
    const child = spawn(process.execPath, [MAIN, '--config', node.configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    node.process = child;
    node.log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      node.log = (node.log + chunk.toString()).slice(-200_000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${signer} did not start within 20 s: ${node.log.slice(-2000)}`)), 20_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('tradeledger-node ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${signer} exited (${code ?? signal}) while starting: ${node.log.slice(-2000)}`));
      });
    });
    return node;
  }

  async startAll(signers: readonly string[]): Promise<void> {
    await Promise.all(signers.map((s) => this.start(s)));
  }

  signal(signer: string, signal: NodeJS.Signals): void {
    this.node(signer).process?.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async kill(signer: string): Promise<void> {
    const child = this.node(signer).process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (clean shutdown), SIGKILL after 5 s. */
  async stop(signer: string): Promise<void> {
    const child = this.node(signer).process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((s) => this.stop(s)));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async api<T = unknown>(signer: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const node = this.node(signer);
    const response = await fetch(`${node.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${node.token}`, ...(init.headers ?? {}) }, signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as T };
  }

  async status(signer: string): Promise<{ role: string; leader: string | null; height: number; headHash: string; term: number; voters: string[]; learners: string[] }> {
    const { status, body } = await this.api<{ role: string; leader: string | null; height: number; headHash: string; term: number; voters: string[]; learners: string[] }>(signer, '/v1/status');
    if (status !== 200) throw new Error(`status of ${signer}: ${status}`);
    return body;
  }

  /**
   * Submits signed bytes through `signer`'s node, retrying busy answers (503: no leader yet, the
   * leader unreachable or busy, a full mempool) as every client should, and as the CLI does.
   */
  async submit(signer: string, bytes: Uint8Array, wait = true): Promise<{ status: number; body: { txId?: string; result?: { ok: boolean; code?: string }; height?: number; error?: { code: string } } }> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.api<{ txId?: string; result?: { ok: boolean; code?: string }; height?: number; error?: { code: string } }>(signer, `/v1/tx${wait ? '?wait=commit&timeoutMs=20000' : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      const code = answer.body.error?.code;
      if (attempt < 50 && answer.status === 503 && code !== 'NODE_HALTED' && code !== 'NODE_STOPPING') {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      return answer;
    }
  }
}
