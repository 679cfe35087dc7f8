// Reading the ledger through a node: `get` (a document with its history, a transaction, a block,
// an attachment's bytes), `query` (documents by LEI, GTIN, HS code, entry number, certificate, and
// open verifications), `check entry-line` and `check product` (the customs decision check and the
// public consumer check), `head` (the latest block header) and `status` (the cluster).

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { sha256, toHex } from '@tradeledger/ledger';
import { addApiOptions, clientFor, type ApiOptions } from '../api-options.js';
import { rejectedError, usageError } from '../errors.js';
import { formatTable, printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';

const HEX64 = /^[0-9a-f]{64}$/;
const QUERY_BY = ['lei', 'gtin', 'hs', 'entry', 'certificate'] as const;

function idArgument(value: string, field: string): string {
  if (!HEX64.test(value)) throw usageError('ID_FORMAT', `${field}: expected 64 lower-case hex characters, got ${JSON.stringify(value.slice(0, 80))}`, field);
  return value;
}

function time(ms: unknown): string {
  return typeof ms === 'number' ? new Date(ms).toISOString() : '-';
}

interface DocumentAnswer {
  record: { id: string; kind: string; status: string; signerLei?: string; [key: string]: unknown };
  history: Array<{ txId: string; kind?: string; height?: number; [key: string]: unknown }>;
}

function printDocument(ctx: CliContext, doc: DocumentAnswer): void {
  const r = doc.record;
  const rows: Array<readonly [string, string | number | undefined]> = [['id', r.id], ['kind', r.kind], ['status', r.status]];
  for (const key of ['signerLei', 'lei', 'createdAtMs', 'updatedAtMs']) if (r[key] !== undefined) rows.push([key, key.endsWith('Ms') ? time(r[key]) : String(r[key])]);
  printSummary(ctx.io, rows);
  ctx.io.stdout('\npayload:\n');
  ctx.io.stdout(`${JSON.stringify(r['payload'], null, 2)}\n`);
  if (doc.history.length > 0) {
    ctx.io.stdout('\nhistory:\n');
    ctx.io.stdout(formatTable(['tx id', 'kind', 'height', 'at'], doc.history.map((h) => [h.txId, h.kind, h.height, time(h['atMs'] ?? h['timestampMs'])])));
  }
}

export function registerReadCommands(program: Command, ctx: CliContext): void {
  // ---- get ------------------------------------------------------------------------------
  const get = addApiOptions(
    program
      .command('get')
      .description('get a document (with its history), a transaction, a block or an attachment')
      .argument('<what>', 'a document id, or one of: document, tx, block, attachment')
      .argument('[id]', 'the id (document, tx), height (block) or SHA-256 (attachment)')
      .option('--out <file>', 'with attachment: write the bytes here (default: stdout)'),
    true,
  ).action(async (what: string, id: string | undefined, options: ApiOptions & { out?: string }) => {
    const client = clientFor(options, ctx.io);
    let kind = what;
    let ref = id;
    if (HEX64.test(what) && id === undefined) {
      kind = 'document';
      ref = what;
    }
    if (ref === undefined) throw usageError('ARGUMENT_MISSING', `get ${what}: missing the id`, 'id');
    switch (kind) {
      case 'document': {
        const doc = await client.request<DocumentAnswer>('GET', `/v1/documents/${idArgument(ref, 'id')}`);
        if (options.json) printJson(ctx.io, doc);
        else printDocument(ctx, doc);
        return;
      }
      case 'tx': {
        const view = await client.request<Record<string, unknown> & { tx?: Record<string, unknown> }>('GET', `/v1/tx/${idArgument(ref, 'id')}`);
        if (options.json) printJson(ctx.io, view);
        else {
          const { tx, ...rest } = view;
          const { payload, bytes: _bytes, ...content } = tx ?? {};
          printSummary(ctx.io, [...Object.entries(rest), ...Object.entries(content)].map(([k, v]) => [k, k === 'timestamp' ? time(v) : typeof v === 'object' ? JSON.stringify(v) : (v as string | number)] as const));
          if (payload !== undefined) ctx.io.stdout(`\npayload:\n${JSON.stringify(payload, null, 2)}\n`);
        }
        return;
      }
      case 'block': {
        if (!/^\d{1,15}$/.test(ref)) throw usageError('HEIGHT_FORMAT', `height: expected a non-negative integer, got ${JSON.stringify(ref.slice(0, 40))}`, 'height');
        const block = await client.request<{ header: Record<string, unknown>; txs: Array<{ txId: string; position: number; result: { ok: boolean; code?: string } | null }> }>('GET', `/v1/blocks/${ref}`);
        if (options.json) printJson(ctx.io, block);
        else {
          printSummary(ctx.io, Object.entries(block.header).filter(([k]) => k !== 'headerBytes').map(([k, v]) => [k, k === 'timestamp' ? time(v) : (v as string | number)] as const));
          ctx.io.stdout(`\ntransactions (${block.txs.length}):\n`);
          ctx.io.stdout(formatTable(['position', 'tx id', 'result'], block.txs.map((t) => [t.position, t.txId, t.result === null ? '-' : t.result.ok ? 'ok' : t.result.code])));
        }
        return;
      }
      case 'attachment': {
        const hash = idArgument(ref, 'sha256');
        const bytes = await client.request<Uint8Array>('GET', `/v1/attachments/${hash}`, { raw: true });
        if (toHex(sha256(bytes)) !== hash) throw rejectedError('ATTACHMENT_HASH_MISMATCH', `the node served bytes that do not hash to ${hash}`, 'sha256');
        if (options.out !== undefined) {
          writeFileSync(options.out, bytes);
          if (options.json) printJson(ctx.io, { sha256: hash, sizeBytes: bytes.length, file: options.out });
          else printSummary(ctx.io, [['sha256', hash], ['bytes', bytes.length], ['written to', options.out]]);
        } else process.stdout.write(bytes);
        return;
      }
      default:
        throw usageError('ARGUMENT_INVALID', `get: expected a document id or one of document, tx, block, attachment; got ${JSON.stringify(what.slice(0, 40))}`, 'what');
    }
  });
  withExample(get, 'tradeledger get 3f1b…c2 --token $TOKEN', 'tradeledger get tx 3f1b…c2 --json', 'tradeledger get block 12', 'tradeledger get attachment 9a0e…77 --out logo.jpg');

  // ---- query ----------------------------------------------------------------------------
  const query = addApiOptions(
    program
      .command('query')
      .description('documents by LEI, GTIN, HS code, entry number or certificate; or open verifications')
      .argument('<by>', `one of ${QUERY_BY.join(', ')}, verifications`)
      .argument('[value]', 'the LEI, GTIN, HS code, entry number or certificate id')
      .option('--after <id>', 'the next page: documents after this id (printed as "next")'),
    true,
  ).action(async (by: string, value: string | undefined, options: ApiOptions & { after?: string }) => {
    const client = clientFor(options, ctx.io);
    const page = options.after === undefined ? {} : { after: options.after };
    let answer: unknown;
    if (by === 'verifications') answer = await client.request('GET', '/v1/verifications/open', { query: page });
    else {
      if (!(QUERY_BY as readonly string[]).includes(by)) throw usageError('ARGUMENT_INVALID', `query: expected one of ${QUERY_BY.join(', ')}, verifications; got ${JSON.stringify(by.slice(0, 40))}`, 'by');
      if (value === undefined) throw usageError('ARGUMENT_MISSING', `query ${by}: missing the value`, 'value');
      answer = await client.request('GET', `/v1/query/${by}/${encodeURIComponent(value)}`, { query: page });
    }
    if (options.json) return printJson(ctx.io, answer);
    const pageAnswer = answer as { items?: Array<{ id: string; kind: string }>; next?: string };
    if (Array.isArray(pageAnswer.items)) {
      ctx.io.stdout(formatTable(['id', 'kind'], pageAnswer.items.map((item) => [item.id, item.kind])));
      ctx.io.stdout(`${pageAnswer.items.length} document${pageAnswer.items.length === 1 ? '' : 's'}${pageAnswer.next === undefined ? '' : `; next page: --after ${pageAnswer.next}`}\n`);
    } else printDocument(ctx, answer as DocumentAnswer);
  });
  withExample(query, 'tradeledger query lei INR2EJN1ERAN0W5ZP974 --token $TOKEN', 'tradeledger query hs 8708.30', 'tradeledger query entry ABC-1234567-8 --json', 'tradeledger query verifications');

  // ---- check ----------------------------------------------------------------------------
  const check = program.command('check').description('decision checks: an entry line (customs) or a product (public)');
  const entryLine = addApiOptions(
    check
      .command('entry-line')
      .description("may this importer (and manufacturer) bring in this GTIN on this date? the license chain, right and attachments behind it")
      .requiredOption('--importer <lei>', "the importer's LEI")
      .requiredOption('--gtin <gtin>', 'the GTIN on the entry line')
      .requiredOption('--date <date>', 'the date judged (YYYY-MM-DD or an ISO timestamp)')
      .option('--manufacturer <lei>', "the manufacturer's LEI"),
    true,
  ).action(async (options: ApiOptions & { importer: string; gtin: string; date: string; manufacturer?: string }) => {
    const client = clientFor(options, ctx.io);
    const answer = await client.request<{ gtin14: string; importer: { lei: string; licensed: boolean; licenses: Array<{ inForce: boolean; reason?: string; chain: Array<{ licenseId: string }> }> }; manufacturer?: { lei: string; licensed: boolean }; rights: Array<{ rightId: string; rightsHolder: string; status: string }> }>(
      'GET',
      '/v1/check/entry-line',
      { query: { importerLei: options.importer, gtin: options.gtin, date: options.date, manufacturerLei: options.manufacturer } },
    );
    if (options.json) printJson(ctx.io, answer);
    else {
      const rows: Array<readonly [string, string]> = [['gtin-14', answer.gtin14], ['importer', `${answer.importer.lei}: ${answer.importer.licensed ? 'licensed' : 'NOT licensed'}`]];
      if (answer.manufacturer !== undefined) rows.push(['manufacturer', `${answer.manufacturer.lei}: ${answer.manufacturer.licensed ? 'licensed' : 'NOT licensed'}`]);
      printSummary(ctx.io, rows);
      ctx.io.stdout('\nimporter licenses:\n');
      ctx.io.stdout(formatTable(['license', 'in force', 'reason', 'chain'], answer.importer.licenses.map((l) => [l.chain[0]?.licenseId, l.inForce, l.reason, l.chain.length])));
      ctx.io.stdout('\nrights:\n');
      ctx.io.stdout(formatTable(['right', 'holder', 'status'], answer.rights.map((r) => [r.rightId, r.rightsHolder, r.status])));
    }
  });
  withExample(entryLine, 'tradeledger check entry-line --importer INR2EJN1ERAN0W5ZP974 --gtin 00012345600012 --date 2026-11-29 --token $TOKEN');
  const product = addApiOptions(
    check.command('product').description('the public product check: rights holders and licensed parties of a GTIN (no prices, quantities or contacts)').argument('<gtin>', 'the GTIN').option('--seller <lei>', "is this seller's LEI licensed to sell it?"),
    false,
  ).action(async (gtin: string, options: ApiOptions & { seller?: string }) => {
    const client = clientFor(options, ctx.io);
    const answer = await client.request<{ gtin14: string; digitalLink: string; asOfMs: number; rightsHolders: Array<{ lei: string; name?: string; brands: string[] }>; licensed: Array<{ lei: string; name?: string; role: string; validTo: string }>; seller?: { lei: string; licensed: boolean } }>(
      'GET',
      `/v1/check/product/${encodeURIComponent(gtin)}`,
      { query: { seller: options.seller } },
    );
    if (options.json) return printJson(ctx.io, answer);
    const rows: Array<readonly [string, string]> = [['gtin-14', answer.gtin14], ['digital link', answer.digitalLink], ['as of', time(answer.asOfMs)]];
    if (answer.seller !== undefined) rows.push(['seller', `${answer.seller.lei}: ${answer.seller.licensed ? 'licensed' : 'NOT licensed'}`]);
    printSummary(ctx.io, rows);
    ctx.io.stdout('\nrights holders:\n');
    ctx.io.stdout(formatTable(['lei', 'name', 'brands'], answer.rightsHolders.map((r) => [r.lei, r.name, r.brands.join(', ')])));
    ctx.io.stdout('\nlicensed parties:\n');
    ctx.io.stdout(formatTable(['lei', 'name', 'role', 'valid to'], answer.licensed.map((l) => [l.lei, l.name, l.role, l.validTo])));
  });
  withExample(product, 'tradeledger check product 00012345600012 --seller Y87794H0US1R65VBXU25');

  // ---- head / status ---------------------------------------------------------------------
  const head = addApiOptions(
    program.command('head').description('the latest block header (height, log size and root, block hash, proposer and its signature), or with --certified the newest head cosigned by a quorum of members').option('--certified', 'the newest certified head and who cosigned it', false),
    false,
  ).action(async (options: ApiOptions & { certified: boolean }) => {
    const client = clientFor(options, ctx.io);
    if (options.certified) {
      const certified = await client.request<{ checkpoint: Record<string, unknown>; signatures: Array<{ signerPublicKey: string; lei?: string }> }>('GET', '/v1/head/certified');
      if (options.json) return printJson(ctx.io, certified);
      printSummary(ctx.io, Object.entries(certified.checkpoint).map(([k, v]) => [k, v as string | number] as const));
      ctx.io.stdout(`\ncosigned by ${certified.signatures.length}:\n`);
      ctx.io.stdout(formatTable(['organization', 'node key'], certified.signatures.map((sig) => [sig.lei, sig.signerPublicKey])));
      return;
    }
    const answer = await client.request<Record<string, unknown>>('GET', '/v1/head');
    if (options.json) return printJson(ctx.io, answer);
    printSummary(ctx.io, Object.entries(answer).filter(([k]) => k !== 'headerBytes').map(([k, v]) => [k, k === 'timestamp' ? time(v) : typeof v === 'object' ? JSON.stringify(v) : (v as string | number)] as const));
  });
  withExample(head, 'tradeledger head --node http://127.0.0.1:8080', 'tradeledger head --json > head.json', 'tradeledger head --certified');

  const status = addApiOptions(program.command('status').description('the cluster as this node sees it: leader, term, heights, peers and their lag, mempool'), true).action(async (options: ApiOptions) => {
    const answer = await clientFor(options, ctx.io).request<{
      peerId: string;
      chainId: string;
      role: string;
      leader: string | null;
      term: number;
      commitIndex: number;
      appliedIndex: number;
      height: number;
      logSize: number;
      peers: Array<{ peerId: string; connected: boolean; raftRole: string; matchIndex?: number; lagEntries?: number; rttMs?: number }>;
      mempool: { txs: number; bytes: number };
      halted: { code: string; message: string } | null;
    }>('GET', '/v1/status');
    if (options.json) return printJson(ctx.io, answer);
    printSummary(ctx.io, [
      ['node', answer.peerId],
      ['chain', answer.chainId],
      ['role', answer.role],
      ['leader', answer.leader],
      ['term', answer.term],
      ['height', answer.height],
      ['log size', answer.logSize],
      ['commit / applied', `${answer.commitIndex} / ${answer.appliedIndex}`],
      ['mempool', `${answer.mempool.txs} txs, ${answer.mempool.bytes} bytes`],
      ['halted', answer.halted === null ? 'no' : `${answer.halted.code}: ${answer.halted.message}`],
    ]);
    ctx.io.stdout('\npeers:\n');
    ctx.io.stdout(
      formatTable(
        ['peer', 'raft', 'connected', 'match', 'lag', 'rtt ms'],
        answer.peers.map((p) => [p.peerId, p.peerId === answer.leader ? `${p.raftRole} (leader)` : p.raftRole, p.connected, p.matchIndex, p.lagEntries, p.rttMs]),
      ),
    );
    if (answer.role !== 'leader') ctx.io.stdout('(match and lag are known to the leader: ask its node)\n');
  });
  withExample(status, 'tradeledger status --token $TOKEN');
}
