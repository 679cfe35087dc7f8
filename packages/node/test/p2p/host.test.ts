// P2PHost over real TCP on 127.0.0.1 (port 0): membership gating in both directions, one-way
// and request protocols between three hosts, garbage from a raw libp2p peer on every protocol,
// reconnect after a restart on the same port, and the bound on a stalled peer's queue.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeError } from '../../src/errors.js';
import { encodeFrame } from '../../src/p2p/framing.js';
import { REQUEST_MAX_IN_FLIGHT } from '../../src/p2p/constants.js';
import { P2PHost, type OneWayProtocol, type P2PHostOptions, type RequestProtocol } from '../../src/p2p/host.js';
import { identityFromSeed } from '../../src/p2p/identity.js';
import { parseMultiaddr } from '../../src/p2p/multiaddr.js';

const logger = pino({ level: process.env.TL_P2P_LOG ?? 'silent' });

interface Vote {
  readonly term: number;
  readonly seq: number;
  readonly note: string;
}

function parseVote(value: unknown): Vote {
  if (typeof value !== 'object' || value === null) throw new Error('not a map');
  const { term, seq, note } = value as Record<string, unknown>;
  if (typeof term !== 'number' || typeof seq !== 'number' || typeof note !== 'string') throw new Error('vote needs term, seq, note');
  return { term, seq, note };
}

const RAFT: OneWayProtocol<Vote> = { id: '/tl-test/raft/1', maxFrameBytes: 1024, parse: parseVote };

interface EchoRequest {
  readonly text: string;
  readonly delayMs?: number;
  readonly fail?: string;
}
interface EchoResponse {
  readonly echoed: string;
  readonly by: string;
}

const ECHO: RequestProtocol<EchoRequest, EchoResponse> = {
  id: '/tl-test/echo/1',
  maxRequestBytes: 512,
  maxResponseBytes: 512,
  parseRequest: (value) => {
    const { text, delayMs, fail } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof text !== 'string') throw new Error('text must be a string');
    return { text, ...(typeof delayMs === 'number' ? { delayMs } : {}), ...(typeof fail === 'string' ? { fail } : {}) };
  },
  parseResponse: (value) => {
    const { echoed, by } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof echoed !== 'string' || typeof by !== 'string') throw new Error('echo answer needs echoed and by');
    return { echoed, by };
  },
};

const hosts: P2PHost[] = [];
const raws: Libp2p[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  await Promise.all(raws.splice(0).map((r) => r.stop()));
});

