// A tradeledger network of real node processes on loopback for the cluster bench: the examples'
// organizations (each with its example signing key plus 7 bench keys) and `benchProducers` more
// producer organizations of 8 keys each, so that every closed-loop client can own a signer (a
// signer's nonces must increase, so two clients sharing one would refuse each other's
// transactions). Nodes run `node packages/node/dist/main.js --config <file>` with the production
// defaults of the node config (synced Raft log and store, signature checks in worker threads),
// except what the bench sweeps (blockCutting) and what `extraConfig` sets.
//
// Owns: genesis, keys, configs and data in one temporary folder; starting, stopping and querying
// the nodes. Must never: leave a process running (processes.mjs tracks every one).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGenesis, publicKeyFromSeed, toHex, tradeStateMachine, writeKeyFile } from '@tradeledger/ledger';
import { createToken, exampleNodeSeed, exampleSigningSeed, peerIdFromEd25519PublicKey, readExampleGenesis, readExampleManifest } from '@tradeledger/node';
import { freePort, removeOnExit, spawnTracked, stopChild, waitForOutput } from './processes.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES_DIR = join(ROOT, 'examples');
const NODE_MAIN = join(ROOT, 'packages/node/dist/main.js');

/** The organizations that run a node, in the order --nodes takes them (the examples' node-running members). */
export const NODE_ORGS = ['customs', 'producer', 'importer', 'rightsholder', 'retailer'];
/** Signing keys per organization: the ledger's limit (DOCUMENT_LIMITS.signingKeysPerOrganization). */
export const KEYS_PER_ORG = 8;

