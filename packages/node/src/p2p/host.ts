// The node's libp2p host: TCP + noise + yamux, a connection gater that admits only members,
// reconnection with capped jittered back-off to the configured peers, and two kinds of
// framed protocols on top:
//   one-way   (Raft): one long-lived outbound stream per (peer, protocol), frames in order,
//             a bounded queue per (peer, protocol) that drops the NEWEST frame when full (as
//             etcd's rafthttp does: Raft retries), sends to an unconnected peer dropped at once.
//   request   (tx forwarding, block sync, attachments): one stream per request, one request
//             frame, one answer frame `{ ok: true, value } | { ok: false, error: { code, message } }`.
// It owns its libp2p node, its timers and its streams; stop() releases all of them. It never
// lets bad input from a peer throw into libp2p or the process: every handler catches, counts,
// logs and closes that one stream. No DHT, mDNS, identify or ping service is configured; the
// libp2p connection monitor stays on (it tolerates peers without ping and aborts connections
// whose peer stopped answering, e.g. a SIGSTOPped process).

import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Connection, ConnectionGater, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import { NodeError, errorCode } from '../errors.js';
import {
  DIAL_TIMEOUT_MS_DEFAULT,
  FRAME_MAX_BYTES_CEILING,
  RECONNECT_STABLE_AFTER_MS_DEFAULT,
  INBOUND_CONNECTIONS_PER_SECOND_PER_HOST,
  FRAME_LENGTH_PREFIX_BYTES,
  ONE_WAY_MAX_INBOUND_STREAMS,
  ONE_WAY_QUEUE_MAX_BYTES_DEFAULT,
  ONE_WAY_QUEUE_MAX_FRAMES_DEFAULT,
  ONE_WAY_STALL_TIMEOUT_MS_DEFAULT,
  RECONNECT_BASE_DELAY_MS_DEFAULT,
  RECONNECT_MAX_DELAY_MS_DEFAULT,
  REMOTE_ERROR_CODE_MAX_CHARS,
  REMOTE_ERROR_MESSAGE_MAX_CHARS,
  REQUEST_HANDLER_TIMEOUT_MS_DEFAULT,
  MUXER_MAX_EARLY_STREAMS,
  REQUEST_MAX_IN_FLIGHT,
  REQUEST_MAX_INBOUND_STREAMS,
  REQUEST_MAX_OUTBOUND_STREAMS,
  REQUEST_READ_TIMEOUT_MS_DEFAULT,
  STREAM_OPEN_TIMEOUT_MS_DEFAULT,
} from './constants.js';
import { P2PCounters } from './counters.js';
import { FRAME_ERROR, FrameDecoder, encodeFrame, errorText } from './framing.js';
import { identityFromSeed } from './identity.js';
import { parseMultiaddr, type Multiaddr } from './multiaddr.js';
import { readStream } from './stream-reader.js';

/** Operating errors of the p2p layer (besides FRAME_TOO_LARGE and FRAME_MALFORMED). */
export const P2P_ERROR = {
  /** No connection and none could be made (no address, dial failed, host stopped). */
  PEER_UNREACHABLE: 'PEER_UNREACHABLE',
  /** The request's deadline passed (dial, stream open, send or answer). */
  PEER_TIMEOUT: 'PEER_TIMEOUT',
  /** The request's deadline passed while it waited for one of the peer's request slots. */
  PEER_BUSY: 'PEER_BUSY',
  /** The connection gater refused the peer (not in the membership). */
  PEER_NOT_ALLOWED: 'PEER_NOT_ALLOWED',
  /** The peer does not serve the protocol. */
  PEER_PROTOCOL_UNSUPPORTED: 'PEER_PROTOCOL_UNSUPPORTED',
  /** The peer closed or reset the stream before answering. */
  PEER_CLOSED_STREAM: 'PEER_CLOSED_STREAM',
  /** The peer answered with an error whose code is not a plain UPPER_SNAKE code. */
  PEER_ERROR: 'PEER_ERROR',
  /** A one-way stream accepted no bytes within the stall timeout. */
  PEER_STALLED: 'PEER_STALLED',
  /** A request handler threw something without a code. */
  INTERNAL: 'INTERNAL',
  P2P_NOT_STARTED: 'P2P_NOT_STARTED',
  P2P_CONFIG_INVALID: 'P2P_CONFIG_INVALID',
  P2P_PROTOCOL_INVALID: 'P2P_PROTOCOL_INVALID',
} as const;

/** What a node logs through: pino's logger or anything with the same four methods. */
export type P2PLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** A fire-and-forget protocol whose frames are delivered in order per (sender, protocol). */
export interface OneWayProtocol<T> {
  /** libp2p protocol id, e.g. '/tradeledger/raft/1'. */
  readonly id: string;
  /** Largest msgpack payload of one frame, in bytes. */
  readonly maxFrameBytes: number;
  /** Narrows a decoded value to T; throws on a wrong shape (counted as FRAME_MALFORMED). */
  readonly parse: (value: unknown) => T;
  /**
   * Per-peer outbound queue limits. Defaults: ONE_WAY_QUEUE_MAX_FRAMES_DEFAULT frames and
   * max(ONE_WAY_QUEUE_MAX_BYTES_DEFAULT, maxFrameBytes + 4) bytes, prefixes included.
   */
  readonly queueMaxFrames?: number;
  readonly queueMaxBytes?: number;
}

/** A request/response protocol: one stream per request. */
export interface RequestProtocol<Req, Res> {
  readonly id: string;
  /** Largest request payload, in bytes. */
  readonly maxRequestBytes: number;
  /** Largest answer payload in bytes, envelope `{ ok, value | error }` included. */
  readonly maxResponseBytes: number;
  readonly parseRequest: (value: unknown) => Req;
  readonly parseResponse: (value: unknown) => Res;
}

export interface P2PPeerConfig {
  /** The peer's id string (see peerIdFromEd25519PublicKey). */
  readonly peerId: string;
  /** Its multiaddrs, e.g. '/ip4/10.0.0.2/tcp/7001' (a '/p2p/<id>' suffix is optional). */
  readonly addrs: readonly string[];
}

