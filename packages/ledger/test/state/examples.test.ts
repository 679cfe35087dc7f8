import { describe, expect, it } from 'vitest';
import { readManifest } from '../documents/example-files.js';
import { TestChain } from './harness.js';

describe('the examples, submitted in manifest order', () => {
  it('are all accepted', async () => {
    const chain = await TestChain.fromExampleGenesis();
    const results = await chain.submitExamples();
    const failures = Object.entries(results).filter(([, r]) => !r.ok);
    expect(failures).toEqual([]);
    expect(Object.keys(results)).toEqual(readManifest().submissions.map((s) => s.name));
  });
});
