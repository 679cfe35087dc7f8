// The node config file: defaults, path resolution, and an error naming the key for every bad key.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigError, loadConfig, parseConfig, parseConfigText } from '../src/config.js';

const PEER = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDF8pNUYqpL7RiaDLWp';
const BASE = {
  dataDir: './data',
  keyFile: './node-key.json',
  genesisFile: '/etc/tradeledger/genesis.json',
  p2p: { listen: ['/ip4/127.0.0.1/tcp/7001'], peers: [{ peerId: PEER, addrs: ['/ip4/127.0.0.1/tcp/7002'] }] },
};

function issuesOf(raw: unknown): Array<{ key: string; message: string }> {
  try {
    parseConfig(raw, '/srv/node');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected the config to be refused');
}

function withKey(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(BASE) as Record<string, unknown>;
  const parts = path.split('.');
  let at = copy;
  for (const part of parts.slice(0, -1)) {
    at[part] ??= {};
    at = at[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('node config', () => {
  it('fills defaults and resolves relative paths against the file folder', () => {
    const config = parseConfig(BASE, '/srv/node');
    expect(config.dataDir).toBe('/srv/node/data');
    expect(config.keyFile).toBe('/srv/node/node-key.json');
    expect(config.genesisFile).toBe('/etc/tradeledger/genesis.json');
    expect(config.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.api).toEqual(CONFIG_DEFAULTS.api);
    expect(config.blockCutting).toEqual(CONFIG_DEFAULTS.blockCutting);
    expect(config.mempool).toEqual(CONFIG_DEFAULTS.mempool);
    expect(config.raft).toEqual(CONFIG_DEFAULTS.raft);
    expect(config.log).toEqual({ level: 'info', format: 'json' });
    expect(config.metrics).toEqual({ public: true });
    expect(config.verifyWorkers).toBe(2);
    expect(config.chainId).toBeUndefined();
    expect(config.p2p.peers).toEqual([{ peerId: PEER, addrs: ['/ip4/127.0.0.1/tcp/7002'] }]);
  });

  it('takes every key when given', () => {
    const full = {
      ...BASE,
      chainId: 'tradeledger-pilot',
      api: { host: '0.0.0.0', port: 0 },
      blockCutting: { maxTxs: 10, maxBytes: 4096, maxWaitMs: 0, maxInflightBlocks: 1 },
      mempool: { maxTxs: 100, maxBytes: 1 << 20, maxTxBytes: 4096, maxQueueMs: 750 },
      raft: { tickMs: 10, electionTicks: 20, heartbeatTicks: 2, retainEntries: 64 },
      log: { level: 'debug', format: 'pretty' },
      metrics: { public: false },
      verifyWorkers: 0,
    };
    const config = parseConfig(full, '/x');
    expect({ ...config, dataDir: undefined, keyFile: undefined, genesisFile: undefined }).toEqual({ ...full, dataDir: undefined, keyFile: undefined, genesisFile: undefined });
  });

  const bad: Array<[string, unknown, string]> = [
    ['dataDir', undefined, 'is required'],
    ['dataDir', 42, 'non-empty string'],
    ['keyFile', '', 'non-empty string'],
    ['genesisFile', undefined, 'is required'],
    ['chainId', 'has space', '[A-Za-z0-9._:-]'],
    ['chainId', 'x'.repeat(65), '1 to 64'],
    ['p2p', undefined, 'is required'],
    ['p2p', 'x', 'mapping'],
    ['p2p.listen', undefined, 'is required'],
    ['p2p.listen', [], 'at least one'],
    ['p2p.listen', '/ip4/1.2.3.4/tcp/1', 'list of multiaddrs'],
    ['p2p.listen', ['127.0.0.1:7001'], 'multiaddr'],
    ['p2p.peers', {}, 'list'],
    ['p2p.peers', [{ peerId: 'bob', addrs: ['/ip4/1.2.3.4/tcp/1'] }], 'peer id'],
    ['p2p.peers', [{ peerId: PEER }], 'is required'],
    ['p2p.peers', [{ peerId: PEER, addrs: ['/ip4/1.2.3.4/tcp/1'], port: 1 }], 'unknown key'],
    ['p2p.peers', [{ peerId: PEER, addrs: ['/a/1'] }, { peerId: PEER, addrs: ['/a/1'] }], 'twice'],
    ['p2p.peers', Array.from({ length: 17 }, () => ({ peerId: PEER, addrs: Array.from({ length: 17 }, () => '/a/1') })), 'at most 16'],
    ['api', [], 'mapping'],
    ['api.host', 'bad host!', 'IP address or host name'],
    ['api.port', 70000, '[0, 65535]'],
    ['api.port', '8080', 'integer'],
    ['api.port', 1.5, 'integer'],
    ['blockCutting.maxTxs', 0, '[1, 16384]'],
    ['blockCutting.maxTxs', 20000, '[1, 16384]'],
    ['blockCutting.maxBytes', 10, '[1024,'],
    ['blockCutting.maxWaitMs', -1, '[0, 60000]'],
    ['blockCutting.maxInflightBlocks', 65, '[1, 64]'],
    ['blockCutting.cutEvery', 1, 'unknown key'],
    ['mempool.maxTxs', 0, 'integer'],
    ['mempool.maxBytes', 'lots', 'integer'],
    ['mempool.maxTxBytes', 100, '[256,'],
    ['mempool.maxQueueMs', 10, '[50,'],
    ['raft.tickMs', 0, 'integer'],
    ['raft.electionTicks', 1, '[2, 1000]'],
    ['raft.heartbeatTicks', 10, 'below raft.electionTicks'],
    ['raft.retainEntries', 0, 'integer'],
    ['log.level', 'loud', 'one of'],
    ['log.format', 'xml', 'one of'],
    ['log.colour', true, 'unknown key'],
    ['metrics.public', 'yes', 'true or false'],
    ['verifyWorkers', 17, '[0, 16]'],
    ['unknownTopLevel', 1, 'unknown key'],
  ];
  for (const [key, value, fragment] of bad) {
    it(`names ${key} when it is ${JSON.stringify(value)?.slice(0, 40) ?? 'absent'}`, () => {
      const issues = issuesOf(withKey(key, value));
      const named = issues.find((i) => i.key === key || i.key.startsWith(`${key}[`) || i.key.startsWith(`${key}.`));
      expect(named, JSON.stringify(issues)).toBeDefined();
      expect(named?.message).toContain(fragment);
    });
  }

  it('reports cross-key limits with both keys named', () => {
    expect(issuesOf({ ...BASE, mempool: { maxBytes: 2048, maxTxBytes: 4096 } })[0]?.key).toBe('mempool.maxTxBytes');
    expect(issuesOf({ ...BASE, mempool: { maxTxs: 5 }, blockCutting: { maxTxs: 10 } })[0]).toMatchObject({ key: 'blockCutting.maxTxs', message: expect.stringContaining('mempool.maxTxs') });
    expect(issuesOf({ ...BASE, mempool: { maxTxBytes: 8192 }, blockCutting: { maxBytes: 4096 } })[0]).toMatchObject({ key: 'mempool.maxTxBytes', message: expect.stringContaining('blockCutting.maxBytes') });
  });

  it('reports every problem at once, in one message naming each key', () => {
    try {
      parseConfig({ ...BASE, api: { port: -1 }, log: { level: 'x' }, extra: 1 }, '/x', 'node.yaml');
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('config node.yaml: 3 problems');
      for (const key of ['api.port', 'log.level', 'extra']) expect(message).toContain(`  ${key}: `);
    }
  });

  it('refuses a document that is not a mapping, and text that is not YAML or JSON', () => {
    expect(issuesOf(null)[0]?.key).toBe('');
    expect(issuesOf([1, 2])[0]?.message).toContain('mapping');
    expect(() => parseConfigText('a: [1, 2', '/x')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('not YAML or JSON') }));
    expect(() => parseConfigText('a: 1\na: 2\n', '/x')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('loads YAML and JSON files, and parses each multiaddr for real', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'node.yaml'), `dataDir: data\nkeyFile: key.json\ngenesisFile: genesis.json\np2p:\n  listen: [/ip4/127.0.0.1/tcp/7001]\napi: { port: 9000 }\nlog: { format: pretty }\n`);
    const yaml = await loadConfig(join(dir, 'node.yaml'));
    expect([yaml.dataDir, yaml.api.port, yaml.log.format]).toEqual([join(dir, 'data'), 9000, 'pretty']);
    writeFileSync(join(dir, 'node.json'), JSON.stringify(BASE));
    expect((await loadConfig(join(dir, 'node.json'))).p2p.peers[0]?.peerId).toBe(PEER);
    writeFileSync(join(dir, 'bad-addr.json'), JSON.stringify({ ...BASE, p2p: { listen: ['/ip4/999.1.1.1/tcp/1'] } }));
    await expect(loadConfig(join(dir, 'bad-addr.json'))).rejects.toMatchObject({ code: 'CONFIG_INVALID', issues: [expect.objectContaining({ key: 'p2p.listen[0]' })] });
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'CONFIG_UNREADABLE' });
  });
});
