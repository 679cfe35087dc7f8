// @tradeledger/cli: the `tradeledger` command (bin.ts) and the pieces other tools may reuse.
export { runCli, buildProgram, EXIT_CODES_HELP, type CliContext } from './program.js';
export { CliError, EXIT, toCliError, type ExitCode } from './errors.js';
export { NodeClient, parseNodeUrl, type RequestOptions } from './http-client.js';
export { timeNonceSource, parseNonce, type NonceSource } from './nonce.js';
export { parseOrgsFile, slugOf, p2pMultiaddr, type OrgsFile, type PlannedOrganization, type PlannedNode } from './orgs-file.js';
export { makeGenesis, writeNodeBundle, type GenesisFileContents, type NodeBundleSpec } from './node-bundle.js';
export { parseProofDocument, verifyProofDocument, parseHeaderJson, checkHeaderHead, membershipFromGenesisFile, type ProofDocument, type ProofVerdict, type HeaderJson } from './verify.js';
export { freePorts } from './ports.js';
export type { CliIo } from './output.js';
