// `tradeledger dev`: the one-command local network. Six organizations of the example story run a
// node each, as separate processes on 127.0.0.1 with free ports: customs, the importer, the
// producer/exporter, the rights holder and the retailer are founding members (examples/genesis.json);
// the manufacturer's node starts too and joins when the story's governance vote adds its
// organization (a live demo of a node joining: learner, block sync, voter). Then the examples are
// submitted through the first node, up to and including the origin verification's determination;
// an example attachment's bytes (examples/media) are stored on that node before its record.
//
// It prints each node's API URL (the first is the one to use), where the demo organizations' key
// files are, and an access token per organization for the first node; writes the same to
// <dir>/dev.json; and stops every node on Ctrl-C or SIGTERM. The example keys are public: this is
// a demo, never a production network.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { publicKeyFromSeed, writeKeyFile, type GenesisConfigInput } from '@tradeledger/ledger';
import { EXIT, rejectedError, unreachableError, usageError } from '../errors.js';
import { NodeClient } from '../http-client.js';
import { makeGenesis, writeGenesisFile, writeNodeBundle, GENESIS_FILE, type GenesisFileContents } from '../node-bundle.js';
import { formatTable } from '../output.js';
import { freePorts } from '../ports.js';
import { withExample, type CliContext } from '../program.js';

/** The example organizations that run a node in `dev`, the first being the one to use. */
export const DEV_NODE_SIGNERS = ['customs', 'importer', 'producer', 'manufacturer', 'rightsholder', 'retailer'] as const;
export const DEV_CHAIN_ID = 'tradeledger-dev';
/** The last example `dev` loads by default. */
export const DEV_EXAMPLES_UNTIL = 'verification-determination';
const DEFAULT_EXAMPLES_DIR = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const BIN_PATH = fileURLToPath(new URL('../bin.js', import.meta.url));
const NODE_READY_TIMEOUT_MS = 60_000;
const LEADER_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface DevNodeInfo {
  readonly name: string;
  /** The node's process id. */
  readonly pid: number;
  readonly apiUrl: string;
  readonly peerId: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly config: string;
  readonly log: string;
  readonly founding: boolean;
}

export interface DevOrganizationInfo {
  readonly signer: string;
  readonly lei: string;
  readonly keyFile: string;
  /** An access token for the first node's members-only reads. */
  readonly token: string;
}

export interface DevInfo {
  readonly dir: string;
  readonly chainId: string;
  readonly genesis: string;
  readonly genesisHash: string;
  readonly nodes: readonly DevNodeInfo[];
  readonly organizations: readonly DevOrganizationInfo[];
  /** Example submissions loaded now: name -> transaction (document) id. */
  readonly examples: Readonly<Record<string, string>>;
  readonly height: number;
  readonly logSize: number;
}

interface DevOptions {
  readonly dir?: string;
  readonly nodes: string;
  readonly examples: string;
  readonly examplesDir: string;
  readonly json: boolean;
}

function parseNodeList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const name of names) {
    if (!(DEV_NODE_SIGNERS as readonly string[]).includes(name)) throw usageError('DEV_NODE_UNKNOWN', `--nodes: ${JSON.stringify(name)} is not one of ${DEV_NODE_SIGNERS.join(', ')}`, 'nodes');
  }
  if (new Set(names).size !== names.length) throw usageError('DEV_NODE_DUPLICATE', '--nodes: a node is named twice', 'nodes');
  if (!names.some((n) => n !== 'manufacturer')) throw usageError('DEV_NODES_EMPTY', '--nodes: name at least one founding organization (the manufacturer joins later)', 'nodes');
  return names;
}

/** The examples' genesis under the dev chain id, with nodes only for the founding organizations chosen. */
function devGenesisConfig(exampleConfig: unknown, signerOfLei: ReadonlyMap<string, string>, running: readonly string[]): GenesisConfigInput {
  const config = exampleConfig as GenesisConfigInput;
  return {
    ...config,
    chainId: DEV_CHAIN_ID,
    organizations: config.organizations.map((org) => (running.includes(signerOfLei.get(org.lei) ?? '') ? org : { ...org, nodes: [] })),
  };
}

