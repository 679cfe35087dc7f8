// The node's configuration file (YAML or JSON; the `yaml` parser reads both). Every key is
// checked, unknown keys are refused, and an error names the key and the bad value. Relative paths
// are resolved against the file's folder. Defaults live here and only here.
//
//   dataDir: ./data                # ledger (LevelDB), Raft log, attachments, tokens.json
//   keyFile: ./node-key.json       # the node's Ed25519 key (mode 0600); its peer id derives from it
//   genesisFile: ./genesis.json    # { chainId, timestamp, config, hash }
//   p2p: { listen: [/ip4/127.0.0.1/tcp/7001], peers: [{ peerId, addrs: [...] }] }
//   api: { host: 127.0.0.1, port: 8080 }
//   blockCutting: { maxTxs: 1024, maxBytes: 4194304, maxWaitMs: 5, maxInflightBlocks: 4 }
//   mempool: { maxTxs: 50000, maxBytes: 134217728, maxTxBytes: 1048576 }
//   raft: { tickMs: 50, electionTicks: 10, heartbeatTicks: 1, retainEntries: 512 }
//   log: { level: info, format: json }   # format: json | pretty
//   metrics: { public: true }
//   verifyWorkers: 2                # 0 verifies signatures on the main thread

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BLOCK_MAX_BYTES, BLOCK_MAX_TXS, TX_MAX_BYTES_DEFAULT } from '@tradeledger/ledger';
import { NodeError } from './errors.js';

export interface NodeConfig {
  readonly dataDir: string;
  readonly keyFile: string;
  readonly genesisFile: string;
  readonly p2p: { readonly listen: readonly string[]; readonly peers: ReadonlyArray<{ readonly peerId: string; readonly addrs: readonly string[] }> };
  readonly api: { readonly host: string; readonly port: number };
  readonly blockCutting: { readonly maxTxs: number; readonly maxBytes: number; readonly maxWaitMs: number; readonly maxInflightBlocks: number };
  readonly mempool: { readonly maxTxs: number; readonly maxBytes: number; readonly maxTxBytes: number };
  readonly raft: { readonly tickMs: number; readonly electionTicks: number; readonly heartbeatTicks: number; readonly retainEntries: number };
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'; readonly format: 'json' | 'pretty' };
  readonly metrics: { readonly public: boolean };
  readonly verifyWorkers: number;
}

export const NODE_CONFIG_DEFAULTS = {
  api: { host: '127.0.0.1', port: 8080 },
  blockCutting: { maxTxs: 1024, maxBytes: 4 * 1024 * 1024, maxWaitMs: 5, maxInflightBlocks: 4 },
  mempool: { maxTxs: 50_000, maxBytes: 128 * 1024 * 1024, maxTxBytes: TX_MAX_BYTES_DEFAULT },
  raft: { tickMs: 50, electionTicks: 10, heartbeatTicks: 1, retainEntries: 512 },
  log: { level: 'info', format: 'json' },
  metrics: { public: true },
  verifyWorkers: 2,
} as const;

function bad(key: string, message: string): never {
  throw new NodeError('CONFIG_INVALID', `config ${key}: ${message}`, { status: 400 });
}

type Obj = Record<string, unknown>;

function object(value: unknown, key: string, allowed: readonly string[]): Obj {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(key, `expected a mapping, got ${JSON.stringify(value)}`);
  for (const name of Object.keys(value)) if (!allowed.includes(name)) bad(key === '' ? name : `${key}.${name}`, `unknown key (expected one of ${allowed.join(', ')})`);
  return value as Obj;
}

