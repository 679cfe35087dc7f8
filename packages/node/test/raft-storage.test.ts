import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapLog, type Entry } from '@tradeledger/consensus';
import { LevelRaftStorage } from '../src/raft-storage.js';

const root = mkdtempSync(join(tmpdir(), 'tl-raft-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
async function openDb() {
  const db = new Level<string, Uint8Array>(join(root, `db-${n++}`), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  return db;
}

const entry = (index: number, term: number, byte = index): Entry => ({ index, term, type: 'normal', data: Uint8Array.of(byte, byte) });

describe('LevelRaftStorage', () => {
  it('persists entries and hard state and reloads them exactly', async () => {
    const db = await openDb();
    const storage = await LevelRaftStorage.open(db);
    const boot = bootstrapLog(['a', 'b', 'c']);
    await storage.persist({ entries: boot.entries, hardState: boot.hardState });
    await storage.persist({ entries: [entry(4, 2), entry(5, 2)], hardState: { term: 2, vote: 'b', commit: 4 } });
    const reopened = await LevelRaftStorage.open(db);
    expect(reopened.lastIndex()).toBe(5);
    expect(reopened.firstIndex()).toBe(1);
    expect(reopened.term(5)).toBe(2);
    expect(reopened.initialState().hardState).toEqual({ term: 2, vote: 'b', commit: 4 });
    expect(reopened.entries(4, 6, 1 << 20).map((e) => [e.index, e.term, [...e.data]])).toEqual([[4, 2, [4, 4]], [5, 2, [5, 5]]]);
    await db.close();
  });

  it('replaces a conflicting suffix on disk, not only in memory', async () => {
    const db = await openDb();
    const storage = await LevelRaftStorage.open(db);
    await storage.persist({ entries: [entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)], hardState: { term: 1, vote: null, commit: 1 } });
    await storage.persist({ entries: [entry(3, 2, 33)] });
    expect(storage.lastIndex()).toBe(3);
    const reopened = await LevelRaftStorage.open(db);
    expect(reopened.lastIndex()).toBe(3);
    expect(reopened.term(3)).toBe(2);
    expect([...reopened.entries(3, 4, 100)[0]!.data]).toEqual([33, 33]);
    await db.close();
  });

  it('compacts up to an applied index and installs a leader snapshot; both survive a reopen', async () => {
    const db = await openDb();
    const storage = await LevelRaftStorage.open(db);
    await storage.persist({ entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1)), hardState: { term: 1, vote: null, commit: 4 } });
    await storage.compact(3, { voters: ['a'], learners: [] });
    expect(storage.firstIndex()).toBe(4);
    expect(() => storage.entries(2, 4, 100)).toThrow(expect.objectContaining({ code: 'LOG_COMPACTED' }));
    let reopened = await LevelRaftStorage.open(db);
    expect(reopened.snapshot()).toEqual({ index: 3, term: 1, confState: { voters: ['a'], learners: [] } });
    expect(reopened.lastIndex()).toBe(5);
    await reopened.persist({ snapshot: { index: 10, term: 3, confState: { voters: ['a', 'b'], learners: ['c'] } }, entries: [] });
    reopened = await LevelRaftStorage.open(db);
    expect(reopened.firstIndex()).toBe(11);
    expect(reopened.lastIndex()).toBe(10);
    expect(reopened.initialState().hardState.commit).toBe(10);
    expect(reopened.initialState().confState).toEqual({ voters: ['a', 'b'], learners: ['c'] });
    await db.close();
  });

  it('refuses appends that would leave a gap, and reports a corrupt entry with a code', async () => {
    const db = await openDb();
    const storage = await LevelRaftStorage.open(db);
    await expect(storage.persist({ entries: [entry(3, 1)] })).rejects.toMatchObject({ code: 'ASSERTION_FAILED' });
    await storage.persist({ entries: [entry(1, 1)], hardState: { term: 1, vote: null, commit: 0 } });
    await db.put('r/e/000000000002', Uint8Array.of(0xc1));
    await expect(LevelRaftStorage.open(db)).rejects.toMatchObject({ code: expect.stringMatching(/RAFT_STORAGE_CORRUPT|MSGPACK/) });
    await db.close();
  });
});
