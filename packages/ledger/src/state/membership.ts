// Membership in state: the genesis writes, reading the effective membership (the node's connection
// gater and block validation use it), and the writes that add, change or remove an organization.
// An organization's signing keys and node keys are indexed by key so a signer or a peer resolves to
// its organization in one read.

import { toHex } from '../bytes.js';
import { DOCUMENT_LIMITS } from '../documents/limits.js';
import { approvalsRequired, MAJORITY, type GovernanceThreshold, type GenesisConfigInput } from '../documents/governance.js';
import { parseGenesisConfig } from '../documents/kinds.js';
import { LedgerError } from '../errors.js';
import type { StateReader, StateWrite } from '../store.js';
import { KEY } from './keys.js';
import { StateOverlay } from './overlay.js';
import { decodeRecord, readRecord, writeRecord, type ConfigRecord, type KeyRecord, type NodeKeyRecord, type OrgRecord } from './records.js';

export interface Membership {
  readonly chainId: string;
  readonly threshold: GovernanceThreshold;
  /** Member organizations in LEI order. */
  readonly organizations: readonly OrgRecord[];
  /** Approvals of distinct member organizations a governance change needs now. */
  readonly approvalsRequired: number;
}

/** Writes an organization and its key and node indexes (the caller has checked no key is taken). */
export function putOrganization(overlay: StateOverlay, org: OrgRecord): void {
  writeRecord(overlay, KEY.org(org.lei), org);
  for (const key of org.signingKeys) writeRecord(overlay, KEY.signingKey(key), { lei: org.lei } satisfies KeyRecord);
  for (const node of org.nodes) {
    writeRecord(overlay, KEY.node(node.peerId), { lei: org.lei, peerId: node.peerId, publicKey: node.publicKey } satisfies NodeKeyRecord);
    writeRecord(overlay, KEY.nodeKey(node.publicKey), { lei: org.lei, peerId: node.peerId, publicKey: node.publicKey } satisfies NodeKeyRecord);
  }
}

/** Deletes an organization and every key and node index pointing at it. */
export function deleteOrganization(overlay: StateOverlay, org: OrgRecord): void {
  overlay.delete(KEY.org(org.lei));
  for (const key of org.signingKeys) overlay.delete(KEY.signingKey(key));
  for (const node of org.nodes) {
    overlay.delete(KEY.node(node.peerId));
    overlay.delete(KEY.nodeKey(node.publicKey));
  }
}

/** Replaces an organization's record, dropping indexes of keys and nodes it no longer has. */
export function replaceOrganization(overlay: StateOverlay, before: OrgRecord, after: OrgRecord): void {
  for (const key of before.signingKeys) if (!after.signingKeys.includes(key)) overlay.delete(KEY.signingKey(key));
  for (const node of before.nodes) {
    if (!after.nodes.some((n) => n.peerId === node.peerId)) {
      overlay.delete(KEY.node(node.peerId));
      overlay.delete(KEY.nodeKey(node.publicKey));
    }
  }
  putOrganization(overlay, after);
}

/**
 * The initial state of a network: its configuration (chain id, threshold) and its organizations.
 * Throws a LedgerError with the rule's code (LEI_CHECKSUM, NODE_PEER_ID_MISMATCH, …) naming the field.
 */
export function genesisStateWrites(config: GenesisConfigInput | unknown): StateWrite[] {
  const parsed = parseGenesisConfig(config);
  if (!parsed.ok) {
    const field = (parsed.error.field ?? 'payload').replace(/^payload/, 'genesis');
    throw new LedgerError(parsed.error.code, parsed.error.message.replace(/^payload/, 'genesis'), { field });
  }
  const genesis = parsed.value;
  const overlay = new StateOverlay(EMPTY_STATE);
  writeRecord(overlay, KEY.config, { chainId: genesis.chainId, threshold: genesis.governanceThreshold ?? MAJORITY } satisfies ConfigRecord);
  const sorted = [...genesis.organizations].sort((a, b) => (a.lei < b.lei ? -1 : 1));
  for (const org of sorted) {
    putOrganization(overlay, {
      lei: org.lei,
      name: org.name,
      roles: [...org.roles].sort(),
      signingKeys: [...org.signingKeys].sort(),
      nodes: [...org.nodes].sort((a, b) => (a.peerId < b.peerId ? -1 : 1)).map((n) => ({ peerId: n.peerId, publicKey: n.publicKey })),
      sinceHeight: 0,
    });
  }
  return overlay.writes();
}

const EMPTY_STATE: StateReader = {
  getState: async () => undefined,
  scanState: async () => [],
  getTxLocation: async () => undefined,
};

export async function readOrganizations(reader: StateReader): Promise<OrgRecord[]> {
  const entries = await reader.scanState(KEY.orgPrefix, { limit: DOCUMENT_LIMITS.organizations * 2 });
  return entries.map(([key, value]) => decodeRecord<OrgRecord>(value, key));
}

/** The membership in effect in `reader`'s state. Throws STATE_NO_GENESIS on a state without genesis. */
export async function readMembership(reader: StateReader): Promise<Membership> {
  const config = await readRecord<ConfigRecord>(reader, KEY.config);
  if (config === undefined) throw new LedgerError('STATE_NO_GENESIS', 'state: no genesis configuration (mem/config) in this state');
  const organizations = await readOrganizations(reader);
  return { chainId: config.chainId, threshold: config.threshold, organizations, approvalsRequired: approvalsRequired(config.threshold, organizations.length) };
}

/** The organization holding a signing key, if any. */
export async function organizationOfSigningKey(reader: StateReader, publicKey: Uint8Array): Promise<OrgRecord | undefined> {
  const key = await readRecord<KeyRecord>(reader, KEY.signingKey(toHex(publicKey)));
  return key === undefined ? undefined : readRecord<OrgRecord>(reader, KEY.org(key.lei));
}

/** The organization running a node, by node public key. */
export async function organizationOfNodeKey(reader: StateReader, publicKey: Uint8Array): Promise<NodeKeyRecord | undefined> {
  return readRecord<NodeKeyRecord>(reader, KEY.nodeKey(toHex(publicKey)));
}

/** The organization running a node, by libp2p peer id (for the connection gater). */
export async function organizationOfPeerId(reader: StateReader, peerId: string): Promise<NodeKeyRecord | undefined> {
  if (!/^[1-9A-HJ-NP-Za-km-z]{1,100}$/.test(peerId)) return undefined;
  return readRecord<NodeKeyRecord>(reader, KEY.node(peerId));
}

/** Whether `publicKey` is a node key of a member organization. */
export async function isMemberNodeKey(reader: StateReader, publicKey: Uint8Array): Promise<boolean> {
  return (await organizationOfNodeKey(reader, publicKey)) !== undefined;
}
