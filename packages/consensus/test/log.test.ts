// Unit tests of the pieces under Raft: storage, the log overlay, flow control, conf changes and
// the message decode boundary, each at its limits.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ConsensusError,
  MAX_ENTRIES_PER_APPEND,
  MAX_MEMBERS,
  MAX_NODE_ID_LENGTH,
  MAX_READ_CONTEXT_BYTES,
  MemoryRaftStorage,
  applyConfChangeTo,
  bootstrapLog,
  decodeConfChange,
  encodeConfChange,
  parseMessage,
} from '../src/index.js';
import type { ConfChange, Entry, Message } from '../src/index.js';
import { Inflights, Progress } from '../src/progress.js';
import { RaftLog } from '../src/raft-log.js';

function entries(from: number, terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({ index: from + i, term, type: 'normal', data: new Uint8Array([i]) }));
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConsensusError) return error.code;
    throw error;
  }
  return undefined;
}

describe('MemoryRaftStorage', () => {
  test('append replaces a conflicting suffix but never a committed entry', () => {
    const s = new MemoryRaftStorage();
    s.append(entries(1, [1, 1, 1, 2]));
    s.append(entries(3, [3]));
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(3);
    s.setHardState({ term: 3, vote: null, commit: 3 });
    expect(code(() => s.append(entries(3, [4])))).toBe('INVARIANT_BROKEN');
    expect(code(() => s.append(entries(6, [4])))).toBe('INVARIANT_BROKEN');
    expect(code(() => s.setHardState({ term: 2, vote: null, commit: 3 }))).toBe('INVARIANT_BROKEN');
  });

  test('entries honours maxBytes but returns at least one entry', () => {
    const s = new MemoryRaftStorage();
    s.append(entries(1, [1, 1, 1, 1]));
    expect(s.entries(1, 5, 0)).toHaveLength(1);
    expect(s.entries(1, 5, 2 * 25)).toHaveLength(2);
    expect(s.entries(1, 5, Infinity)).toHaveLength(4);
    expect(code(() => s.entries(1, 6, 100))).toBe('LOG_UNAVAILABLE');
  });

  test('applySnapshot replaces the log and lifts commit; compact keeps the tail', () => {
    const s = MemoryRaftStorage.bootstrap(['a', 'b', 'c']);
    s.append(entries(4, [2, 2]));
    s.setHardState({ term: 2, vote: 'a', commit: 5 });
    s.compact(4, { voters: ['a', 'b', 'c'], learners: [] });
    expect([s.firstIndex(), s.lastIndex(), s.term(4)]).toEqual([5, 5, 2]);
    s.applySnapshot({ index: 9, term: 3, confState: { voters: ['a'], learners: [] } });
    expect([s.firstIndex(), s.lastIndex(), s.term(9)]).toEqual([10, 9, 3]);
    expect(s.initialState()).toEqual({ hardState: { term: 2, vote: 'a', commit: 9 }, confState: { voters: ['a'], learners: [] } });
  });
});

