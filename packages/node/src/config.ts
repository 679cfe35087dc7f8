// The node's configuration file: YAML or JSON (the `yaml` parser reads both; a JSON document is
// YAML). TOML is not read: no TOML parser is a dependency. Every key is checked, unknown keys are
// refused, and every problem is reported at once, each naming its key path and the bad value:
//
//   config node.yaml: 2 problems
//     api.port: expected an integer in [0, 65535], got 70000
//     p2p.peers[0].peerId: expected a libp2p peer id (base58btc 12D3KooW…), got "bob"
//
// Relative paths are resolved against the file's folder. The defaults are CONFIG_DEFAULTS below and
// nowhere else:
//
//   dataDir: ./data               required: ledger (LevelDB), Raft log, attachments, api-tokens.json
//   keyFile: ./node-key.json      required: the node's Ed25519 key file; its peer id derives from it
//   genesisFile: ./genesis.json   required: { chainId, timestamp, config, hash? }
//   chainId: tradeledger-demo     optional: when given, the genesis file must name this chain
//   p2p:
//     listen: [/ip4/127.0.0.1/tcp/7001]        required, at least one multiaddr
//     peers: [{ peerId: 12D3KooW…, addrs: [/ip4/10.0.0.2/tcp/7001] }]   default []
//   api: { host: 127.0.0.1, port: 8080 }     loopback by default; port 0 picks a free port
//   blockCutting: { maxTxs: 1024, maxBytes: 4194304, maxWaitMs: 5, maxInflightBlocks: 4 }
//   mempool: { maxTxs: 50000, maxBytes: 134217728, maxTxBytes: 1048576, maxQueueMs: 2000 }
//                                           maxQueueMs: refuse new transactions (503 MEMPOOL_FULL)
//                                           while the oldest pending one has waited longer; a
//                                           follower holds one at most this long for the leader
//                                           (then 503 LEADER_BUSY)
//   raft: { tickMs: 50, electionTicks: 10, heartbeatTicks: 1, retainEntries: 64 }
//   log: { level: info, format: json }      level: fatal|error|warn|info|debug|trace|silent; format: json|pretty
//   metrics: { public: true }               false: /metrics needs member credentials
//   verifyWorkers: 2                         signature-check threads; 0 checks on the main thread
//
// Owns: parsing and validating the file, and the defaults. Must never: read the key or genesis
// file (the caller does, so a config can be checked on a machine without them).

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BLOCK_MAX_BYTES, BLOCK_MAX_TXS, CHAIN_ID_MAX_CHARS, TX_MAX_BYTES_DEFAULT } from '@tradeledger/ledger';
import { NodeError } from './errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';
import { parseMultiaddr } from './p2p/multiaddr.js';
import { MEMPOOL_MAX_QUEUE_MS_DEFAULT } from './mempool.js';
import { RAFT_LOG_RETAIN_ENTRIES_DEFAULT } from './ledger-node.js';

/** A config file larger than this is not a node config. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
/** Peers one config may list. */
export const CONFIG_MAX_PEERS = 1024;
/** Multiaddrs per listen list or per peer. */
export const CONFIG_MAX_ADDRS = 16;

export interface NodeConfig {
  readonly dataDir: string;
  readonly keyFile: string;
  readonly genesisFile: string;
  readonly chainId?: string;
  readonly p2p: {
    readonly listen: readonly string[];
    readonly peers: ReadonlyArray<{ readonly peerId: string; readonly addrs: readonly string[] }>;
  };
  readonly api: { readonly host: string; readonly port: number };
  readonly blockCutting: { readonly maxTxs: number; readonly maxBytes: number; readonly maxWaitMs: number; readonly maxInflightBlocks: number };
  readonly mempool: { readonly maxTxs: number; readonly maxBytes: number; readonly maxTxBytes: number; readonly maxQueueMs: number };
  readonly raft: { readonly tickMs: number; readonly electionTicks: number; readonly heartbeatTicks: number; readonly retainEntries: number };
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  readonly metrics: { readonly public: boolean };
  readonly verifyWorkers: number;
}

