// @tradeledger/consensus: public API. Modules are re-exported here as they land.
export * from './errors.js';
export * from './constants.js';
export * from './prng.js';
export * from './types.js';
export * from './conf-change.js';
export * from './message-check.js';
export * from './storage.js';
export type { RaftConfig, UnsafeTestingFlags } from './raft.js';
export * from './raw-node.js';