describe('RaftLog', () => {
  function log(terms: readonly number[], committed = 0): RaftLog {
    const s = new MemoryRaftStorage();
    s.append(entries(1, terms));
    return new RaftLog(s, committed, 0);
  }

  test('maybeAppend: accepts at a matching point, truncates a conflict, rejects a mismatch', () => {
    const l = log([1, 1, 2]);
    expect(l.maybeAppend(3, 1, 0, [])).toBeNull();
    expect(l.maybeAppend(2, 1, 2, entries(3, [3, 3]))).toBe(4);
    expect([l.lastIndex(), l.term(3), l.committed]).toEqual([4, 3, 2]);
    // The leader's commit beyond what this append proves is capped at the last new index.
    expect(l.maybeAppend(4, 3, 99, [])).toBe(4);
    expect(l.committed).toBe(4);
    expect(() => l.maybeAppend(1, 1, 4, entries(2, [5]))).toThrow(/committed/);
  });

  test('findConflictByTerm walks back to the last entry not above the term', () => {
    const l = log([1, 1, 2, 2, 2, 5, 5]);
    expect(l.findConflictByTerm(7, 4)).toEqual({ index: 5, term: 2 });
    expect(l.findConflictByTerm(7, 5)).toEqual({ index: 7, term: 5 });
    expect(l.findConflictByTerm(9, 1)).toEqual({ index: 2, term: 1 });
    expect(l.findConflictByTerm(7, 0)).toEqual({ index: 0, term: 0 });
  });

  test('isUpToDate compares last term, then last index (§5.4.1)', () => {
    const l = log([1, 2, 2]);
    expect(l.isUpToDate(1, 3)).toBe(true);
    expect(l.isUpToDate(3, 2)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(false);
    expect(l.isUpToDate(9, 1)).toBe(false);
  });

  test('unstable entries overlay storage until marked stable, which checks storage has them', () => {
    const storage = new MemoryRaftStorage();
    storage.append(entries(1, [1, 1]));
    const l = new RaftLog(storage, 0, 0);
    l.append(entries(2, [2, 2]));
    expect([l.lastIndex(), l.term(2), l.stableIndex()]).toEqual([3, 2, 1]);
    expect(() => l.markStable()).toThrow(/persisted/);
    storage.append(l.unstableEntries());
    l.markStable();
    expect([l.unstableEntries().length, l.stableIndex()]).toEqual([0, 3]);
  });

  test('property: after any sequence of appends the log equals a naive array model', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(6), fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 })), { maxLength: 12 }), (ops) => {
        const l = log([1]);
        const model: number[] = [1];
        let term = 1;
        for (const [back, adds] of ops) {
          const after = Math.max(l.committed, model.length - back);
          term += 1;
          const es = entries(after + 1, adds.map(() => term));
          if (es.length === 0) continue;
          l.append(es);
          model.length = after;
          model.push(...adds.map(() => term));
        }
        const actual: number[] = [];
        for (let i = 1; i <= l.lastIndex(); i++) actual.push(l.term(i) as number);
        expect(actual).toEqual(model);
      }),
    );
  });
});

describe('flow control', () => {
  test('inflights: full at capacity, freed in order, oldest freed on demand', () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(7);
    w.add(9);
    expect(w.full()).toBe(true);
    expect(() => w.add(10)).toThrow(ConsensusError);
    w.freeLE(7);
    expect(w.count).toBe(1);
    w.add(11);
    w.add(12);
    w.freeFirst();
    expect(w.count).toBe(2);
    w.freeLE(100);
    expect(w.count).toBe(0);
  });

  test('progress: probe pauses after one append; replicate pipelines up to the window', () => {
    const pr = new Progress(10, 2, false);
    pr.sentEntries(12, 3);
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(12)).toBe(true);
    pr.becomeReplicate();
    pr.sentEntries(14, 2);
    pr.sentEntries(16, 2);
    expect(pr.isPaused()).toBe(true);
    expect(pr.next).toBe(17);
    // A rejection below match is stale; above it, replicate falls back to match + 1.
    expect(pr.maybeDecrTo(11, 0)).toBe(false);
    expect(pr.maybeDecrTo(15, 0)).toBe(true);
    expect(pr.next).toBe(13);
  });

  test('probe back-off uses the hint but never goes below match + 1', () => {
    const pr = new Progress(50, 4, false);
    pr.match = 5;
    expect(pr.maybeDecrTo(49, 20)).toBe(true);
    expect(pr.next).toBe(21);
    expect(pr.maybeDecrTo(49, 20)).toBe(false);
    expect(pr.maybeDecrTo(20, 0)).toBe(true);
    expect(pr.next).toBe(6);
  });
});