export const CONFIG_DEFAULTS = {
  p2p: { peers: [] as const },
  api: { host: '127.0.0.1', port: 8080 },
  blockCutting: { maxTxs: 1024, maxBytes: 4 * 1024 * 1024, maxWaitMs: 5, maxInflightBlocks: 4 },
  mempool: { maxTxs: 50_000, maxBytes: 128 * 1024 * 1024, maxTxBytes: TX_MAX_BYTES_DEFAULT, maxQueueMs: MEMPOOL_MAX_QUEUE_MS_DEFAULT },
  raft: { tickMs: 50, electionTicks: 10, heartbeatTicks: 1, retainEntries: RAFT_LOG_RETAIN_ENTRIES_DEFAULT },
  log: { level: 'info' as LogLevel, format: 'json' as LogFormat },
  metrics: { public: true },
  verifyWorkers: 2,
} as const;

export interface ConfigIssue {
  /** Key path: `api.port`, `p2p.peers[1].addrs[0]`, or `` for the whole document. */
  readonly key: string;
  readonly message: string;
}

/** CONFIG_INVALID with every problem found; `issues` lists them one per key. */
export class ConfigError extends NodeError {
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    const lines = issues.map((issue) => `  ${issue.key === '' ? '(document)' : issue.key}: ${issue.message}`);
    super('CONFIG_INVALID', `config ${source}: ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}\n${lines.join('\n')}`, { status: 400, ...options });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const PEER_ID_PATTERN = /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/;
const CHAIN_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/;
/** Shape of a multiaddr before the real parser sees it: slash-separated, printable, bounded. */
const MULTIADDR_SHAPE = /^(?:\/[A-Za-z0-9._~:%+=-]+)+$/;

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

class Checker {
  readonly issues: ConfigIssue[] = [];

  issue(key: string, message: string): undefined {
    this.issues.push({ key, message });
    return undefined;
  }

  /** A mapping with only `allowed` keys; undefined (and an issue) otherwise. Absent is {} when optional. */
  mapping(value: unknown, key: string, allowed: readonly string[], required = false): Record<string, unknown> | undefined {
    if (value === undefined || value === null) {
      if (required) return this.issue(key, 'is required');
      return {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) return this.issue(key, `expected a mapping, got ${show(value)}`);
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      if (!allowed.includes(name)) this.issue(key === '' ? name : `${key}.${name}`, `unknown key (expected one of ${allowed.join(', ')})`);
    }
    return record;
  }

  integer(value: unknown, key: string, fallback: number | undefined, min: number, max: number): number {
    if (value === undefined) {
      if (fallback === undefined) this.issue(key, 'is required');
      return fallback ?? min;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.issue(key, `expected an integer in [${min}, ${max}], got ${show(value)}`);
      return fallback ?? min;
    }
    return value;
  }

  text(value: unknown, key: string, fallback?: string): string {
    if (value === undefined) {
      if (fallback === undefined) this.issue(key, 'is required');
      return fallback ?? '';
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 4096) {
      this.issue(key, `expected a non-empty string, got ${show(value)}`);
      return fallback ?? '';
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.issue(key, `expected one of ${allowed.join(', ')}, got ${show(value)}`);
      return fallback;
    }
    return value as T;
  }

  boolean(value: unknown, key: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.issue(key, `expected true or false, got ${show(value)}`);
      return fallback;
    }
    return value;
  }

