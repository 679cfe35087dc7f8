// Verifiable Credentials for the ledger: RFC 8785 canonical JSON, did:key, eddsa-jcs-2022 Data
// Integrity proofs, the licensee credential and Bitstring Status Lists. status-list.ts loads
// node:zlib; everything else here is free of node:* apart from ed25519.ts/hash.ts (node:crypto).
export * from './jcs.js';
export * from './datetime.js';
export * from './did-key.js';
export * from './data-integrity.js';
export * from './status-list.js';
export * from './license-credential.js';
