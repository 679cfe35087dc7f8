import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeConformanceCases } from '@tradeledger/ledger/testing';
import { LevelStore } from '../src/level-store.js';

const root = mkdtempSync(join(tmpdir(), 'tl-level-store-'));
let counter = 0;
const paths = new Map<object, string>();

const factory = {
  async create() {
    const path = join(root, `db-${counter++}`);
    const store = await LevelStore.open(path);
    paths.set(store, path);
    return store;
  },
  async reopen(store: LevelStore) {
    const path = paths.get(store) as string;
    await store.close();
    const reopened = await LevelStore.open(path);
    paths.set(reopened, path);
    return reopened;
  },
};

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LevelStore conformance', () => {
  for (const testCase of storeConformanceCases()) {
    it(testCase.name, () => testCase.run(factory as Parameters<typeof testCase.run>[0]));
  }
});

describe('LevelStore on disk', () => {
  it('refuses to open a path that is not a database with a coded error', async () => {
    const file = join(root, 'not-a-dir');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'plain file');
    await expect(LevelStore.open(file)).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' });
  });
});
