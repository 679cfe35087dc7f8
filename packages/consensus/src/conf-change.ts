// Configuration changes as log entries: their byte encoding (strict, bounded) and how one
// change transforms a ConfState. Changes go one server at a time; a change that does not apply
// to the configuration in force when it is applied (adding a voter twice, removing an absent
// member, removing the last voter) is a deterministic no-op on every node.

import { MAX_MEMBERS, MAX_NODE_ID_LENGTH } from './constants.js';
import { ConsensusError } from './errors.js';
import type { ConfChange, ConfChangeType, ConfState, Entry, HardState, NodeId } from './types.js';

const CONF_CHANGE_VERSION = 1;
const TYPE_CODES: Record<ConfChangeType, number> = { addVoter: 1, addLearner: 2, removeNode: 3 };
const CODE_TYPES: readonly (ConfChangeType | undefined)[] = [undefined, 'addVoter', 'addLearner', 'removeNode'];
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function checkNodeId(id: unknown, field: string): asserts id is NodeId {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_NODE_ID_LENGTH) {
    throw new ConsensusError('NODE_ID_INVALID', `${field} must be a string of 1..${MAX_NODE_ID_LENGTH} characters, got ${JSON.stringify(id)}`, { field });
  }
}

/** Bytes: version (1), type code (1), node id as UTF-8. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  checkNodeId(change.nodeId, 'confChange.nodeId');
  const code = TYPE_CODES[change.type];
  if (code === undefined) throw new ConsensusError('CONF_CHANGE_INVALID', `confChange.type ${String(change.type)} is unknown`, { field: 'confChange.type' });
  const id = encoder.encode(change.nodeId);
  const out = new Uint8Array(2 + id.length);
  out[0] = CONF_CHANGE_VERSION;
  out[1] = code;
  out.set(id, 2);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < 3 || data[0] !== CONF_CHANGE_VERSION) {
    throw new ConsensusError('CONF_CHANGE_INVALID', `conf change bytes must start with version ${CONF_CHANGE_VERSION} and hold a node id (length ${data.length})`, { field: 'entry.data' });
  }
  const type = CODE_TYPES[data[1] ?? 0];
  if (type === undefined) throw new ConsensusError('CONF_CHANGE_INVALID', `conf change type code ${data[1]} is unknown`, { field: 'entry.data' });
  let nodeId: string;
  try {
    nodeId = decoder.decode(data.subarray(2));
  } catch (cause) {
    throw new ConsensusError('CONF_CHANGE_INVALID', 'conf change node id is not UTF-8', { field: 'entry.data', cause });
  }
  checkNodeId(nodeId, 'confChange.nodeId');
  return { type, nodeId };
}

function sortedWith(list: readonly NodeId[], id: NodeId): NodeId[] {
  return [...list, id].sort();
}

/** The configuration after `change`, or the same object when the change does not apply. */
export function applyConfChangeTo(conf: ConfState, change: ConfChange): ConfState {
  const isVoter = conf.voters.includes(change.nodeId);
  const isLearner = conf.learners.includes(change.nodeId);
  switch (change.type) {
    case 'addVoter':
      if (isVoter) return conf;
      if (!isLearner && conf.voters.length + conf.learners.length >= MAX_MEMBERS) return conf;
      return { voters: sortedWith(conf.voters, change.nodeId), learners: conf.learners.filter((id) => id !== change.nodeId) };
    case 'addLearner':
      if (isVoter || isLearner) return conf;
      if (conf.voters.length + conf.learners.length >= MAX_MEMBERS) return conf;
      return { voters: conf.voters, learners: sortedWith(conf.learners, change.nodeId) };
    case 'removeNode':
      if (isLearner) return { voters: conf.voters, learners: conf.learners.filter((id) => id !== change.nodeId) };
      if (!isVoter || conf.voters.length === 1) return conf;
      return { voters: conf.voters.filter((id) => id !== change.nodeId), learners: conf.learners };
  }
}

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

/**
 * The identical first log of every founding member: one addVoter entry per voter at term 1,
 * committed. A member added later replays these entries and so learns the founding
 * configuration from the log itself.
 */
export function bootstrapLog(voters: readonly NodeId[]): { entries: Entry[]; hardState: HardState } {
  if (voters.length === 0 || voters.length > MAX_MEMBERS) {
    throw new ConsensusError('BOOTSTRAP_INVALID', `bootstrap needs 1..${MAX_MEMBERS} voters, got ${voters.length}`, { field: 'voters' });
  }
  const sorted = [...voters].sort();
  const entries: Entry[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const nodeId = sorted[i] as NodeId;
    if (i > 0 && sorted[i - 1] === nodeId) throw new ConsensusError('BOOTSTRAP_INVALID', `voter ${nodeId} is listed twice`, { field: 'voters' });
    entries.push({ index: i + 1, term: 1, type: 'confChange', data: encodeConfChange({ type: 'addVoter', nodeId }) });
  }
  return { entries, hardState: { term: 1, vote: null, commit: entries.length } };
}
