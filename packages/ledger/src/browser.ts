// The browser-portable face of the ledger package (`@tradeledger/ledger/browser`): what a web page
// needs to check, with no node and no trust in the server that sent them, that a transaction is in
// a log whose head a quorum of members cosigned. Everything reachable from here imports no node:*
// module (a test walks the import graph), so bundlers take it as it is.
//
// Owns: nothing of its own; it only re-exports. Must never: export hash.ts, ed25519.ts or anything
// else that reaches node:crypto.

export { bytesEqual, fromHex, toHex, utf8 } from './bytes.js';
export { sha256Portable } from './sha256-portable.js';
export { portableLeafHash, parseProof, verifyInclusion, type InclusionProof, type ConsistencyProof, type MerkleProof } from './merkle-proof.js';
export { checkTrustedMembership, parseCertifiedHead, verifyCertifiedHead, verifyEd25519Portable, type CertifiedHead, type Checkpoint, type TrustedMembership } from './checkpoint.js';
export { verifyInclusionAgainstHead, verifyConsistencyBetweenHeads, type LightClientVerdict } from './light-client.js';
export { openSignedTxPortable, TX_SIGNATURE_DOMAIN_TAG, type PortableSignedTx } from './tx-portable.js';
