// `tradeledger network init --orgs <file> --out <dir>`: a new network from a list of
// organizations and their nodes. Generates a signing key per organization and a node key per node,
// the genesis (membership: LEIs, names, roles, signing keys, node keys and peer ids; governance
// threshold), and for each node a folder ready to hand to its operator:
//
//   <out>/genesis.json                      the genesis every member checks (hash inside)
//   <out>/<org>/signing-key.json            the organization's first signing key (0600)
//   <out>/<org>/<node>/node-config.json     the node's config (peers: every other node)
//   <out>/<org>/<node>/node-key.json        the node key (0600)
//   <out>/<org>/<node>/genesis.json         a copy of the genesis

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateSeed, publicKeyFromSeed, toHex, writeKeyFile, type GenesisConfigInput } from '@tradeledger/ledger';
import { usageError } from '../errors.js';
import { readInputText } from '../files.js';
import { makeGenesis, writeGenesisFile, writeNodeBundle, GENESIS_FILE } from '../node-bundle.js';
import { parseOrgsFile, p2pMultiaddr, type OrgsFile } from '../orgs-file.js';
import { formatTable, printJson } from '../output.js';
import { withExample, type CliContext } from '../program.js';

/**
 * YAML support borrows the node package's `yaml` parser (the CLI does not depend on it directly),
 * resolved from where @tradeledger/node resolves it.
 */
async function parseYaml(text: string): Promise<unknown> {
  const requireFromNode = createRequire(import.meta.resolve('@tradeledger/node'));
  const yaml = (await import(requireFromNode.resolve('yaml'))) as { parse(text: string): unknown };
  return yaml.parse(text);
}

export async function readOrgsFile(path: string): Promise<OrgsFile> {
  const text = readInputText(path, 'orgs');
  let raw: unknown;
  const ext = extname(path).toLowerCase();
  try {
    raw = ext === '.yaml' || ext === '.yml' ? await parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw usageError('ORGS_FILE_INVALID', `--orgs: ${path} is not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'}: ${(error as Error).message}`, 'orgs', error);
  }
  return parseOrgsFile(raw);
}

export interface InitializedNode {
  readonly organization: string;
  readonly lei: string;
  readonly node: string;
  readonly peerId: string;
  readonly publicKey: string;
  readonly p2p: string;
  readonly api: string;
  readonly dir: string;
  readonly config: string;
}

export interface InitializedNetwork {
  readonly dir: string;
  readonly chainId: string;
  readonly genesis: string;
  readonly genesisHash: string;
  readonly organizations: ReadonlyArray<{ readonly id: string; readonly lei: string; readonly name: string; readonly signingKeyFile: string; readonly signingPublicKey: string }>;
  readonly nodes: readonly InitializedNode[];
}

