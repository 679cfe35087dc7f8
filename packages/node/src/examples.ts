// The repository's example story (examples/manifest.json) as signed transactions, for the local
// development network, tests and benchmarks. Example organizations sign with the published example
// keys (SHA-256 of "tradeledger example signing key <signer>"), their nodes use the example node
// keys ("tradeledger example node key <signer>"): for demos and tests only.
//
// The examples are dated around the manifest's timestamp. A live network judges every date rule
// against its block time, so the loader moves every calendar date and timestamp in the payloads by
// the same whole number of days (manifest time -> `nowMs`): the story keeps its shape (periods,
// deadlines, order) and happens now.
//
// An `attachment` submission names the file whose bytes it records ("bytes", a path under the
// examples folder, e.g. media/air-max-90-lateral.png); the loader reads it and refuses a file whose
// SHA-256 or size is not the one the record states, so a demo never records bytes it cannot serve.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { exampleRefNames, publicKeyFromSeed, resolveExampleRefs, signTx, type DecodedTx } from '@tradeledger/ledger';
import { NodeError } from './errors.js';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export interface ExampleManifest {
  readonly genesis: string;
  readonly timestamp: string;
  readonly signers: Readonly<Record<string, string>>;
  readonly submissions: ReadonlyArray<ExampleManifestSubmission>;
}

export interface ExampleManifestSubmission {
  readonly name: string;
  readonly kind: string;
  readonly file: string;
  readonly signer: string;
  /** For an attachment: the file holding its bytes, relative to the examples folder. */
  readonly bytes?: string;
}

/** The bytes an example attachment record describes, to be stored on a node before the record. */
export interface ExampleAttachmentBytes {
  /** Absolute path of the file. */
  readonly path: string;
  readonly sha256: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

export interface ExampleSubmission {
  readonly name: string;
  readonly kind: string;
  readonly signer: string;
  readonly tx: DecodedTx;
  /** Present for an attachment whose manifest entry names its bytes. */
  readonly attachment?: ExampleAttachmentBytes;
}

export function exampleSigningSeed(signer: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`tradeledger example signing key ${signer}`).digest());
}

export function exampleNodeSeed(signer: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`tradeledger example node key ${signer}`).digest());
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new NodeError('EXAMPLE_UNREADABLE', `cannot read example ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function readExampleManifest(examplesDir: string): ExampleManifest {
  return readJson(join(examplesDir, 'manifest.json')) as ExampleManifest;
}

export function readExampleGenesis(examplesDir: string): { chainId: string; config: unknown } {
  const manifest = readExampleManifest(examplesDir);
  const config = readJson(join(examplesDir, manifest.genesis)) as { chainId: string };
  return { chainId: config.chainId, config };
}

/** Moves every ISO date and UTC timestamp string in `value` by `days` days. */
export function shiftExampleDates(value: unknown, days: number): unknown {
  if (typeof value === 'string') {
    if (DATE_ONLY.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    if (DATE_TIME.test(value)) return new Date(Date.parse(value) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => shiftExampleDates(item, days));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shiftExampleDates(item, days)]));
  }
  return value;
}

/**
 * Reads the bytes `submission.bytes` names and checks them against the attachment record: the
 * SHA-256 and size must be the ones the payload states.
 */
export function exampleAttachmentBytes(examplesDir: string, submission: ExampleManifestSubmission, payload: unknown): ExampleAttachmentBytes {
  const record = payload as { sha256?: unknown; sizeBytes?: unknown; mediaType?: unknown };
  if (submission.kind !== 'attachment') throw new NodeError('EXAMPLE_BYTES_UNEXPECTED', `example ${submission.name}: only an attachment names bytes, not a ${submission.kind}`);
  const path = resolve(examplesDir, submission.bytes ?? '');
  const relativePath = relative(resolve(examplesDir), path);
  if (submission.bytes === undefined || submission.bytes === '' || relativePath.startsWith('..') || isAbsolute(relativePath)) {
    throw new NodeError('EXAMPLE_BYTES_PATH', `example ${submission.name}: bytes must name a file inside the examples folder, got ${JSON.stringify(submission.bytes ?? null)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new NodeError('EXAMPLE_UNREADABLE', `cannot read example ${submission.name}'s bytes ${path}: ${(error as Error).message}`, { cause: error });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== record.sha256) throw new NodeError('EXAMPLE_ATTACHMENT_MISMATCH', `example ${submission.name}: ${submission.bytes} hashes to ${sha256}, the record says sha256 ${JSON.stringify(record.sha256)}`);
  if (bytes.length !== record.sizeBytes) throw new NodeError('EXAMPLE_ATTACHMENT_MISMATCH', `example ${submission.name}: ${submission.bytes} is ${bytes.length} bytes, the record says sizeBytes ${JSON.stringify(record.sizeBytes)}`);
  if (typeof record.mediaType !== 'string') throw new NodeError('EXAMPLE_ATTACHMENT_MISMATCH', `example ${submission.name}: the record has no mediaType`);
  return { path, sha256, mediaType: record.mediaType, bytes };
}

/**
 * The manifest's submissions, signed in order with per-signer nonces from `firstNonce`, each
 * reference resolved to the id of the submission it names, dates moved to `nowMs`; an attachment
 * carries the bytes its manifest entry names (checked against the record).
 */
export function exampleSubmissions(examplesDir: string, options: { nowMs: number; stopBefore?: string; firstNonce?: number; chainId?: string }): ExampleSubmission[] {
  const manifest = readExampleManifest(examplesDir);
  const genesis = readExampleGenesis(examplesDir);
  const days = Math.floor((options.nowMs - Date.parse(manifest.timestamp)) / DAY_MS);
  const ids: Record<string, string> = {};
  const nonces = new Map<string, number>();
  const out: ExampleSubmission[] = [];
  for (const submission of manifest.submissions) {
    if (submission.name === options.stopBefore) break;
    const raw = shiftExampleDates(readJson(join(examplesDir, submission.file)), days);
    for (const name of exampleRefNames(raw)) {
      if (ids[name] === undefined) throw new NodeError('EXAMPLE_REF_UNRESOLVED', `example ${submission.name} refers to ${name}, which comes later or not at all`);
    }
    const payload = resolveExampleRefs(raw, ids);
    const seed = exampleSigningSeed(submission.signer);
    const nonce = nonces.get(submission.signer) ?? options.firstNonce ?? 1;
    nonces.set(submission.signer, nonce + 1);
    const tx = signTx({ version: 1, chainId: options.chainId ?? genesis.chainId, kind: submission.kind, payload, signer: publicKeyFromSeed(seed), nonce, timestamp: options.nowMs }, seed);
    ids[submission.name] = tx.idHex;
    const attachment = submission.bytes === undefined ? undefined : exampleAttachmentBytes(examplesDir, submission, payload);
    out.push({ name: submission.name, kind: submission.kind, signer: submission.signer, tx, ...(attachment === undefined ? {} : { attachment }) });
  }
  return out;
}
