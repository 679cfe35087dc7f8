import { describe, it } from 'vitest';
import { MemoryStore } from '../src/memory-store.js';
import { storeConformanceCases } from '../src/testing/store-conformance.js';

describe('MemoryStore conformance', () => {
  for (const testCase of storeConformanceCases()) {
    it(testCase.name, () => testCase.run({ create: async () => new MemoryStore() }));
  }
});
