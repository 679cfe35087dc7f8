// Runs one node from its configuration: the LedgerNode, its HTTP API (api/server.ts) over
// LedgerNodeService, metrics and the logger. `tradeledger node start` and the node process entry
// (main.ts) both come through here.

import './p2p/polyfill.js';
import type { Logger } from 'pino';
import { readKeyFile, toHex } from '@tradeledger/ledger';
import { HttpApi } from './api/server.js';
import type { NodeConfig } from './config.js';
import { LedgerNode } from './ledger-node.js';
import { createLogger } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { loadGenesisFile } from './genesis-file.js';
import { LedgerNodeService } from './node-service.js';
import { TokenVerifier } from './tokens.js';

export interface RunningNode {
  readonly node: LedgerNode;
  readonly apiUrl: string;
  readonly peerId: string;
  readonly p2pAddrs: readonly string[];
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  stop(): Promise<void>;
}

export async function runNode(config: NodeConfig, options: { logger?: Logger } = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger({ level: config.log.level, format: config.log.format });
  const key = readKeyFile(config.keyFile, { warn: (message) => logger.warn({ keyFile: config.keyFile }, message) });
  const genesis = loadGenesisFile(config.genesisFile);
  if (config.chainId !== undefined && config.chainId !== genesis.chainId) {
    throw new Error(`config chainId ${config.chainId} differs from the genesis file's ${genesis.chainId}`);
  }
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
    raftRetainEntries: config.raft.retainEntries,
    logger,
    verifyWorkers: config.verifyWorkers,
  });
  metrics.observeP2P(() => node.p2p.counters.snapshot());
  node.onBlockApplied = ({ block, commit, applyMs }) => {
    let invalid = 0;
    for (const entry of commit.txIndex) if (!entry.result.ok) invalid++;
    metrics.blockApplied({ height: commit.height, txs: block.txs.length, invalidTxs: invalid, bytes: block.bytes.length, applyMs });
  };
  let lastTerm = -1;
  const gauges = setInterval(() => {
    const status = node.status();
    if (status.term !== lastTerm && status.role !== 'follower') metrics.electionStarted();
    lastTerm = status.term;
    metrics.raftState({ term: status.term, isLeader: status.role === 'leader' });
    metrics.mempoolDepth({ txs: status.mempool.size, bytes: status.mempool.bytes });
    metrics.peersConnected(status.peers.filter((p) => p.connected).length);
  }, 1000);
  gauges.unref();

  let api: HttpApi;
  try {
    api = await HttpApi.start({
      service: new LedgerNodeService(node),
      tokens: new TokenVerifier(config.dataDir),
      metrics,
      logger,
      host: config.api.host,
      port: config.api.port,
      metricsPublic: config.metrics.public,
    });
  } catch (error) {
    clearInterval(gauges);
    await node.stop();
    throw error;
  }
  logger.info({ apiUrl: api.url, peerId: node.peerId, nodeKey: toHex(node.nodePublicKey), p2p: node.p2p.listenAddrs() }, 'node serving');
  let stopping: Promise<void> | undefined;
  return {
    node,
    apiUrl: api.url,
    peerId: node.peerId,
    p2pAddrs: node.p2p.listenAddrs(),
    logger,
    metrics,
    stop() {
      stopping ??= (async () => {
        clearInterval(gauges);
        await api.close();
        await node.stop();
      })();
      return stopping;
    },
  };
}
