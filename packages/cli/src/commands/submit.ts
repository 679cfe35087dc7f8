// `tradeledger submit <kind> <file>`: reads a document's payload (JSON), checks it with the
// ledger's own schema for that kind (the node answers the same codes), signs it with --key under
// the network's chain id with a fresh nonce, and sends it to a node; --wait waits until it is in
// a committed block and reports the ledger's verdict. `submit attachment <file>` uploads the bytes
// and submits the attachment record (hash, media type, size, title, documents it belongs to).

import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { DOCUMENT_KINDS, documentKinds, exampleRefNames, resolveExampleRefs, sha256, signTx, toHex, type DecodedTx, type DocumentKind } from '@tradeledger/ledger';
import { addApiOptions, clientFor, type ApiOptions } from '../api-options.js';
import { ATTACHMENT_UPLOAD_MAX_BYTES, COMMIT_WAIT_DEFAULT_MS } from '../constants.js';
import { EXIT, rejectedError, usageError } from '../errors.js';
import { readInputBytes, readJsonFile, readSigningKey } from '../files.js';
import type { NodeClient } from '../http-client.js';
import { parseNonce, timeNonceSource } from '../nonce.js';
import { printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';

const KIND_HELP: Readonly<Record<DocumentKind, string>> = {
  'certificate-of-origin': 'a certificate of origin (USMCA, CAFTA-DR, …), signed by the certifier',
  'certificate-amend': 'an amendment of a certificate, by its certifier',
  'certificate-withdraw': 'the withdrawal of a certificate, by its certifier',
  'verification-request': "customs' origin verification request about a certificate or entry",
  'verification-response': 'the answer of the party asked in a verification',
  'verification-determination': "customs' determination closing a verification",
  right: 'an IP right (marks, GTINs or GS1 prefixes) registered by its holder',
  license: 'a license (or sublicense) to make, import or sell under a right',
  'license-revoke': 'the revocation of a license (sublicenses go with it)',
  'credential-issue': "the record of a licensee credential a rights holder issued (see also 'tradeledger credential issue')",
  'credential-revoke': "the revocation of a licensee credential by its issuer (see also 'tradeledger credential revoke')",
  entry: 'an entry summary filed by the importer or its designated broker',
  'entry-review': "customs' review of an entry",
  attachment: 'a file: uploads its bytes and records hash, media type, size and title',
  'broker-designation': 'an importer designating a customs broker',
  'broker-designation-revoke': 'the end of a broker designation',
  'org-add': 'governance: propose adding an organization',
  'org-remove': 'governance: propose removing an organization',
  'key-rotate': "governance: propose changing an organization's signing keys",
  'node-set-change': "governance: propose changing an organization's nodes",
  'governance-approve': 'governance: approve a proposal',
};

/** The order `submit --help` lists kinds in: trade documents first, governance last. */
export const SUBMIT_KINDS: readonly DocumentKind[] = [
  'certificate-of-origin',
  'certificate-amend',
  'certificate-withdraw',
  'verification-request',
  'verification-response',
  'verification-determination',
  'right',
  'license',
  'license-revoke',
  'credential-issue',
  'credential-revoke',
  'entry',
  'entry-review',
  'attachment',
  'broker-designation',
  'broker-designation-revoke',
  'org-add',
  'org-remove',
  'key-rotate',
  'node-set-change',
  'governance-approve',
];

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.zip': 'application/zip',
};

export interface SubmitOptions extends ApiOptions {
  readonly key: string;
  readonly wait: boolean;
  readonly waitMs: string;
  readonly nonce?: string;
  readonly chainId?: string;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  readonly ref: string[];
}

export interface SubmitOutcome {
  readonly kind: string;
  readonly txId: string;
  readonly nonce: number;
  readonly status: 'accepted' | 'committed' | 'signed';
  readonly height?: number;
  readonly position?: number;
  readonly result?: { ok: true } | { ok: false; code: string };
}

/** Checks the payload against the kind's schema: the node's own codes, before anything is sent. */
export function validatePayload(kind: DocumentKind, payload: unknown): void {
  const parsed = documentKinds()[kind].parse(payload);
  if (!parsed.ok) throw rejectedError(parsed.error.code, parsed.error.message, parsed.error.field ?? 'payload');
}

/** The network's chain id, from --chain-id or the node's head. */
export async function chainIdOf(client: NodeClient, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const head = await client.request<{ chainId?: unknown }>('GET', '/v1/head');
  if (typeof head.chainId !== 'string') throw rejectedError('NODE_BAD_RESPONSE', 'the node head has no chainId');
  return head.chainId;
}

