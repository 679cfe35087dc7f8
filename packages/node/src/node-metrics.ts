// Prometheus metrics of one node (prom-client, its own registry so several nodes can share a
// process in tests). The node runtime and the HTTP layer update these; /metrics renders them.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly blocksCommitted = new Counter({ name: 'tradeledger_blocks_committed_total', help: 'Blocks applied to the ledger', registers: [this.registry] });
  readonly txsCommitted = new Counter({ name: 'tradeledger_txs_committed_total', help: 'Transactions in applied blocks, by result', labelNames: ['result'], registers: [this.registry] });
  readonly blockSizeTxs = new Histogram({ name: 'tradeledger_block_size_txs', help: 'Transactions per applied block', buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384], registers: [this.registry] });
  readonly applyLatencyMs = new Histogram({ name: 'tradeledger_block_apply_ms', help: 'Milliseconds to verify and apply a block', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000], registers: [this.registry] });
  readonly height = new Gauge({ name: 'tradeledger_height', help: 'Height of the last applied block', registers: [this.registry] });
  readonly raftTerm = new Gauge({ name: 'tradeledger_raft_term', help: 'Current Raft term', registers: [this.registry] });
  readonly raftLeaderChanges = new Counter({ name: 'tradeledger_raft_leader_changes_total', help: 'Leader changes seen by this node (elections)', registers: [this.registry] });
  readonly isLeader = new Gauge({ name: 'tradeledger_raft_is_leader', help: '1 when this node leads', registers: [this.registry] });
  readonly mempoolDepth = new Gauge({ name: 'tradeledger_mempool_txs', help: 'Transactions held in the mempool (pending and in flight)', registers: [this.registry] });
  readonly peersConnected = new Gauge({ name: 'tradeledger_peers_connected', help: 'Member peers connected', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'tradeledger_rejected_total', help: 'Rejected inputs by code (API and peers)', labelNames: ['code'], registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'tradeledger_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'tradeledger_process_' });
  }
}
