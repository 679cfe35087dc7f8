// `tradeledger credential issue | verify | revoke`: licensee credentials (W3C VC 2.0, eddsa-jcs-2022
// Data Integrity proof, issuer = the rights holder's Ed25519 did:key).
//
//   issue   builds and signs the credential with the rights holder's key, writes it (--out), and
//           submits credential-issue (its hash, issuer, subject, license, GTINs, validity and, unless
//           --no-inline, the credential itself so every node checks its proof).
//   verify  checks a credential file: the proof (did:key resolved here, or --public-key), the
//           context, type, shape and validity window at --at (default now). Offline that is all;
//           otherwise the node's checkEntryLine answer adds the ledger's view: recorded, revoked,
//           whether the issuer holds a right over the GTIN, and whether its license is in force.
//   revoke  submits credential-revoke for a credential document id or credential hash.
//
// Exit codes as everywhere: 0 verified / done, 1 rejected or not verified, 2 usage, 3 unreachable.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  CREDENTIAL_JSON_MAX_CHARS,
  LICENSE_CREDENTIAL_TYPE,
  VC_V2_CONTEXT,
  VERIFIABLE_CREDENTIAL_TYPE,
  buildLicenseCredential,
  decodeMultikeyEd25519,
  didKeyFromPublicKey,
  issueLicenseCredential,
  licenseCredentialHash,
  parseXsdDateTimeMs,
  toHex,
  verifyEddsaJcs2022,
  verifyLicenseCredential,
  type Result,
} from '@tradeledger/ledger';
import { addApiOptions, clientFor } from '../api-options.js';
import { COMMIT_WAIT_DEFAULT_MS } from '../constants.js';
import { EXIT, rejectedError, usageError } from '../errors.js';
import { readJsonFile, readSigningKey } from '../files.js';
import type { NodeClient } from '../http-client.js';
import { parseNonce, timeNonceSource } from '../nonce.js';
import { printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';
import { chainIdOf, submitDocument, type SubmitOptions, type SubmitOutcome } from './submit.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An instant given on the command line: YYYY-MM-DD (at `endOfDay` 23:59:59Z, else 00:00:00Z) or an XSD dateTime with timezone. */
export function parseInstantArgument(text: string, field: string, endOfDay: boolean): { text: string; ms: number } {
  const value = DATE_ONLY.test(text) ? `${text}T${endOfDay ? '23:59:59' : '00:00:00'}Z` : text;
  try {
    return { text: value, ms: parseXsdDateTimeMs(value, field, { requireTimezone: true, code: 'ARGUMENT_INVALID' }) };
  } catch (error) {
    throw usageError('ARGUMENT_INVALID', `--${field}: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got ${JSON.stringify(text.slice(0, 40))}`, field, error);
  }
}

/** The clock's time as an XSD dateTimeStamp to the second ("2025-03-12T15:00:00Z"). */
function nowStamp(nowMs: number): string {
  return new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The submit command's flags a credential issue or revoke takes (no --quiet, no --ref). */
type SubmitFlags = Omit<SubmitOptions, 'quiet' | 'ref'>;

function addSubmitFlags(command: Command): Command {
  return addApiOptions(command, true)
    .requiredOption('--key <file>', "the rights holder's signing key file (its did:key is the issuer)")
    .option('--wait', 'wait until the transaction is in a committed block and report the verdict', false)
    .option('--wait-ms <ms>', 'how long --wait waits', String(COMMIT_WAIT_DEFAULT_MS))
    .option('--nonce <n>', 'the transaction nonce (default: the time in microseconds)')
    .option('--chain-id <id>', "the network's chain id (default: asked from the node)")
    .option('--dry-run', 'build, sign and validate; send nothing', false);
}

async function send(ctx: CliContext, options: SubmitFlags, kind: 'credential-issue' | 'credential-revoke', payload: unknown, seed: Uint8Array, publicKey: Uint8Array): Promise<SubmitOutcome> {
  const waitMs = Number(options.waitMs);
  if (!Number.isInteger(waitMs) || waitMs < 1 || waitMs > 120_000) throw usageError('WAIT_RANGE', `--wait-ms: expected 1 to 120000, got ${JSON.stringify(options.waitMs)}`, 'wait-ms');
  const nonce = options.nonce === undefined ? timeNonceSource().next() : parseNonce(options.nonce);
  const client = clientFor(options, ctx.io);
  const chainId = options.dryRun && options.chainId === undefined ? 'unknown' : await chainIdOf(client, options.chainId);
  const { tx: _tx, ...outcome } = await submitDocument(client, { kind, payload, seed, publicKey, chainId, nonce, wait: options.wait, waitMs, dryRun: options.dryRun });
  return outcome;
}

/** Exit 1, with the one-line error, when the ledger recorded the transaction as rejected. */
function flagRejection(ctx: CliContext, outcome: SubmitOutcome): void {
  if (outcome.result === undefined || outcome.result.ok) return;
  ctx.io.stderr(`error ${outcome.result.code} (tx ${outcome.txId}): the ledger recorded the transaction as rejected\n`);
  ctx.exitCode = EXIT.rejected;
}

/** Rows of a submission's outcome. */
function outcomeRows(outcome: SubmitOutcome): Array<readonly [string, string | number | undefined]> {
  const rows: Array<readonly [string, string | number | undefined]> = [['tx id', outcome.txId], ['status', outcome.status]];
  if (outcome.height !== undefined) rows.push(['block', `height ${outcome.height}, position ${String(outcome.position)}`], ['result', outcome.result?.ok === true ? 'ok' : `rejected ${outcome.result?.ok === false ? outcome.result.code : '?'}`]);
  return rows;
}

// ---- verify ------------------------------------------------------------------------------

/** What `credential verify` concludes (also its --json output). */
export interface CredentialVerdict {
  readonly verified: boolean;
  readonly code?: string;
  readonly field?: string;
  readonly reason?: string;
  /** 'license' for a TradeLedger licensee credential, 'generic' for any other eddsa-jcs-2022 credential. */
  readonly checked?: 'license' | 'generic';
  readonly offline: boolean;
  readonly atMs: number;
  readonly credentialHash?: string;
  readonly issuer?: unknown;
  readonly verificationMethod?: string;
  readonly subject?: unknown;
  /** The node's view (online only): checkEntryLine's evidence for this credential. */
  readonly ledger?: Record<string, unknown>;
}

function failed(base: Omit<CredentialVerdict, 'verified'>, error: { code: string; message: string; field?: string | undefined }): CredentialVerdict {
  return { ...base, verified: false, code: error.code, reason: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
}

function isLicenseCredential(vc: unknown): boolean {
  const types = typeof vc === 'object' && vc !== null ? (vc as Record<string, unknown>)['type'] : undefined;
  return Array.isArray(types) && types.includes(LICENSE_CREDENTIAL_TYPE);
}

/** A credential of any type: @context, type, the eddsa-jcs-2022 proof, and the validity window at atMs. */
function verifyGenericCredential(vc: unknown, atMs: number, publicKey: Uint8Array | undefined): Result<{ verificationMethod: string }> {
  const reject = (code: string, field: string, message: string) => ({ ok: false as const, error: { code, field, message: `${field}: ${message}` } });
  if (typeof vc !== 'object' || vc === null || Array.isArray(vc)) return reject('VC_MALFORMED', '$', 'expected a credential object');
  const c = vc as Record<string, unknown>;
  const context = c['@context'];
  if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT) return reject('VC_CONTEXT', '@context', `expected an array starting with "${VC_V2_CONTEXT}"`);
  if (!Array.isArray(c['type']) || !c['type'].includes(VERIFIABLE_CREDENTIAL_TYPE)) return reject('VC_TYPE', 'type', `expected to include "${VERIFIABLE_CREDENTIAL_TYPE}"`);
  const proof = verifyEddsaJcs2022(vc, publicKey === undefined ? {} : {
    resolvePublicKey: (method) => {
      // A did:key method names its own key: it must be the one given.
      if (method.startsWith('did:key:')) {
        const own = decodeMultikeyEd25519(method.slice(method.indexOf('#') + 1), 'proof.verificationMethod');
        if (toHex(own) !== toHex(publicKey)) return undefined;
      }
      return publicKey;
    },
  });
  if (!proof.ok) return proof;
  for (const [field, check] of [['validFrom', (ms: number) => atMs < ms], ['validUntil', (ms: number) => atMs > ms]] as const) {
    if (c[field] === undefined) continue;
    let ms: number;
    try {
      ms = parseXsdDateTimeMs(c[field], field, { requireTimezone: true, code: 'VC_DATE_INVALID' });
    } catch (error) {
      const e = error as { code: string; message: string };
      return reject(e.code, field, e.message.replace(`${field}: `, ''));
    }
    if (check(ms)) return reject(field === 'validFrom' ? 'VC_NOT_YET_VALID' : 'VC_EXPIRED', field, `${String(c[field])} is ${field === 'validFrom' ? 'after' : 'before'} the time of verification ${new Date(atMs).toISOString()}`);
  }
  return { ok: true, value: { verificationMethod: proof.value.verificationMethod } };
}

interface LedgerEvidence {
  readonly credentialId: string;
  readonly credentialHash: string;
  readonly verified: boolean;
  readonly reason?: string;
  readonly standing?: string;
  readonly revocation?: { txId: string; atMs: number };
  [key: string]: unknown;
}

/** The node's evidence for the credential with `hash`: checkEntryLine lists credentials issued to the LEI it is asked about. */
async function ledgerEvidence(client: NodeClient, subject: { lei: string; gtins: readonly string[] }, gtin: string | undefined, hash: string, atMs: number): Promise<LedgerEvidence | undefined> {
  const answer = await client.request<{ credentials?: unknown }>('GET', '/v1/check/entry-line', {
    query: { importerLei: subject.lei, gtin: gtin ?? (subject.gtins[0] as string), date: new Date(atMs).toISOString() },
  });
  if (!Array.isArray(answer.credentials)) throw rejectedError('LEDGER_STATUS_UNAVAILABLE', "the node's entry-line check lists no credentials (a node without credential support?)");
  return (answer.credentials as LedgerEvidence[]).find((c) => c.credentialHash === hash);
}

// ---- registration ------------------------------------------------------------------------

export function registerCredential(program: Command, ctx: CliContext): void {
  const credential = program.command('credential').description("licensee credentials: issue (rights holder), verify (anyone, offline too), revoke (issuer)");

  // ---- issue ----
  const issue = addSubmitFlags(
    credential
      .command('issue')
      .description('build and sign a licensee credential (W3C VC 2.0, eddsa-jcs-2022, issuer = your did:key) and record it on the ledger')
      .requiredOption('--license <txid>', 'the license (document id) the credential rests on')
      .requiredOption('--lei <lei>', "the licensee's LEI")
      .requiredOption('--role <role>', 'the licensee role: importer, manufacturer or retailer')
      .requiredOption('--gtin <gtin...>', 'GTINs the credential covers (within the license)')
      .requiredOption('--valid-until <date>', 'last instant of validity (YYYY-MM-DD means 23:59:59Z that day)')
      .option('--valid-from <date>', 'first instant of validity (default: now)')
      .option('--id <uri>', "the credential's id (a URI, e.g. urn:uuid:…)")
      .option('--out <file>', 'write the signed credential here (default: print it)')
      .option('--no-inline', 'record only the hash and fields, not the credential itself'),
  ).action(async (options: SubmitFlags & { license: string; lei: string; role: string; gtin: string[]; validUntil: string; validFrom?: string; id?: string; out?: string; inline: boolean }) => {
    if (!HEX64.test(options.license)) throw usageError('ID_FORMAT', `--license: expected 64 lower-case hex characters, got ${JSON.stringify(options.license.slice(0, 80))}`, 'license');
    const nowMs = Date.now();
    const validFrom = options.validFrom === undefined ? { text: nowStamp(nowMs), ms: nowMs } : parseInstantArgument(options.validFrom, 'valid-from', false);
    const validUntil = parseInstantArgument(options.validUntil, 'valid-until', true);
    const key = readSigningKey(options.key, (message) => ctx.io.stderr(`warning: ${message}\n`));
    const unsigned = buildLicenseCredential({
      ...(options.id === undefined ? {} : { id: options.id }),
      issuerPublicKey: key.publicKey,
      subject: { lei: options.lei, role: options.role, licenseTxId: options.license, gtins: options.gtin },
      validFrom: validFrom.text,
      validUntil: validUntil.text,
    });
    const vc = issueLicenseCredential(unsigned, { privateSeed: key.seed, created: nowStamp(nowMs) });
    const text = JSON.stringify(vc, null, 2);
    const credentialHash = toHex(licenseCredentialHash(vc));
    const inline = options.inline && text.length <= CREDENTIAL_JSON_MAX_CHARS;
    if (options.inline && !inline) ctx.io.stderr(`warning: the credential is ${text.length} characters, more than ${CREDENTIAL_JSON_MAX_CHARS}: recording its hash and fields only\n`);
    const payload = {
      credentialHash,
      issuer: vc.issuer,
      subject: { lei: vc.credentialSubject.lei, role: vc.credentialSubject.role },
      license: options.license,
      gtins: vc.credentialSubject.gtins,
      validFrom: validFrom.text,
      validUntil: validUntil.text,
      ...(inline ? { credential: text } : {}),
    };
    // The credential is written before it is sent: the licensee needs it whatever the node says.
    if (options.out !== undefined) writeFileSync(options.out, `${text}\n`);
    const outcome = await send(ctx, options, 'credential-issue', payload, key.seed, key.publicKey);
    if (options.json) {
      printJson(ctx.io, { ...outcome, credentialHash, issuer: vc.issuer, inline, ...(options.out === undefined ? { credential: vc } : { file: options.out }) });
      flagRejection(ctx, outcome);
      return;
    }
    const rows: Array<readonly [string, string | number | undefined]> = [['credential hash', credentialHash], ['issuer', vc.issuer], ['subject', `${vc.credentialSubject.lei} (${vc.credentialSubject.role})`], ['valid', `${validFrom.text} to ${validUntil.text}`], ['recorded', inline ? 'hash, fields and the credential' : 'hash and fields'], ['file', options.out]];
    printSummary(ctx.io, [...rows, ...outcomeRows(outcome)]);
    if (options.out === undefined) ctx.io.stdout(`\ncredential:\n${text}\n`);
    flagRejection(ctx, outcome);
  });
  withExample(
    issue,
    'tradeledger credential issue --key ./nike.key --license 3f1b…c2 --lei Y87794H0US1R65VBXU25 --role retailer --gtin 00012345600012 --valid-until 2025-12-31 --out walmart-vc.json --wait',
    'tradeledger credential issue --key ./nike.key --license 3f1b…c2 --lei INR2EJN1ERAN0W5ZP974 --role importer --gtin 00012345600012 5901234123457 --valid-until 2026-06-30 --dry-run --json',
  );

  // ---- verify ----
  const verify = credential
    .command('verify')
    .description("check a credential: its eddsa-jcs-2022 proof, did:key issuer, shape and validity; and (unless --offline) the ledger's record of it")
    .argument('<file>', 'the credential (JSON)')
    .option('--offline', 'check without a node: proof, did:key, shape and validity only', false)
    .option('--public-key <multibase>', "the verification method's Ed25519 key (z6Mk…) when it is not a did:key, or to pin the issuer's key")
    .option('--at <date>', 'judge validity at this instant (default: now)')
    .option('--gtin <gtin>', 'online: the GTIN to judge the issuer and license for (default: the first one the credential lists)')
    .option('--node <url>', "the node's API URL (online check)")
    .option('--token <token>', "access token for the node (default $TRADELEDGER_TOKEN)")
    .option('--json', 'print the verdict as JSON', false)
    .addHelpText('after', '\nExits 0 when the credential verifies, 1 when it does not (with the code and the field), 2 on unusable input, 3 when the node cannot be reached.');
  withExample(verify, 'tradeledger credential verify walmart-vc.json --offline', 'tradeledger credential verify vc.json --offline --public-key z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2 --json', 'tradeledger credential verify walmart-vc.json --token $TOKEN');
  verify.action(async (file: string, options: { offline: boolean; publicKey?: string; at?: string; gtin?: string; node?: string; token?: string; json: boolean }) => {
    const vc = readJsonFile(file, 'file');
    const atMs = options.at === undefined ? Date.now() : parseInstantArgument(options.at, 'at', false).ms;
    let publicKey: Uint8Array | undefined;
    if (options.publicKey !== undefined) {
      try {
        publicKey = decodeMultikeyEd25519(options.publicKey, 'public-key');
      } catch (error) {
        throw usageError('ARGUMENT_INVALID', (error as Error).message, 'public-key', error);
      }
    }
    const base = { offline: options.offline, atMs };
    let verdict: CredentialVerdict;
    let subjectForLedger: { lei: string; gtins: readonly string[] } | undefined;
    if (isLicenseCredential(vc)) {
      const result = verifyLicenseCredential(vc, { atMs, ...(publicKey === undefined ? {} : { expected: { issuerPublicKey: publicKey } }) });
      if (!result.ok) verdict = failed({ ...base, checked: 'license' }, result.error);
      else {
        const v = result.value;
        verdict = { verified: true, ...base, checked: 'license', credentialHash: v.hash, issuer: v.issuer, verificationMethod: (v.credential.proof as { verificationMethod: string }).verificationMethod, subject: v.subject };
        subjectForLedger = v.subject;
      }
    } else {
      const result = verifyGenericCredential(vc, atMs, publicKey);
      const c = (typeof vc === 'object' && vc !== null ? vc : {}) as Record<string, unknown>;
      let hash: string | undefined;
      try {
        hash = toHex(licenseCredentialHash(vc));
      } catch {
        hash = undefined;
      }
      const described = { ...base, checked: 'generic' as const, ...(hash === undefined ? {} : { credentialHash: hash }), issuer: c['issuer'] };
      verdict = result.ok ? { verified: true, ...described, verificationMethod: result.value.verificationMethod, subject: c['credentialSubject'] } : failed(described, result.error);
    }
    if (verdict.verified && !options.offline) {
      if (subjectForLedger === undefined || verdict.credentialHash === undefined) {
        verdict = failed(verdict, { code: 'LEDGER_STATUS_UNAVAILABLE', message: 'the ledger records licensee credentials only; use --offline for other credentials', field: 'type' });
      } else {
        const client = clientFor({ ...(options.node === undefined ? {} : { node: options.node }), ...(options.token === undefined ? {} : { token: options.token }), json: options.json }, ctx.io);
        const evidence = await ledgerEvidence(client, subjectForLedger, options.gtin, verdict.credentialHash, atMs);
        if (evidence === undefined) verdict = failed(verdict, { code: 'CREDENTIAL_NOT_RECORDED', message: `the ledger holds no credential-issue with hash ${verdict.credentialHash} for ${subjectForLedger.lei}${options.gtin === undefined ? '' : ` and GTIN ${options.gtin}`}`, field: 'credentialHash' });
        else if (!evidence.verified) verdict = failed({ ...verdict, ledger: evidence }, { code: `CREDENTIAL_${evidence.reason ?? 'NOT_VERIFIED'}`, message: `the ledger judges credential ${evidence.credentialId} not valid at ${new Date(atMs).toISOString()}: ${evidence.reason ?? 'not verified'}${evidence.revocation === undefined ? '' : ` (revoked by ${evidence.revocation.txId})`}`, field: 'ledger' });
        else verdict = { ...verdict, ledger: evidence };
      }
    }
    if (options.json) printJson(ctx.io, verdict);
    else if (verdict.verified) {
      const ledger = verdict.ledger;
      printSummary(ctx.io, [
        ['verified', `yes (${verdict.checked === 'license' ? 'licensee credential' : 'credential'}, ${options.offline ? 'offline' : 'with the ledger'})`],
        ['credential hash', verdict.credentialHash],
        ['issuer', typeof verdict.issuer === 'string' ? verdict.issuer : JSON.stringify(verdict.issuer)],
        ['verification method', verdict.verificationMethod],
        ['subject', JSON.stringify(verdict.subject)],
        ['judged at', new Date(atMs).toISOString()],
        ...(ledger === undefined ? [] : ([['ledger record', String(ledger['credentialId'])], ['issuer organization', String(ledger['issuerLei'])], ['license', String(ledger['licenseId'])]] as const)),
      ]);
    } else printSummary(ctx.io, ([['verified', 'NO'], ['code', verdict.code], ['field', verdict.field], ['reason', verdict.reason]] as const).filter(([, value]) => value !== undefined));
    if (!verdict.verified) {
      ctx.io.stderr(`error ${verdict.code ?? 'VC_NOT_VERIFIED'}${verdict.field === undefined ? '' : ` (${verdict.field})`}: ${verdict.reason ?? 'the credential does not verify'}\n`);
      ctx.exitCode = EXIT.rejected;
    }
  });

  // ---- revoke ----
  const revoke = addSubmitFlags(
    credential
      .command('revoke')
      .description('revoke a credential you issued (by its credential-issue document id or its credential hash)')
      .argument('<credential>', 'the credential-issue document id, or the credential hash (64 hex)')
      .requiredOption('--reason <text>', 'why (recorded on the ledger)'),
  ).action(async (ref: string, options: SubmitFlags & { reason: string }) => {
    if (!HEX64.test(ref)) throw usageError('ID_FORMAT', `credential: expected a document id or credential hash (64 lower-case hex characters), got ${JSON.stringify(ref.slice(0, 80))}`, 'credential');
    const key = readSigningKey(options.key, (message) => ctx.io.stderr(`warning: ${message}\n`));
    const outcome = await send(ctx, options, 'credential-revoke', { credential: ref, reason: options.reason }, key.seed, key.publicKey);
    if (options.json) {
      printJson(ctx.io, { ...outcome, credential: ref, issuer: didKeyFromPublicKey(key.publicKey) });
    } else printSummary(ctx.io, [['credential', ref], ['issuer', didKeyFromPublicKey(key.publicKey)], ...outcomeRows(outcome)]);
    flagRejection(ctx, outcome);
  });
  withExample(revoke, 'tradeledger credential revoke 7c9e…41 --reason "retail agreement ended" --key ./nike.key --wait');
}