export interface P2PHostOptions {
  /** The 32-byte Ed25519 seed of the node's key file. */
  readonly seed: Uint8Array;
  /** Listen multiaddrs, e.g. '/ip4/127.0.0.1/tcp/0'. */
  readonly listen: readonly string[];
  readonly peers: readonly P2PPeerConfig[];
  /** Membership check, called for every dial and every connection in both directions. */
  readonly isAllowedPeer: (peerId: string) => boolean;
  readonly logger: P2PLogger;
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /**
   * A connection that closes sooner than this after opening counts as a failed dial for the
   * back-off: a member that refuses us completes the handshake and then closes, which would
   * otherwise look like a success and be redialed at the base delay forever.
   */
  readonly reconnectStableAfterMs?: number;
  readonly dialTimeoutMs?: number;
  readonly streamOpenTimeoutMs?: number;
  readonly oneWayStallTimeoutMs?: number;
  readonly requestReadTimeoutMs?: number;
  readonly requestHandlerTimeoutMs?: number;
  /** Source of jitter in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

export type SendOneWayOutcome = 'queued' | 'dropped-unconnected' | 'dropped-queue-full';

export interface P2PPeerStatus {
  readonly peerId: string;
  /** In the configured peer list (the host dials it). */
  readonly configured: boolean;
  /** isAllowedPeer's answer now. */
  readonly allowed: boolean;
  readonly connected: boolean;
  readonly connections: number;
  /** Configured addresses. */
  readonly addrs: readonly string[];
  /** Remote addresses of the open connections. */
  readonly remoteAddrs: readonly string[];
  /** Wall-clock ms when the peer was last connected, while it is. */
  readonly connectedSinceMs: number | undefined;
  /** Failed dials and refused (quickly closed) connections since the last stable connection; drives the back-off. */
  readonly consecutiveDialFailures: number;
  readonly lastDialError: string | undefined;
  /** Wall-clock ms of the next scheduled dial, if any. */
  readonly nextDialAtMs: number | undefined;
  /** Round trip measured by libp2p's connection monitor. */
  readonly rttMs: number | undefined;
  /** One-way frames waiting to be written to this peer, over all protocols. */
  readonly oneWayQueuedFrames: number;
}

interface PeerLink {
  readonly peerId: PeerId;
  readonly peerIdString: string;
  addrStrings: readonly string[];
  dialAddrs: Multiaddr[];
  failures: number;
  lastError: string | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  nextDialAtMs: number | undefined;
  dialing: boolean;
  /** Set while connected until the connection has lasted RECONNECT_STABLE_AFTER_MS. */
  stableTimer: ReturnType<typeof setTimeout> | undefined;
}

interface ResolvedTimeouts {
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  reconnectStableAfterMs: number;
  dialTimeoutMs: number;
  streamOpenTimeoutMs: number;
  oneWayStallTimeoutMs: number;
  requestReadTimeoutMs: number;
  requestHandlerTimeoutMs: number;
}

type ResponseEnvelope = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

const REMOTE_CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

export class P2PHost {
  /** This node's peer id string. */
  readonly peerId: string;
  readonly counters = new P2PCounters();

  private readonly node: Libp2p;
  private readonly options: P2PHostOptions;
  private readonly timeouts: ResolvedTimeouts;
  private readonly random: () => number;
  private readonly log: P2PLogger;
  private readonly links = new Map<string, PeerLink>();
  private readonly channels = new Map<string, OneWayChannel>();
  private readonly connectedSince = new Map<string, number>();
  /**
   * Requests in flight per peer and protocol: at most REQUEST_MAX_IN_FLIGHT at once (libp2p and
   * the peer refuse streams beyond their limits); further requests wait here for a free slot,
   * within their deadline, instead of failing.
   */
  private readonly requestSlots = new Map<string, { active: number; readonly waiting: Array<{ readonly grant: () => void; readonly refuse: (error: Error) => void }> }>();
  private state: 'created' | 'started' | 'stopping' | 'stopped' = 'created';
  private stopPromise: Promise<void> | undefined;

  private constructor(node: Libp2p, options: P2PHostOptions, timeouts: ResolvedTimeouts) {
    this.node = node;
    this.options = options;
    this.timeouts = timeouts;
    this.random = options.random ?? Math.random;
    this.log = options.logger;
    this.peerId = node.peerId.toString();
  }

