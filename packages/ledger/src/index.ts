// @tradeledger/ledger: public API. Modules are re-exported here as they land.
export * from './errors.js';
export * from './bytes.js';
export * from './hash.js';
export * from './store.js';
export * from './memory-store.js';
export * from './block.js';
export * from './block-verify.js';
export * from './verify-pool.js';
export * from './sha256-portable.js';
export * from './merkle-proof.js';
export * from './merkle-log.js';
export * from './constants.js';
export * from './canonical-msgpack.js';
export * from './ed25519.js';
export * from './tx.js';
export * from './tx-kind-registry.js';
export * from './audit.js';
