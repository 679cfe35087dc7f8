// Scenario tests: the cases of the Raft paper (figures 7 and 8, a stale leader, a partitioned
// leader that must not commit) and one scenario per feature, on a hand-driven cluster.
import { describe, expect, test } from 'vitest';
import { ConsensusError, MAX_ENTRY_DATA_BYTES, MAX_PENDING_READS, MemoryRaftStorage } from '../src/index.js';
import type { Message } from '../src/index.js';
import { Harness, bytes } from './harness.js';

const three = ['a', 'b', 'c'];
const five = ['s1', 's2', 's3', 's4', 's5'];

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConsensusError) return error.code;
    throw error;
  }
  return undefined;
}

describe('Raft paper figure 7: a new leader brings every follower log into line', () => {
  // Bootstrap entries 1-3 (term 1) are the figure's first three entries.
  const leaderLog = [4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [4, 4, 5, 5, 6, 6],
    b: [4],
    c: [4, 4, 5, 5, 6, 6, 6, 6],
    d: [4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [4, 4, 4, 4],
    f: [2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, log] of Object.entries(followers)) {
    test(`follower (${name})`, () => {
      const h = new Harness(['l', 'f', 'x'], { logs: { l: leaderLog, f: log }, terms: { l: 7, f: 7, x: 7 } });
      h.campaign('l');
      expect(h.raw('l').status().role).toBe('leader');
      expect(h.raw('l').status().term).toBe(8);
      h.stabilize();
      const expected = [1, 1, 1, ...leaderLog, 8];
      expect(h.get('l').logTerms()).toEqual(expected);
      expect(h.get('f').logTerms()).toEqual(expected);
      expect(h.raw('f').status().commit).toBe(expected.length);
    });
  }
});

function holdBackTerm(term: number): (m: Message) => Message {
  return (m) => {
    if (m.type !== 'app') return m;
    const cut = m.entries.findIndex((e) => e.term === term);
    return cut < 0 ? m : { ...m, entries: m.entries.slice(0, cut) };
  };
}

describe('Raft paper figure 8: an entry of an earlier term is never committed by counting', () => {
  function setup(unsafe: boolean): Harness {
    // Bootstrap is entries 1-5 (term 1). s1 and s2 hold entry 6 of term 2; s5 holds entry 6 of
    // term 3 and is down while s1 leads term 4 (the figure's (c)); then s1 crashes and s5 returns.
    const h = new Harness(five, {
      logs: { s1: [2], s2: [2], s5: [3] },
      terms: { s1: 3, s2: 3, s3: 3, s4: 3, s5: 4 },
      maxEntriesPerAppend: 1,
      maxInflightAppends: 1,
      // No leader lease, so s5 may campaign as soon as s1 is gone (the figure's crash).
      checkQuorum: false,
      ...(unsafe ? { unsafe: { commitPriorTermByCount: true } } : {}),
    });
    h.isolate('s5');
    return h;
  }

  function s1CrashesAndS5Returns(h: Harness): void {
    h.heal();
    h.isolate('s1');
  }

  test('s1 re-elected in term 4 replicates the term-2 entry to a majority but does not commit it', () => {
    const h = setup(false);
    // Strip s1's term-4 entry from every append: only the term-2 entry can spread.
    h.transform = holdBackTerm(4);
    h.campaign('s1');
    expect(h.raw('s1').status()).toMatchObject({ role: 'leader', term: 4 });
    for (const id of ['s2', 's3', 's4']) expect(h.raw(id).termAt(6)).toBe(2);
    expect(h.raw('s1').status().commit).toBe(5);

    // s1 crashes; s5 (last term 3) wins and replaces entry 6 everywhere: nothing committed is lost.
    s1CrashesAndS5Returns(h);
    h.campaign('s5');
    expect(h.raw('s5').status().role).toBe('leader');
    h.transform = (m) => m;
    h.stabilize();
    for (const id of ['s2', 's3', 's4', 's5']) {
      expect(h.raw(id).termAt(6)).toBe(3);
      expect(h.raw(id).status().commit).toBe(7);
    }
  });

  test('once the term-4 entry reaches a majority, both commit together and s5 can no longer win', () => {
    const h = setup(false);
    h.campaign('s1');
    h.stabilize();
    expect(h.raw('s1').status().commit).toBe(7);
    s1CrashesAndS5Returns(h);
    h.raw('s5').campaign();
    h.stabilize();
    expect(h.raw('s5').status().role).not.toBe('leader');
  });

  test('with the rule broken (unsafe flag) the same run commits the term-2 entry: what the test guards against', () => {
    const h = setup(true);
    h.transform = holdBackTerm(4);
    h.campaign('s1');
    expect(h.raw('s1').status().commit).toBe(6);
    s1CrashesAndS5Returns(h);
    h.campaign('s5');
    h.transform = (m) => m;
    h.stabilize();
    // The "committed" entry 6 of term 2 is gone from the new majority: a safety violation.
    expect(h.raw('s2').termAt(6)).toBe(3);
  });
});

describe('stale and partitioned leaders', () => {
  test('a partitioned leader cannot commit; the majority side elects and commits; healing converges', () => {
    const h = new Harness(five);
    h.campaign('s1');
    h.propose('s1', 'before');
    h.stabilize();
    // s1 and s2 on the minority side.
    for (const a of ['s1', 's2']) for (const b of ['s3', 's4', 's5']) {
      h.cut.add(`${a}>${b}`);
      h.cut.add(`${b}>${a}`);
    }
    const commitBefore = h.raw('s1').status().commit;
    h.propose('s1', 'lost');
    h.stabilize();
    expect(h.raw('s1').status().commit).toBe(commitBefore);
    h.tickAll(30);
    const majorityLeader = h.leaders().find((id) => ['s3', 's4', 's5'].includes(id));
    expect(majorityLeader).toBeDefined();
    // CheckQuorum made the cut-off leader step down meanwhile.
    expect(h.raw('s1').status().role).not.toBe('leader');
    h.propose(majorityLeader as string, 'kept');
    h.stabilize();
    expect(h.get(majorityLeader as string).appliedData()).toEqual(['before', 'kept']);
    h.heal();
    h.tickAll(25);
    for (const id of five) expect(h.get(id).appliedData()).toEqual(['before', 'kept']);
    expect(h.leaders()).toEqual([majorityLeader]);
  });

  test('a stale leader steps down on hearing a higher term, and its uncommitted entries are replaced', () => {
    const h = new Harness(three, { checkQuorum: false });
    h.campaign('a');
    h.isolate('a');
    h.propose('a', 'stale');
    h.stabilize();
    h.campaign('b');
    h.propose('b', 'fresh');
    h.stabilize();
    expect(h.leaders().sort()).toEqual(['a', 'b']);
    h.heal();
    h.tickAll(3);
    expect(h.leaders()).toEqual(['b']);
    expect(h.raw('a').status().term).toBe(h.raw('b').status().term);
    for (const id of three) expect(h.get(id).appliedData()).toEqual(['fresh']);
  });
});

describe('elections', () => {
  test('CheckQuorum: a leader cut off from its quorum steps down within two election timeouts', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.isolate('a');
    h.tick('a', 20);
    expect(h.raw('a').status().role).toBe('follower');
  });

  test('PreVote: a node returning from a partition does not bump the term or depose the leader', () => {
    const h = new Harness(three);
    h.campaign('a');
    const term = h.raw('a').status().term;
    h.isolate('c');
    h.tick('c', 100);
    h.stabilize();
    expect(h.raw('c').status().term).toBe(term);
    h.heal();
    h.tickAll(5);
    expect(h.leaders()).toEqual(['a']);
    expect(h.raw('a').status().term).toBe(term);
  });

  test('without PreVote the returning node does disrupt the term (the contrast)', () => {
    const h = new Harness(three, { preVote: false, checkQuorum: false });
    h.campaign('a');
    const term = h.raw('a').status().term;
    h.isolate('c');
    h.tick('c', 100);
    h.stabilize();
    expect(h.raw('c').status().term).toBeGreaterThan(term);
  });

  test('randomized election timeouts lie in [election, 2*election) ticks', () => {
    for (let seed = 0; seed < 20; seed++) {
      const h = new Harness([`n${seed}`]);
      const node = h.raw(`n${seed}`);
      h.stabilize();
      let ticks = 0;
      while (node.status().role !== 'leader' && ticks < 100) {
        node.tick();
        h.stabilize();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
    }
  });

  test('one vote per term: a voter that granted a vote rejects a second candidate in that term', () => {
    const h = new Harness(three, { preVote: false });
    h.stabilize();
    const voteFor = (from: string): Message => ({ type: 'vote', from, to: 'c', term: 5, logTerm: 1, index: 3, entries: [], commit: 0, reject: false, rejectHint: 0 });
    h.raw('c').step(voteFor('a'));
    h.raw('c').step(voteFor('b'));
    const ready = h.raw('c').ready();
    expect(ready.hardState).toMatchObject({ term: 5, vote: 'a' });
    expect(ready.messages.map((m) => [m.to, m.reject])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});

describe('replication', () => {
  test('batching: no append carries more than maxEntriesPerAppend entries or (beyond one) maxBytesPerAppend bytes', () => {
    const h = new Harness(three, { maxEntriesPerAppend: 4, maxBytesPerAppend: 300 });
    h.campaign('a');
    h.isolate('c');
    for (let i = 0; i < 30; i++) h.propose('a', `p${i}`.padEnd(100, '.'));
    h.stabilize();
    h.heal();
    h.tickAll(3);
    const apps = h.delivered.filter((m) => m.type === 'app' && m.entries.length > 0);
    expect(apps.length).toBeGreaterThan(0);
    for (const m of apps) {
      expect(m.entries.length).toBeLessThanOrEqual(4);
      const size = m.entries.reduce((n, e) => n + e.data.length + 24, 0);
      if (m.entries.length > 1) expect(size).toBeLessThanOrEqual(300);
    }
    expect(apps.some((m) => m.entries.length >= 2)).toBe(true);
    expect(h.get('c').appliedData()).toHaveLength(30);
  });

  test('pipelining: at most maxInflightAppends appends are outstanding to one follower', () => {
    const h = new Harness(three, { maxInflightAppends: 3, maxEntriesPerAppend: 1 });
    h.campaign('a');
    // Hold every message to b; count the appends waiting for it.
    for (let i = 0; i < 20; i++) {
      h.propose('a', `p${i}`);
      h.processReady('a');
    }
    const toB = h.queue.filter((m) => m.to === 'b' && m.type === 'app' && m.entries.length > 0);
    expect(toB.length).toBe(3);
    h.stabilize();
    expect(h.get('b').appliedData()).toHaveLength(20);
  });

  test('fast back-off: a follower with a long divergent tail is repaired in a few round trips', () => {
    const divergent = Array.from({ length: 200 }, () => 2);
    const h = new Harness(['l', 'f', 'x'], { logs: { l: [3], f: divergent, x: [3] }, terms: { l: 3, f: 3, x: 3 } });
    h.campaign('l');
    h.stabilize();
    const rejections = h.delivered.filter((m) => m.type === 'appResp' && m.reject && m.from === 'f');
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(h.get('f').logTerms()).toEqual(h.get('l').logTerms());
  });

  test('a follower that restarts with only its persisted log catches up', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.propose('a', 'one');
    h.stabilize();
    h.get('c').restart();
    h.isolate('c');
    h.propose('a', 'two');
    h.stabilize();
    h.heal();
    h.tickAll(3);
    expect(h.get('c').appliedData()).toEqual(['one', 'two']);
  });
});

describe('log compaction and snapshot catch-up', () => {
  test('a follower behind the compaction point gets a snapshot request, fetches, and continues', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.isolate('c');
    for (let i = 0; i < 10; i++) h.propose('a', `p${i}`);
    h.stabilize();
    const leader = h.get('a');
    const applied = leader.node.status().applied;
    leader.storage.compact(applied, leader.node.confState());
    expect(leader.node.status().firstIndex).toBe(applied + 1);
    h.heal();
    h.tickAll(2);
    expect(h.snapshotRequests).toEqual([{ id: 'c', index: applied, from: 'a' }]);
    expect(h.raw('c').status().commit).toBeLessThan(applied);
    // The host fetches blocks up to `applied` from a, makes them durable, then reports.
    const c = h.get('c');
    for (const entry of leader.applied) if (entry.index > (c.applied.at(-1)?.index ?? 0)) c.applied.push(entry);
    c.node.snapshotFetched(leader.storage.snapshot());
    h.stabilize();
    expect(c.storage.snapshot().index).toBe(applied);
    h.propose('a', 'after');
    h.stabilize();
    expect(c.appliedData()).toEqual([...Array.from({ length: 10 }, (_, i) => `p${i}`), 'after']);
    expect(c.node.status().commit).toBe(leader.node.status().commit);
  });

  test('compaction keeps entries past the index and reports LOG_COMPACTED below it', () => {
    const storage = MemoryRaftStorage.bootstrap(['a', 'b']);
    storage.compact(1, { voters: ['a'], learners: [] });
    expect(storage.firstIndex()).toBe(2);
    expect(storage.term(1)).toBe(1);
    expect(errorCode(() => storage.entries(1, 2, 100))).toBe('LOG_COMPACTED');
    expect(storage.entries(2, 3, 100)).toHaveLength(1);
  });
});

describe('membership', () => {
  test('a learner catches up, does not vote or count, is promoted, and then counts', () => {
    const h = new Harness(['a', 'b']);
    h.campaign('a');
    h.raw('a').proposeConfChange({ type: 'addLearner', nodeId: 'l' });
    h.addNode('l', new MemoryRaftStorage());
    h.stabilize();
    expect(h.raw('a').confState()).toEqual({ voters: ['a', 'b'], learners: ['l'] });
    h.propose('a', 'x');
    h.stabilize();
    expect(h.get('l').appliedData()).toEqual(['x']);
    // With b cut off, a learner's ack does not make a quorum.
    h.isolate('b');
    h.propose('a', 'needs-b');
    h.stabilize();
    expect(h.get('a').appliedData()).toEqual(['x']);
    // A learner never campaigns.
    h.tick('l', 100);
    expect(h.raw('l').status().role).toBe('follower');
    h.heal();
    h.tickAll(2);
    h.raw('a').proposeConfChange({ type: 'addVoter', nodeId: 'l' });
    h.stabilize();
    expect(h.raw('a').confState().voters).toEqual(['a', 'b', 'l']);
    h.isolate('b');
    h.propose('a', 'with-l');
    h.stabilize();
    expect(h.get('a').appliedData()).toEqual(['x', 'needs-b', 'with-l']);
  });

  test('one change at a time: a second conf change waits until the first is applied', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.isolate('b');
    h.isolate('c');
    h.raw('a').proposeConfChange({ type: 'addLearner', nodeId: 'l1' });
    expect(errorCode(() => h.raw('a').proposeConfChange({ type: 'addLearner', nodeId: 'l2' }))).toBe('CONF_CHANGE_PENDING');
    expect(errorCode(() => h.raw('a').proposeConfChange({ type: 'addVoter', nodeId: 'a' }))).toBe('CONF_CHANGE_PENDING');
  });

  test('a changes that does not apply is refused', () => {
    const h = new Harness(three);
    h.campaign('a');
    expect(errorCode(() => h.raw('a').proposeConfChange({ type: 'addVoter', nodeId: 'b' }))).toBe('CONF_CHANGE_INVALID');
    expect(errorCode(() => h.raw('a').proposeConfChange({ type: 'removeNode', nodeId: 'zz' }))).toBe('CONF_CHANGE_INVALID');
  });

  test('a removed leader steps down and the remaining voters elect a new one', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.raw('a').proposeConfChange({ type: 'removeNode', nodeId: 'a' });
    h.stabilize();
    expect(h.raw('a').status().role).toBe('follower');
    expect(h.raw('b').confState().voters).toEqual(['b', 'c']);
    h.tickAll(25);
    const leaders = h.leaders();
    expect(leaders).toHaveLength(1);
    expect(['b', 'c']).toContain(leaders[0]);
    h.propose(leaders[0] as string, 'after-removal');
    h.stabilize();
    expect(h.get('b').appliedData()).toEqual(['after-removal']);
    // The removed node never campaigns.
    h.tick('a', 100);
    expect(h.raw('a').status().role).toBe('follower');
  });

  test('a restarted node recovers its configuration by replaying applied conf changes', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.raw('a').proposeConfChange({ type: 'addLearner', nodeId: 'l' });
    h.stabilize();
    h.get('b').restart();
    expect(h.raw('b').confState()).toEqual({ voters: ['a', 'b', 'c'], learners: ['l'] });
  });
});