describe('conf changes', () => {
  const idArb = fc.string({ minLength: 1, maxLength: MAX_NODE_ID_LENGTH }).filter((s) => !/[\ud800-\udfff]/.test(s));
  test('property: encode/decode round-trips', () => {
    fc.assert(
      fc.property(fc.constantFrom<ConfChange['type']>('addVoter', 'addLearner', 'removeNode'), idArb, (type, nodeId) => {
        expect(decodeConfChange(encodeConfChange({ type, nodeId }))).toEqual({ type, nodeId });
      }),
    );
  });

  test('decoding rejects a bad version, type or id', () => {
    expect(code(() => decodeConfChange(new Uint8Array([2, 1, 97])))).toBe('CONF_CHANGE_INVALID');
    expect(code(() => decodeConfChange(new Uint8Array([1, 9, 97])))).toBe('CONF_CHANGE_INVALID');
    expect(code(() => decodeConfChange(new Uint8Array([1, 1])))).toBe('CONF_CHANGE_INVALID');
    expect(code(() => decodeConfChange(new Uint8Array([1, 1, 0xff])))).toBe('CONF_CHANGE_INVALID');
    expect(code(() => encodeConfChange({ type: 'addVoter', nodeId: 'x'.repeat(MAX_NODE_ID_LENGTH + 1) }))).toBe('NODE_ID_INVALID');
  });

  test('changes apply one server at a time and keep at least one voter', () => {
    let conf = { voters: ['a'], learners: [] as string[] };
    conf = applyConfChangeTo(conf, { type: 'addLearner', nodeId: 'b' }) as typeof conf;
    expect(conf).toEqual({ voters: ['a'], learners: ['b'] });
    conf = applyConfChangeTo(conf, { type: 'addVoter', nodeId: 'b' }) as typeof conf;
    expect(conf).toEqual({ voters: ['a', 'b'], learners: [] });
    expect(applyConfChangeTo(conf, { type: 'addLearner', nodeId: 'a' })).toBe(conf);
    const one = { voters: ['a'], learners: [] };
    expect(applyConfChangeTo(one, { type: 'removeNode', nodeId: 'a' })).toBe(one);
  });

  test('at most MAX_MEMBERS members; bootstrap rejects duplicates', () => {
    const voters = Array.from({ length: MAX_MEMBERS }, (_, i) => `n${i}`);
    const full = { voters, learners: [] };
    expect(applyConfChangeTo(full, { type: 'addLearner', nodeId: 'extra' })).toBe(full);
    expect(code(() => bootstrapLog(['a', 'a']))).toBe('BOOTSTRAP_INVALID');
    expect(code(() => bootstrapLog([]))).toBe('BOOTSTRAP_INVALID');
    expect(bootstrapLog(['b', 'a']).entries.map((e) => decodeConfChange(e.data).nodeId)).toEqual(['a', 'b']);
  });
});

describe('parseMessage (the decode boundary)', () => {
  const ok: Message = { type: 'app', from: 'a', to: 'b', term: 3, logTerm: 2, index: 5, entries: entries(6, [3, 3]), commit: 4, reject: false, rejectHint: 0 };

  test('accepts a well-formed message', () => {
    expect(parseMessage(ok)).toBe(ok);
  });

  test('rejects unknown fields, wrong types and out-of-bound sizes', () => {
    const bad: unknown[] = [
      null,
      [],
      { ...ok, type: 'gossip' },
      { ...ok, extra: true },
      { ...ok, term: 0 },
      { ...ok, term: 1.5 },
      { ...ok, logTerm: 4 },
      { ...ok, index: -1 },
      { ...ok, reject: 'no' },
      { ...ok, from: '' },
      { ...ok, entries: entries(7, [3]) },
      { ...ok, entries: entries(6, [4]) },
      { ...ok, entries: [{ ...entries(6, [3])[0], data: 'x' }] },
      { ...ok, entries: [{ ...entries(6, [3])[0], extra: 1 }] },
      { ...ok, entries: entries(6, new Array<number>(MAX_ENTRIES_PER_APPEND + 1).fill(3)) },
      { ...ok, type: 'heartbeat' },
      { ...ok, entries: [], type: 'snap' },
      { ...ok, entries: [], type: 'heartbeat', context: new Uint8Array(MAX_READ_CONTEXT_BYTES + 1) },
      { ...ok, entries: [], type: 'snap', snapshot: { index: 1, term: 1, confState: { voters: ['a', 'a'], learners: [] } } },
    ];
    for (const value of bad) expect(code(() => parseMessage(value)), JSON.stringify(value)).toMatch(/MESSAGE_INVALID|NODE_ID_INVALID/);
  });
});
