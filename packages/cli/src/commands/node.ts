// `tradeledger node start --config <file>`: runs one node (LedgerNode, HTTP API, metrics) from
// its config until SIGINT or SIGTERM, then stops it cleanly (a second signal exits at once).
// Prints `tradeledger-node ready <apiUrl> <peerId>` on stdout once serving (with --json, a JSON
// line), which `dev` and scripts wait for.
//
// `tradeledger token create | list | revoke --data-dir <dir>`: the access tokens a node's operator
// issues to its organization's users for the members-only reads. Stored hashed in the node's data
// directory; a running node picks up changes at its next request.

import { existsSync, mkdirSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { usageError } from '../errors.js';
import { formatTable, printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';

/** Resolves when the process gets SIGINT or SIGTERM; the second signal exits at once. */
function untilSignal(onSecond: () => void): Promise<string> {
  return new Promise((resolve) => {
    let count = 0;
    const handler = (signal: string) => {
      count += 1;
      if (count === 1) resolve(signal);
      else onSecond();
    };
    process.on('SIGINT', () => handler('SIGINT'));
    process.on('SIGTERM', () => handler('SIGTERM'));
  });
}

export function registerNode(program: Command, ctx: CliContext): void {
  const node = program.command('node').description("run a node from its config");
  const start = node
    .command('start')
    .description('run a node (ledger, consensus, p2p, HTTP API) until Ctrl-C or SIGTERM')
    .requiredOption('--config <file>', "the node's config (YAML or JSON; see packages/node node-config.ts)")
    .option('--json', 'print the ready line as JSON { apiUrl, peerId, p2p }', false)
    // For `dev`: stop when the parent's pipe on stdin closes, so a killed `dev` leaves no node behind.
    .addOption(new Option('--stop-with-parent', 'stop when stdin closes').default(false).hideHelp())
    .action(async (options: { config: string; json: boolean; stopWithParent: boolean }) => {
      if (!existsSync(options.config)) throw usageError('CONFIG_NOT_FOUND', `--config: ${options.config} does not exist`, 'config');
      const { createLogger, loadConfig, runNode } = await import('@tradeledger/node');
      const config = await loadConfig(options.config);
      // Logs go to stderr: stdout carries only the ready line that scripts and `dev` wait for.
      const running = await runNode(config, { logger: createLogger({ level: config.log.level, format: config.log.format, destination: process.stderr }) });
      if (options.json) ctx.io.stdout(`${JSON.stringify({ ready: true, apiUrl: running.apiUrl, peerId: running.peerId, p2p: running.p2pAddrs })}\n`);
      else ctx.io.stdout(`tradeledger-node ready ${running.apiUrl} ${running.peerId}\n`);
      const stdinClosed = new Promise<string>((resolve) => {
        if (!options.stopWithParent) return;
        process.stdin.on('end', () => resolve('stdin closed'));
        process.stdin.on('error', () => resolve('stdin closed'));
        process.stdin.resume();
      });
      const signal = await Promise.race([untilSignal(() => process.exit(1)), stdinClosed]);
      running.logger.info({ signal }, 'shutting down');
      await running.stop();
    });
  withExample(start, 'tradeledger node start --config ./network/customs/customs-1/node-config.json');

  const token = program.command('token').description("access tokens for the members-only reads of a node (run on the node's machine)");
  const dataDirOption = (command: Command) => command.requiredOption('--data-dir <dir>', "the node's data directory (dataDir in its config)").option('--json', 'print JSON', false);
  const create = dataDirOption(token.command('create').description('issue a token to a user of an organization (printed once; only its hash is kept)'))
    .requiredOption('--org <lei>', "the user's organization (LEI)")
    .option('--label <text>', 'who or what the token is for', 'cli')
    .action(async (options: { dataDir: string; org: string; label: string; json: boolean }) => {
      const { createToken } = await import('@tradeledger/node');
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      const issued = createToken(options.dataDir, { org: options.org, label: options.label });
      if (options.json) printJson(ctx.io, { ...issued, org: options.org, label: options.label });
      else printSummary(ctx.io, [['token id', issued.id], ['token', issued.token], ['organization', options.org]]);
    });
  withExample(create, 'tradeledger token create --data-dir ./data --org INR2EJN1ERAN0W5ZP974 --label "import desk"');
  const list = dataDirOption(token.command('list').description('the tokens issued by this node (hashes only)')).action(async (options: { dataDir: string; json: boolean }) => {
    const { listTokens } = await import('@tradeledger/node');
    const records = listTokens(options.dataDir);
    if (options.json) return printJson(ctx.io, records);
    ctx.io.stdout(formatTable(['id', 'organization', 'label', 'created', 'revoked'], records.map((r) => [r.id, r.org, r.label, new Date(r.createdAtMs).toISOString(), r.revokedAtMs === undefined ? '' : new Date(r.revokedAtMs).toISOString()])));
  });
  withExample(list, 'tradeledger token list --data-dir ./data');
  const revoke = dataDirOption(token.command('revoke').description('revoke a token at once').argument('<id>', 'the token id (from token list)')).action(async (id: string, options: { dataDir: string; json: boolean }) => {
    const { revokeToken } = await import('@tradeledger/node');
    const record = revokeToken(options.dataDir, id);
    if (options.json) printJson(ctx.io, record);
    else printSummary(ctx.io, [['revoked', record.id], ['organization', record.org], ['at', record.revokedAtMs === undefined ? '' : new Date(record.revokedAtMs).toISOString()]]);
  });
  withExample(revoke, 'tradeledger token revoke --data-dir ./data 4f2a9c01d2e3');
}