  /** Builds the host (not yet listening). Throws P2P_CONFIG_INVALID naming the bad field. */
  static async create(options: P2PHostOptions): Promise<P2PHost> {
    const timeouts: ResolvedTimeouts = {
      reconnectBaseDelayMs: positive(options.reconnectBaseDelayMs ?? RECONNECT_BASE_DELAY_MS_DEFAULT, 'reconnectBaseDelayMs'),
      reconnectMaxDelayMs: positive(options.reconnectMaxDelayMs ?? RECONNECT_MAX_DELAY_MS_DEFAULT, 'reconnectMaxDelayMs'),
      reconnectStableAfterMs: positive(options.reconnectStableAfterMs ?? RECONNECT_STABLE_AFTER_MS_DEFAULT, 'reconnectStableAfterMs'),
      dialTimeoutMs: positive(options.dialTimeoutMs ?? DIAL_TIMEOUT_MS_DEFAULT, 'dialTimeoutMs'),
      streamOpenTimeoutMs: positive(options.streamOpenTimeoutMs ?? STREAM_OPEN_TIMEOUT_MS_DEFAULT, 'streamOpenTimeoutMs'),
      oneWayStallTimeoutMs: positive(options.oneWayStallTimeoutMs ?? ONE_WAY_STALL_TIMEOUT_MS_DEFAULT, 'oneWayStallTimeoutMs'),
      requestReadTimeoutMs: positive(options.requestReadTimeoutMs ?? REQUEST_READ_TIMEOUT_MS_DEFAULT, 'requestReadTimeoutMs'),
      requestHandlerTimeoutMs: positive(options.requestHandlerTimeoutMs ?? REQUEST_HANDLER_TIMEOUT_MS_DEFAULT, 'requestHandlerTimeoutMs'),
    };
    if (timeouts.reconnectBaseDelayMs > timeouts.reconnectMaxDelayMs) {
      throw configError('reconnectBaseDelayMs', `${timeouts.reconnectBaseDelayMs} exceeds reconnectMaxDelayMs ${timeouts.reconnectMaxDelayMs}`);
    }
    if (options.listen.length === 0) throw configError('listen', 'expected at least one multiaddr');
    for (const [index, addr] of options.listen.entries()) await parseMultiaddrOrConfigError(addr, `listen[${index}]`);
    const identity = await identityFromSeed(options.seed);

    // `host` is assigned before libp2p can call the gater: the node is created with start: false.
    let host: P2PHost | undefined;
    const gate = (direction: 'dial' | 'inbound' | 'outbound', peer: PeerId): boolean => host?.denyPeer(direction, peer) ?? true;
    const connectionGater: ConnectionGater = {
      denyDialPeer: (peer) => gate('dial', peer),
      denyInboundEncryptedConnection: (peer) => gate('inbound', peer),
      denyOutboundEncryptedConnection: (peer) => gate('outbound', peer),
    };
    const node = await createLibp2p({
      start: false,
      privateKey: identity.privateKey,
      addresses: { listen: [...options.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ maxEarlyStreams: MUXER_MAX_EARLY_STREAMS })],
      connectionGater,
      connectionManager: {
        dialTimeout: timeouts.dialTimeoutMs,
        inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND_PER_HOST,
      },
    });
    host = new P2PHost(node, options, timeouts);
    await host.setPeers(options.peers);
    node.addEventListener('peer:connect', (event) => host?.onPeerConnect(event.detail));
    node.addEventListener('peer:disconnect', (event) => host?.onPeerDisconnect(event.detail));
    return host;
  }

  /** Starts listening and dialing the configured peers. */
  async start(): Promise<void> {
    if (this.state === 'started') return;
    if (this.state !== 'created') throw new NodeError(P2P_ERROR.P2P_NOT_STARTED, `p2p host ${this.peerId}: cannot start once stopped`);
    await this.node.start();
    this.state = 'started';
    this.log.info({ peerId: this.peerId, listen: this.listenAddrs() }, 'p2p host started');
    for (const link of this.links.values()) this.scheduleDial(link, 0);
  }

  /** Closes every stream, connection, listener and timer. Idempotent. */
  async stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      this.state = 'stopping';
      for (const link of this.links.values()) {
        this.cancelDial(link);
        this.cancelStable(link);
      }
      for (const channel of this.channels.values()) channel.close('host stopping');
      this.channels.clear();
      // Requests still waiting for a slot fail now rather than at their deadline.
      for (const slots of this.requestSlots.values()) {
        for (const waiter of slots.waiting.splice(0)) waiter.refuse(new NodeError(P2P_ERROR.P2P_NOT_STARTED, `p2p host ${this.peerId} is stopping`, { status: 503 }));
      }
      try {
        await this.node.stop();
      } finally {
        this.state = 'stopped';
        this.connectedSince.clear();
        this.log.info({ peerId: this.peerId }, 'p2p host stopped');
      }
    })();
    return this.stopPromise;
  }

  get running(): boolean {
    return this.state === 'started';
  }

  /** The addresses the host listens on, each ending in /p2p/<peerId>. */
  listenAddrs(): string[] {
    return this.node.getMultiaddrs().map((addr) => addr.toString());
  }

  /** Serves a one-way protocol; `onMessage` gets each frame's parsed value, in order per sender. */
  async registerOneWay<T>(protocol: OneWayProtocol<T>, onMessage: (fromPeerId: string, value: T) => void): Promise<void> {
    oneWayLimits(protocol);
    await this.node.handle(protocol.id, (stream, connection) => this.serveOneWay(protocol, onMessage, stream, connection), {
      maxInboundStreams: ONE_WAY_MAX_INBOUND_STREAMS,
      maxOutboundStreams: ONE_WAY_MAX_INBOUND_STREAMS,
    });
  }

  /**
   * Queues `value` for `peerId` on its long-lived stream and returns at once. Dropped (and
   * counted) when the peer is not connected or its queue is full; FRAME_TOO_LARGE (thrown,
   * only when connected) when the value itself exceeds the protocol's frame limit: a bug on
   * this side, as is P2P_PROTOCOL_INVALID for a protocol with impossible limits.
   */
  sendOneWay<T>(peerId: string, protocol: OneWayProtocol<T>, value: T): SendOneWayOutcome {
    const limits = oneWayLimits(protocol);
    // Checked before encoding: Raft sends to down peers all the time and they must stay cheap.
    const connection = this.state === 'started' ? this.openConnection(peerId) : undefined;
    if (connection === undefined) {
      this.counters.inc('oneway_dropped_unconnected', { protocol: protocol.id });
      return 'dropped-unconnected';
    }
    const frame = encodeFrame(value, protocol.maxFrameBytes, protocol.id);
    const key = `${peerId} ${protocol.id}`;
    let channel = this.channels.get(key);
    if (channel === undefined) {
      channel = new OneWayChannel(this, peerId, protocol as OneWayProtocol<unknown>, limits);
      this.channels.set(key, channel);
    }
    return channel.enqueue(frame);
  }

  /** Serves a request protocol; the handler's value (or coded error) is the answer. */
  async registerRequest<Req, Res>(protocol: RequestProtocol<Req, Res>, handler: (fromPeerId: string, request: Req) => Promise<Res>): Promise<void> {
    checkProtocol(protocol.id);
    checkFrameLimit(protocol.id, 'maxRequestBytes', protocol.maxRequestBytes);
    checkFrameLimit(protocol.id, 'maxResponseBytes', protocol.maxResponseBytes);
    await this.node.handle(protocol.id, (stream, connection) => this.serveRequest(protocol, handler, stream, connection), {
      maxInboundStreams: REQUEST_MAX_INBOUND_STREAMS,
      maxOutboundStreams: REQUEST_MAX_OUTBOUND_STREAMS,
    });
  }

  /**
   * Sends one request and waits for its answer. Rejects with a NodeError: PEER_UNREACHABLE,
   * PEER_NOT_ALLOWED, PEER_TIMEOUT, PEER_PROTOCOL_UNSUPPORTED, PEER_CLOSED_STREAM,
   * FRAME_TOO_LARGE, FRAME_MALFORMED, or the code the peer's handler answered with.
   */
  async request<Req, Res>(peerId: string, protocol: RequestProtocol<Req, Res>, value: Req, options: { timeoutMs: number }): Promise<Res> {
    positive(options.timeoutMs, 'timeoutMs');
    const labels = { protocol: protocol.id };
    try {
      if (this.state !== 'started') throw new NodeError(P2P_ERROR.P2P_NOT_STARTED, `p2p host ${this.peerId} is not running`, { status: 503 });
      const frame = encodeFrame(value, protocol.maxRequestBytes, protocol.id);
      this.counters.inc('requests_out', labels);
      const startedMs = Date.now();
      const release = await this.requestSlot(peerId, protocol.id, options.timeoutMs);
      try {
        return await this.exchange(peerId, protocol, frame, Math.max(1, options.timeoutMs - (Date.now() - startedMs)));
      } finally {
        release();
      }
    } catch (error) {
      const coded = error instanceof NodeError ? error : new NodeError(P2P_ERROR.PEER_UNREACHABLE, `${protocol.id} to ${peerId}: ${errorText(error)}`, { status: 502, cause: error });
      this.counters.inc('request_failures', { protocol: protocol.id, code: countedCode(coded.code) });
      throw coded;
    }
  }

  /** Replaces the configured peer list (membership change); dials new peers, drops removed ones. */
  async updatePeers(peers: readonly P2PPeerConfig[]): Promise<void> {
    await this.setPeers(peers);
    if (this.state === 'started') {
      for (const link of this.links.values()) if (!this.isConnected(link.peerIdString) && link.timer === undefined && !link.dialing) this.scheduleDial(link, 0);
    }
    await this.enforceAllowList();
  }

  /**
   * Closes every connection whose peer isAllowedPeer now refuses (call after the membership
   * changed). Returns how many peers were disconnected.
   */
  async enforceAllowList(): Promise<number> {
    const refused = new Map<string, PeerId>();
    for (const connection of this.node.getConnections()) {
      const id = connection.remotePeer.toString();
      if (!refused.has(id) && !this.allowed(id)) refused.set(id, connection.remotePeer);
    }
    for (const [id, peer] of refused) {
      this.counters.inc('disconnected_not_allowed');
      this.log.warn({ peerId: id }, 'p2p: disconnecting a peer that left the allow-list');
      for (const [key, channel] of this.channels) {
        if (channel.peerId === id) {
          channel.close('peer left the allow-list');
          this.channels.delete(key);
        }
      }
      try {
        await this.node.hangUp(peer);
      } catch (error) {
        this.log.warn({ peerId: id, err: errorText(error) }, 'p2p: hang-up failed');
      }
    }
    return refused.size;
  }

  isConnected(peerId: string): boolean {
    return this.openConnection(peerId) !== undefined;
  }

  /** Every configured or connected peer with its state, sorted by peer id (for /status). */
  peers(): P2PPeerStatus[] {
    const ids = new Set<string>(this.links.keys());
    for (const connection of this.node.getConnections()) ids.add(connection.remotePeer.toString());
    const queued = new Map<string, number>();
    for (const channel of this.channels.values()) queued.set(channel.peerId, (queued.get(channel.peerId) ?? 0) + channel.queuedFrames);
    return [...ids].sort().map((id) => {
      const link = this.links.get(id);
      const connections = this.node.getConnections().filter((c) => c.remotePeer.toString() === id && c.status === 'open');
      const rtt = connections.find((c) => c.rtt !== undefined)?.rtt;
      return {
        peerId: id,
        configured: link !== undefined,
        allowed: this.allowed(id),
        connected: connections.length > 0,
        connections: connections.length,
        addrs: link?.addrStrings ?? [],
        remoteAddrs: connections.map((c) => c.remoteAddr.toString()),
        connectedSinceMs: connections.length > 0 ? this.connectedSince.get(id) : undefined,
        consecutiveDialFailures: link?.failures ?? 0,
        lastDialError: link?.lastError,
        nextDialAtMs: link?.nextDialAtMs,
        rttMs: rtt,
        oneWayQueuedFrames: queued.get(id) ?? 0,
      };
    });
  }

  // ---- internals shared with OneWayChannel ----

  /** @internal */
  openConnection(peerId: string): Connection | undefined {
    return this.node.getConnections().find((c) => c.status === 'open' && c.remotePeer.toString() === peerId);
  }

  /** @internal */
  get logger(): P2PLogger {
    return this.log;
  }

  /** @internal */
  get stallTimeoutMs(): number {
    return this.timeouts.oneWayStallTimeoutMs;
  }

  /** @internal */
  get streamOpenTimeoutMs(): number {
    return this.timeouts.streamOpenTimeoutMs;
  }

  // ---- gater and connection events ----

  private allowed(peerId: string): boolean {
    try {
      return this.options.isAllowedPeer(peerId) === true;
    } catch (error) {
      this.log.error({ peerId, err: errorText(error) }, 'p2p: isAllowedPeer threw; refusing the peer');
      return false;
    }
  }

  private denyPeer(direction: 'dial' | 'inbound' | 'outbound', peer: PeerId): boolean {
    const id = peer.toString();
    if (this.allowed(id)) return false;
    this.counters.inc('gater_refused', { direction });
    this.log.warn({ peerId: id, direction }, 'p2p: connection refused, peer is not a member');
    return true;
  }

  private onPeerConnect(peer: PeerId): void {
    const id = peer.toString();
    this.connectedSince.set(id, Date.now());
    const link = this.links.get(id);
    if (link !== undefined) {
      this.cancelDial(link);
      this.cancelStable(link);
      // The back-off resets only once the connection has proved it is not refused.
      link.stableTimer = setTimeout(() => {
        link.stableTimer = undefined;
        link.failures = 0;
        link.lastError = undefined;
      }, this.timeouts.reconnectStableAfterMs);
    }
    this.log.info({ peerId: id }, 'p2p: peer connected');
  }

  private onPeerDisconnect(peer: PeerId): void {
    const id = peer.toString();
    this.connectedSince.delete(id);
    this.log.info({ peerId: id }, 'p2p: peer disconnected');
    const link = this.links.get(id);
    if (link === undefined) return;
    if (link.stableTimer !== undefined) {
      this.cancelStable(link);
      link.failures += 1;
      link.lastError = `connection closed within ${this.timeouts.reconnectStableAfterMs} ms of opening (refused by the peer?)`;
      this.counters.inc('reconnect_failures');
    }
    if (this.state === 'started' && !link.dialing && link.timer === undefined) {
      this.scheduleDial(link, this.backoffMs(Math.max(1, link.failures)));
    }
  }

  // ---- peers and reconnection ----

  private async setPeers(peers: readonly P2PPeerConfig[]): Promise<void> {
    const next = new Map<string, { peerId: PeerId; addrStrings: string[]; dialAddrs: Multiaddr[] }>();
    for (const [index, peer] of peers.entries()) {
      const field = `peers[${index}]`;
      let peerId: PeerId;
      try {
        peerId = peerIdFromString(peer.peerId);
      } catch (cause) {
        throw configError(`${field}.peerId`, `${JSON.stringify(peer.peerId)} is not a peer id (${errorText(cause)})`);
      }
      const id = peerId.toString();
      if (id === this.peerId) continue; // the membership lists this node too
      if (next.has(id)) throw configError(`${field}.peerId`, `${id} is listed twice`);
      const dialAddrs: Multiaddr[] = [];
      for (const [addrIndex, addr] of peer.addrs.entries()) {
        const addrField = `${field}.addrs[${addrIndex}]`;
        const parsed = await parseMultiaddrOrConfigError(addr, addrField);
        const embedded = parsed.getComponents().findLast((c) => c.name === 'p2p')?.value;
        if (embedded !== undefined && embedded !== id) throw configError(addrField, `names peer ${embedded}, not ${id}`);
        dialAddrs.push(embedded === undefined ? parsed.encapsulate(`/p2p/${id}`) : parsed);
      }
      next.set(id, { peerId, addrStrings: [...peer.addrs], dialAddrs });
    }
    for (const [id, link] of this.links) {
      if (!next.has(id)) {
        this.cancelDial(link);
        this.cancelStable(link);
        this.links.delete(id);
      }
    }
    for (const [id, entry] of next) {
      const link = this.links.get(id);
      if (link === undefined) {
        this.links.set(id, {
          peerId: entry.peerId,
          peerIdString: id,
          addrStrings: entry.addrStrings,
          dialAddrs: entry.dialAddrs,
          failures: 0,
          lastError: undefined,
          timer: undefined,
          nextDialAtMs: undefined,
          dialing: false,
          stableTimer: undefined,
        });
      } else {
        link.addrStrings = entry.addrStrings;
        link.dialAddrs = entry.dialAddrs;
      }
    }
  }

  /** Delay before the dial after `failures` consecutive failures: base·2^(n-1), capped, then in [d/2, d). */
  private backoffMs(failures: number): number {
    const { reconnectBaseDelayMs: base, reconnectMaxDelayMs: cap } = this.timeouts;
    const exponent = Math.min(Math.max(failures - 1, 0), 30);
    const delay = Math.min(cap, base * 2 ** exponent);
    return Math.floor(delay / 2 + this.random() * (delay / 2));
  }

  private scheduleDial(link: PeerLink, delayMs: number): void {
    this.cancelDial(link);
    link.nextDialAtMs = Date.now() + delayMs;
    link.timer = setTimeout(() => {
      link.timer = undefined;
      link.nextDialAtMs = undefined;
      void this.dialLink(link);
    }, delayMs);
  }

  private cancelStable(link: PeerLink): void {
    if (link.stableTimer !== undefined) clearTimeout(link.stableTimer);
    link.stableTimer = undefined;
  }

  private cancelDial(link: PeerLink): void {
    if (link.timer !== undefined) clearTimeout(link.timer);
    link.timer = undefined;
    link.nextDialAtMs = undefined;
  }

  private async dialLink(link: PeerLink): Promise<void> {
    if (this.state !== 'started' || this.links.get(link.peerIdString) !== link || link.dialing) return;
    if (this.isConnected(link.peerIdString)) return;
    if (!this.allowed(link.peerIdString)) {
      // Not a member (yet): updatePeers() re-evaluates; the gater would refuse the dial anyway.
      link.lastError = 'not in the allow-list';
      return;
    }
    if (link.dialAddrs.length === 0) {
      link.lastError = 'no configured address';
      return;
    }
    link.dialing = true;
    this.counters.inc('reconnect_attempts');
    try {
      await this.node.dial(link.dialAddrs, { signal: AbortSignal.timeout(this.timeouts.dialTimeoutMs) });
    } catch (error) {
      link.failures += 1;
      link.lastError = errorText(error);
      this.counters.inc('reconnect_failures');
      this.log.debug({ peerId: link.peerIdString, failures: link.failures, err: link.lastError }, 'p2p: dial failed');
    } finally {
      link.dialing = false;
    }
    if (this.state === 'started' && this.links.get(link.peerIdString) === link && !this.isConnected(link.peerIdString)) {
      this.scheduleDial(link, this.backoffMs(Math.max(1, link.failures)));
    }
  }

  // ---- request/response ----

  /** Waits for a free outbound stream slot to `peerId` for `protocolId`; returns its release. */
  private async requestSlot(peerId: string, protocolId: string, timeoutMs: number): Promise<() => void> {
    const key = `${peerId} ${protocolId}`;
    let slots = this.requestSlots.get(key);
    if (slots === undefined) {
      slots = { active: 0, waiting: [] };
      this.requestSlots.set(key, slots);
    }
    const entry = slots;
    const release = (): void => {
      const next = entry.waiting.shift();
      if (next !== undefined) next.grant(); // the slot passes straight to the next waiter
      else if (--entry.active === 0) this.requestSlots.delete(key);
    };
    if (entry.active < REQUEST_MAX_IN_FLIGHT) {
      entry.active++;
      return release;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: (): void => {
          clearTimeout(timer);
          resolve();
        },
        refuse: (error: Error): void => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const at = entry.waiting.indexOf(waiter);
        if (at >= 0) entry.waiting.splice(at, 1);
        reject(new NodeError(P2P_ERROR.PEER_BUSY, `${protocolId} to ${peerId}: no request slot of ${REQUEST_MAX_IN_FLIGHT} came free within ${timeoutMs} ms`, { status: 503, retryAfterSeconds: 1 }));
      }, timeoutMs);
      entry.waiting.push(waiter);
    });
    return release;
  }

  private async connectionFor(peerId: string, signal: AbortSignal): Promise<Connection> {
    const open = this.openConnection(peerId);
    if (open !== undefined) return open;
    const link = this.links.get(peerId);
    let target: PeerId | Multiaddr[];
    if (link !== undefined && link.dialAddrs.length > 0) target = link.dialAddrs;
    else {
      try {
        target = peerIdFromString(peerId);
      } catch (cause) {
        throw new NodeError(P2P_ERROR.PEER_UNREACHABLE, `peer id ${JSON.stringify(peerId)} does not parse`, { status: 502, cause });
      }
    }
    try {
      return await this.node.dial(target, { signal });
    } catch (error) {
      if (signal.aborted) throw timeoutError(`dialing ${peerId}`, error);
      const name = error instanceof Error ? error.name : '';
      if (name === 'DialDeniedError' || /gater/i.test(errorText(error))) {
        throw new NodeError(P2P_ERROR.PEER_NOT_ALLOWED, `dialing ${peerId}: refused by the connection gater`, { status: 403, cause: error });
      }
      throw new NodeError(P2P_ERROR.PEER_UNREACHABLE, `dialing ${peerId}: ${errorText(error)}`, { status: 502, cause: error });
    }
  }

  private async exchange<Req, Res>(peerId: string, protocol: RequestProtocol<Req, Res>, frame: Uint8Array, timeoutMs: number): Promise<Res> {
    const signal = AbortSignal.timeout(timeoutMs);
    const what = `${protocol.id} to ${peerId}`;
    const connection = await this.connectionFor(peerId, signal);
    let stream: Stream;
    try {
      stream = await connection.newStream(protocol.id, { signal });
    } catch (error) {
      if (signal.aborted) throw timeoutError(what, error);
      if (error instanceof Error && error.name === 'UnsupportedProtocolError') {
        throw new NodeError(P2P_ERROR.PEER_PROTOCOL_UNSUPPORTED, `${what}: the peer does not serve the protocol`, { status: 502, cause: error });
      }
      throw new NodeError(P2P_ERROR.PEER_UNREACHABLE, `${what}: opening a stream failed (${errorText(error)})`, { status: 502, cause: error });
    }
    const onAbort = (): void => stream.abort(timeoutError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      stream.send(frame);
      this.counters.inc('frames_out', { protocol: protocol.id });
      // Half-close (the request is complete) while already listening for the answer.
      stream.close({ signal }).catch((error: unknown) => this.log.debug({ protocol: protocol.id, peerId, err: errorText(error) }, 'p2p: closing a request stream failed'));
      const decoder = new FrameDecoder(protocol.maxResponseBytes, protocol.id);
      let envelope: unknown;
      let received = false;
      await readStream(stream, (chunk) => {
        const values = decoder.push(chunk);
        if (values.length > 1 || (values.length === 1 && decoder.bufferedBytes > 0)) {
          throw new NodeError(FRAME_ERROR.MALFORMED, `${what}: more than one answer frame`, { status: 502 });
        }
        if (values.length === 0) return 'more';
        envelope = values[0];
        received = true;
        return 'stop';
      });
      if (!received) {
        if (signal.aborted) throw timeoutError(what);
        decoder.finish();
        throw new NodeError(P2P_ERROR.PEER_CLOSED_STREAM, `${what}: the peer closed the stream without answering`, { status: 502 });
      }
      this.counters.inc('frames_in', { protocol: protocol.id });
      const answer = parseEnvelope(envelope, what);
      if (!answer.ok) throw remoteError(answer.error, what);
      try {
        return protocol.parseResponse(answer.value);
      } catch (cause) {
        throw new NodeError(FRAME_ERROR.MALFORMED, `${what}: answer has the wrong shape (${errorText(cause)})`, { status: 502, cause });
      }
    } catch (error) {
      if (!(error instanceof NodeError) || error.code === FRAME_ERROR.MALFORMED || error.code === FRAME_ERROR.TOO_LARGE) {
        stream.abort(error instanceof Error ? error : new Error(String(error)));
      }
      if (error instanceof NodeError) throw error;
      if (signal.aborted) throw timeoutError(what, error);
      throw new NodeError(P2P_ERROR.PEER_CLOSED_STREAM, `${what}: ${errorText(error)}`, { status: 502, cause: error });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async serveRequest<Req, Res>(
    protocol: RequestProtocol<Req, Res>,
    handler: (fromPeerId: string, request: Req) => Promise<Res>,
    stream: Stream,
    connection: Connection,
  ): Promise<void> {
    const from = connection.remotePeer.toString();
    const labels = { protocol: protocol.id };
    if (!this.allowed(from)) {
      stream.abort(new NodeError(P2P_ERROR.PEER_NOT_ALLOWED, `${protocol.id}: ${from} is not a member`));
      return;
    }
    const readTimer = setTimeout(() => {
      stream.abort(new NodeError(P2P_ERROR.PEER_TIMEOUT, `${protocol.id} from ${from}: no complete request within ${this.timeouts.requestReadTimeoutMs} ms`));
    }, this.timeouts.requestReadTimeoutMs);
    let request: Req;
    try {
      const decoder = new FrameDecoder(protocol.maxRequestBytes, protocol.id);
      let raw: unknown;
      let received = false;
      await readStream(stream, (chunk) => {
        const values = decoder.push(chunk);
        if (values.length > 1 || (values.length === 1 && decoder.bufferedBytes > 0)) {
          throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol.id}: more than one request frame`, { status: 400 });
        }
        if (values.length === 0) return 'more';
        raw = values[0];
        received = true;
        return 'stop';
      });
      if (!received) {
        // Bytes that stop inside a frame are a truncated frame (finish throws MALFORMED). None at
        // all is a peer that gave up on its request (it is stopping, or its deadline passed):
        // not a bad frame, so not worth an operator's warning.
        decoder.finish();
        throw new NodeError(P2P_ERROR.PEER_CLOSED_STREAM, `${protocol.id} from ${from}: the peer closed the stream before sending a request`, { status: 400 });
      }
      try {
        request = protocol.parseRequest(raw);
      } catch (cause) {
        throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol.id}: request has the wrong shape (${errorText(cause)})`, { status: 400, cause });
      }
      this.counters.inc('frames_in', labels);
    } catch (error) {
      this.onInboundStreamError(protocol.id, from, stream, error);
      return;
    } finally {
      clearTimeout(readTimer);
    }

    let envelope: ResponseEnvelope;
    let handlerTimer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        handlerTimer = setTimeout(() => reject(new NodeError(P2P_ERROR.PEER_TIMEOUT, `${protocol.id}: handler did not answer within ${this.timeouts.requestHandlerTimeoutMs} ms`)), this.timeouts.requestHandlerTimeoutMs);
      });
      const value = await Promise.race([Promise.resolve().then(() => handler(from, request)), timeout]);
      envelope = { ok: true, value };
    } catch (error) {
      const code = errorCode(error) ?? P2P_ERROR.INTERNAL;
      if (code === P2P_ERROR.INTERNAL || (error instanceof NodeError && error.code === P2P_ERROR.PEER_TIMEOUT)) {
        this.counters.inc('handler_errors', labels);
        this.log.error({ protocol: protocol.id, peerId: from, err: errorText(error) }, 'p2p: request handler failed');
      }
      envelope = { ok: false, error: { code, message: truncate(errorText(error), REMOTE_ERROR_MESSAGE_MAX_CHARS) } };
    } finally {
      if (handlerTimer !== undefined) clearTimeout(handlerTimer);
    }
    try {
      let frame: Uint8Array;
      try {
        frame = encodeFrame(envelope, protocol.maxResponseBytes, protocol.id);
      } catch (error) {
        this.counters.inc('handler_errors', labels);
        this.log.error({ protocol: protocol.id, peerId: from, err: errorText(error) }, 'p2p: answer exceeds the protocol limit');
        frame = encodeFrame({ ok: false, error: { code: errorCode(error) ?? P2P_ERROR.INTERNAL, message: truncate(errorText(error), REMOTE_ERROR_MESSAGE_MAX_CHARS) } }, protocol.maxResponseBytes, protocol.id);
      }
      stream.send(frame);
      this.counters.inc('frames_out', labels);
      this.counters.inc('requests_served', labels);
      await stream.close({ signal: AbortSignal.timeout(this.timeouts.requestHandlerTimeoutMs) });
    } catch (error) {
      this.counters.inc('stream_errors', labels);
      this.log.debug({ protocol: protocol.id, peerId: from, err: errorText(error) }, 'p2p: answering failed');
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // ---- one-way ----

  private async serveOneWay<T>(protocol: OneWayProtocol<T>, onMessage: (fromPeerId: string, value: T) => void, stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    const labels = { protocol: protocol.id };
    if (!this.allowed(from)) {
      stream.abort(new NodeError(P2P_ERROR.PEER_NOT_ALLOWED, `${protocol.id}: ${from} is not a member`));
      return;
    }
    try {
      // This side only reads; closing its writable end lets the stream close fully once the
      // sender closes too.
      stream.close().catch((error: unknown) => this.log.debug({ protocol: protocol.id, peerId: from, err: errorText(error) }, 'p2p: closing a one-way stream failed'));
      const decoder = new FrameDecoder(protocol.maxFrameBytes, protocol.id);
      await readStream(stream, (chunk) => {
        for (const raw of decoder.push(chunk)) {
          let value: T;
          try {
            value = protocol.parse(raw);
          } catch (cause) {
            throw new NodeError(FRAME_ERROR.MALFORMED, `${protocol.id}: frame has the wrong shape (${errorText(cause)})`, { status: 400, cause });
          }
          this.counters.inc('frames_in', labels);
          try {
            onMessage(from, value);
          } catch (error) {
            this.counters.inc('handler_errors', labels);
            this.log.error({ protocol: protocol.id, peerId: from, err: errorText(error) }, 'p2p: one-way handler threw');
          }
        }
        return 'more';
      });
      decoder.finish();
    } catch (error) {
      this.onInboundStreamError(protocol.id, from, stream, error);
    }
  }

  private onInboundStreamError(protocol: string, from: string, stream: Stream, error: unknown): void {
    const code = errorCode(error);
    if (code === FRAME_ERROR.TOO_LARGE) this.counters.inc('frames_oversized', { protocol });
    else if (code === FRAME_ERROR.MALFORMED) this.counters.inc('frames_malformed', { protocol });
    else this.counters.inc('stream_errors', { protocol });
    const bad = code === FRAME_ERROR.TOO_LARGE || code === FRAME_ERROR.MALFORMED;
    if (bad) this.log.warn({ protocol, peerId: from, code, err: errorText(error) }, 'p2p: bad frame from peer; closing the stream');
    else this.log.debug({ protocol, peerId: from, err: errorText(error) }, 'p2p: inbound stream ended with an error');
    stream.abort(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The outbound side of one (peer, one-way protocol): a FIFO of encoded frames, bounded in
 * frames and bytes, drained by one writer loop onto one long-lived stream that is reopened
 * after a failure. When the queue is full the new frame is dropped. A stream that accepts no
 * bytes for the stall timeout is aborted and the queue dropped, so a peer that stops reading
 * costs at most the queue limits plus one frame in the stream's buffer.
 */
class OneWayChannel {
  readonly peerId: string;
  private readonly host: P2PHost;
  private readonly protocol: OneWayProtocol<unknown>;
  private readonly maxFrames: number;
  private readonly maxBytes: number;
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytesTotal = 0;
  private stream: Stream | undefined;
  private writing = false;
  private closed = false;

  constructor(host: P2PHost, peerId: string, protocol: OneWayProtocol<unknown>, limits: OneWayLimits) {
    this.host = host;
    this.peerId = peerId;
    this.protocol = protocol;
    this.maxFrames = limits.maxFrames;
    this.maxBytes = limits.maxBytes;
  }

  get queuedFrames(): number {
    return this.queue.length - this.queueHead;
  }

  get queuedBytes(): number {
    return this.queuedBytesTotal;
  }

  enqueue(frame: Uint8Array): SendOneWayOutcome {
    if (this.closed) throw new Error('assert: enqueue on a closed one-way channel');
    if (this.queuedFrames >= this.maxFrames || this.queuedBytesTotal + frame.length > this.maxBytes) {
      this.host.counters.inc('oneway_dropped_queue_full', { protocol: this.protocol.id });
      return 'dropped-queue-full';
    }
    this.queue.push(frame);
    this.queuedBytesTotal += frame.length;
    if (this.queuedFrames > this.maxFrames || this.queuedBytesTotal > this.maxBytes) throw new Error('assert: one-way queue above its limit');
    if (!this.writing) {
      this.writing = true;
      void this.drain().finally(() => {
        this.writing = false;
      });
    }
    return 'queued';
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueue();
    if (this.stream !== undefined) {
      this.stream.abort(new NodeError(P2P_ERROR.PEER_CLOSED_STREAM, `${this.protocol.id} to ${this.peerId}: ${reason}`));
      this.stream = undefined;
    }
  }

  private shift(): Uint8Array | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const frame = this.queue[this.queueHead];
    this.queue[this.queueHead] = EMPTY;
    this.queueHead += 1;
    if (frame === undefined) throw new Error('assert: one-way queue hole');
    this.queuedBytesTotal -= frame.length;
    // Compact now and then so the array does not grow with the total ever sent.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return frame;
  }

  private dropQueue(): number {
    const dropped = this.queuedFrames;
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytesTotal = 0;
    return dropped;
  }

  private dropAll(reason: string, counter: 'oneway_dropped_unconnected' | 'oneway_dropped_stream_failure', extra = 0): void {
    const dropped = this.dropQueue() + extra;
    if (dropped > 0) {
      this.host.counters.inc(counter, { protocol: this.protocol.id }, dropped);
      this.host.logger.debug({ protocol: this.protocol.id, peerId: this.peerId, dropped, reason }, 'p2p: one-way frames dropped');
    }
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queuedFrames > 0) {
      const connection = this.host.openConnection(this.peerId);
      if (connection === undefined) {
        this.dropAll('peer disconnected', 'oneway_dropped_unconnected');
        return;
      }
      let stream = this.stream;
      if (stream === undefined || stream.writeStatus !== 'writable') {
        try {
          stream = await this.open(connection);
        } catch (error) {
          this.host.logger.warn({ protocol: this.protocol.id, peerId: this.peerId, err: errorText(error) }, 'p2p: opening a one-way stream failed');
          this.dropAll('stream open failed', 'oneway_dropped_stream_failure');
          return;
        }
        if (this.closed) {
          stream.abort(new NodeError(P2P_ERROR.PEER_CLOSED_STREAM, 'channel closed'));
          return;
        }
      }
      const frame = this.shift();
      if (frame === undefined) return;
      try {
        const more = stream.send(frame);
        this.host.counters.inc('frames_out', { protocol: this.protocol.id });
        if (!more) await this.waitForDrain(stream);
      } catch (error) {
        const stalled = errorCode(error) === P2P_ERROR.PEER_STALLED;
        this.host.logger.warn({ protocol: this.protocol.id, peerId: this.peerId, err: errorText(error) }, 'p2p: one-way stream failed');
        stream.abort(error instanceof Error ? error : new Error(String(error)));
        if (this.stream === stream) this.stream = undefined;
        // The frame in flight is lost with the stream; a stalled peer also loses the queue.
        if (stalled) this.dropAll('stream stalled', 'oneway_dropped_stream_failure', 1);
        else this.host.counters.inc('oneway_dropped_stream_failure', { protocol: this.protocol.id });
      }
    }
  }

  private async open(connection: Connection): Promise<Stream> {
    const stream = await connection.newStream(this.protocol.id, { signal: AbortSignal.timeout(this.host.streamOpenTimeoutMs) });
    // Nothing is read on this side: drop anything the remote writes instead of buffering it.
    await stream.closeRead();
    stream.addEventListener('close', () => {
      if (this.stream === stream) this.stream = undefined;
    });
    this.stream = stream;
    return stream;
  }

  private async waitForDrain(stream: Stream): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new NodeError(P2P_ERROR.PEER_STALLED, `${this.protocol.id} to ${this.peerId}: no progress for ${this.host.stallTimeoutMs} ms`));
      }, this.host.stallTimeoutMs);
    });
    try {
      await Promise.race([stream.onDrain(), stalled]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const EMPTY = new Uint8Array(0);

interface OneWayLimits {
  readonly maxFrames: number;
  readonly maxBytes: number;
}

const checkedOneWay = new WeakMap<object, OneWayLimits>();

/** Validates a one-way protocol once and resolves its queue limits (P2P_PROTOCOL_INVALID). */
function oneWayLimits(protocol: OneWayProtocol<unknown>): OneWayLimits {
  const known = checkedOneWay.get(protocol);
  if (known !== undefined) return known;
  checkProtocol(protocol.id);
  checkFrameLimit(protocol.id, 'maxFrameBytes', protocol.maxFrameBytes);
  const largestFrame = protocol.maxFrameBytes + FRAME_LENGTH_PREFIX_BYTES;
  const limits: OneWayLimits = {
    maxFrames: protocol.queueMaxFrames ?? ONE_WAY_QUEUE_MAX_FRAMES_DEFAULT,
    maxBytes: protocol.queueMaxBytes ?? Math.max(ONE_WAY_QUEUE_MAX_BYTES_DEFAULT, largestFrame),
  };
  if (!Number.isSafeInteger(limits.maxFrames) || limits.maxFrames < 1) throw protocolError(protocol.id, `queueMaxFrames must be a positive integer, got ${limits.maxFrames}`);
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < largestFrame) {
    throw protocolError(protocol.id, `queueMaxBytes ${limits.maxBytes} cannot hold one largest frame (${largestFrame} bytes with its prefix)`);
  }
  checkedOneWay.set(protocol, limits);
  return limits;
}

function checkFrameLimit(id: string, field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > FRAME_MAX_BYTES_CEILING) {
    throw protocolError(id, `${field} must be an integer in 1..${FRAME_MAX_BYTES_CEILING}, got ${value}`);
  }
}

