// @tradeledger/ledger: public API. Modules are re-exported here as they land.
export {};
export * from './sha256-portable.js';
export * from './merkle-proof.js';
export * from './merkle-log.js';