  multiaddrs(value: unknown, key: string, required: boolean): string[] {
    if (value === undefined) {
      if (required) this.issue(key, 'is required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.issue(key, `expected a list of multiaddrs, got ${show(value)}`);
      return [];
    }
    if (value.length > CONFIG_MAX_ADDRS) this.issue(key, `at most ${CONFIG_MAX_ADDRS} multiaddrs, got ${value.length}`);
    if (required && value.length === 0) this.issue(key, 'needs at least one multiaddr');
    const out: string[] = [];
    value.slice(0, CONFIG_MAX_ADDRS).forEach((item: unknown, i) => {
      if (typeof item !== 'string' || item.length > 256 || !MULTIADDR_SHAPE.test(item)) this.issue(`${key}[${i}]`, `expected a multiaddr such as /ip4/127.0.0.1/tcp/7001, got ${show(item)}`);
      else out.push(item);
    });
    return out;
  }
}

function resolvePath(value: string, baseDir: string): string {
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

/**
 * Validates a parsed config document; relative paths resolve against `baseDir`. Checks shapes and
 * bounds only (multiaddrs by shape); `loadConfig` also parses every multiaddr.
 */
export function parseConfig(raw: unknown, baseDir: string, source = '<config>'): NodeConfig {
  const c = new Checker();
  const d = CONFIG_DEFAULTS;
  const top = c.mapping(raw, '', ['dataDir', 'keyFile', 'genesisFile', 'chainId', 'p2p', 'api', 'blockCutting', 'mempool', 'raft', 'log', 'metrics', 'verifyWorkers'], true);
  if (top === undefined) throw new ConfigError(source, c.issues);

  const dataDir = c.text(top.dataDir, 'dataDir');
  const keyFile = c.text(top.keyFile, 'keyFile');
  const genesisFile = c.text(top.genesisFile, 'genesisFile');
  let chainId: string | undefined;
  if (top.chainId !== undefined) {
    if (typeof top.chainId !== 'string' || top.chainId.length === 0 || top.chainId.length > CHAIN_ID_MAX_CHARS || !CHAIN_ID_PATTERN.test(top.chainId)) {
      c.issue('chainId', `expected 1 to ${CHAIN_ID_MAX_CHARS} characters of [A-Za-z0-9._:-], got ${show(top.chainId)}`);
    } else chainId = top.chainId;
  }

  const p2p = c.mapping(top.p2p, 'p2p', ['listen', 'peers'], true) ?? {};
  const listen = c.multiaddrs(p2p.listen, 'p2p.listen', true);
  const peers: Array<{ peerId: string; addrs: string[] }> = [];
  if (p2p.peers !== undefined && !Array.isArray(p2p.peers)) c.issue('p2p.peers', `expected a list of { peerId, addrs }, got ${show(p2p.peers)}`);
  else if (Array.isArray(p2p.peers)) {
    if (p2p.peers.length > CONFIG_MAX_PEERS) c.issue('p2p.peers', `at most ${CONFIG_MAX_PEERS} peers, got ${p2p.peers.length}`);
    const seen = new Set<string>();
    p2p.peers.slice(0, CONFIG_MAX_PEERS).forEach((item: unknown, i) => {
      const key = `p2p.peers[${i}]`;
      const peer = c.mapping(item, key, ['peerId', 'addrs'], true);
      if (peer === undefined) return;
      const peerId = c.text(peer.peerId, `${key}.peerId`);
      if (peerId !== '' && !PEER_ID_PATTERN.test(peerId)) c.issue(`${key}.peerId`, `expected a libp2p Ed25519 peer id (12D3KooW…, 52 characters), got ${show(peerId)}`);
      else if (seen.has(peerId)) c.issue(`${key}.peerId`, `${peerId} is listed twice`);
      seen.add(peerId);
      peers.push({ peerId, addrs: c.multiaddrs(peer.addrs, `${key}.addrs`, true) });
    });
  }

  const api = c.mapping(top.api, 'api', ['host', 'port']) ?? {};
  const host = c.text(api.host, 'api.host', d.api.host);
  if (host.length > 253 || !HOST_PATTERN.test(host)) c.issue('api.host', `expected an IP address or host name, got ${show(host)}`);
  const port = c.integer(api.port, 'api.port', d.api.port, 0, 65_535);

  const cut = c.mapping(top.blockCutting, 'blockCutting', ['maxTxs', 'maxBytes', 'maxWaitMs', 'maxInflightBlocks']) ?? {};
  const blockCutting = {
    maxTxs: c.integer(cut.maxTxs, 'blockCutting.maxTxs', d.blockCutting.maxTxs, 1, BLOCK_MAX_TXS),
    // Room for the header and signature below the ledger's block limit.
    maxBytes: c.integer(cut.maxBytes, 'blockCutting.maxBytes', d.blockCutting.maxBytes, 1024, BLOCK_MAX_BYTES - 1024 * 1024),
    maxWaitMs: c.integer(cut.maxWaitMs, 'blockCutting.maxWaitMs', d.blockCutting.maxWaitMs, 0, 60_000),
    maxInflightBlocks: c.integer(cut.maxInflightBlocks, 'blockCutting.maxInflightBlocks', d.blockCutting.maxInflightBlocks, 1, 64),
  };

  const mem = c.mapping(top.mempool, 'mempool', ['maxTxs', 'maxBytes', 'maxTxBytes', 'maxQueueMs']) ?? {};
  const mempool = {
    maxTxs: c.integer(mem.maxTxs, 'mempool.maxTxs', d.mempool.maxTxs, 1, 10_000_000),
    maxBytes: c.integer(mem.maxBytes, 'mempool.maxBytes', d.mempool.maxBytes, 1024, 8 * 1024 * 1024 * 1024),
    maxTxBytes: c.integer(mem.maxTxBytes, 'mempool.maxTxBytes', d.mempool.maxTxBytes, 256, TX_MAX_BYTES_DEFAULT),
    maxQueueMs: c.integer(mem.maxQueueMs, 'mempool.maxQueueMs', d.mempool.maxQueueMs, 50, 600_000),
  };
  if (mempool.maxTxBytes > mempool.maxBytes) c.issue('mempool.maxTxBytes', `${mempool.maxTxBytes} must not exceed mempool.maxBytes (${mempool.maxBytes})`);
  if (blockCutting.maxTxs > mempool.maxTxs) c.issue('blockCutting.maxTxs', `${blockCutting.maxTxs} must not exceed mempool.maxTxs (${mempool.maxTxs})`);
  // A transaction larger than a block would stay first in the mempool and hold every other back.
  if (mempool.maxTxBytes > blockCutting.maxBytes) c.issue('mempool.maxTxBytes', `${mempool.maxTxBytes} must not exceed blockCutting.maxBytes (${blockCutting.maxBytes}): a larger transaction fits in no block`);

  const raftRaw = c.mapping(top.raft, 'raft', ['tickMs', 'electionTicks', 'heartbeatTicks', 'retainEntries']) ?? {};
  const raft = {
    tickMs: c.integer(raftRaw.tickMs, 'raft.tickMs', d.raft.tickMs, 1, 10_000),
    electionTicks: c.integer(raftRaw.electionTicks, 'raft.electionTicks', d.raft.electionTicks, 2, 1000),
    heartbeatTicks: c.integer(raftRaw.heartbeatTicks, 'raft.heartbeatTicks', d.raft.heartbeatTicks, 1, 999),
    retainEntries: c.integer(raftRaw.retainEntries, 'raft.retainEntries', d.raft.retainEntries, 1, 1_000_000),
  };
  if (raft.heartbeatTicks >= raft.electionTicks) c.issue('raft.heartbeatTicks', `${raft.heartbeatTicks} must be below raft.electionTicks (${raft.electionTicks})`);

  const logRaw = c.mapping(top.log, 'log', ['level', 'format']) ?? {};
  const log = { level: c.oneOf(logRaw.level, 'log.level', LOG_LEVELS, d.log.level), format: c.oneOf(logRaw.format, 'log.format', LOG_FORMATS, d.log.format) };
  const metricsRaw = c.mapping(top.metrics, 'metrics', ['public']) ?? {};
  const metrics = { public: c.boolean(metricsRaw.public, 'metrics.public', d.metrics.public) };
  const verifyWorkers = c.integer(top.verifyWorkers, 'verifyWorkers', d.verifyWorkers, 0, 16);

  if (c.issues.length > 0) throw new ConfigError(source, c.issues);
  return {
    dataDir: resolvePath(dataDir, baseDir),
    keyFile: resolvePath(keyFile, baseDir),
    genesisFile: resolvePath(genesisFile, baseDir),
    ...(chainId === undefined ? {} : { chainId }),
    p2p: { listen, peers },
    api: { host, port },
    blockCutting,
    mempool,
    raft,
    log,
    metrics,
    verifyWorkers,
  };
}

/** Parses config text (YAML or JSON) and validates it. */
export function parseConfigText(text: string, baseDir: string, source = '<config>'): NodeConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (cause) {
    throw new ConfigError(source, [{ key: '', message: `not YAML or JSON: ${(cause as Error).message.split('\n')[0] ?? ''}` }], { cause });
  }
  return parseConfig(raw, baseDir, source);
}

/** Reads, parses and validates a config file, including a real parse of every multiaddr. */
export async function loadConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > CONFIG_FILE_MAX_BYTES) throw new Error(`${size} bytes exceeds ${CONFIG_FILE_MAX_BYTES}`);
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new NodeError('CONFIG_UNREADABLE', `config ${file}: cannot read it (${(cause as Error).message})`, { status: 400, cause });
  }
  const config = parseConfigText(text, dirname(resolve(file)), file);
  const issues: ConfigIssue[] = [];
  const check = async (addr: string, key: string) => {
    try {
      await parseMultiaddr(addr, key);
    } catch (error) {
      issues.push({ key, message: (error as Error).message.replace(`${key}: `, '') });
    }
  };
  for (const [i, addr] of config.p2p.listen.entries()) await check(addr, `p2p.listen[${i}]`);
  for (const [p, peer] of config.p2p.peers.entries()) for (const [i, addr] of peer.addrs.entries()) await check(addr, `p2p.peers[${p}].addrs[${i}]`);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return config;
}
