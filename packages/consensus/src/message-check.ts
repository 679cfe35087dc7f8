// The decode boundary for messages from peers: a host decodes msgpack into `unknown` and calls
// parseMessage, which checks every field's type and bound and rejects unknown fields. RawNode.step
// runs the same check, so a malformed message costs that message, never the node.

import {
  MAX_ENTRIES_PER_APPEND,
  MAX_ENTRY_DATA_BYTES,
  MAX_MEMBERS,
  MAX_READ_CONTEXT_BYTES,
} from './constants.js';
import { checkNodeId } from './conf-change.js';
import { ConsensusError } from './errors.js';
import type { Message } from './types.js';
import { MESSAGE_TYPES } from './types.js';

const MESSAGE_FIELDS = new Set(['type', 'from', 'to', 'term', 'logTerm', 'index', 'entries', 'commit', 'reject', 'rejectHint', 'snapshot', 'context', 'transfer']);
const ENTRY_FIELDS = new Set(['index', 'term', 'type', 'data']);

function invalid(field: string, message: string): ConsensusError {
  return new ConsensusError('MESSAGE_INVALID', `${field} ${message}`, { field });
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(field, `must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

function checkRecord(value: unknown, field: string, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw invalid(`${field}.${key}`, 'is not a known field');
  }
  return value as Record<string, unknown>;
}

function checkIdList(value: unknown, field: string): void {
  if (!Array.isArray(value) || value.length > MAX_MEMBERS) throw invalid(field, `must be an array of at most ${MAX_MEMBERS} ids`);
  for (let i = 0; i < value.length; i++) checkNodeId(value[i], `${field}[${i}]`);
}

function checkConfState(value: unknown, field: string): void {
  const conf = checkRecord(value, field, new Set(['voters', 'learners']));
  checkIdList(conf.voters, `${field}.voters`);
  checkIdList(conf.learners, `${field}.learners`);
  const all = new Set([...(conf.voters as string[]), ...(conf.learners as string[])]);
  if (all.size !== (conf.voters as string[]).length + (conf.learners as string[]).length) throw invalid(field, 'lists an id twice');
}

function checkEntry(value: unknown, field: string, index: number, maxTerm: number): void {
  const entry = checkRecord(value, field, ENTRY_FIELDS);
  if (checkCount(entry.index, `${field}.index`) !== index) throw invalid(`${field}.index`, `must be ${index}, got ${String(entry.index)}`);
  const term = checkCount(entry.term, `${field}.term`);
  if (term === 0 || term > maxTerm) throw invalid(`${field}.term`, `must be in [1, ${maxTerm}], got ${term}`);
  if (entry.type !== 'normal' && entry.type !== 'confChange') throw invalid(`${field}.type`, `is unknown: ${String(entry.type)}`);
  if (!(entry.data instanceof Uint8Array) || entry.data.length > MAX_ENTRY_DATA_BYTES) {
    throw invalid(`${field}.data`, `must be a Uint8Array of at most ${MAX_ENTRY_DATA_BYTES} bytes`);
  }
}

/** Checks that `value` is a well-formed Message and returns it typed; throws MESSAGE_INVALID. */
export function parseMessage(value: unknown): Message {
  const m = checkRecord(value, 'message', MESSAGE_FIELDS);
  if (typeof m.type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(m.type)) throw invalid('message.type', `is unknown: ${String(m.type)}`);
  checkNodeId(m.from, 'message.from');
  checkNodeId(m.to, 'message.to');
  const term = checkCount(m.term, 'message.term');
  if (term === 0) throw invalid('message.term', 'must be positive');
  const logTerm = checkCount(m.logTerm, 'message.logTerm');
  if (logTerm > term) throw invalid('message.logTerm', `${logTerm} exceeds the message term ${term}`);
  const index = checkCount(m.index, 'message.index');
  checkCount(m.commit, 'message.commit');
  checkCount(m.rejectHint, 'message.rejectHint');
  if (typeof m.reject !== 'boolean') throw invalid('message.reject', 'must be a boolean');
  if (!Array.isArray(m.entries) || m.entries.length > MAX_ENTRIES_PER_APPEND) throw invalid('message.entries', `must be an array of at most ${MAX_ENTRIES_PER_APPEND} entries`);
  if (m.entries.length > 0 && m.type !== 'app') throw invalid('message.entries', `must be empty in a ${m.type} message`);
  for (let i = 0; i < m.entries.length; i++) checkEntry(m.entries[i], `message.entries[${i}]`, index + 1 + i, term);
  if (m.snapshot !== undefined) {
    const snap = checkRecord(m.snapshot, 'message.snapshot', new Set(['index', 'term', 'confState']));
    checkCount(snap.index, 'message.snapshot.index');
    checkCount(snap.term, 'message.snapshot.term');
    checkConfState(snap.confState, 'message.snapshot.confState');
  }
  if (m.type === 'snap' && m.snapshot === undefined) throw invalid('message.snapshot', 'is required in a snap message');
  if (m.context !== undefined && (!(m.context instanceof Uint8Array) || m.context.length > MAX_READ_CONTEXT_BYTES)) {
    throw invalid('message.context', `must be a Uint8Array of at most ${MAX_READ_CONTEXT_BYTES} bytes`);
  }
  if (m.transfer !== undefined && typeof m.transfer !== 'boolean') throw invalid('message.transfer', 'must be a boolean');
  return value as Message;
}