/** Signs and sends one document; returns the node's answer. */
export async function submitDocument(client: NodeClient, args: { kind: DocumentKind; payload: unknown; seed: Uint8Array; publicKey: Uint8Array; chainId: string; nonce: number; wait: boolean; waitMs: number; dryRun?: boolean }): Promise<SubmitOutcome & { tx: DecodedTx }> {
  validatePayload(args.kind, args.payload);
  const tx = signTx({ version: 1, chainId: args.chainId, kind: args.kind, payload: args.payload, signer: args.publicKey, nonce: args.nonce, timestamp: Date.now() }, args.seed);
  if (args.dryRun === true) return { kind: args.kind, txId: tx.idHex, nonce: args.nonce, status: 'signed', tx };
  const answer = await client.request<{ txId: string; status: string; height?: number; position?: number; result?: SubmitOutcome['result'] }>('POST', '/v1/tx', {
    body: tx.bytes,
    query: args.wait ? { wait: 'commit', timeoutMs: args.waitMs } : {},
    timeoutMs: args.wait ? args.waitMs + 15_000 : undefined,
  });
  if (answer.txId !== tx.idHex) throw rejectedError('NODE_BAD_RESPONSE', `the node answered transaction id ${String(answer.txId)}, not ${tx.idHex}`);
  const base = { kind: args.kind, txId: tx.idHex, nonce: args.nonce, tx };
  if (!args.wait) return { ...base, status: 'accepted' };
  return { ...base, status: 'committed', ...(answer.height === undefined ? {} : { height: answer.height }), ...(answer.position === undefined ? {} : { position: answer.position }), ...(answer.result === undefined ? {} : { result: answer.result }) };
}

/**
 * Replaces `{{ref:NAME}}` placeholders (the examples' way of naming other documents) with the ids
 * given as --ref NAME=ID; a placeholder left without an id is a usage error naming it.
 */
export function applyRefs(payload: unknown, refs: readonly string[]): unknown {
  const ids: Record<string, string> = {};
  for (const ref of refs) {
    const match = /^([A-Za-z0-9._-]+)=([0-9a-f]{64})$/.exec(ref);
    if (match === null) throw usageError('REF_FORMAT', `--ref: expected NAME=<64 hex characters>, got ${JSON.stringify(ref.slice(0, 100))}`, 'ref');
    ids[match[1] as string] = match[2] as string;
  }
  const missing = exampleRefNames(payload).filter((name) => ids[name] === undefined);
  if (missing.length > 0) throw usageError('REF_UNRESOLVED', `the payload names {{ref:${missing[0]}}}: pass --ref ${missing[0]}=<document id>`, 'ref');
  return Object.keys(ids).length === 0 ? payload : resolveExampleRefs(payload, ids);
}

function reportOutcome(ctx: CliContext, outcome: SubmitOutcome, options: { json: boolean; quiet: boolean }, extra: Record<string, unknown> = {}): void {
  const { json } = options;
  const { kind, txId, nonce, status } = outcome;
  const shown = { kind, txId, nonce, status, ...(outcome.height === undefined ? {} : { height: outcome.height, position: outcome.position, result: outcome.result }), ...extra };
  if (json) printJson(ctx.io, shown);
  else if (options.quiet) ctx.io.stdout(`${txId}\n`);
  else {
    const rows: Array<readonly [string, string | number | undefined]> = [['kind', kind], ['tx id', txId], ['nonce', nonce], ['status', status]];
    for (const [k, v] of Object.entries(extra)) rows.push([k, typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)]);
    if (outcome.height !== undefined) rows.push(['block', `height ${outcome.height}, position ${String(outcome.position)}`], ['result', outcome.result?.ok === true ? 'ok' : `rejected ${outcome.result?.ok === false ? outcome.result.code : '?'}`]);
    printSummary(ctx.io, rows);
  }
  if (outcome.result !== undefined && !outcome.result.ok) {
    ctx.io.stderr(`error ${outcome.result.code} (tx ${txId}): the ledger recorded the transaction as rejected\n`);
    ctx.exitCode = EXIT.rejected;
  }
}

function commonSetup(options: SubmitOptions): { waitMs: number; nonce: number } {
  const waitMs = Number(options.waitMs);
  if (!Number.isInteger(waitMs) || waitMs < 1 || waitMs > 120_000) throw usageError('WAIT_RANGE', `--wait-ms: expected 1 to 120000, got ${JSON.stringify(options.waitMs)}`, 'wait-ms');
  const nonce = options.nonce === undefined ? timeNonceSource().next() : parseNonce(options.nonce);
  return { waitMs, nonce };
}

