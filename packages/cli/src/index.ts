// @tradeledger/cli: public API. Modules are re-exported here as they land.
export {};
