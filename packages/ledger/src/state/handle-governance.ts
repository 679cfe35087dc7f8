// Governance: membership changes by proposal and approvals. A proposal counts as its signer
// organization's approval; 'governance-approve' adds another organization's. The change is
// re-validated against the membership of the moment and takes effect in the transaction (and so
// the block) where approvals from current member organizations reach the threshold. Approvals of
// organizations removed since do not count. A proposal past its expiry takes no more approvals.
// If a change has become impossible (say, its key was taken meanwhile), the approval that would
// execute it is rejected with the reason and the proposal stays open.

import { approvalsRequired, type GovernanceProposalKind, type KeyRotatePayload, type NodeSetChangePayload, type OrgAddPayload, type OrgRemovePayload, type GovernanceApprovePayload } from '../documents/governance.js';
import { timestampMs } from '../documents/identifiers.js';
import { DOCUMENT_LIMITS } from '../documents/limits.js';
import type { TxResult } from '../store.js';
import { KEY, lastComponent } from './keys.js';
import { deleteOrganization, putOrganization, readOrganizations, replaceOrganization } from './membership.js';
import { readRecord, writeRecord, type ApprovalRecord, type ConfigRecord, type DocumentRecord, type KeyRecord, type NodeKeyRecord, type OrgRecord } from './records.js';
import { ACCEPTED, isRejected, rejected, type Rejected, type TxScope } from './scope.js';

type ProposalPayload = OrgAddPayload | OrgRemovePayload | KeyRotatePayload | NodeSetChangePayload;

/** The membership change a proposal makes, checked against the current state. */
type Change = { readonly add?: OrgRecord; readonly remove?: OrgRecord; readonly replace?: { readonly before: OrgRecord; readonly after: OrgRecord } };

async function keyTaken(scope: TxScope, publicKey: string): Promise<boolean> {
  return (await readRecord<KeyRecord>(scope.overlay, KEY.signingKey(publicKey))) !== undefined;
}

async function nodeTaken(scope: TxScope, peerId: string, publicKey: string): Promise<boolean> {
  return (await readRecord<NodeKeyRecord>(scope.overlay, KEY.node(peerId))) !== undefined || (await readRecord<NodeKeyRecord>(scope.overlay, KEY.nodeKey(publicKey))) !== undefined;
}

async function planChange(scope: TxScope, kind: GovernanceProposalKind, payload: ProposalPayload): Promise<Change | Rejected> {
  const organizations = await readOrganizations(scope.overlay);
  const find = (lei: string) => organizations.find((o) => o.lei === lei);
  const totalNodes = organizations.reduce((n, o) => n + o.nodes.length, 0);
  switch (kind) {
    case 'org-add': {
      const { organization } = payload as OrgAddPayload;
      if (find(organization.lei) !== undefined) return rejected('ORG_EXISTS');
      if (organizations.length >= DOCUMENT_LIMITS.organizations) return rejected('ORG_LIMIT');
      for (const key of organization.signingKeys) if (await keyTaken(scope, key)) return rejected('KEY_IN_USE');
      for (const node of organization.nodes) if (await nodeTaken(scope, node.peerId, node.publicKey)) return rejected('NODE_IN_USE');
      return {
        add: {
          lei: organization.lei,
          name: organization.name,
          roles: [...organization.roles].sort(),
          signingKeys: [...organization.signingKeys].sort(),
          nodes: [...organization.nodes].sort((a, b) => (a.peerId < b.peerId ? -1 : 1)).map((n) => ({ peerId: n.peerId, publicKey: n.publicKey })),
          sinceHeight: scope.block.height,
        },
      };
    }
    case 'org-remove': {
      const { lei } = payload as OrgRemovePayload;
      const org = find(lei);
      if (org === undefined) return rejected('ORG_UNKNOWN');
      if (organizations.length === 1) return rejected('ORG_LAST');
      if (totalNodes - org.nodes.length === 0) return rejected('NODE_SET_EMPTY');
      return { remove: org };
    }
    case 'key-rotate': {
      const p = payload as KeyRotatePayload;
      const org = find(p.lei);
      if (org === undefined) return rejected('ORG_UNKNOWN');
      for (const key of p.remove) if (!org.signingKeys.includes(key)) return rejected('KEY_UNKNOWN');
      for (const key of p.add) if (await keyTaken(scope, key)) return rejected('KEY_IN_USE');
      const keys = [...org.signingKeys.filter((k) => !p.remove.includes(k)), ...p.add].sort();
      if (keys.length === 0 || keys.length > DOCUMENT_LIMITS.signingKeysPerOrganization) return rejected('KEY_COUNT');
      return { replace: { before: org, after: { ...org, signingKeys: keys } } };
    }
    case 'node-set-change': {
      const p = payload as NodeSetChangePayload;
      const org = find(p.lei);
      if (org === undefined) return rejected('ORG_UNKNOWN');
      for (const peerId of p.remove) if (!org.nodes.some((n) => n.peerId === peerId)) return rejected('NODE_UNKNOWN');
      for (const node of p.add) if (await nodeTaken(scope, node.peerId, node.publicKey)) return rejected('NODE_IN_USE');
      const nodes = [...org.nodes.filter((n) => !p.remove.includes(n.peerId)), ...p.add.map((n) => ({ peerId: n.peerId, publicKey: n.publicKey }))].sort((a, b) => (a.peerId < b.peerId ? -1 : 1));
      if (nodes.length > DOCUMENT_LIMITS.nodesPerOrganization) return rejected('NODE_COUNT');
      if (totalNodes - org.nodes.length + nodes.length === 0) return rejected('NODE_SET_EMPTY');
      return { replace: { before: org, after: { ...org, nodes } } };
    }
  }
}