function parseEnvelope(value: unknown, what: string): ResponseEnvelope {
  const malformed = (detail: string): NodeError => new NodeError(FRAME_ERROR.MALFORMED, `${what}: answer envelope ${detail}`, { status: 502 });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('is not a map');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(',');
  if (record.ok === true) {
    if (keys !== 'ok,value') throw malformed(`has keys ${keys}, expected ok,value`);
    return { ok: true, value: record.value };
  }
  if (record.ok === false) {
    if (keys !== 'error,ok') throw malformed(`has keys ${keys}, expected error,ok`);
    const error = record.error;
    if (typeof error !== 'object' || error === null) throw malformed('error is not a map');
    const { code, message } = error as Record<string, unknown>;
    if (typeof code !== 'string' || typeof message !== 'string') throw malformed('error lacks a string code and message');
    return { ok: false, error: { code, message } };
  }
  throw malformed('has no boolean ok');
}

function remoteError(error: { code: string; message: string }, what: string): NodeError {
  const plain = error.code.length <= REMOTE_ERROR_CODE_MAX_CHARS && REMOTE_CODE_PATTERN.test(error.code);
  const code = plain ? error.code : P2P_ERROR.PEER_ERROR;
  return new NodeError(code, `${what}: the peer answered ${plain ? code : 'an error'}: ${truncate(error.message, REMOTE_ERROR_MESSAGE_MAX_CHARS)}`, { status: 502 });
}

