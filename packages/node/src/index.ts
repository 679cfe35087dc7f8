// @tradeledger/node: public API. Modules are re-exported here as they land.
export {};
export * from './p2p/index.js';
