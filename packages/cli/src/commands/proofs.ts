// `tradeledger prove <txid>`, `prove --consistency <m> <n>` and `verify-proof <file>`.
// prove prints the proof in the ledger's exact JSON (merkle-proof.ts inclusionProofToJSON /
// consistencyProofToJSON); with --json an object { proof, header, txId } whose `proof` member is
// that JSON and `header` the block header that ends at the proof's tree size. verify-proof checks
// such a file offline against a head: from --head, from the file itself, or fetched with --node.

import type { Command } from 'commander';
import { parseProof, proofToJSON } from '@tradeledger/ledger';
import { addApiOptions, clientFor, type ApiOptions } from '../api-options.js';
import { EXIT, unreachableError, usageError } from '../errors.js';
import { readJsonFile } from '../files.js';
import { printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';
import { membershipFromFile, membershipFromGenesisFile, parseHeadFile, parseProofDocument, verifyProofDocument, type HeaderJson } from '../verify.js';
import type { CertifiedHead, TrustedMembership } from '@tradeledger/ledger';

function size(text: string, field: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw usageError('SIZE_FORMAT', `${field}: expected a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`, field);
  return Number(text);
}

export function registerProofCommands(program: Command, ctx: CliContext): void {
  const prove = addApiOptions(
    program
      .command('prove')
      .description("a Merkle proof from a node: a transaction's inclusion in the log, or (--consistency) that the log of size m is a prefix of the log of size n")
      .argument('<args...>', '<txid>, or <m> <n> with --consistency')
      .option('--consistency', 'prove that the log at size m grew into the log at size n by appending only', false)
      .option('--tree-size <n>', 'inclusion: prove against the log at this size (default: the head)')
      .option('--certified', 'inclusion: prove against the newest head cosigned by a quorum of member organizations (--json carries it)', false),
    false,
  ).action(async (args: string[], options: ApiOptions & { consistency: boolean; treeSize?: string; certified: boolean }) => {
    const client = clientFor(options, ctx.io);
    let out: Record<string, unknown>;
    let proofValue: unknown;
    if (options.consistency) {
      if (args.length !== 2) throw usageError('ARGUMENT_COUNT', `prove --consistency: expected <m> <n>, got ${args.length} argument(s)`, 'args');
      const first = size(args[0] as string, 'm');
      const second = size(args[1] as string, 'n');
      if (first < 1 || first > second) throw usageError('SIZE_ORDER', `prove --consistency: need 0 < m <= n, got m ${first}, n ${second}`, 'm');
      const answer = await client.request<{ proof: unknown; firstHeader: unknown; secondHeader: unknown }>('GET', '/v1/proof/consistency', { query: { first, second } });
      proofValue = answer.proof;
      out = { header: answer.secondHeader ?? null, ...(answer.firstHeader === null || answer.firstHeader === undefined ? {} : { older: answer.firstHeader }) };
    } else {
      if (args.length !== 1) throw usageError('ARGUMENT_COUNT', `prove: expected one transaction id, got ${args.length} arguments (use --consistency for <m> <n>)`, 'args');
      const txId = args[0] as string;
      if (!/^[0-9a-f]{64}$/.test(txId)) throw usageError('ID_FORMAT', `txid: expected 64 lower-case hex characters, got ${JSON.stringify(txId.slice(0, 80))}`, 'txid');
      if (options.certified && options.treeSize !== undefined) throw usageError('OPTION_CONFLICT', 'give --certified or --tree-size, not both', 'tree-size');
      const query = options.certified ? { at: 'certified' } : { treeSize: options.treeSize === undefined ? undefined : size(options.treeSize, 'tree-size') };
      const answer = await client.request<{ txId: string; height: number; position: number; proof: unknown; header: unknown; certifiedHead?: unknown }>('GET', `/v1/proof/inclusion/${txId}`, { query });
      if (answer.txId !== txId) throw unreachableError('NODE_BAD_RESPONSE', `the node answered a proof for ${String(answer.txId)}, not ${txId}`);
      proofValue = answer.proof;
      out = { header: answer.header ?? null, ...(answer.certifiedHead === undefined ? {} : { certifiedHead: answer.certifiedHead }), txId, height: answer.height, position: answer.position };
    }
    // Re-serialized by the ledger's one JSON form: checks what the node sent, prints it exactly.
    const proofText = proofToJSON(parseProof(proofValue));
    if (options.json) printJson(ctx.io, { proof: JSON.parse(proofText) as unknown, ...out });
    else ctx.io.stdout(`${proofText}\n`);
  });
  withExample(prove, 'tradeledger prove 3f1b…c2 > proof.json', 'tradeledger prove 3f1b…c2 --json > proof-with-header.json', 'tradeledger prove 3f1b…c2 --certified --json > proof-with-certified-head.json', 'tradeledger prove --consistency 10 42 --json');

  const verify = program
    .command('verify-proof')
    .description('check a proof offline against a head: a certified head, or a block header signed by a member node (from --head, the proof file, or --node)')
    .argument('<file>', 'a proof: the output of `prove` (plain or --json)')
    .option('--genesis <file>', "the network's genesis file: whose node keys may sign heads")
    .option('--membership <file>', 'instead of --genesis: a trusted membership { chainId?, organizations: [{ lei, nodeKeys }], threshold }')
    .option('--head <file>', 'the head to check against (`tradeledger head --json`, or a certified head)')
    .option('--older-head <file>', 'consistency: the head at the first size')
    .option('--node <url>', 'fetch the head from this node when neither --head nor the file carries one')
    .option('--path-only', 'check the Merkle path alone, against no head (no signatures)', false)
    .option('--json', 'print the verdict as JSON', false)
    .addHelpText('after', '\nExits 0 when the proof verifies, 1 when it does not (with the code and the field), 2 on unusable input.');
  withExample(verify, 'tradeledger verify-proof proof.json --genesis ./network/genesis.json', 'tradeledger verify-proof proof.json --head head.json --genesis genesis.json --json', 'tradeledger verify-proof proof.json --path-only');
  verify.action(async (file: string, options: { genesis?: string; membership?: string; head?: string; olderHead?: string; node?: string; pathOnly: boolean; json: boolean }) => {
    let doc;
    try {
      doc = parseProofDocument(readJsonFile(file, 'file'));
    } catch (error) {
      // A proof that does not parse does not verify: exit 1 with the parser's code and field.
      if ((error as { exitCode?: number }).exitCode === EXIT.usage) throw error;
      const code = (error as { code?: string }).code ?? 'PROOF_MALFORMED';
      const field = (error as { field?: string }).field;
      const verdict = { verified: false, code, reason: (error as Error).message, ...(field === undefined ? {} : { field }) };
      if (options.json) printJson(ctx.io, verdict);
      else printSummary(ctx.io, [['verified', 'NO'], ['code', code], ['field', field], ['reason', verdict.reason]]);
      ctx.io.stderr(`error ${code}${field === undefined ? '' : ` (${field})`}: ${verdict.reason}\n`);
      ctx.exitCode = EXIT.rejected;
      return;
    }
    if (options.genesis !== undefined && options.membership !== undefined) throw usageError('OPTION_CONFLICT', 'give --genesis or --membership, not both', 'membership');
    let membership: TrustedMembership | undefined;
    if (options.genesis !== undefined) membership = membershipFromGenesisFile(readJsonFile(options.genesis, 'genesis'));
    if (options.membership !== undefined) membership = membershipFromFile(readJsonFile(options.membership, 'membership'));
    let head: CertifiedHead | HeaderJson | undefined = options.head === undefined ? undefined : parseHeadFile(readJsonFile(options.head, 'head'), 'head');
    const older = options.olderHead === undefined ? undefined : parseHeadFile(readJsonFile(options.olderHead, 'older-head'), 'older-head');
    if (head === undefined && doc.head === undefined && doc.header === undefined && !options.pathOnly && options.node !== undefined) {
      // The newest certified head if the proof reaches it, else the latest block header.
      const client = clientFor({ node: options.node, json: options.json }, ctx.io);
      const size = doc.proof.type === 'inclusion' ? doc.proof.treeSize : doc.proof.secondSize;
      const certified = await client.request<{ checkpoint?: { logSize?: number } }>('GET', '/v1/head/certified').catch(() => undefined);
      head = parseHeadFile(certified?.checkpoint?.logSize === size ? certified : await client.request('GET', '/v1/head'), 'head');
    }
    const verdict = verifyProofDocument(doc, { ...(membership === undefined ? {} : { membership }), ...(head === undefined ? {} : { head }), ...(older === undefined ? {} : { older }), pathOnly: options.pathOnly });
    if (options.json) printJson(ctx.io, verdict);
    else if (verdict.verified) {
      printSummary(ctx.io, ([
        ['verified', `yes (${verdict.type} proof)`],
        ['against', verdict.against === 'head' ? 'certified head' : verdict.against === 'header' ? 'block header signed by a member node' : 'the Merkle path alone (no head)'],
        ['tx id', verdict.txId],
        ['height', verdict.height],
        ['log size', verdict.logSize],
        ['log root', verdict.logRoot],
        ['signed by', verdict.organizations?.join(', ')],
      ] as const).filter(([, value]) => value !== undefined));
    } else printSummary(ctx.io, ([['verified', 'NO'], ['code', verdict.code], ['field', verdict.field], ['reason', verdict.reason]] as const).filter(([, value]) => value !== undefined));
    if (!verdict.verified) {
      ctx.io.stderr(`error ${verdict.code ?? 'PROOF_MISMATCH'}${verdict.field === undefined ? '' : ` (${verdict.field})`}: ${verdict.reason ?? 'the proof does not verify'}\n`);
      ctx.exitCode = EXIT.rejected;
    }
  });
}