/** ISO 17442 LEI: 18 characters and two ISO 7064 MOD 97-10 check digits. */
export function leiWithCheckDigits(base18) {
  if (!/^[A-Z0-9]{18}$/.test(base18)) throw new Error(`LEI base: expected 18 characters A-Z 0-9, got ${base18}`);
  const digits = `${base18}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  return `${base18}${String(98 - remainder).padStart(2, '0')}`;
}

function benchSeed(label) {
  return new Uint8Array(createHash('sha256').update(`tradeledger bench signing key ${label}`).digest());
}

/** Signing identities: { name, orgName, lei, roles, seed, publicKey, publicKeyHex }. */
function signingIdentities(benchProducers) {
  const manifest = readExampleManifest(EXAMPLES_DIR);
  const { config } = readExampleGenesis(EXAMPLES_DIR);
  const orgs = config.organizations.map((org) => {
    const exampleName = Object.entries(manifest.signers).find(([, lei]) => lei === org.lei)?.[0];
    if (exampleName === undefined) throw new Error(`example organization ${org.lei} has no signer name in the manifest`);
    const seeds = [exampleSigningSeed(exampleName), ...Array.from({ length: KEYS_PER_ORG - 1 }, (_, k) => benchSeed(`${exampleName} ${k + 1}`))];
    return { name: exampleName, org, seeds };
  });
  for (let i = 0; i < benchProducers; i++) {
    const name = `bench-producer-${i}`;
    const lei = leiWithCheckDigits(`5493BENCHPROD${String(i).padStart(5, '0')}`);
    const seeds = Array.from({ length: KEYS_PER_ORG }, (_, k) => benchSeed(`${name} ${k}`));
    orgs.push({ name, org: { lei, name: `Bench producer ${i}`, roles: ['producer', 'exporter'], signingKeys: [], nodes: [] }, seeds });
  }
  return orgs;
}

/** TL_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p": Node.js flags for every node process of any run (diagnosis). */
function envNodeArgs() {
  return (process.env.TL_BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

export class Network {
  /**
   * @param {{ nodes: number, benchProducers: number, blockCutting?: object, extraConfig?: object, chainId?: string, label?: string, nodeArgs?: string[], joiners?: string[] }} options
   *   nodeArgs: Node.js flags for every node process (the profile run passes --cpu-prof)
   *   joiners: example organizations whose node is configured but joins later (not in genesis)
   */
  constructor(options) {
    this.options = options;
    this.dir = mkdtempSync(join(tmpdir(), `tl-bench-${options.label ?? 'net'}-`));
    removeOnExit(this.dir);
    this.chainId = options.chainId ?? 'tradeledger-bench';
    this.nodes = [];
    this.organizations = [];
    this.signers = [];
    /** Configured nodes that are not members yet (started by the caller once governance adds them). */
    this.joiners = [];
  }

  static async create(options) {
    const network = new Network(options);
    await network.configure();
    return network;
  }

  async configure() {
    const { config } = readExampleGenesis(EXAMPLES_DIR);
    const nodeOrgs = NODE_ORGS.slice(0, this.options.nodes);
    if (nodeOrgs.length !== this.options.nodes) throw new Error(`--nodes ${this.options.nodes}: at most ${NODE_ORGS.length} node-running organizations`);
    const identities = signingIdentities(this.options.benchProducers);
    const organizations = identities.map(({ name, org, seeds }) => {
      const keys = seeds.map((seed) => publicKeyFromSeed(seed));
      for (const [k, seed] of seeds.entries()) {
        this.signers.push({ name: `${name}#${k}`, orgName: name, lei: org.lei, roles: org.roles, seed, publicKey: keys[k], nonce: 1000 });
      }
      const nodes = nodeOrgs.includes(name) ? [{ peerId: peerIdFromEd25519PublicKey(publicKeyFromSeed(exampleNodeSeed(name))), publicKey: toHex(publicKeyFromSeed(exampleNodeSeed(name))) }] : [];
      return { ...org, signingKeys: keys.map((key) => toHex(key)), nodes };
    });
    this.organizations = organizations;
    const genesisConfig = { ...config, chainId: this.chainId, organizations };
    const timestamp = 1_735_689_600_000;
    const { block } = buildGenesis(tradeStateMachine(), { chainId: this.chainId, timestamp, config: genesisConfig });
    writeFileSync(join(this.dir, 'genesis.json'), JSON.stringify({ chainId: this.chainId, timestamp, config: genesisConfig, hash: block.hashHex }));

    // Founding nodes, then `joiners` (configured, in everyone's peer list, not in genesis: they
    // join through governance, see scale.mjs).
    const joiners = this.options.joiners ?? [];
    const all = [...nodeOrgs, ...joiners];
    const ports = [];
    for (const _ of all) ports.push({ api: await freePort(), p2p: await freePort() });
    const manifest = readExampleManifest(EXAMPLES_DIR);
    for (const [i, name] of all.entries()) {
      const seed = exampleNodeSeed(name);
      const peerId = peerIdFromEd25519PublicKey(publicKeyFromSeed(seed));
      const home = join(this.dir, name);
      const dataDir = join(home, 'data');
      mkdirSync(dataDir, { recursive: true });
      writeKeyFile(join(home, 'node-key.json'), seed);
      const peers = all
        .map((other, j) => ({ other, j }))
        .filter(({ j }) => j !== i)
        .map(({ other, j }) => ({ peerId: peerIdFromEd25519PublicKey(publicKeyFromSeed(exampleNodeSeed(other))), addrs: [`/ip4/127.0.0.1/tcp/${ports[j].p2p}`] }));
      const lei = manifest.signers[name];
      const node = { name, peerId, home, dataDir, configFile: join(home, 'node.json'), apiPort: ports[i].api, p2pPort: ports[i].p2p, apiUrl: `http://127.0.0.1:${ports[i].api}`, token: '', process: undefined, lei };
      this.writeConfig(node, peers);
      node.token = createToken(dataDir, { org: lei, label: 'cluster bench' }).token;
      if (i < nodeOrgs.length) this.nodes.push(node);
      else this.joiners.push(node);
    }
  }

  writeConfig(node, peers = node.peers) {
    node.peers = peers;
    const nodeConfig = {
      dataDir: './data',
      keyFile: './node-key.json',
      genesisFile: '../genesis.json',
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${node.p2pPort}`], peers },
      api: { host: '127.0.0.1', port: node.apiPort },
      log: { level: process.env.TL_LOG ?? 'warn', format: 'json' },
      ...(this.options.blockCutting === undefined ? {} : { blockCutting: this.options.blockCutting }),
      ...(this.options.extraConfig ?? {}),
    };
    writeFileSync(node.configFile, JSON.stringify(nodeConfig, null, 2));
  }

  /** Rewrites every node's config with new block-cutting limits (takes effect at the next start). */
  setBlockCutting(blockCutting) {
    this.options = { ...this.options, blockCutting };
    for (const node of this.nodes) this.writeConfig(node);
  }

  /** Starts one node; resolves with the milliseconds until it printed its ready line. */
  async start(node, { nodeArgs = [...(this.options.nodeArgs ?? []), ...envNodeArgs()] } = {}) {
    const started = performance.now();
    const child = spawnTracked(process.execPath, [...nodeArgs, NODE_MAIN, '--config', node.configFile], { cwd: node.home });
    node.process = child;
    await waitForOutput(child, 'tradeledger-node ready', { timeoutMs: 120_000, what: `node ${node.name}` });
    return performance.now() - started;
  }

  async startAll() {
    await Promise.all(this.nodes.map((node) => this.start(node)));
    await this.waitForLeader();
  }

  async stop(node) {
    await stopChild(node.process);
    // TL_BENCH_LOGS=<dir> keeps the last 100 kB of every node's output (a halted node says why).
    const keep = process.env.TL_BENCH_LOGS;
    if (keep !== undefined && node.process !== undefined) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, `${node.name}-${Date.now()}.log`), node.process.log);
    }
  }

  async stopAll() {
    await Promise.all([...this.nodes, ...this.joiners].map((node) => this.stop(node)));
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async api(node, path, init = {}) {
    let response;
    try {
      response = await fetch(`${node.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${node.token}`, ...(init.headers ?? {}) }, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const child = node.process;
      const state = child === undefined ? 'not started' : child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : 'running';
      throw new Error(`${node.name} ${path}: ${error.cause?.code ?? error.message} (process ${state}); its last output: ${child?.log.slice(-1500) ?? ''}`, { cause: error });
    }
    const text = await response.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics): keep the text
    }
    return { status: response.status, body };
  }

  async status(node) {
    const { status, body } = await this.api(node, '/v1/status');
    if (status !== 200) throw new Error(`status of ${node.name}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
    return body;
  }

  /** Waits until exactly one node says it leads and every node knows that leader; returns it. */
  async waitForLeader(timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(this.nodes.map((n) => this.status(n).catch(() => undefined)));
      const leaders = statuses.filter((s) => s?.role === 'leader');
      if (leaders.length === 1 && statuses.every((s) => s?.leader === leaders[0].peerId)) return this.nodes[statuses.indexOf(leaders[0])];
      if (Date.now() > deadline) throw new Error(`no single leader after ${timeoutMs} ms: ${JSON.stringify(statuses.map((s) => s && { role: s.role, leader: s.leader }))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until every node's head is at least `height` and all heads are equal. */
  async waitForEqualHeads(minHeight = 0, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(this.nodes.map((n) => this.status(n).catch(() => undefined)));
      const first = statuses[0];
      if (first !== undefined && first.height >= minHeight && statuses.every((s) => s?.headHash === first.headHash)) return first;
      if (Date.now() > deadline) throw new Error(`heads did not converge within ${timeoutMs} ms: ${JSON.stringify(statuses.map((s) => s?.height))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The node's Prometheus counters this bench reads: blocks, committed txs (ok / invalid), block bytes. */
  async counters(node) {
    const { status, body } = await this.api(node, '/metrics');
    if (status !== 200) throw new Error(`metrics of ${node.name}: HTTP ${status}`);
    const value = (pattern) => {
      const match = new RegExp(`^${pattern} ([0-9.e+-]+)$`, 'm').exec(body);
      return match === null ? 0 : Number(match[1]);
    };
    return {
      blocks: value('tradeledger_blocks_committed_total'),
      txsOk: value('tradeledger_txs_committed_total\\{result="ok"\\}'),
      txsInvalid: value('tradeledger_txs_committed_total\\{result="invalid"\\}'),
      blockBytes: value('tradeledger_block_bytes_sum'),
      height: value('tradeledger_height'),
      elections: value('tradeledger_raft_elections_total'),
      term: value('tradeledger_raft_term'),
    };
  }

  processes() {
    return this.nodes.filter((n) => n.process?.pid !== undefined && n.process.exitCode === null).map((n) => ({ name: n.name, pid: n.process.pid }));
  }
}
