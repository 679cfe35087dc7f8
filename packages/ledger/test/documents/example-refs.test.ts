import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { exampleRefNames, resolveExampleRefs } from '../../src/documents/example-refs.js';
import { readExample, readManifest } from './example-files.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('resolveExampleRefs', () => {
  it('replaces whole-string placeholders deep in a payload and copies the rest', () => {
    const payload = { x: '{{ref:cert}}', list: [{ y: '{{ref:entry}}' }, 'plain', 3, null], z: 'see {{ref:cert}}' };
    const resolved = resolveExampleRefs(payload, { cert: A, entry: B });
    expect(resolved).toEqual({ x: A, list: [{ y: B }, 'plain', 3, null], z: 'see {{ref:cert}}' });
    expect(payload.x).toBe('{{ref:cert}}');
  });
  it('names the unresolved placeholder and its path', () => {
    try {
      resolveExampleRefs({ lines: [{ certificate: '{{ref:missing}}' }] }, {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe('EXAMPLE_REF_UNRESOLVED');
      expect((error as LedgerError).message).toContain('payload.lines[0].certificate');
    }
  });
  it('refuses ids that are not document ids', () => {
    expect(() => resolveExampleRefs({ x: '{{ref:cert}}' }, { cert: 'ABC' })).toThrow(/64 lower-case hex/);
  });
  it('keeps a "__proto__" key as data', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": "{{ref:cert}}"}}') as unknown;
    const resolved = resolveExampleRefs(payload, { cert: A }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value).toEqual({ polluted: A });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('every placeholder in the examples names an earlier submission of the manifest', () => {
    const manifest = readManifest();
    const seen = new Set<string>();
    for (const submission of manifest.submissions) {
      for (const name of exampleRefNames(readExample(submission.file))) expect(seen.has(name), `${submission.name} refers to ${name}`).toBe(true);
      expect(seen.has(submission.name)).toBe(false);
      seen.add(submission.name);
    }
  });
});
