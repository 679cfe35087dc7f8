// The trade state machine: apply, state root, membership, queries.
export { applyBlock, tradeStateMachine, type ApplyOptions } from './apply.js';
export { nextStateRoot, GENESIS_PREVIOUS_STATE_ROOT } from './state-root.js';
export { genesisStateWrites, readMembership, isMemberNodeKey, organizationOfSigningKey, organizationOfNodeKey, organizationOfPeerId, type Membership } from './membership.js';
export { KEY as STATE_KEY } from './keys.js';
export { StateOverlay } from './overlay.js';
export type { DocumentRecord, DocumentStatus, HistoryRecord, OrgRecord, NodeEntry, ConfigRecord } from './records.js';
export { LICENSE_CHAIN_MAX_DEPTH, LICENSE_REVOKE_CASCADE_MAX } from './license-chain.js';
export * from './queries.js';
