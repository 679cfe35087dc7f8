// The node's Prometheus metrics: one registry per node (never prom-client's global one, so two nodes
// in one process or one test do not share numbers), and a typed object the node core and the API
// update. Exposed at /metrics in the Prometheus text format.
//
// Label values are bounded: routes are the API's route templates (not raw paths), rejection codes
// and their sources are capped at METRICS_MAX_LABEL_VALUES distinct values (then 'OTHER'), so a
// client sending junk cannot grow the registry.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { P2PCounterSample } from './p2p/counters.js';

/** Distinct values one free-form label (a rejection code, a source) may take before 'OTHER'. */
export const METRICS_MAX_LABEL_VALUES = 256;
const LABEL_VALUE_PATTERN = /^[A-Za-z0-9_./:{}-]{1,64}$/;

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type RejectionSource = 'api' | 'mempool' | 'forward' | 'p2p' | 'apply' | 'sync';

export interface BlockAppliedSample {
  readonly height: number;
  readonly txs: number;
  /** Of `txs`, those recorded invalid (no effect) at apply. */
  readonly invalidTxs: number;
  readonly bytes: number;
  readonly applyMs: number;
}

class BoundedLabel {
  private readonly values = new Set<string>();
  constructor(private readonly limit: number) {}
  value(raw: string): string {
    if (!LABEL_VALUE_PATTERN.test(raw)) return 'OTHER';
    if (this.values.has(raw)) return raw;
    if (this.values.size >= this.limit) return 'OTHER';
    this.values.add(raw);
    return raw;
  }
}

export interface NodeMetricsOptions {
  /** Also export process metrics (CPU, memory, event-loop lag, GC) as `tradeledger_process_*` and `tradeledger_nodejs_*`. */
  readonly processMetrics?: boolean;
}

export class NodeMetrics {
  readonly registry = new Registry();

  private readonly blocksCommitted: Counter<never>;
  private readonly txsCommitted: Counter<'result'>;
  private readonly blockTxs: Histogram<never>;
  private readonly blockBytes: Histogram<never>;
  private readonly applySeconds: Histogram<never>;
  private readonly height: Gauge<never>;
  private readonly raftElections: Counter<never>;
  private readonly raftTerm: Gauge<never>;
  private readonly raftLeader: Gauge<never>;
  private readonly mempoolTxs: Gauge<never>;
  private readonly mempoolBytes: Gauge<never>;
  private readonly peerConnections: Gauge<never>;
  private readonly rejected: Counter<'source' | 'code'>;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private readonly httpConnectionsDropped: Counter;
  private readonly httpSeconds: Histogram<'route'>;
  private readonly rejectionCodes = new BoundedLabel(METRICS_MAX_LABEL_VALUES);
  private readonly httpRoutes = new BoundedLabel(METRICS_MAX_LABEL_VALUES);
  private p2pSource: (() => readonly P2PCounterSample[]) | undefined;

