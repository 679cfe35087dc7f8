// @tradeledger/ledger: public API. Modules are re-exported here as they land.
export {};
