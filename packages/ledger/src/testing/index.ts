// @tradeledger/ledger/testing: conformance suites and fixtures for other packages' tests.
export * from './store-conformance.js';
export * from './ledger-state-machine.js';