  constructor(options: NodeMetricsOptions = {}) {
    const registers = [this.registry];
    this.blocksCommitted = new Counter({ name: 'tradeledger_blocks_committed_total', help: 'Blocks applied on this node', registers });
    this.txsCommitted = new Counter({ name: 'tradeledger_txs_committed_total', help: 'Transactions in applied blocks, by validation result (ok: took effect; invalid: recorded with a code, no effect)', labelNames: ['result'], registers });
    this.blockTxs = new Histogram({ name: 'tradeledger_block_txs', help: 'Transactions per applied block', buckets: [0, 1, 4, 16, 64, 256, 1024, 4096, 16384], registers });
    this.blockBytes = new Histogram({ name: 'tradeledger_block_bytes', help: 'Encoded size of applied blocks in bytes', buckets: [1024, 8192, 65536, 262144, 1048576, 4194304, 16777216, 33554432], registers });
    this.applySeconds = new Histogram({ name: 'tradeledger_block_apply_seconds', help: 'Time to verify and apply one block, in seconds', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
    this.height = new Gauge({ name: 'tradeledger_height', help: 'Height of the last applied block', registers });
    this.raftElections = new Counter({ name: 'tradeledger_raft_elections_total', help: 'Elections this node started (campaigns, pre-votes excluded)', registers });
    this.raftTerm = new Gauge({ name: 'tradeledger_raft_term', help: 'Current Raft term', registers });
    this.raftLeader = new Gauge({ name: 'tradeledger_raft_is_leader', help: '1 when this node is the Raft leader', registers });
    this.mempoolTxs = new Gauge({ name: 'tradeledger_mempool_txs', help: 'Transactions held in the mempool (pending and in flight)', registers });
    this.mempoolBytes = new Gauge({ name: 'tradeledger_mempool_bytes', help: 'Bytes held in the mempool', registers });
    this.peerConnections = new Gauge({ name: 'tradeledger_peer_connections', help: 'Member peers with an open connection', registers });
    this.rejected = new Counter({ name: 'tradeledger_rejected_inputs_total', help: 'Inputs refused, by where they came in and their error code', labelNames: ['source', 'code'], registers });
    this.httpRequests = new Counter({ name: 'tradeledger_http_requests_total', help: 'HTTP API requests by route template, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.httpConnectionsDropped = new Counter({ name: 'tradeledger_http_connections_dropped_total', help: 'Connections the HTTP API closed on arrival, before any answer, because it already held its maximum', registers });
    this.httpSeconds = new Histogram({ name: 'tradeledger_http_request_seconds', help: 'HTTP API request duration by route template, in seconds', labelNames: ['route'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers });

    const p2pMetric = (suffix: string, help: string, labelNames: Array<'protocol' | 'direction' | 'code'>) => {
      const name = suffix;
      const metrics = this;
      return new Counter({
        name: `tradeledger_p2p_${name}_total`,
        help,
        labelNames,
        registers,
        collect() {
          // The p2p layer keeps its own monotonic counters; mirror the latest snapshot.
          this.reset();
          for (const sample of metrics.p2pSource?.() ?? []) {
            if (sample.name !== name) continue;
            const labels: Partial<Record<'protocol' | 'direction' | 'code', string>> = {};
            for (const label of labelNames) labels[label] = sample.labels[label] ?? '';
            this.inc(labels, sample.value);
          }
        },
      });
    };
    p2pMetric('frames_in', 'Frames received and handled, by protocol', ['protocol']);
    p2pMetric('frames_out', 'Frames written, by protocol', ['protocol']);
    p2pMetric('frames_malformed', 'Frames refused as malformed, by protocol', ['protocol']);
    p2pMetric('frames_oversized', 'Frames refused as oversized, by protocol', ['protocol']);
    p2pMetric('stream_errors', 'Inbound streams ended by a transport error, by protocol', ['protocol']);
    p2pMetric('handler_errors', 'Protocol handlers that threw or timed out, by protocol', ['protocol']);
    p2pMetric('request_failures', 'Outgoing requests that failed, by protocol and code', ['protocol', 'code']);
    p2pMetric('gater_refused', 'Connections refused by the membership gater, by direction', ['direction']);
    p2pMetric('reconnect_attempts', 'Dial attempts of the reconnect loop', []);
    p2pMetric('reconnect_failures', 'Failed dial attempts of the reconnect loop', []);

    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'tradeledger_' });
  }

  blockApplied(sample: BlockAppliedSample): void {
    if (!(sample.invalidTxs >= 0 && sample.invalidTxs <= sample.txs)) throw new Error(`assert: invalidTxs ${sample.invalidTxs} within 0..${sample.txs}`);
    this.blocksCommitted.inc();
    if (sample.txs - sample.invalidTxs > 0) this.txsCommitted.inc({ result: 'ok' }, sample.txs - sample.invalidTxs);
    if (sample.invalidTxs > 0) this.txsCommitted.inc({ result: 'invalid' }, sample.invalidTxs);
    this.blockTxs.observe(sample.txs);
    this.blockBytes.observe(sample.bytes);
    this.applySeconds.observe(sample.applyMs / 1000);
    this.height.set(sample.height);
  }

  electionStarted(): void {
    this.raftElections.inc();
  }

  raftState(state: { term: number; isLeader: boolean }): void {
    this.raftTerm.set(state.term);
    this.raftLeader.set(state.isLeader ? 1 : 0);
  }

  mempoolDepth(depth: { txs: number; bytes: number }): void {
    this.mempoolTxs.set(depth.txs);
    this.mempoolBytes.set(depth.bytes);
  }

  peersConnected(count: number): void {
    this.peerConnections.set(count);
  }

  inputRejected(source: RejectionSource, code: string): void {
    this.rejected.inc({ source, code: this.rejectionCodes.value(code) });
  }

  httpRequest(route: string, method: string, status: number, durationMs: number): void {
    const routeLabel = this.httpRoutes.value(route);
    this.httpRequests.inc({ route: routeLabel, method, status: String(status) });
    this.httpSeconds.observe({ route: routeLabel }, durationMs / 1000);
  }

  httpConnectionDropped(): void {
    this.httpConnectionsDropped.inc();
  }

  /** Mirrors the p2p layer's counters (P2PHost.counters.snapshot) at every scrape. */
  observeP2P(snapshot: () => readonly P2PCounterSample[]): void {
    this.p2pSource = snapshot;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