function seedOf(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

async function peerIdOf(n: number): Promise<string> {
  return (await identityFromSeed(seedOf(n))).peerIdString;
}

interface TestHost {
  readonly host: P2PHost;
  readonly votes: Array<{ from: string; vote: Vote }>;
  readonly allowed: Set<string>;
}

async function startHost(n: number, allowed: Set<string>, extra: Partial<P2PHostOptions> = {}): Promise<TestHost> {
  const votes: Array<{ from: string; vote: Vote }> = [];
  const host = await P2PHost.create({
    seed: seedOf(n),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    peers: [],
    isAllowedPeer: (id) => allowed.has(id),
    logger,
    reconnectBaseDelayMs: 50,
    reconnectMaxDelayMs: 400,
    reconnectStableAfterMs: 300,
    dialTimeoutMs: 2_000,
    ...extra,
  });
  hosts.push(host);
  await host.registerOneWay(RAFT, (from, vote) => votes.push({ from, vote }));
  await host.registerRequest(ECHO, async (_from, request) => {
    if (request.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
    if (request.fail !== undefined) throw new NodeError(request.fail, `asked to fail with ${request.fail}`);
    return { echoed: request.text, by: host.peerId };
  });
  await host.start();
  return { host, votes, allowed };
}

/** A bare libp2p node (no gater, no framing) standing in for a buggy or hostile member. */
async function startRaw(n: number): Promise<Libp2p> {
  const identity = await identityFromSeed(seedOf(n));
  const node = await createLibp2p({
    privateKey: identity.privateKey,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  raws.push(node);
  return node;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function peerConfig(...others: TestHost[]): Array<{ peerId: string; addrs: string[] }> {
  return others.map((o) => ({ peerId: o.host.peerId, addrs: o.host.listenAddrs() }));
}

async function rejection(promise: Promise<unknown>): Promise<NodeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return error as NodeError;
  }
  throw new Error('expected a rejection');
}

describe('P2PHost', () => {
  it('three members connect from their configs and exchange ordered one-way frames and requests', async () => {
    const ids = new Set(await Promise.all([1, 2, 3].map(peerIdOf)));
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => startHost(n, ids)));
    if (a === undefined || b === undefined || c === undefined) throw new Error('three hosts');
    await a.host.updatePeers(peerConfig(b, c));
    await b.host.updatePeers(peerConfig(a, c));
    await c.host.updatePeers(peerConfig(a, b));
    await waitFor(() => [a, b, c].every((x) => x.host.peers().filter((p) => p.connected).length === 2), 'a full mesh');

    for (let seq = 0; seq < 200; seq++) {
      expect(a.host.sendOneWay(b.host.peerId, RAFT, { term: 1, seq, note: 'a→b' })).toBe('queued');
      expect(c.host.sendOneWay(b.host.peerId, RAFT, { term: 2, seq, note: 'c→b' })).toBe('queued');
    }
    expect(b.host.sendOneWay(a.host.peerId, RAFT, { term: 3, seq: 0, note: 'b→a' })).toBe('queued');
    await waitFor(() => b.votes.length === 400 && a.votes.length === 1, 'all one-way frames');
    const fromA = b.votes.filter((v) => v.from === a.host.peerId).map((v) => v.vote.seq);
    const fromC = b.votes.filter((v) => v.from === c.host.peerId).map((v) => v.vote.seq);
    expect(fromA).toEqual([...Array(200).keys()]);
    expect(fromC).toEqual([...Array(200).keys()]);
    expect(a.votes[0]).toEqual({ from: b.host.peerId, vote: { term: 3, seq: 0, note: 'b→a' } });
    expect(b.host.counters.get('frames_in', { protocol: RAFT.id })).toBe(400);
    expect(a.host.counters.get('frames_out', { protocol: RAFT.id })).toBe(200);

    const answers = await Promise.all([
      a.host.request(b.host.peerId, ECHO, { text: 'hello b' }, { timeoutMs: 2_000 }),
      c.host.request(a.host.peerId, ECHO, { text: 'hello a' }, { timeoutMs: 2_000 }),
      b.host.request(c.host.peerId, ECHO, { text: 'hello c' }, { timeoutMs: 2_000 }),
    ]);
    expect(answers).toEqual([
      { echoed: 'hello b', by: b.host.peerId },
      { echoed: 'hello a', by: a.host.peerId },
      { echoed: 'hello c', by: c.host.peerId },
    ]);
    expect(b.host.counters.get('requests_served', { protocol: ECHO.id })).toBe(1);

    // A handler's coded error crosses the wire with its code.
    const notLeader = await rejection(a.host.request(b.host.peerId, ECHO, { text: 'x', fail: 'NOT_LEADER' }, { timeoutMs: 2_000 }));
    expect(notLeader.code).toBe('NOT_LEADER');
    expect(notLeader.message).toMatch(/asked to fail with NOT_LEADER/);
    // A slow handler costs the caller a PEER_TIMEOUT, not a hang.
    const started = Date.now();
    const slow = await rejection(a.host.request(b.host.peerId, ECHO, { text: 'x', delayMs: 1_500 }, { timeoutMs: 300 }));
    expect(slow.code).toBe('PEER_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_400);
    // An unserved protocol and a request over the limit are coded too.
    const other: RequestProtocol<string, string> = { ...ECHO, id: '/tl-test/none/1', parseRequest: String, parseResponse: String };
    expect((await rejection(a.host.request(b.host.peerId, other, 'x', { timeoutMs: 2_000 }))).code).toBe('PEER_PROTOCOL_UNSUPPORTED');
    expect((await rejection(a.host.request(b.host.peerId, ECHO, { text: 'y'.repeat(600) }, { timeoutMs: 2_000 }))).code).toBe('FRAME_TOO_LARGE');
    expect(a.host.counters.get('request_failures', { protocol: ECHO.id, code: 'PEER_TIMEOUT' })).toBe(1);

    const status = a.host.peers();
    expect(status.map((p) => p.peerId)).toEqual([b.host.peerId, c.host.peerId].sort());
    for (const p of status) {
      expect(p).toMatchObject({ configured: true, allowed: true, connected: true, consecutiveDialFailures: 0 });
      expect(p.connectedSinceMs).toBeGreaterThan(0);
      expect(p.remoteAddrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);
    }
  });

  it('queues requests beyond the per-peer stream limit instead of failing them', async () => {
    const ids = new Set(await Promise.all([31, 32].map(peerIdOf)));
    const [a, b] = await Promise.all([31, 32].map((n) => startHost(n, ids)));
    if (a === undefined || b === undefined) throw new Error('two hosts');
    await a.host.updatePeers(peerConfig(b));
    await waitFor(() => a.host.peers().some((p) => p.connected), 'a connection');
    // Five times the in-flight limit at once, right after connecting (a burst that used to exceed
    // yamux's 10 early streams and tear the connection down), each answered after 50 ms: all
    // wait their turn.
    const texts = Array.from({ length: REQUEST_MAX_IN_FLIGHT * 5 }, (_, i) => `q${i}`);
    const answers = await Promise.all(texts.map((text) => a.host.request(b.host.peerId, ECHO, { text, delayMs: 50 }, { timeoutMs: 20_000 })));
    expect(answers.map((x) => x.echoed)).toEqual(texts);
    expect(b.host.counters.get('requests_served', { protocol: ECHO.id })).toBe(texts.length);
    // A request still waiting for a slot when its deadline passes fails with PEER_BUSY.
    const blockers = Array.from({ length: REQUEST_MAX_IN_FLIGHT }, () => a.host.request(b.host.peerId, ECHO, { text: 'slow', delayMs: 800 }, { timeoutMs: 5_000 }));
    const late = await rejection(a.host.request(b.host.peerId, ECHO, { text: 'late' }, { timeoutMs: 200 }));
    expect(late.code).toBe('PEER_BUSY');
    expect(late.message).toMatch(/no request slot of \d+ came free within 200 ms/);
    await Promise.all(blockers);
    // Stopping the host fails requests still waiting for a slot at once, not at their deadline.
    const busy = Array.from({ length: REQUEST_MAX_IN_FLIGHT }, () => a.host.request(b.host.peerId, ECHO, { text: 'slow', delayMs: 1_000 }, { timeoutMs: 20_000 }).catch((error: unknown) => error));
    const waiting = rejection(a.host.request(b.host.peerId, ECHO, { text: 'waiting' }, { timeoutMs: 20_000 }));
    const stoppedAt = Date.now();
    await a.host.stop();
    expect((await waiting).code).toBe('P2P_NOT_STARTED');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await Promise.all(busy);
  });

  it('refuses an unlisted peer in both directions and counts it', async () => {
    const [idA, idB, idX] = await Promise.all([1, 2, 9].map(peerIdOf));
    if (idA === undefined || idB === undefined || idX === undefined) throw new Error('ids');
    const a = await startHost(1, new Set([idA, idB]));
    // X would accept anyone, so any refusal is A's.
    const x = await startHost(9, new Set([idA, idB, idX]));
    await x.host.updatePeers(peerConfig(a));
    await a.host.updatePeers(peerConfig(x)); // configured, but not a member

    await waitFor(() => a.host.counters.get('gater_refused', { direction: 'inbound' }) >= 2, 'A refusing X inbound twice (X retries)');
    // A never holds a connection to X (it is refused before libp2p registers it). X may see its
    // side open for a moment: the handshake completes before A's gater closes it.
    expect(a.host.isConnected(idX)).toBe(false);
    expect(a.host.peers().find((p) => p.peerId === idX)?.connections).toBe(0);
    // To X the handshake completes and A then closes: X counts that as a failure and backs off.
    await waitFor(() => (x.host.peers().find((p) => p.peerId === idA)?.consecutiveDialFailures ?? 0) >= 2, 'X backing off');
    expect(x.host.counters.get('reconnect_failures')).toBeGreaterThanOrEqual(2);
    expect(x.host.peers().find((p) => p.peerId === idA)?.lastDialError).toMatch(/closed within 300 ms of opening/);
    // X's explicit request is refused at A as well.
    const inbound = await rejection(x.host.request(idA, ECHO, { text: 'let me in' }, { timeoutMs: 2_000 }));
    expect(['PEER_UNREACHABLE', 'PEER_CLOSED_STREAM', 'PEER_TIMEOUT']).toContain(inbound.code);
    expect(a.host.counters.get('requests_served', { protocol: ECHO.id })).toBe(0);

    // A never dials X: its reconnect loop skips non-members and the gater refuses explicit dials.
    const outbound = await rejection(a.host.request(idX, ECHO, { text: 'hi' }, { timeoutMs: 2_000 }));
    expect(outbound.code).toBe('PEER_NOT_ALLOWED');
    expect(a.host.counters.get('gater_refused', { direction: 'dial' })).toBe(1);
    expect(a.host.counters.get('reconnect_attempts')).toBe(0);
    expect(x.host.counters.get('gater_refused')).toBe(0);
    expect(a.host.sendOneWay(idX, RAFT, { term: 1, seq: 1, note: 'never' })).toBe('dropped-unconnected');
    expect(a.host.peers().find((p) => p.peerId === idX)).toMatchObject({ configured: true, allowed: false, connected: false });
  });

  it('disconnects a peer removed from the allow-list at runtime and keeps it out', async () => {
    const ids = new Set(await Promise.all([1, 2].map(peerIdOf)));
    const a = await startHost(1, new Set(ids));
    const b = await startHost(2, new Set(ids));
    await a.host.updatePeers(peerConfig(b));
    await b.host.updatePeers(peerConfig(a));
    await waitFor(() => a.host.isConnected(b.host.peerId) && b.host.isConnected(a.host.peerId), 'A and B connected');

    a.allowed.delete(b.host.peerId);
    expect(await a.host.enforceAllowList()).toBe(1);
    await waitFor(() => !a.host.isConnected(b.host.peerId) && !b.host.isConnected(a.host.peerId), 'the connection closed on both sides');
    expect(a.host.counters.get('disconnected_not_allowed')).toBe(1);
    // B keeps retrying; A keeps refusing.
    const refusedBefore = a.host.counters.get('gater_refused', { direction: 'inbound' });
    await waitFor(() => a.host.counters.get('gater_refused', { direction: 'inbound' }) > refusedBefore, 'B retrying and being refused');
    expect(a.host.isConnected(b.host.peerId)).toBe(false);
    expect(a.host.sendOneWay(b.host.peerId, RAFT, { term: 1, seq: 0, note: 'x' })).toBe('dropped-unconnected');
    expect(a.host.peers().find((p) => p.peerId === b.host.peerId)?.allowed).toBe(false);

    // Readmitted (e.g. governance re-adds the member): they reconnect on their own.
    a.allowed.add(b.host.peerId);
    await a.host.updatePeers(peerConfig(b));
    await waitFor(() => a.host.isConnected(b.host.peerId), 'reconnection after readmission');
  });

  it('closes a stream carrying garbage on each protocol, counts it, and keeps serving', async () => {
    const [idA, idB, idG] = await Promise.all([1, 2, 7].map(peerIdOf));
    if (idA === undefined || idB === undefined || idG === undefined) throw new Error('ids');
    const members = new Set([idA, idB, idG]);
    const a = await startHost(1, members);
    const b = await startHost(2, members);
    await b.host.updatePeers(peerConfig(a));
    await waitFor(() => b.host.isConnected(idA), 'B connected to A');
    const garbage = await startRaw(7);
    const target = await parseMultiaddr(a.host.listenAddrs()[0] ?? '', 'A');

    let state = 0x2545f491;
    const random = (n: number): Uint8Array =>
      Uint8Array.from({ length: n }, () => {
        state = (state * 1103515245 + 12345) >>> 0;
        return state >>> 24;
      });
    const withPrefix = (length: number, payload: Uint8Array): Uint8Array => {
      const out = new Uint8Array(4 + payload.length);
      new DataView(out.buffer).setUint32(0, length, false);
      out.set(payload, 4);
      return out;
    };
    const valid = encodeFrame({ term: 1, seq: 1, note: 'ok' }, 1024);
    const cases: Array<{ name: string; bytes: Uint8Array; counter: 'frames_malformed' | 'frames_oversized' | 'either' }> = [
      { name: 'random bytes', bytes: random(300), counter: 'either' },
      { name: 'random payload under a valid prefix', bytes: withPrefix(60, random(60)), counter: 'frames_malformed' },
      { name: 'truncated frame', bytes: valid.subarray(0, valid.length - 1), counter: 'frames_malformed' },
      { name: 'huge length prefix', bytes: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3), counter: 'frames_oversized' },
      { name: 'wrong msgpack types', bytes: encodeFrame({ term: 'one', seq: [], note: 5 }, 1024), counter: 'frames_malformed' },
      { name: 'msgpack with trailing bytes', bytes: withPrefix(2, Uint8Array.of(0x01, 0x02)), counter: 'frames_malformed' },
    ];
    const bad = (protocol: string): number =>
      a.host.counters.get('frames_malformed', { protocol }) + a.host.counters.get('frames_oversized', { protocol });

    for (const protocol of [RAFT.id, ECHO.id]) {
      for (const [index, c] of cases.entries()) {
        const before = { malformed: a.host.counters.get('frames_malformed', { protocol }), oversized: a.host.counters.get('frames_oversized', { protocol }) };
        // Every other case is sent optimistically: the bytes and the end of the stream reach A
        // with the protocol negotiation, before A's handler runs; the handler must still see the end.
        const stream = await garbage.dialProtocol(target, protocol, { negotiateFully: index % 2 === 0 });
        stream.send(c.bytes);
        await stream.close(); // end of the writable side: a truncated frame is now known to be cut
        await waitFor(() => bad(protocol) === before.malformed + before.oversized + 1, `${protocol}: ${c.name} counted`);
        if (c.counter !== 'either') expect(a.host.counters.get(c.counter, { protocol }), `${protocol}: ${c.name}`).toBe((c.counter === 'frames_malformed' ? before.malformed : before.oversized) + 1);
        await waitFor(() => stream.status !== 'open', `${protocol}: ${c.name} stream closed by A`);
      }
    }
    expect(bad(RAFT.id)).toBe(cases.length);
    expect(bad(ECHO.id)).toBe(cases.length);
    // A request stream closed before any byte is a peer giving up, not a bad frame.
    const streamErrors = a.host.counters.get('stream_errors', { protocol: ECHO.id });
    const empty = await garbage.dialProtocol(target, ECHO.id);
    await empty.close();
    await waitFor(() => a.host.counters.get('stream_errors', { protocol: ECHO.id }) === streamErrors + 1, 'an empty request stream counted');
    expect(bad(ECHO.id)).toBe(cases.length);
    expect(a.votes).toEqual([]);
    expect(a.host.counters.get('requests_served', { protocol: ECHO.id })).toBe(0);

    // The same peer's next good frame on a new stream is served, and so are the others.
    const again = await garbage.dialProtocol(target, RAFT.id);
    again.send(encodeFrame({ term: 9, seq: 9, note: 'sorry' }, 1024));
    await waitFor(() => a.votes.length === 1, 'a good frame after garbage');
    expect(a.votes[0]).toEqual({ from: idG, vote: { term: 9, seq: 9, note: 'sorry' } });
    expect(await b.host.request(idA, ECHO, { text: 'still there?' }, { timeoutMs: 2_000 })).toEqual({ echoed: 'still there?', by: idA });
    expect(b.host.sendOneWay(idA, RAFT, { term: 2, seq: 0, note: 'b' })).toBe('queued');
    await waitFor(() => a.votes.length === 2, 'B one-way frame');
  });

  it('maps garbage answers to coded request errors', async () => {
    const [idA, idG] = await Promise.all([1, 7].map(peerIdOf));
    if (idA === undefined || idG === undefined) throw new Error('ids');
    const a = await startHost(1, new Set([idA, idG]));
    const garbage = await startRaw(7);
    const answers: Record<string, Uint8Array | 'silence' | 'close'> = {
      huge: Uint8Array.of(0x7f, 0xff, 0xff, 0xff),
      notEnvelope: encodeFrame({ echoed: 'no envelope', by: 'g' }, 512),
      wrongShape: encodeFrame({ ok: true, value: { echoed: 5 } }, 512),
      remoteOdd: encodeFrame({ ok: false, error: { code: 'lower case!', message: 'm' } }, 512),
      close: 'close',
      silence: 'silence',
    };
    await garbage.handle(ECHO.id, async (stream) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
        if (chunks.reduce((n, c) => n + c.length, 0) >= 4) break;
      }
      const request = Buffer.concat(chunks);
      const which = Object.keys(answers).find((k) => request.includes(Buffer.from(k))) ?? 'close';
      const answer = answers[which];
      if (answer === 'silence') return;
      if (answer !== 'close' && answer !== undefined) stream.send(answer);
      await stream.close();
    });
    const gAddr = garbage.getMultiaddrs()[0]?.toString() ?? '';
    await a.host.updatePeers([{ peerId: idG, addrs: [gAddr] }]);
    await waitFor(() => a.host.isConnected(idG), 'A connected to the raw peer');

    const codeFor = async (text: string, timeoutMs = 2_000): Promise<string> => (await rejection(a.host.request(idG, ECHO, { text }, { timeoutMs }))).code;
    expect(await codeFor('huge')).toBe('FRAME_TOO_LARGE');
    expect(await codeFor('notEnvelope')).toBe('FRAME_MALFORMED');
    expect(await codeFor('wrongShape')).toBe('FRAME_MALFORMED');
    expect(await codeFor('remoteOdd')).toBe('PEER_ERROR');
    expect(await codeFor('close')).toBe('PEER_CLOSED_STREAM');
    expect(await codeFor('silence', 300)).toBe('PEER_TIMEOUT');
    expect(a.host.counters.get('request_failures', { protocol: ECHO.id, code: 'FRAME_MALFORMED' })).toBe(2);
    expect(a.host.isConnected(idG)).toBe(true);
  });

  it('reconnects with back-off after a peer stops, and again when it restarts on the same port', async () => {
    const ids = new Set(await Promise.all([1, 2].map(peerIdOf)));
    const a = await startHost(1, ids);
    const b = await startHost(2, ids);
    const bAddrs = b.host.listenAddrs();
    const bPort = /\/tcp\/(\d+)/.exec(bAddrs[0] ?? '')?.[1];
    expect(bPort).toBeDefined();
    await a.host.updatePeers(peerConfig(b)); // only A dials: B has no peers configured
    await waitFor(() => a.host.isConnected(b.host.peerId), 'A connected to B');
    const bId = b.host.peerId;

    await b.host.stop();
    await b.host.stop(); // idempotent
    await waitFor(() => !a.host.isConnected(bId), 'A noticing B is gone');
    await waitFor(() => (a.host.peers().find((p) => p.peerId === bId)?.consecutiveDialFailures ?? 0) >= 3, 'three failed redials');
    const failing = a.host.peers().find((p) => p.peerId === bId);
    expect(failing?.lastDialError).toBeDefined();
    expect(a.host.counters.get('reconnect_failures')).toBeGreaterThanOrEqual(3);
    expect(a.host.sendOneWay(bId, RAFT, { term: 1, seq: 0, note: 'lost' })).toBe('dropped-unconnected');

    const b2 = await startHost(2, ids, { listen: [`/ip4/127.0.0.1/tcp/${bPort}`] });
    expect(b2.host.peerId).toBe(bId);
    await waitFor(() => a.host.isConnected(bId), 'A reconnected to the restarted B', 5_000);
    await waitFor(() => a.host.peers().find((p) => p.peerId === bId)?.consecutiveDialFailures === 0, 'the back-off reset once the connection is stable');
    expect(a.host.peers().find((p) => p.peerId === bId)?.lastDialError).toBeUndefined();
    expect(a.host.sendOneWay(bId, RAFT, { term: 2, seq: 1, note: 'back' })).toBe('queued');
    await waitFor(() => b2.votes.length === 1, 'frame to the restarted B');
    expect(b2.votes[0]?.vote).toEqual({ term: 2, seq: 1, note: 'back' });
  });

  it('validates protocol limits when they are registered', async () => {
    const host = await P2PHost.create({ seed: seedOf(4), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [], isAllowedPeer: () => true, logger });
    hosts.push(host);
    const codeOf = async (promise: Promise<unknown>): Promise<string> => (await rejection(promise)).code;
    expect(await codeOf(host.registerOneWay({ ...RAFT, id: '/q/1', queueMaxBytes: RAFT.maxFrameBytes + 3 }, () => undefined))).toBe('P2P_PROTOCOL_INVALID');
    expect(await codeOf(host.registerOneWay({ ...RAFT, id: '/q/2', queueMaxFrames: 0 }, () => undefined))).toBe('P2P_PROTOCOL_INVALID');
    expect(await codeOf(host.registerOneWay({ ...RAFT, id: 'no-slash' }, () => undefined))).toBe('P2P_PROTOCOL_INVALID');
    expect(await codeOf(host.registerRequest({ ...ECHO, id: '/q/3', maxResponseBytes: 2 ** 27 + 1 }, async () => ({ echoed: '', by: '' })))).toBe('P2P_PROTOCOL_INVALID');
    // A frame limit above the default queue bytes raises the queue to hold one such frame.
    await host.registerOneWay({ ...RAFT, id: '/q/4', maxFrameBytes: 65 * 1024 * 1024 }, () => undefined);
    await host.registerOneWay({ ...RAFT, id: '/q/5', queueMaxBytes: RAFT.maxFrameBytes + 4 }, () => undefined);
    // Not started: sends are dropped, requests refused.
    expect(host.sendOneWay(host.peerId, RAFT, { term: 1, seq: 1, note: '' })).toBe('dropped-unconnected');
    expect(await codeOf(host.request(host.peerId, ECHO, { text: '' }, { timeoutMs: 100 }))).toBe('P2P_NOT_STARTED');
    expect(await codeOf(P2PHost.create({ seed: seedOf(4), listen: ['not a multiaddr'], peers: [], isAllowedPeer: () => true, logger }))).toBe('P2P_CONFIG_INVALID');
    expect(await codeOf(P2PHost.create({ seed: seedOf(4), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [{ peerId: 'nope', addrs: [] }], isAllowedPeer: () => true, logger }))).toBe('P2P_CONFIG_INVALID');
  });

  it('bounds the queue to a peer that never reads, then drops it when the stream stalls', async () => {
    const [idA, idS] = await Promise.all([1, 8].map(peerIdOf));
    if (idA === undefined || idS === undefined) throw new Error('ids');
    const a = await startHost(1, new Set([idA, idS]), { oneWayStallTimeoutMs: 1_000 });
    const stalled = await startRaw(8);
    const BIG: OneWayProtocol<Vote> = { ...RAFT, id: '/tl-test/big/1', maxFrameBytes: 64 * 1024, queueMaxFrames: 50, queueMaxBytes: 50 * 64 * 1024 };
    let opened = 0;
    await stalled.handle(BIG.id, (stream) => {
      opened += 1;
      stream.pause(); // never read: yamux stops granting window, the sender must hold or drop
    });
    await a.host.updatePeers([{ peerId: idS, addrs: [stalled.getMultiaddrs()[0]?.toString() ?? ''] }]);
    await waitFor(() => a.host.isConnected(idS), 'A connected to the stalled peer');

    const note = 'z'.repeat(60 * 1024);
    const outcomes = { queued: 0, 'dropped-queue-full': 0, 'dropped-unconnected': 0 };
    let maxQueued = 0;
    for (let seq = 0; seq < 300; seq++) {
      outcomes[a.host.sendOneWay(idS, BIG, { term: 1, seq, note })] += 1;
      if (seq % 10 === 0) await sleep(1);
      maxQueued = Math.max(maxQueued, a.host.peers().find((p) => p.peerId === idS)?.oneWayQueuedFrames ?? 0);
    }
    expect(opened).toBe(1);
    expect(maxQueued).toBeLessThanOrEqual(50);
    expect(maxQueued).toBeGreaterThanOrEqual(40);
    expect(outcomes['dropped-queue-full']).toBeGreaterThan(200);
    expect(outcomes.queued + outcomes['dropped-queue-full']).toBe(300);
    expect(a.host.counters.get('oneway_dropped_queue_full', { protocol: BIG.id })).toBe(outcomes['dropped-queue-full']);
    // Frames actually written: what fit in yamux's window plus the one waiting in the stream.
    const written = a.host.counters.get('frames_out', { protocol: BIG.id });
    expect(written).toBeLessThan(20);

    await waitFor(() => (a.host.peers().find((p) => p.peerId === idS)?.oneWayQueuedFrames ?? -1) === 0, 'the stalled queue dropped', 4_000);
    expect(a.host.counters.get('oneway_dropped_stream_failure', { protocol: BIG.id })).toBeGreaterThanOrEqual(40);
    expect(a.host.isConnected(idS)).toBe(true);
  });
});