function applyChange(scope: TxScope, change: Change): void {
  if (change.add !== undefined) putOrganization(scope.overlay, change.add);
  if (change.remove !== undefined) deleteOrganization(scope.overlay, change.remove);
  if (change.replace !== undefined) replaceOrganization(scope.overlay, change.replace.before, change.replace.after);
}

function expired(payload: ProposalPayload, nowMs: number): boolean {
  return payload.expiresAt !== undefined && timestampMs(payload.expiresAt) <= nowMs;
}

/** Approvals of the proposal by organizations that are members now. */
async function countApprovals(scope: TxScope, proposalId: string): Promise<number> {
  const approvals = await scope.overlay.scanState(KEY.approvalPrefix(proposalId), { limit: DOCUMENT_LIMITS.organizations * 4 });
  let count = 0;
  for (const [key] of approvals) if ((await readRecord<OrgRecord>(scope.overlay, KEY.org(lastComponent(key)))) !== undefined) count++;
  return count;
}

/** Executes the proposal if approvals reach the threshold; a change no longer possible rejects. */
async function executeIfApproved(scope: TxScope, proposal: DocumentRecord): Promise<TxResult> {
  const config = await readRecord<ConfigRecord>(scope.overlay, KEY.config);
  if (config === undefined) return rejected('STATE_NO_GENESIS');
  const members = (await readOrganizations(scope.overlay)).length;
  if ((await countApprovals(scope, proposal.id)) < approvalsRequired(config.threshold, members)) return ACCEPTED;
  const change = await planChange(scope, proposal.kind as GovernanceProposalKind, proposal.payload as ProposalPayload);
  if (isRejected(change)) return change;
  applyChange(scope, change);
  const current = (await scope.doc(proposal.id)) ?? proposal;
  scope.updateDocument(current, { status: 'executed', executedHeight: scope.block.height }, 'executed');
  scope.overlay.delete(KEY.openProposal(proposal.id));
  return ACCEPTED;
}

function proposalLeis(kind: GovernanceProposalKind, payload: ProposalPayload): string[] {
  return kind === 'org-add' ? [(payload as OrgAddPayload).organization.lei] : [(payload as OrgRemovePayload | KeyRotatePayload | NodeSetChangePayload).lei];
}

export async function handleProposal(scope: TxScope, kind: GovernanceProposalKind, payload: ProposalPayload): Promise<TxResult> {
  if (expired(payload, scope.nowMs)) return rejected('PROPOSAL_EXPIRED');
  const plan = await planChange(scope, kind, payload);
  if (isRejected(plan)) return plan;
  const record = scope.createDocument(kind, payload, 'open');
  scope.indexLeis(record.id, kind, proposalLeis(kind, payload));
  scope.index(KEY.openProposal(record.id), kind);
  writeRecord(scope.overlay, KEY.approval(record.id, scope.org.lei), { txId: scope.id, height: scope.block.height } satisfies ApprovalRecord);
  return executeIfApproved(scope, record);
}

export async function handleApprove(scope: TxScope, payload: GovernanceApprovePayload): Promise<TxResult> {
  const proposal = await scope.requireDoc(payload.proposal, ['org-add', 'org-remove', 'key-rotate', 'node-set-change']);
  if (isRejected(proposal)) return proposal;
  if (proposal.status !== 'open') return rejected('PROPOSAL_CLOSED');
  if (expired(proposal.payload as ProposalPayload, scope.nowMs)) return rejected('PROPOSAL_EXPIRED');
  if ((await scope.overlay.getState(KEY.approval(proposal.id, scope.org.lei))) !== undefined) return rejected('APPROVAL_DUPLICATE');
  writeRecord(scope.overlay, KEY.approval(proposal.id, scope.org.lei), { txId: scope.id, height: scope.block.height } satisfies ApprovalRecord);
  const record = scope.createDocument('governance-approve', payload, 'active');
  scope.indexLeis(record.id, 'governance-approve', proposalLeis(proposal.kind as GovernanceProposalKind, proposal.payload as ProposalPayload));
  const approved = scope.updateDocument(proposal, {}, 'approved');
  return executeIfApproved(scope, approved);
}