describe('leader transfer', () => {
  test('to a caught-up voter: it takes over in the next term', () => {
    const h = new Harness(three);
    h.campaign('a');
    const term = h.raw('a').status().term;
    h.raw('a').transferLeader('c');
    h.stabilize();
    expect(h.leaders()).toEqual(['c']);
    expect(h.raw('c').status().term).toBe(term + 1);
  });

  test('to a lagging voter: it is caught up first; proposals are refused meanwhile', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.isolate('c');
    for (let i = 0; i < 5; i++) h.propose('a', `p${i}`);
    h.stabilize();
    h.heal();
    h.raw('a').transferLeader('c');
    expect(errorCode(() => h.propose('a', 'during'))).toBe('TRANSFER_IN_PROGRESS');
    h.stabilize();
    expect(h.leaders()).toEqual(['c']);
    expect(h.get('c').appliedData()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  test('a transfer to an unreachable voter is aborted after an election timeout', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.isolate('c');
    h.raw('a').transferLeader('c');
    h.tickAll(12);
    expect(h.raw('a').status().leadTransferee).toBeNull();
    expect(h.leaders()).toEqual(['a']);
    expect(errorCode(() => h.raw('a').transferLeader('zz'))).toBe('TRANSFER_TARGET_INVALID');
  });
});

describe('ReadIndex', () => {
  test('the leader answers with its commit index after a quorum of heartbeats', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.propose('a', 'x');
    h.stabilize();
    h.raw('a').readIndex(bytes('a:1'));
    expect(h.readStates).toEqual([]);
    h.stabilize();
    expect(h.readStates).toEqual([{ id: 'a', index: h.raw('a').status().commit, context: 'a:1' }]);
  });

  test('a follower read is forwarded to the leader', () => {
    const h = new Harness(three);
    h.campaign('a');
    h.raw('b').readIndex(bytes('b:1'));
    h.stabilize();
    expect(h.readStates).toEqual([{ id: 'b', index: h.raw('a').status().commit, context: 'b:1' }]);
  });

  test('a partitioned leader never answers a read', () => {
    const h = new Harness(three, { checkQuorum: false });
    h.campaign('a');
    h.isolate('a');
    h.raw('a').readIndex(bytes('a:2'));
    h.tickAll(30);
    expect(h.readStates).toEqual([]);
  });

  test(`at most MAX_PENDING_READS (${MAX_PENDING_READS}) reads wait for a quorum`, () => {
    const h = new Harness(three, { checkQuorum: false });
    h.campaign('a');
    h.isolate('a');
    for (let i = 0; i < MAX_PENDING_READS; i++) h.raw('a').readIndex(bytes(`a:${i}`));
    expect(errorCode(() => h.raw('a').readIndex(bytes('a:over')))).toBe('READS_LIMIT');
    h.heal();
    h.stabilize();
    expect(h.readStates).toHaveLength(MAX_PENDING_READS);
  });

  test('a follower without a known leader refuses', () => {
    const h = new Harness(three);
    expect(errorCode(() => h.raw('b').readIndex(bytes('b:1')))).toBe('NO_LEADER');
  });
});

