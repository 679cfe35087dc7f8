// What one node's operator receives: a folder with the node key (0600), the genesis file and the
// node's config (the format of packages/node node-config.ts, as JSON, paths relative to the
// folder). Written by `network init` for every node of a new network and by `dev` for its local
// nodes. A genesis is { chainId, timestamp, config, hash }; the hash pins it for every member.

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGenesis, parseGenesisConfig, publicKeyFromSeed, toHex, tradeStateMachine, writeKeyFile, type GenesisConfigInput } from '@tradeledger/ledger';
import { usageError } from './errors.js';

export interface GenesisFileContents {
  readonly chainId: string;
  readonly timestamp: number;
  readonly config: unknown;
  readonly hash: string;
}

/** A genesis for `config` at `timestamp`, its hash computed as every node will. */
export function makeGenesis(config: GenesisConfigInput, timestamp: number): GenesisFileContents {
  const parsed = parseGenesisConfig(config);
  if (!parsed.ok) throw usageError(parsed.error.code, `genesis: ${parsed.error.message}`, parsed.error.field ?? 'genesis');
  const { block } = buildGenesis(tradeStateMachine(), { chainId: config.chainId, timestamp, config });
  return { chainId: config.chainId, timestamp, config, hash: block.hashHex };
}

export function writeGenesisFile(path: string, genesis: GenesisFileContents): void {
  writeFileSync(path, `${JSON.stringify(genesis, null, 2)}\n`);
}

export interface NodeBundleSpec {
  readonly dir: string;
  readonly nodeSeed: Uint8Array;
  readonly genesisPath: string;
  readonly listen: readonly string[];
  readonly peers: ReadonlyArray<{ readonly peerId: string; readonly addrs: readonly string[] }>;
  readonly api: { readonly host: string; readonly port: number };
  /** Further config keys (raft timing, log, verifyWorkers, blockCutting). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Replace an existing key file (dev re-creates its deterministic example keys). */
  readonly overwriteKey?: boolean;
}

export const NODE_CONFIG_FILE = 'node-config.json';
export const NODE_KEY_FILE = 'node-key.json';
export const GENESIS_FILE = 'genesis.json';

/** Writes the folder; returns the config path and the node's public key (hex). */
export function writeNodeBundle(spec: NodeBundleSpec): { configPath: string; publicKey: string } {
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  const keyPath = join(spec.dir, NODE_KEY_FILE);
  if (!(existsSync(keyPath) && spec.overwriteKey !== true)) writeKeyFile(keyPath, spec.nodeSeed, { overwrite: spec.overwriteKey === true });
  const genesisTarget = join(spec.dir, GENESIS_FILE);
  if (genesisTarget !== spec.genesisPath) copyFileSync(spec.genesisPath, genesisTarget);
  const config = {
    dataDir: './data',
    keyFile: `./${NODE_KEY_FILE}`,
    genesisFile: `./${GENESIS_FILE}`,
    p2p: { listen: spec.listen, peers: spec.peers },
    api: spec.api,
    log: { level: 'info', format: 'pretty' },
    ...spec.extra,
  };
  const configPath = join(spec.dir, NODE_CONFIG_FILE);
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { configPath, publicKey: toHex(publicKeyFromSeed(spec.nodeSeed)) };
}
