// Runs one node from its configuration: the LedgerNode, its HTTP API and metrics, and the logger.
// `tradeledger node start` and the node process entry (main.ts) both come through here.

import './p2p/polyfill.js';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { readKeyFile, toHex } from '@tradeledger/ledger';
import { TokenVerifier } from './access-tokens.js';
import { createApiServer } from './http/server.js';
import { NodeApiService } from './http/service.js';
import { LedgerNode } from './ledger-node.js';
import { loadGenesisFile, type NodeConfig } from './node-config.js';
import { NodeMetrics } from './node-metrics.js';

export interface RunningNode {
  readonly node: LedgerNode;
  readonly apiUrl: string;
  readonly peerId: string;
  readonly p2pAddrs: readonly string[];
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** One line per record for people at a terminal: time, level, message, then the fields. */
function prettyStream(): Writable {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        try {
          const { time, level, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
          process.stderr.write(`${new Date(time as number).toISOString().slice(11, 23)} ${(names[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')} ${fields}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

export function createLogger(config: NodeConfig['log']): Logger {
  return config.format === 'pretty' ? pino({ level: config.level }, prettyStream()) : pino({ level: config.level }, pino.destination(2));
}

export async function runNode(config: NodeConfig, options: { logger?: Logger } = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger(config.log);
  const key = readKeyFile(config.keyFile, { warn: (message) => logger.warn({ keyFile: config.keyFile }, message) });
  const genesis = loadGenesisFile(config.genesisFile);
  const metrics = new NodeMetrics({ processMetrics: true });
  const node = await LedgerNode.start({
    dataDir: config.dataDir,
    seed: key.seed,
    genesis,
    listen: config.p2p.listen,
    peers: config.p2p.peers,
    blockCutting: config.blockCutting,
    mempool: config.mempool,
    tickMs: config.raft.tickMs,
    electionTicks: config.raft.electionTicks,
    heartbeatTicks: config.raft.heartbeatTicks,
    logger,
    verifyWorkers: config.verifyWorkers,
    raftRetainEntries: config.raft.retainEntries,
  });
  let lastLeader: string | null = null;
  node.onBlockApplied = ({ block, commit, applyMs }) => {
    metrics.blocksCommitted.inc();
    metrics.blockSizeTxs.observe(block.txs.length);
    metrics.applyLatencyMs.observe(applyMs);
    metrics.height.set(commit.height);
    let ok = 0;
    for (const entry of commit.txIndex) if (entry.result.ok) ok++;
    metrics.txsCommitted.inc({ result: 'ok' }, ok);
    metrics.txsCommitted.inc({ result: 'rejected' }, commit.txIndex.length - ok);
  };
  const gauges = setInterval(() => {
    const status = node.status();
    metrics.raftTerm.set(status.term);
    metrics.isLeader.set(status.role === 'leader' ? 1 : 0);
    metrics.mempoolDepth.set(status.mempool.size);
    metrics.peersConnected.set(status.peers.filter((p) => p.connected).length);
    if (status.leader !== lastLeader) {
      if (status.leader !== null) metrics.raftLeaderChanges.inc();
      lastLeader = status.leader;
    }
  }, 1000);
  gauges.unref();

  const server = createApiServer({ service: new NodeApiService(node), tokens: new TokenVerifier(config.dataDir), metrics, publicMetrics: config.metrics.public });
  server.requestTimeout = 150_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.api.port, config.api.host, () => resolve());
    });
  } catch (error) {
    clearInterval(gauges);
    await node.stop();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const apiUrl = `http://${host}:${address.port}`;
  logger.info({ apiUrl, peerId: node.peerId, nodeKey: toHex(node.nodePublicKey), p2p: node.p2p.listenAddrs() }, 'node serving');
  let stopping: Promise<void> | undefined;
  return {
    node,
    apiUrl,
    peerId: node.peerId,
    p2pAddrs: node.p2p.listenAddrs(),
    logger,
    stop() {
      stopping ??= (async () => {
        clearInterval(gauges);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await node.stop();
      })();
      return stopping;
    },
  };
}
