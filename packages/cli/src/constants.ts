// Limits and defaults of the command line, in one place.

/** Largest input file a command reads (documents, proofs, heads, organization lists). */
export const INPUT_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** Largest attachment `submit attachment` uploads (the node's ATTACHMENT_MAX_BYTES). */
export const ATTACHMENT_UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
/** One HTTP request to a node, at most (a `--wait` submission adds its wait on top). */
export const HTTP_TIMEOUT_MS = 15_000;
/** How long `submit --wait` waits for commitment by default. */
export const COMMIT_WAIT_DEFAULT_MS = 30_000;
/** Largest answer read from a node. */
export const HTTP_RESPONSE_MAX_BYTES = 32 * 1024 * 1024;
/** Environment variables that give `--node` and `--token` defaults. */
export const ENV_NODE = 'TRADELEDGER_NODE';
export const ENV_TOKEN = 'TRADELEDGER_TOKEN';