export async function initNetwork(plan: OrgsFile, outDir: string, nowMs: number): Promise<InitializedNetwork> {
  const { peerIdFromEd25519PublicKey } = await import('@tradeledger/node');
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw usageError('OUT_DIR_NOT_EMPTY', `--out: ${outDir} exists and is not empty (keys are never overwritten)`, 'out');
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const signing = plan.organizations.map(() => generateSeed());
  const nodeSeeds = plan.organizations.map((org) => org.nodes.map(() => generateSeed()));
  const nodeIds = nodeSeeds.map((seeds) => seeds.map((seed) => {
    const publicKey = publicKeyFromSeed(seed);
    return { publicKey: toHex(publicKey), peerId: peerIdFromEd25519PublicKey(publicKey) };
  }));
  const config: GenesisConfigInput = {
    chainId: plan.chainId,
    organizations: plan.organizations.map((org, i) => ({
      lei: org.lei,
      name: org.name,
      roles: org.roles as GenesisConfigInput['organizations'][number]['roles'],
      signingKeys: [toHex(publicKeyFromSeed(signing[i] as Uint8Array))],
      nodes: (nodeIds[i] ?? []).map((n) => ({ peerId: n.peerId, publicKey: n.publicKey })),
    })),
    ...(plan.governanceThreshold === undefined ? {} : { governanceThreshold: plan.governanceThreshold }),
  };
  const genesis = makeGenesis(config, nowMs);
  const genesisPath = join(outDir, GENESIS_FILE);
  writeGenesisFile(genesisPath, genesis);
  const everyNode = plan.organizations.flatMap((org, i) => org.nodes.map((node, n) => ({ org, node, id: nodeIds[i]?.[n] as { peerId: string; publicKey: string }, seed: nodeSeeds[i]?.[n] as Uint8Array })));
  const organizations = plan.organizations.map((org, i) => {
    const orgDir = join(outDir, org.id);
    mkdirSync(orgDir, { recursive: true, mode: 0o700 });
    const signingKeyFile = join(orgDir, 'signing-key.json');
    writeKeyFile(signingKeyFile, signing[i] as Uint8Array);
    return { id: org.id, lei: org.lei, name: org.name, signingKeyFile, signingPublicKey: toHex(publicKeyFromSeed(signing[i] as Uint8Array)) };
  });
  const nodes = everyNode.map(({ org, node, id, seed }): InitializedNode => {
    const dir = join(outDir, org.id, node.name);
    const loopback = node.host === '127.0.0.1' || node.host === 'localhost';
    const { configPath } = writeNodeBundle({
      dir,
      nodeSeed: seed,
      genesisPath,
      listen: [`/ip4/${loopback ? '127.0.0.1' : '0.0.0.0'}/tcp/${node.p2pPort}`],
      peers: everyNode.filter((other) => other.node.name !== node.name).map((other) => ({ peerId: other.id.peerId, addrs: [p2pMultiaddr(other.node.host, other.node.p2pPort)] })),
      api: { host: node.apiHost, port: node.apiPort },
    });
    return { organization: org.id, lei: org.lei, node: node.name, peerId: id.peerId, publicKey: id.publicKey, p2p: p2pMultiaddr(node.host, node.p2pPort), api: `http://${node.apiHost}:${node.apiPort}`, dir, config: configPath };
  });
  return { dir: resolve(outDir), chainId: plan.chainId, genesis: genesisPath, genesisHash: genesis.hash, organizations, nodes };
}

export function registerNetwork(program: Command, ctx: CliContext): void {
  const network = program.command('network').description('create a network: keys, genesis and node configs');
  const init = network
    .command('init')
    .description("generate a new network from a list of organizations and their nodes: keys, genesis, and each node's folder")
    .requiredOption('--orgs <file>', 'the organizations and their nodes (JSON or YAML; see below)')
    .requiredOption('--out <dir>', 'an empty or new folder to write into')
    .option('--json', 'print what was written as JSON', false)
    .addHelpText(
      'after',
      `
The organizations file:
  { "chainId": "acme-trade",
    "organizations": [
      { "id": "customs", "lei": "506700GE1G29325QX363", "name": "Customs", "roles": ["customs"],
        "nodes": [ { "name": "customs-1", "host": "10.0.0.1", "p2pPort": 7001, "apiPort": 8080 } ] },
      { "lei": "INR2EJN1ERAN0W5ZP974", "name": "Importer", "roles": ["importer"],
        "nodes": [ { "name": "importer-1", "host": "10.0.0.2", "p2pPort": 7001, "apiPort": 8080 } ] } ] }
Roles: customs, importer, exporter, producer, manufacturer, retailer, broker, rights_holder.
Each node folder (<out>/<org>/<node>/) is what its operator needs: \`tradeledger node start --config <folder>/node-config.json\`.
The API binds 127.0.0.1 unless a node sets "apiHost".`,
    )
    .action(async (options: { orgs: string; out: string; json: boolean }) => {
      const plan = await readOrgsFile(options.orgs);
      const result = await initNetwork(plan, options.out, Date.now());
      if (options.json) return printJson(ctx.io, result);
      ctx.io.stdout(`network ${result.chainId}: genesis ${result.genesis} (hash ${result.genesisHash})\n\n`);
      ctx.io.stdout(formatTable(['organization', 'lei', 'signing key file'], result.organizations.map((o) => [o.id, o.lei, o.signingKeyFile])));
      ctx.io.stdout('\n');
      ctx.io.stdout(formatTable(['node', 'organization', 'peer id', 'p2p', 'api', 'config'], result.nodes.map((n) => [n.node, n.organization, n.peerId, n.p2p, n.api, n.config])));
      ctx.io.stdout(`\nNext: copy each node folder to its operator, then on each machine:\n  tradeledger node start --config <node folder>/node-config.json\n`);
    });
  withExample(init, 'tradeledger network init --orgs ./orgs.json --out ./network');
}