function int(value: unknown, key: string, fallback: number | undefined, min: number, max: number): number {
  if (value === undefined) {
    if (fallback === undefined) bad(key, 'is required');
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) bad(key, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}

function str(value: unknown, key: string, fallback?: string): string {
  if (value === undefined) {
    if (fallback === undefined) bad(key, 'is required');
    return fallback;
  }
  if (typeof value !== 'string' || value.length === 0) bad(key, `expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function strings(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) bad(key, `expected a list of strings, got ${JSON.stringify(value)}`);
  return value.map((item, i) => str(item, `${key}[${i}]`));
}

/** Validates a parsed config; `baseDir` resolves relative paths. */
export function parseNodeConfig(raw: unknown, baseDir: string): NodeConfig {
  const top = object(raw, '', ['dataDir', 'keyFile', 'genesisFile', 'p2p', 'api', 'blockCutting', 'mempool', 'raft', 'log', 'metrics', 'verifyWorkers']);
  const path = (value: unknown, key: string) => {
    const p = str(value, key);
    return isAbsolute(p) ? p : resolve(baseDir, p);
  };
  const p2p = object(top['p2p'], 'p2p', ['listen', 'peers']);
  const listen = strings(p2p['listen'] ?? bad('p2p.listen', 'is required'), 'p2p.listen');
  if (listen.length === 0) bad('p2p.listen', 'needs at least one multiaddr');
  const peersRaw = p2p['peers'] ?? [];
  if (!Array.isArray(peersRaw)) bad('p2p.peers', 'expected a list');
  const peers = peersRaw.map((peer, i) => {
    const p = object(peer, `p2p.peers[${i}]`, ['peerId', 'addrs']);
    return { peerId: str(p['peerId'], `p2p.peers[${i}].peerId`), addrs: strings(p['addrs'] ?? [], `p2p.peers[${i}].addrs`) };
  });
  const d = NODE_CONFIG_DEFAULTS;
  const api = object(top['api'], 'api', ['host', 'port']);
  const cut = object(top['blockCutting'], 'blockCutting', ['maxTxs', 'maxBytes', 'maxWaitMs', 'maxInflightBlocks']);
  const mem = object(top['mempool'], 'mempool', ['maxTxs', 'maxBytes', 'maxTxBytes']);
  const raft = object(top['raft'], 'raft', ['tickMs', 'electionTicks', 'heartbeatTicks', 'retainEntries']);
  const log = object(top['log'], 'log', ['level', 'format']);
  const metrics = object(top['metrics'], 'metrics', ['public']);
  const level = str(log['level'], 'log.level', d.log.level);
  if (!['trace', 'debug', 'info', 'warn', 'error', 'silent'].includes(level)) bad('log.level', `expected trace, debug, info, warn, error or silent, got ${JSON.stringify(level)}`);
  const format = str(log['format'], 'log.format', d.log.format);
  if (format !== 'json' && format !== 'pretty') bad('log.format', `expected json or pretty, got ${JSON.stringify(format)}`);
  if (metrics['public'] !== undefined && typeof metrics['public'] !== 'boolean') bad('metrics.public', 'expected true or false');
  const config: NodeConfig = {
    dataDir: path(top['dataDir'], 'dataDir'),
    keyFile: path(top['keyFile'], 'keyFile'),
    genesisFile: path(top['genesisFile'], 'genesisFile'),
    p2p: { listen, peers },
    api: { host: str(api['host'], 'api.host', d.api.host), port: int(api['port'], 'api.port', d.api.port, 0, 65535) },
    blockCutting: {
      maxTxs: int(cut['maxTxs'], 'blockCutting.maxTxs', d.blockCutting.maxTxs, 1, BLOCK_MAX_TXS),
      maxBytes: int(cut['maxBytes'], 'blockCutting.maxBytes', d.blockCutting.maxBytes, 1024, BLOCK_MAX_BYTES - 1024 * 1024),
      maxWaitMs: int(cut['maxWaitMs'], 'blockCutting.maxWaitMs', d.blockCutting.maxWaitMs, 0, 60_000),
      maxInflightBlocks: int(cut['maxInflightBlocks'], 'blockCutting.maxInflightBlocks', d.blockCutting.maxInflightBlocks, 1, 64),
    },
    mempool: {
      maxTxs: int(mem['maxTxs'], 'mempool.maxTxs', d.mempool.maxTxs, 1, 10_000_000),
      maxBytes: int(mem['maxBytes'], 'mempool.maxBytes', d.mempool.maxBytes, 1024, 8 * 1024 * 1024 * 1024),
      maxTxBytes: int(mem['maxTxBytes'], 'mempool.maxTxBytes', d.mempool.maxTxBytes, 256, TX_MAX_BYTES_DEFAULT),
    },
    raft: {
      tickMs: int(raft['tickMs'], 'raft.tickMs', d.raft.tickMs, 1, 10_000),
      electionTicks: int(raft['electionTicks'], 'raft.electionTicks', d.raft.electionTicks, 2, 1000),
      heartbeatTicks: int(raft['heartbeatTicks'], 'raft.heartbeatTicks', d.raft.heartbeatTicks, 1, 999),
      retainEntries: int(raft['retainEntries'], 'raft.retainEntries', d.raft.retainEntries, 1, 1_000_000),
    },
    log: { level: level as NodeConfig['log']['level'], format },
    metrics: { public: (metrics['public'] as boolean | undefined) ?? d.metrics.public },
    verifyWorkers: int(top['verifyWorkers'], 'verifyWorkers', d.verifyWorkers, 0, 16),
  };
  if (config.raft.heartbeatTicks >= config.raft.electionTicks) bad('raft.heartbeatTicks', `must be below raft.electionTicks (${config.raft.electionTicks})`);
  if (config.mempool.maxTxBytes > config.mempool.maxBytes) bad('mempool.maxTxBytes', 'must not exceed mempool.maxBytes');
  return config;
}

export function loadNodeConfig(file: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NodeError('CONFIG_UNREADABLE', `cannot read the node config ${file}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new NodeError('CONFIG_INVALID', `config ${file}: not YAML or JSON (${(error as Error).message})`, { cause: error });
  }
  return parseNodeConfig(raw, dirname(resolve(file)));
}

export interface GenesisFile {
  readonly chainId: string;
  readonly timestamp: number;
  readonly config: unknown;
  readonly hash?: string;
}

export function loadGenesisFile(file: string): GenesisFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new NodeError('GENESIS_UNREADABLE', `cannot read the genesis file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const g = object(raw, 'genesis', ['chainId', 'timestamp', 'config', 'hash']);
  const hash = g['hash'];
  if (hash !== undefined && (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))) bad('genesis.hash', 'expected 64 lower-case hex characters');
  return {
    chainId: str(g['chainId'], 'genesis.chainId'),
    timestamp: int(g['timestamp'], 'genesis.timestamp', undefined, 0, Number.MAX_SAFE_INTEGER),
    config: g['config'] ?? bad('genesis.config', 'is required'),
    ...(hash === undefined ? {} : { hash: hash as string }),
  };
}