/** Codes used as counter labels: ours, or PEER_ERROR for whatever a peer answered. */
function countedCode(code: string): string {
  const known: readonly string[] = [...Object.values(P2P_ERROR), ...Object.values(FRAME_ERROR)];
  return known.includes(code) ? code : 'REMOTE';
}

function timeoutError(what: string, cause?: unknown): NodeError {
  return new NodeError(P2P_ERROR.PEER_TIMEOUT, `${what}: timed out`, cause === undefined ? { status: 504 } : { status: 504, cause });
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw configError(field, `expected a positive number of ms, got ${value}`);
  return value;
}

function configError(field: string, detail: string): NodeError {
  return new NodeError(P2P_ERROR.P2P_CONFIG_INVALID, `p2p config ${field}: ${detail}`);
}

function protocolError(id: string, detail: string): NodeError {
  return new NodeError(P2P_ERROR.P2P_PROTOCOL_INVALID, `p2p protocol ${id}: ${detail}`);
}

function checkProtocol(id: string): void {
  if (typeof id !== 'string' || !/^\/[\x21-\x7e]+$/.test(id)) throw protocolError(String(id), 'id must start with / and be printable ASCII');
}

async function parseMultiaddrOrConfigError(text: string, field: string): Promise<Multiaddr> {
  try {
    return await parseMultiaddr(text, field);
  } catch (error) {
    throw configError(field, errorText(error));
  }
}
