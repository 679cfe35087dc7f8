// Limits of the p2p layer, in one place, with the relations between them asserted at load.
// Protocols choose their own frame limits (see framing.ts); these are the host's defaults.

/** Bytes in a frame's length prefix (unsigned 32-bit big-endian). */
export const FRAME_LENGTH_PREFIX_BYTES = 4;
/**
 * No protocol may allow frames above this, whatever it asks for (128 MiB; Raft appends may
 * carry up to consensus' MAX_BYTES_PER_APPEND of 64 MiB plus headers).
 */
export const FRAME_MAX_BYTES_CEILING = 128 * 1024 * 1024;

/** Nesting depth of a frame's value (arrays and maps); protocols need far less. */
export const FRAME_VALUE_MAX_DEPTH = 64;

/**
 * One-way (Raft) outbound queue per (peer, protocol): frames and bytes it may hold (bytes
 * count each frame's length prefix). The byte default is raised to one largest frame when a
 * protocol's maxFrameBytes is bigger.
 */
export const ONE_WAY_QUEUE_MAX_FRAMES_DEFAULT = 1024;
export const ONE_WAY_QUEUE_MAX_BYTES_DEFAULT = 16 * 1024 * 1024;
/**
 * Inbound streams per connection for a one-way protocol: the sender keeps one; a few more
 * cover a reopen racing the old stream's reset. Each may buffer up to one frame.
 */
export const ONE_WAY_MAX_INBOUND_STREAMS = 4;
/** A one-way stream that accepts no bytes for this long is aborted and its queue dropped. */
export const ONE_WAY_STALL_TIMEOUT_MS_DEFAULT = 10_000;
/** Opening a stream on an existing connection (protocol negotiation) may take this long. */
export const STREAM_OPEN_TIMEOUT_MS_DEFAULT = 5_000;

/** A request stream must deliver its whole request frame within this time. */
export const REQUEST_READ_TIMEOUT_MS_DEFAULT = 10_000;
/** A request handler that has not answered by then is abandoned and its stream aborted. */
export const REQUEST_HANDLER_TIMEOUT_MS_DEFAULT = 30_000;
/**
 * Requests in flight per peer and protocol from this node: more wait for a slot (P2PHost.request).
 * libp2p's own per-connection stream limits below are twice that, because a stream the sender is
 * done with still counts on both ends until its close completes: without the headroom, the next
 * request's stream would be reset by the receiver.
 */
export const REQUEST_MAX_IN_FLIGHT = 64;
export const REQUEST_MAX_INBOUND_STREAMS = 2 * REQUEST_MAX_IN_FLIGHT;
export const REQUEST_MAX_OUTBOUND_STREAMS = 2 * REQUEST_MAX_IN_FLIGHT;

/** Reconnect back-off to configured peers: base, doubling per failure, capped, with jitter. */
export const RECONNECT_BASE_DELAY_MS_DEFAULT = 250;
export const RECONNECT_MAX_DELAY_MS_DEFAULT = 10_000;
/** A connection must stay open this long before the back-off resets (see host.ts). */
export const RECONNECT_STABLE_AFTER_MS_DEFAULT = 1_000;
/** A single dial attempt is abandoned after this long. */
export const DIAL_TIMEOUT_MS_DEFAULT = 5_000;
/** Inbound connection attempts per second from one IP before libp2p refuses them. */
export const INBOUND_CONNECTIONS_PER_SECOND_PER_HOST = 50;
/** Remote error codes carried in request answers are at most this long. */
export const REMOTE_ERROR_CODE_MAX_CHARS = 64;
export const REMOTE_ERROR_MESSAGE_MAX_CHARS = 1024;

function assertLimit(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assert: p2p constants: ${message}`);
}
assertLimit(FRAME_MAX_BYTES_CEILING < 2 ** (8 * FRAME_LENGTH_PREFIX_BYTES), 'frame ceiling fits the length prefix');
assertLimit(ONE_WAY_QUEUE_MAX_BYTES_DEFAULT <= FRAME_MAX_BYTES_CEILING * ONE_WAY_QUEUE_MAX_FRAMES_DEFAULT, 'queue bytes reachable');
assertLimit(RECONNECT_BASE_DELAY_MS_DEFAULT > 0, 'reconnect base delay positive');
assertLimit(RECONNECT_BASE_DELAY_MS_DEFAULT <= RECONNECT_MAX_DELAY_MS_DEFAULT, 'reconnect base <= cap');
assertLimit(STREAM_OPEN_TIMEOUT_MS_DEFAULT < ONE_WAY_STALL_TIMEOUT_MS_DEFAULT, 'stream open shorter than stall timeout');
assertLimit(REQUEST_READ_TIMEOUT_MS_DEFAULT <= REQUEST_HANDLER_TIMEOUT_MS_DEFAULT, 'read timeout <= handler timeout');

/**
 * Streams a peer may open on a new connection before this side has finished setting it up. yamux
 * defaults to 10 and then tears the whole connection down, which a burst of requests right after
 * a (re)connect reaches easily; only members get this far (the gater refuses others first).
 */
export const MUXER_MAX_EARLY_STREAMS = 8 * REQUEST_MAX_IN_FLIGHT;
