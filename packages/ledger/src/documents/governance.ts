// Membership documents: the genesis configuration (organizations with LEI, roles, signing keys and
// node keys, and the governance threshold) and the governance transactions that change it.
//
// A change is a proposal (org-add, org-remove, key-rotate, node-set-change) signed by one member
// organization, which counts as that organization's approval, plus 'governance-approve'
// transactions from other members. It takes effect in the block where the approvals of current
// member organizations reach the threshold (see state/governance.ts). A proposal may carry an
// expiry after which approvals are refused.

import { z } from 'zod';
import { bytesEqual, fromHex } from '../bytes.js';
import { ed25519PublicKeyOfPeerId } from './identifiers.js';
import { DOCUMENT_LIMITS } from './limits.js';
import { addRuleIssue, checkedString, documentRefField, identity, leiField, longText, nameText, peerIdField, publicKeyField, timestampField, uniqueArray } from './schema-kit.js';

export const ORGANIZATION_ROLES = ['customs', 'importer', 'exporter', 'producer', 'manufacturer', 'retailer', 'broker', 'rights_holder'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

export const roleField = z.enum(ORGANIZATION_ROLES);

export const nodeSchema = z
  .strictObject({
    peerId: peerIdField,
    publicKey: publicKeyField,
  })
  .superRefine((node, ctx) => {
    const embedded = ed25519PublicKeyOfPeerId(node.peerId);
    if (embedded === undefined || !bytesEqual(embedded, fromHex(node.publicKey, 'publicKey', 32))) {
      addRuleIssue(ctx, 'NODE_PEER_ID_MISMATCH', `peer id ${JSON.stringify(node.peerId)} is not derived from node public key ${node.publicKey}`, ['peerId'], node.peerId);
    }
  });
export type NodeRecord = z.output<typeof nodeSchema>;

export const organizationSchema = z.strictObject({
  lei: leiField,
  name: nameText,
  roles: uniqueArray(roleField, 1, DOCUMENT_LIMITS.rolesPerOrganization, identity, 'role'),
  signingKeys: uniqueArray(publicKeyField, 1, DOCUMENT_LIMITS.signingKeysPerOrganization, identity, 'signing key'),
  nodes: uniqueArray(nodeSchema, 0, DOCUMENT_LIMITS.nodesPerOrganization, (n) => n.peerId, 'node peer id'),
});
export type Organization = z.output<typeof organizationSchema>;

/**
 * A change takes effect when approvals × denominator > members × numerator: {1, 2} (the default) is
 * a strict majority; {2, 3} more than two thirds.
 */
export const governanceThresholdSchema = z
  .strictObject({
    numerator: z.number().int().min(0).max(99),
    denominator: z.number().int().min(1).max(100),
  })
  .superRefine((t, ctx) => {
    if (t.numerator >= t.denominator) addRuleIssue(ctx, 'THRESHOLD_RANGE', `threshold ${t.numerator}/${t.denominator} must be below 1 (approvals must exceed it)`, ['numerator'], t.numerator);
  });
export { approvalsRequired, MAJORITY, type GovernanceThreshold } from './threshold.js';

/** The transaction envelope's chain id alphabet (tx.ts), at most 64 characters. */
const CHAIN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const chainIdField = checkedString(
  (value) =>
    typeof value === 'string' && CHAIN_ID_PATTERN.test(value)
      ? { value }
      : { code: 'CHAIN_ID_FORMAT', detail: `expected a chain id of 1 to ${DOCUMENT_LIMITS.chainIdChars} characters A-Z a-z 0-9 . _ : -, got ${JSON.stringify(String(value).slice(0, 80))}` },
  { description: 'Network chain id', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
);

/** Keys and peer ids are unique across organizations: one key, one organization. */
function checkUniqueAcrossOrganizations(organizations: readonly Organization[], ctx: z.core.$RefinementCtx): void {
  const leis = new Set<string>();
  const keys = new Set<string>();
  const peers = new Set<string>();
  const nodeKeys = new Set<string>();
  organizations.forEach((org, i) => {
    if (leis.has(org.lei)) addRuleIssue(ctx, 'DUPLICATE_VALUE', `duplicate organization LEI ${org.lei}`, ['organizations', i, 'lei'], org.lei);
    leis.add(org.lei);
    org.signingKeys.forEach((key, k) => {
      if (keys.has(key)) addRuleIssue(ctx, 'DUPLICATE_VALUE', `signing key ${key} belongs to two organizations`, ['organizations', i, 'signingKeys', k], key);
      keys.add(key);
    });
    org.nodes.forEach((node, n) => {
      if (peers.has(node.peerId) || nodeKeys.has(node.publicKey)) addRuleIssue(ctx, 'DUPLICATE_VALUE', `node ${node.peerId} belongs to two organizations`, ['organizations', i, 'nodes', n, 'peerId'], node.peerId);
      peers.add(node.peerId);
      nodeKeys.add(node.publicKey);
    });
  });
}

export const genesisConfigSchema = z
  .strictObject({
    chainId: chainIdField,
    organizations: z.array(organizationSchema).min(1).max(DOCUMENT_LIMITS.organizations),
    governanceThreshold: governanceThresholdSchema.optional(),
  })
  .superRefine((config, ctx) => {
    checkUniqueAcrossOrganizations(config.organizations, ctx);
    if (!config.organizations.some((org) => org.nodes.length > 0)) addRuleIssue(ctx, 'GENESIS_NO_NODES', 'at least one organization must run a node', ['organizations'], undefined);
  });
export type GenesisConfig = z.output<typeof genesisConfigSchema>;
export type GenesisConfigInput = z.input<typeof genesisConfigSchema>;

const proposalExpiry = { expiresAt: timestampField.optional() };

export const orgAddSchema = z.strictObject({ organization: organizationSchema, ...proposalExpiry });
export type OrgAddPayload = z.output<typeof orgAddSchema>;

export const orgRemoveSchema = z.strictObject({ lei: leiField, reason: longText, ...proposalExpiry });
export type OrgRemovePayload = z.output<typeof orgRemoveSchema>;

export const keyRotateSchema = z
  .strictObject({
    lei: leiField,
    add: uniqueArray(publicKeyField, 0, DOCUMENT_LIMITS.signingKeysPerOrganization, identity, 'signing key'),
    remove: uniqueArray(publicKeyField, 0, DOCUMENT_LIMITS.signingKeysPerOrganization, identity, 'signing key'),
    ...proposalExpiry,
  })
  .superRefine((p, ctx) => {
    if (p.add.length === 0 && p.remove.length === 0) addRuleIssue(ctx, 'PROPOSAL_EMPTY', 'a key rotation adds or removes at least one key', ['add'], p.add);
    p.add.forEach((key, i) => {
      if (p.remove.includes(key)) addRuleIssue(ctx, 'DUPLICATE_VALUE', `key ${key} is both added and removed`, ['add', i], key);
    });
  });
export type KeyRotatePayload = z.output<typeof keyRotateSchema>;

export const nodeSetChangeSchema = z
  .strictObject({
    lei: leiField,
    add: uniqueArray(nodeSchema, 0, DOCUMENT_LIMITS.nodesPerOrganization, (n) => n.peerId, 'node peer id'),
    remove: uniqueArray(peerIdField, 0, DOCUMENT_LIMITS.nodesPerOrganization, identity, 'node peer id'),
    ...proposalExpiry,
  })
  .superRefine((p, ctx) => {
    if (p.add.length === 0 && p.remove.length === 0) addRuleIssue(ctx, 'PROPOSAL_EMPTY', 'a node set change adds or removes at least one node', ['add'], p.add);
    p.add.forEach((node, i) => {
      if (p.remove.includes(node.peerId)) addRuleIssue(ctx, 'DUPLICATE_VALUE', `node ${node.peerId} is both added and removed`, ['add', i, 'peerId'], node.peerId);
    });
  });
export type NodeSetChangePayload = z.output<typeof nodeSetChangeSchema>;

export const governanceApproveSchema = z.strictObject({ proposal: documentRefField });
export type GovernanceApprovePayload = z.output<typeof governanceApproveSchema>;

export const GOVERNANCE_PROPOSAL_KINDS = ['org-add', 'org-remove', 'key-rotate', 'node-set-change'] as const;
export type GovernanceProposalKind = (typeof GOVERNANCE_PROPOSAL_KINDS)[number];