/** Waits for the child's ready line (node start --json) on stdout; fails with its log's tail if it exits first. */
function waitReady(child: ChildProcess, name: string, logPath: string): Promise<{ apiUrl: string; peerId: string }> {
  return new Promise((resolvePromise, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(unreachableError('DEV_NODE_TIMEOUT', `node ${name} did not start within ${NODE_READY_TIMEOUT_MS} ms (log: ${logPath})`)), NODE_READY_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      reject(error);
    };
    child.once('exit', (code, signal) => fail(unreachableError('DEV_NODE_EXITED', `node ${name} exited (${signal ?? `code ${String(code)}`}) before serving: ${logTail(logPath)}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let line: { ready?: unknown; apiUrl?: unknown; peerId?: unknown };
        try {
          line = JSON.parse(text) as typeof line;
        } catch {
          continue; // not the ready line
        }
        if (line.ready !== true || typeof line.apiUrl !== 'string' || typeof line.peerId !== 'string') continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.removeAllListeners('data');
        resolvePromise({ apiUrl: line.apiUrl, peerId: line.peerId });
        return;
      }
    });
  });
}

function logTail(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    return lines.slice(-3).join(' | ').slice(-600) || '(empty log)';
  } catch {
    return '(no log)';
  }
}

async function waitForLeader(client: NodeClient): Promise<void> {
  const deadline = Date.now() + LEADER_TIMEOUT_MS;
  for (;;) {
    try {
      await client.request('GET', '/readyz', { busyRetries: 0, timeoutMs: 2_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw unreachableError('DEV_NO_LEADER', `no leader elected within ${LEADER_TIMEOUT_MS} ms: ${(error as Error).message}`, error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops children: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
async function stopChildren(children: ReadonlyArray<ChildProcess>): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

export async function startDev(options: DevOptions, onChildExit: (name: string, code: number | null, signal: string | null) => void): Promise<{ info: DevInfo; children: ChildProcess[] }> {
  const node = await import('@tradeledger/node');
  const examplesDir = resolve(options.examplesDir);
  if (!existsSync(join(examplesDir, 'manifest.json'))) throw usageError('EXAMPLES_NOT_FOUND', `--examples-dir: ${examplesDir} holds no manifest.json`, 'examples-dir');
  const manifest = node.readExampleManifest(examplesDir);
  const names = manifest.submissions.map((s) => s.name);
  let stopBefore: string | undefined;
  let load = true;
  if (options.examples === 'none') load = false;
  else if (options.examples !== 'all') {
    const index = names.indexOf(options.examples);
    if (index < 0) throw usageError('EXAMPLES_UNKNOWN', `--examples: expected all, none or an example name (${names.join(', ')}), got ${JSON.stringify(options.examples)}`, 'examples');
    stopBefore = names[index + 1];
  }
  const running = parseNodeList(options.nodes);
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'tradeledger-dev-')));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const signerOfLei = new Map(Object.entries(manifest.signers).map(([signer, lei]) => [lei, signer]));

  // The genesis: reused when the folder already holds one (a restart keeps the chain).
  const genesisPath = join(dir, GENESIS_FILE);
  let genesis: GenesisFileContents;
  if (existsSync(genesisPath)) genesis = JSON.parse(readFileSync(genesisPath, 'utf8')) as GenesisFileContents;
  else {
    genesis = makeGenesis(devGenesisConfig(node.readExampleGenesis(examplesDir).config, signerOfLei, running), Date.now());
    writeGenesisFile(genesisPath, genesis);
  }
  const founders = new Set((genesis.config as GenesisConfigInput).organizations.flatMap((org) => (org.nodes.length > 0 ? [signerOfLei.get(org.lei) ?? ''] : [])));

  const ports = await freePorts(running.length * 2);
  const plan = running.map((name, i) => {
    const seed = node.exampleNodeSeed(name);
    return { name, seed, peerId: node.peerIdFromEd25519PublicKey(publicKeyFromSeed(seed)), p2pPort: ports[2 * i] as number, apiPort: ports[2 * i + 1] as number, dir: join(dir, name) };
  });
  const configs = plan.map((p) =>
    writeNodeBundle({
      dir: p.dir,
      nodeSeed: p.seed,
      genesisPath,
      listen: [`/ip4/127.0.0.1/tcp/${p.p2pPort}`],
      peers: plan.filter((q) => q !== p).map((q) => ({ peerId: q.peerId, addrs: [`/ip4/127.0.0.1/tcp/${q.p2pPort}`] })),
      api: { host: '127.0.0.1', port: p.apiPort },
      extra: { log: { level: 'info', format: 'json' }, verifyWorkers: 0, blockCutting: { maxTxs: 256, maxBytes: 4 * 1024 * 1024, maxWaitMs: 5, maxInflightBlocks: 4 } },
      overwriteKey: true,
    }),
  );

  const children: ChildProcess[] = [];
  try {
    const ready = await Promise.all(
      plan.map((p, i) => {
        const logPath = join(p.dir, 'node.log');
        const logFd = openSync(logPath, 'a', 0o600);
        const child = spawn(process.execPath, [BIN_PATH, 'node', 'start', '--config', (configs[i] as { configPath: string }).configPath, '--json', '--stop-with-parent'], { stdio: ['pipe', 'pipe', logFd] });
        closeSync(logFd);
        children.push(child);
        const readyPromise = waitReady(child, p.name, logPath);
        void readyPromise.then(
          () => child.once('exit', (code, signal) => onChildExit(p.name, code, signal)),
          () => undefined,
        );
        return readyPromise;
      }),
    );
    const nodes: DevNodeInfo[] = plan.map((p, i) => ({
      name: p.name,
      pid: (children[i] as ChildProcess).pid as number,
      apiUrl: (ready[i] as { apiUrl: string }).apiUrl,
      peerId: (ready[i] as { peerId: string }).peerId,
      dir: p.dir,
      dataDir: join(p.dir, 'data'),
      config: (configs[i] as { configPath: string }).configPath,
      log: join(p.dir, 'node.log'),
      founding: founders.has(p.name),
    }));
    const first = nodes[0] as DevNodeInfo;
    const client = new NodeClient(first.apiUrl, undefined);
    await waitForLeader(client);

    // Example signing keys as key files, and a token per organization for the first node.
    const keysDir = join(dir, 'keys');
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    const organizations: DevOrganizationInfo[] = Object.entries(manifest.signers).map(([signer, lei]) => {
      const keyFile = join(keysDir, `${signer}.key`);
      writeKeyFile(keyFile, node.exampleSigningSeed(signer), { overwrite: true });
      const { token } = node.createToken(first.dataDir, { org: lei, label: `dev ${signer}` });
      return { signer, lei, keyFile, token };
    });

    const examples: Record<string, string> = {};
    let head = await client.request<{ height: number; logSize: number }>('GET', '/v1/head');
    if (load && head.logSize === 0) {
      const submissions = node.exampleSubmissions(examplesDir, { nowMs: Date.now(), chainId: genesis.chainId, ...(stopBefore === undefined ? {} : { stopBefore }) });
      const tokenOf = new Map(organizations.map((o) => [o.signer, o.token]));
      for (const submission of submissions) {
        // An attachment's bytes go to the node first (the record only names their hash); the other
        // nodes fetch them from it when asked.
        if (submission.attachment !== undefined) {
          const uploader = new NodeClient(first.apiUrl, tokenOf.get(submission.signer));
          await uploader.request('PUT', `/v1/attachments/${submission.attachment.sha256}`, { body: submission.attachment.bytes, contentType: submission.attachment.mediaType, timeoutMs: 30_000 });
        }
        const answer = await client.request<{ txId: string; result?: { ok: boolean; code?: string } }>('POST', '/v1/tx', { body: submission.tx.bytes, query: { wait: 'commit', timeoutMs: 30_000 }, timeoutMs: 45_000 });
        if (answer.result?.ok !== true) throw rejectedError(answer.result?.code ?? 'DEV_EXAMPLE_REJECTED', `example ${submission.name} (${submission.kind}) was rejected by the ledger: ${answer.result?.code ?? 'no result'}`, submission.name);
        examples[submission.name] = submission.tx.idHex;
      }
      head = await client.request('GET', '/v1/head');
    } else if (load) {
      const previous = join(dir, 'dev.json');
      if (existsSync(previous)) Object.assign(examples, (JSON.parse(readFileSync(previous, 'utf8')) as DevInfo).examples);
    }
    const info: DevInfo = { dir, chainId: genesis.chainId, genesis: genesisPath, genesisHash: genesis.hash, nodes, organizations, examples, height: head.height, logSize: head.logSize };
    writeFileSync(join(dir, 'dev.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return { info, children };
  } catch (error) {
    await stopChildren(children);
    throw error;
  }
}

/** The example entry's number and a licensed product's GTIN and retailer, to link the web page's views. */
function webExamples(examplesDir: string, info: DevInfo): { entryNumber?: string; gtin?: string; seller?: string } {
  const read = (file: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const entry = info.examples['entry'] === undefined ? undefined : read('entry.json');
  const license = info.examples['license'] === undefined ? undefined : read('license.json');
  const retailer = info.examples['license-retailer'] === undefined ? undefined : read('license-retailer.json');
  const gtins = license?.['gtins'];
  const gtin = Array.isArray(gtins) && typeof gtins[0] === 'string' ? gtins[0] : undefined;
  const out: { entryNumber?: string; gtin?: string; seller?: string } = {};
  if (typeof entry?.['entryNumber'] === 'string') out.entryNumber = entry['entryNumber'];
  if (gtin !== undefined) out.gtin = gtin;
  if (typeof retailer?.['licensee'] === 'string') out.seller = retailer['licensee'];
  return out;
}

function printDevInfo(ctx: CliContext, info: DevInfo, examplesDir: string): void {
  const first = info.nodes[0] as DevNodeInfo;
  const out = ctx.io.stdout;
  out(`tradeledger dev: ${info.nodes.length} nodes on 127.0.0.1, chain ${info.chainId}, data in ${info.dir}\n`);
  out(`ledger height ${info.height}, ${info.logSize} transactions${Object.keys(info.examples).length > 0 ? ` (${Object.keys(info.examples).length} example documents)` : ''}\n\n`);
  out('Nodes (use the first):\n');
  out(formatTable(['node', 'api', 'peer id', 'member'], info.nodes.map((n) => [n.name, n.apiUrl, n.peerId, n.founding ? 'founding' : 'joins by governance'])).replace(/^(?=.)/gm, '  '));
  out(`\nDemo organizations: signing key files, and access tokens for ${first.apiUrl}:\n`);
  out(formatTable(['organization', 'lei', 'key file', 'token'], info.organizations.map((o) => [o.signer, o.lei, o.keyFile, o.token])).replace(/^(?=.)/gm, '  '));
  const customs = info.organizations.find((o) => o.signer === 'customs') ?? info.organizations[0];
  const certificate = info.examples['certificate-of-origin'];
  out('\nTry:\n');
  out(`  export TRADELEDGER_NODE=${first.apiUrl} TRADELEDGER_TOKEN=${customs?.token ?? ''}\n`);
  out('  tradeledger status\n  tradeledger head\n');
  if (certificate !== undefined) {
    out(`  tradeledger get ${certificate}\n`);
    out(`  tradeledger prove ${certificate} --json > proof.json && tradeledger verify-proof proof.json --genesis ${info.genesis}\n`);
  }
  out(`  tradeledger submit certificate-of-origin examples/certificate-of-origin.json --key ${info.organizations.find((o) => o.signer === 'producer')?.keyFile ?? '<key>'} --wait\n`);
  const web = webExamples(examplesDir, info);
  out(`\nWeb page (any browser on this machine; the entry and ledger views ask for an access token above, customs' is the specialist's):\n`);
  const views: string[][] = [['home', `${first.apiUrl}/app/`]];
  if (web.entryNumber !== undefined) views.push(['entry view', `${first.apiUrl}/app/entry/${encodeURIComponent(web.entryNumber)}`]);
  if (web.gtin !== undefined) views.push(['product view (public)', `${first.apiUrl}/01/${web.gtin}${web.seller === undefined ? '' : `?seller=${web.seller}`}`]);
  views.push(['ledger view', `${first.apiUrl}/app/ledger`]);
  for (const [label, url] of views) out(`  ${(label as string).padEnd(22)} ${url as string}\n`);
  out(`\nEverything is in ${join(info.dir, 'dev.json')}. Ctrl-C stops every node (the data stays in ${info.dir}).\n`);
}

export function registerDev(program: Command, ctx: CliContext): void {
  const dev = program
    .command('dev')
    .description("the local network in one command: six organizations' nodes as processes on 127.0.0.1, the example documents loaded")
    .option('--dir <folder>', 'keep the network here (reused on the next run); default a new temporary folder')
    .option('--nodes <list>', `which organizations run a node, comma-separated, the first is the one to use (${DEV_NODE_SIGNERS.join(',')})`, DEV_NODE_SIGNERS.join(','))
    .option('--examples <name>', `load the examples up to and including this one, or "all" or "none"`, DEV_EXAMPLES_UNTIL)
    .option('--examples-dir <dir>', 'the examples folder', DEFAULT_EXAMPLES_DIR)
    .option('--json', 'print the network (nodes, key files, tokens, example ids) as one JSON line once ready', false)
    .addHelpText('after', '\nThe example keys are published: never use them outside this demo. Ctrl-C (or SIGTERM) stops every node.')
    .action(async (options: DevOptions) => {
      let stopping = false;
      // A node may exit while the network is still starting, before startDev returns its info.
      let devDir: string | undefined;
      const { info, children } = await startDev(options, (name, code, signal) => {
        const log = devDir === undefined ? `${name}/node.log in the dev folder` : join(devDir, name, 'node.log');
        if (!stopping) ctx.io.stderr(`warning: node ${name} exited (${signal ?? `code ${String(code)}`}); see its log in ${log}\n`);
      });
      devDir = info.dir;
      if (options.json) ctx.io.stdout(`${JSON.stringify(info)}\n`);
      else printDevInfo(ctx, info, options.examplesDir);
      await new Promise<void>((resolvePromise) => {
        const stop = () => {
          if (stopping) return;
          stopping = true;
          ctx.io.stderr('stopping the nodes…\n');
          void stopChildren(children).then(resolvePromise);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      ctx.exitCode = EXIT.ok;
    });
  withExample(dev, 'tradeledger dev', 'tradeledger dev --dir ./devnet --nodes customs,importer,producer --json');
}
