// @tradeledger/node: the host that runs a ledger node. Modules are re-exported here as they land.
export * from './level-store.js';
export * from './errors.js';
export * from './mempool.js';
export * from './attachment-store.js';
export * from './raft-storage.js';
export * from './protocols.js';
export * from './ledger-node.js';
export * from './p2p/index.js';
export * from './examples.js';
export * from './access-tokens.js';
export * from './node-metrics.js';
export * from './node-config.js';
export * from './http/service.js';
export * from './http/server.js';
export * from './run.js';
export * from './cosigner.js';
export * from './api/index.js';
