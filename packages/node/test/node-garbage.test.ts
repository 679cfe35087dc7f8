// A member peer sending garbage on every node protocol (wrong shapes, impostor Raft messages,
// bad values): each input is refused and counted, the node keeps serving, and its ledger is
// unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '@tradeledger/ledger';
import { LedgerNode } from '../src/ledger-node.js';
import { P2PHost, type OneWayProtocol, type RequestProtocol } from '../src/p2p/index.js';
import { FORWARD_CATCH_UP_MAX_MS } from '../src/constants.js';
import { ATTACHMENT_PROTOCOL, FORWARD_PROTOCOL, RAFT_PROTOCOL, SYNC_PROTOCOL } from '../src/protocols.js';
import { exampleGenesisWithNodes, exampleNodeIdentity, freePort, waitFor } from './support/example-network.js';

const root = mkdtempSync(join(tmpdir(), 'tl-garbage-'));
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  rmSync(root, { recursive: true, force: true });
});

const loose = <P extends { id: string }>(protocol: P) => ({ ...protocol, parse: (v: unknown) => v, parseRequest: (v: unknown) => v, parseResponse: (v: unknown) => v });

describe('garbage from a member peer', () => {
  it('is refused on every protocol without changing the ledger or stopping the node', async () => {
    // Two organizations run nodes in genesis; only the customs node runs: the other identity is
    // the (member) attacker, so the gater lets it in.
    const genesis = exampleGenesisWithNodes(['customs', 'producer']);
    const customs = exampleNodeIdentity('customs');
    const attackerId = exampleNodeIdentity('producer');
    const [nodePort, attackerPort] = [await freePort(), await freePort()];
    const logger = pino({ level: 'silent' });
    const node = await LedgerNode.start({
      dataDir: join(root, 'customs'),
      seed: customs.seed,
      genesis,
      listen: [`/ip4/127.0.0.1/tcp/${nodePort}`],
      peers: [{ peerId: attackerId.peerId, addrs: [`/ip4/127.0.0.1/tcp/${attackerPort}`] }],
      blockCutting: { maxTxs: 16, maxBytes: 1 << 20, maxWaitMs: 5, maxInflightBlocks: 2 },
      mempool: { maxTxs: 100, maxBytes: 1 << 24, maxTxBytes: 1 << 20 },
      tickMs: 20,
      electionTicks: 10,
      heartbeatTicks: 2,
      logger,
      verifyWorkers: 0,
    });
    closers.push(() => node.stop());
    const attacker = await P2PHost.create({ seed: attackerId.seed, listen: [`/ip4/127.0.0.1/tcp/${attackerPort}`], peers: [{ peerId: customs.peerId, addrs: [`/ip4/127.0.0.1/tcp/${nodePort}`] }], isAllowedPeer: () => true, logger });
    await attacker.start();
    closers.push(() => attacker.stop());
    await waitFor('a connection', () => attacker.isConnected(customs.peerId));
    const before = await node.store.head();

    const raft = loose(RAFT_PROTOCOL) as unknown as OneWayProtocol<unknown>;
    const garbageMessages: unknown[] = [
      { hello: 'world' },
      [1, 2, 3],
      'just a string',
      { type: 'app', from: 'not-me', to: node.peerId, term: 99, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 },
      { type: 'vote', from: attackerId.peerId, to: node.peerId, term: -1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 },
      { type: 'app', from: attackerId.peerId, to: node.peerId, term: 1, logTerm: 0, index: 0, entries: [{ index: 1, term: 1, type: 'weird', data: new Uint8Array(3) }], commit: 0, reject: false, rejectHint: 0 },
    ];
    for (const message of garbageMessages) attacker.sendOneWay(customs.peerId, raft, message);

    const requests: Array<[RequestProtocol<unknown, unknown>, unknown]> = [
      [loose(FORWARD_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { txs: 'not bytes' }],
      [loose(FORWARD_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { txs: [] }],
      [loose(FORWARD_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { tx: new Uint8Array([0xc1, 0xc1]) }],
      [loose(FORWARD_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { txs: [new Uint8Array([0xc1])], appliedIndex: -1 }],
      [loose(SYNC_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { fromHeight: -5, maxBlocks: 1e9 }],
      [loose(SYNC_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { fromHeight: 1, maxBlocks: 5, extra: true }],
      [loose(ATTACHMENT_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, { hash: '../../etc/passwd' }],
      [loose(ATTACHMENT_PROTOCOL) as unknown as RequestProtocol<unknown, unknown>, 42],
    ];
    const codes: string[] = [];
    for (const [protocol, value] of requests) {
      await attacker.request(customs.peerId, protocol, value, { timeoutMs: 5_000 }).then(
        () => codes.push('ANSWERED'),
        (error: { code?: string }) => codes.push(error.code ?? 'NO_CODE'),
      );
    }
    expect(codes).not.toContain('ANSWERED');
    expect(codes.every((code) => /^[A-Z][A-Z0-9_]+$/.test(code))).toBe(true);

    // A well-formed batch of garbage transactions is answered, each refused with a code of its
    // own (this node has no quorum, so it is not the leader and refuses them all as NOT_LEADER).
    // It claims to have applied far more than this node ever will: that costs at most
    // FORWARD_CATCH_UP_MAX_MS before the batch is judged on this node's state.
    const askedAt = performance.now();
    const verdicts = (await attacker.request(customs.peerId, FORWARD_PROTOCOL, { txs: [new Uint8Array([0xc1, 0xc1]), new Uint8Array(0), new Uint8Array(300).fill(0x93)], appliedIndex: 2 ** 50 }, { timeoutMs: 5_000 })).results;
    expect(performance.now() - askedAt).toBeLessThan(FORWARD_CATCH_UP_MAX_MS + 1_500);
    expect(verdicts).toHaveLength(3);
    expect(verdicts.every((v) => 'code' in v && /^[A-Z][A-Z0-9_]+$/.test(v.code))).toBe(true);

    // The node is alive and has not halted, and its ledger is unchanged.
    const after = await node.store.head();
    expect(toHex(after!.blockHash)).toBe(toHex(before!.blockHash));
    expect(node.halted).toBeUndefined();
    expect(node.status().peerId).toBe(customs.peerId);
    expect(node.p2p.counters.total('frames_malformed') + node.p2p.counters.total('handler_errors')).toBeGreaterThan(0);
  });
});