function addSubmitOptions(command: Command): Command {
  addApiOptions(command, true)
    .requiredOption('--key <file>', "the signer's key file (an organization's signing key)")
    .option('--wait', 'wait until the transaction is in a committed block and report the verdict', false)
    .option('--wait-ms <ms>', 'how long --wait waits', String(COMMIT_WAIT_DEFAULT_MS))
    .option('--nonce <n>', "the transaction nonce (default: the time in microseconds; a signer's nonces must increase)")
    .option('--chain-id <id>', "the network's chain id (default: asked from the node)")
    .option('--ref <name=id...>', 'replace {{ref:NAME}} placeholders in the payload (as in examples/) with document ids', [])
    .option('-q, --quiet', 'print only the transaction id', false)
    .option('--dry-run', 'validate and sign, print the transaction id, send nothing', false);
  return command;
}

export function registerSubmit(program: Command, ctx: CliContext): void {
  const submit = program
    .command('submit')
    .description('sign a document with your key and submit it to a node (validated first, with the ledger\'s codes)')
    .addHelpText(
      'after',
      `
Every kind takes a JSON payload file (see examples/ and documentJsonSchemas()), except attachment,
which takes the file itself. Nonces: by default the current time in microseconds, so they increase
from run to run; pass --nonce when scripting parallel submissions with one key.`,
    );
  withExample(submit, 'tradeledger submit certificate-of-origin ./coo.json --key ./producer.key --wait', 'RIGHT=$(tradeledger submit right examples/right.json --key ./nike.key --wait -q) && tradeledger submit license examples/license.json --ref right=$RIGHT --key ./nike.key --wait', 'tradeledger submit attachment ./logo.jpg --title "Logo placement" --belongs-to <right-id> --key ./nike.key');
  for (const kind of SUBMIT_KINDS) {
    if (!DOCUMENT_KINDS.includes(kind)) throw new Error(`assert: ${kind} is not a document kind`);
    if (kind === 'attachment') continue;
    const command = addSubmitOptions(submit.command(kind).description(KIND_HELP[kind]).argument('<file>', `the ${kind} payload (JSON)`)).action(async (file: string, options: SubmitOptions) => {
      const payload = applyRefs(readJsonFile(file, 'file'), options.ref);
      validatePayload(kind, payload);
      const key = readSigningKey(options.key, (message) => ctx.io.stderr(`warning: ${message}\n`));
      const { waitMs, nonce } = commonSetup(options);
      const client = clientFor(options, ctx.io);
      const chainId = options.dryRun && options.chainId === undefined ? 'unknown' : await chainIdOf(client, options.chainId);
      const outcome = await submitDocument(client, { kind, payload, seed: key.seed, publicKey: key.publicKey, chainId, nonce, wait: options.wait, waitMs, dryRun: options.dryRun });
      reportOutcome(ctx, outcome, options);
    });
    withExample(command, `tradeledger submit ${kind} ./${kind}.json --key ./my-org.key --wait`);
  }
  const attachment = addSubmitOptions(
    submit
      .command('attachment')
      .description(KIND_HELP.attachment)
      .argument('<file>', 'the file to attach (at most 16 MiB)')
      .requiredOption('--title <text>', 'a short title for the file')
      .option('--media-type <type>', 'its media type (default: from the file name)')
      .option('--belongs-to <ids...>', 'document ids the file belongs to', []),
  ).action(async (file: string, options: SubmitOptions & { title: string; mediaType?: string; belongsTo: string[] }) => {
    const bytes = readInputBytes(file, 'file', ATTACHMENT_UPLOAD_MAX_BYTES);
    const mediaType = options.mediaType ?? MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const hash = toHex(sha256(bytes));
    const payload = { sha256: hash, mediaType, sizeBytes: bytes.length, title: options.title, belongsTo: options.belongsTo };
    validatePayload('attachment', payload);
    const key = readSigningKey(options.key, (message) => ctx.io.stderr(`warning: ${message}\n`));
    const { waitMs, nonce } = commonSetup(options);
    const client = clientFor(options, ctx.io);
    if (!options.dryRun) await client.request('PUT', `/v1/attachments/${hash}`, { body: bytes, contentType: mediaType });
    const chainId = options.dryRun && options.chainId === undefined ? 'unknown' : await chainIdOf(client, options.chainId);
    const outcome = await submitDocument(client, { kind: 'attachment', payload, seed: key.seed, publicKey: key.publicKey, chainId, nonce, wait: options.wait, waitMs, dryRun: options.dryRun });
    reportOutcome(ctx, outcome, options, { file: basename(file), sha256: hash, sizeBytes: bytes.length, mediaType });
  });
  withExample(attachment, 'tradeledger submit attachment ./guide.pdf --title "Product guide" --belongs-to 3f1b…c2 --key ./nike.key --wait');
}
