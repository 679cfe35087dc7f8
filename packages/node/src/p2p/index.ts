// The p2p layer of @tradeledger/node: identity, framing and the libp2p host.
export * from './constants.js';
export * from './counters.js';
export { FRAME_ERROR, FrameDecoder, assertPlainData, decodeFramePayload, encodeFrame, type FrameErrorCode, type StreamChunk } from './framing.js';
export * from './host.js';
export * from './identity.js';
export { parseMultiaddr, type Multiaddr } from './multiaddr.js';
export { installPromiseWithResolvers } from './polyfill.js';
