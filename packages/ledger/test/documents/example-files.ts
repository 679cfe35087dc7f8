// Loads examples/*.json (the repository's example payloads) for tests, with the placeholders
// resolved to stand-in document ids when asked.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { exampleRefNames, resolveExampleRefs } from '../../src/documents/example-refs.js';

export const EXAMPLES_DIR = new URL('../../../../examples/', import.meta.url);

export interface ExampleManifest {
  readonly genesis: string;
  readonly timestamp: string;
  readonly signers: Readonly<Record<string, string>>;
  readonly submissions: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly file: string; readonly signer: string }>;
}

export function readExample(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES_DIR), 'utf8')) as unknown;
}

export function readManifest(): ExampleManifest {
  return readExample('manifest.json') as ExampleManifest;
}

/** A stand-in document id for a placeholder name (64 hex). */
export function standInId(name: string): string {
  return createHash('sha256').update(`stand-in ${name}`).digest('hex');
}

/** The example file with every placeholder replaced by its stand-in id. */
export function resolvedExample(file: string): unknown {
  const payload = readExample(file);
  const ids: Record<string, string> = {};
  for (const name of exampleRefNames(payload)) ids[name] = standInId(name);
  return resolveExampleRefs(payload, ids);
}
