// The node's metrics: each typed update shows in the Prometheus text with its value, labels stay
// bounded, p2p counters are mirrored at scrape, and two nodes never share a registry.

import { describe, expect, it } from 'vitest';
import { METRICS_MAX_LABEL_VALUES, NodeMetrics } from '../src/metrics.js';
import { P2PCounters } from '../src/p2p/counters.js';

function line(text: string, prefix: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(prefix));
}

describe('NodeMetrics', () => {
  it('records applied blocks: counts, results, sizes, apply latency and height', async () => {
    const m = new NodeMetrics();
    m.blockApplied({ height: 7, txs: 10, invalidTxs: 2, bytes: 5000, applyMs: 12 });
    m.blockApplied({ height: 8, txs: 0, invalidTxs: 0, bytes: 300, applyMs: 1 });
    const text = await m.text();
    expect(line(text, 'tradeledger_blocks_committed_total ')).toBe('tradeledger_blocks_committed_total 2');
    expect(line(text, 'tradeledger_txs_committed_total{result="ok"}')).toBe('tradeledger_txs_committed_total{result="ok"} 8');
    expect(line(text, 'tradeledger_txs_committed_total{result="invalid"}')).toBe('tradeledger_txs_committed_total{result="invalid"} 2');
    expect(line(text, 'tradeledger_block_txs_sum')).toBe('tradeledger_block_txs_sum 10');
    expect(line(text, 'tradeledger_block_bytes_sum')).toBe('tradeledger_block_bytes_sum 5300');
    expect(Number(line(text, 'tradeledger_block_apply_seconds_sum')?.split(' ')[1])).toBeCloseTo(0.013, 9);
    expect(line(text, 'tradeledger_block_apply_seconds_bucket{le="0.005"}')).toBe('tradeledger_block_apply_seconds_bucket{le="0.005"} 1');
    expect(line(text, 'tradeledger_height ')).toBe('tradeledger_height 8');
    expect(() => m.blockApplied({ height: 9, txs: 1, invalidTxs: 2, bytes: 1, applyMs: 1 })).toThrow(/invalidTxs/);
  });

  it('records elections, raft state, mempool depth, peers, rejections and HTTP requests', async () => {
    const m = new NodeMetrics();
    m.electionStarted();
    m.electionStarted();
    m.raftState({ term: 5, isLeader: true });
    m.mempoolDepth({ txs: 42, bytes: 4200 });
    m.peersConnected(3);
    m.inputRejected('mempool', 'NONCE_REPLAY');
    m.inputRejected('mempool', 'NONCE_REPLAY');
    m.inputRejected('api', 'BODY_TOO_LARGE');
    m.httpRequest('/v1/tx', 'POST', 202, 3);
    const text = await m.text();
    expect(line(text, 'tradeledger_raft_elections_total ')).toBe('tradeledger_raft_elections_total 2');
    expect(line(text, 'tradeledger_raft_term ')).toBe('tradeledger_raft_term 5');
    expect(line(text, 'tradeledger_raft_is_leader ')).toBe('tradeledger_raft_is_leader 1');
    expect(line(text, 'tradeledger_mempool_txs ')).toBe('tradeledger_mempool_txs 42');
    expect(line(text, 'tradeledger_mempool_bytes ')).toBe('tradeledger_mempool_bytes 4200');
    expect(line(text, 'tradeledger_peer_connections ')).toBe('tradeledger_peer_connections 3');
    expect(line(text, 'tradeledger_rejected_inputs_total{source="mempool",code="NONCE_REPLAY"}')).toMatch(/ 2$/);
    expect(line(text, 'tradeledger_rejected_inputs_total{source="api",code="BODY_TOO_LARGE"}')).toMatch(/ 1$/);
    expect(line(text, 'tradeledger_http_requests_total{route="/v1/tx",method="POST",status="202"}')).toMatch(/ 1$/);
    expect(line(text, 'tradeledger_http_request_seconds_count{route="/v1/tx"}')).toMatch(/ 1$/);
  });

  it(`bounds label values: junk and more than ${METRICS_MAX_LABEL_VALUES} distinct codes become OTHER`, async () => {
    const m = new NodeMetrics();
    m.inputRejected('api', 'has "quotes" and spaces');
    for (let i = 0; i < METRICS_MAX_LABEL_VALUES + 50; i++) m.inputRejected('api', `CODE_${i}`);
    const text = await m.text();
    const series = text.split('\n').filter((l) => l.startsWith('tradeledger_rejected_inputs_total{'));
    expect(series).toHaveLength(METRICS_MAX_LABEL_VALUES + 1);
    expect(line(text, 'tradeledger_rejected_inputs_total{source="api",code="OTHER"}')).toMatch(/ 51$/);
  });

  it('mirrors the p2p counters at every scrape', async () => {
    const m = new NodeMetrics();
    const counters = new P2PCounters();
    m.observeP2P(() => counters.snapshot());
    counters.inc('frames_malformed', { protocol: '/tradeledger/raft/1' }, 3);
    counters.inc('gater_refused', { direction: 'inbound' });
    let text = await m.text();
    expect(line(text, 'tradeledger_p2p_frames_malformed_total{protocol="/tradeledger/raft/1"}')).toMatch(/ 3$/);
    expect(line(text, 'tradeledger_p2p_gater_refused_total{direction="inbound"}')).toMatch(/ 1$/);
    counters.inc('frames_malformed', { protocol: '/tradeledger/raft/1' }, 2);
    text = await m.text();
    expect(line(text, 'tradeledger_p2p_frames_malformed_total{protocol="/tradeledger/raft/1"}')).toMatch(/ 5$/);
  });

  it('gives each node its own registry, and process metrics only when asked', async () => {
    const a = new NodeMetrics();
    const b = new NodeMetrics({ processMetrics: true });
    a.peersConnected(1);
    b.peersConnected(2);
    expect(line(await a.text(), 'tradeledger_peer_connections ')).toBe('tradeledger_peer_connections 1');
    expect(line(await b.text(), 'tradeledger_peer_connections ')).toBe('tradeledger_peer_connections 2');
    expect(await a.text()).not.toContain('tradeledger_process_');
    expect(await a.text()).not.toContain('tradeledger_nodejs_');
    expect(await b.text()).toContain('tradeledger_process_resident_memory_bytes');
  });
});