describe('the Ready protocol and limits', () => {
  test('no input while a Ready is out; advance needs a Ready', () => {
    const h = new Harness(three);
    const node = h.raw('a');
    expect(errorCode(() => node.advance())).toBe('NO_READY');
    node.campaign();
    node.ready();
    expect(errorCode(() => node.tick())).toBe('READY_OUTSTANDING');
    expect(errorCode(() => node.ready())).toBe('READY_OUTSTANDING');
  });

  test('a vote leaves in the same Ready as the hard state recording it (persist first)', () => {
    const h = new Harness(three, { preVote: false });
    h.stabilize();
    h.raw('a').campaign();
    h.processReady('a');
    h.deliverQueued((m) => m.to === 'b');
    const ready = h.raw('b').ready();
    expect(ready.hardState?.vote).toBe('a');
    expect(ready.messages.some((m) => m.type === 'voteResp' && !m.reject)).toBe(true);
  });

  test('a proposal over the entry size limit, and proposals past the uncommitted budget, are refused', () => {
    const h = new Harness(three, { maxUncommittedBytes: 1000 });
    h.campaign('a');
    h.isolate('a');
    expect(errorCode(() => h.raw('a').propose(new Uint8Array(MAX_ENTRY_DATA_BYTES + 1)))).toBe('ENTRY_TOO_LARGE');
    h.raw('a').propose(new Uint8Array(600));
    expect(errorCode(() => h.raw('a').propose(new Uint8Array(600)))).toBe('UNCOMMITTED_LIMIT');
    expect(errorCode(() => h.raw('b').propose(bytes('x')))).toBe('NOT_LEADER');
  });

  test('malformed messages cost only themselves', () => {
    const h = new Harness(three);
    h.campaign('a');
    const base: Message = { type: 'heartbeat', from: 'a', to: 'b', term: h.raw('a').status().term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };
    expect(errorCode(() => h.raw('b').step({ ...base, term: -1 }))).toBe('MESSAGE_INVALID');
    expect(errorCode(() => h.raw('b').step({ ...base, extra: 1 } as unknown as Message))).toBe('MESSAGE_INVALID');
    expect(errorCode(() => h.raw('b').step({ ...base, to: 'c' }))).toBe('MESSAGE_MISROUTED');
    h.propose('a', 'still-fine');
    h.stabilize();
    expect(h.get('b').appliedData()).toEqual(['still-fine']);
  });
});
