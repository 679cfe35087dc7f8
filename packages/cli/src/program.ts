// The `tradeledger` program: commander wiring, the shared option conventions and the mapping of
// every outcome to an exit code (errors.ts EXIT). Commands live in commands/*.ts; each registers
// itself on the program and throws CliError (or a coded ledger/node error) to fail.
//
// Conventions every command follows: `--help` ends with an example; `--json` prints one JSON
// document on stdout; an error is one line on stderr, `error CODE (field): message`; wrong flags
// print the error and the command's help and exit 2.

import { Command, CommanderError } from 'commander';
import { EXIT, toCliError, type ExitCode } from './errors.js';
import { printError, processIo, type CliIo } from './output.js';
import { registerKeygen } from './commands/keygen.js';
import { registerAudit } from './commands/audit.js';
import { registerNetwork } from './commands/network.js';
import { registerProofCommands } from './commands/proofs.js';
import { registerSubmit } from './commands/submit.js';
import { registerReadCommands } from './commands/read.js';
import { registerNode } from './commands/node.js';
import { registerDev } from './commands/dev.js';
import { registerCredential } from './commands/credential.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  rejected by the node or the ledger rules, or a verification failed
  2  usage: wrong flags or arguments, unreadable input file
  3  the node could not be reached`;

export interface CliContext {
  readonly io: CliIo;
  /** The command being run (set before its action), for the help printed after a usage error. */
  activeCommand?: Command;
  /** Set by a command that finished with a non-zero outcome without throwing (e.g. a failed audit). */
  exitCode: ExitCode;
}

/** Adds the example block (and the exit codes) at the end of a command's help. */
export function withExample(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tradeledger');
  program
    .description('tradeledger: a permissioned ledger of trade documents. Run a node, submit signed documents, prove and audit.')
    .version('0.1.0', '-V, --version')
    .exitOverride()
    .showHelpAfterError(true)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (text) => ctx.io.stdout(text), writeErr: (text) => ctx.io.stderr(text) })
    .addHelpText('after', `${EXIT_CODES_HELP}\n\nStart here:\n  $ tradeledger dev            # a local six-organization network with the example documents\n  $ tradeledger <command> --help\n`);
  program.hook('preAction', (_root, actionCommand) => {
    ctx.activeCommand = actionCommand;
  });
  registerKeygen(program, ctx);
  registerNetwork(program, ctx);
  registerNode(program, ctx);
  registerDev(program, ctx);
  registerSubmit(program, ctx);
  registerReadCommands(program, ctx);
  registerProofCommands(program, ctx);
  registerAudit(program, ctx);
  registerCredential(program, ctx);
  return program;
}

/** Usage errors about a flag's or an argument's value (not about a file's content). */
const ARGUMENT_ERROR_CODES = new Set([
  'ARGUMENT_COUNT',
  'ARGUMENT_MISSING',
  'ARGUMENT_INVALID',
  'ID_FORMAT',
  'SIZE_FORMAT',
  'SIZE_ORDER',
  'HEIGHT_FORMAT',
  'WAIT_RANGE',
  'WORKERS_RANGE',
  'NONCE_FORMAT',
  'NODE_URL_INVALID',
  'REF_FORMAT',
  'OPTION_CONFLICT',
  'GENESIS_HASH_FORMAT',
  'DEV_NODE_UNKNOWN',
  'DEV_NODE_DUPLICATE',
  'DEV_NODES_EMPTY',
  'EXAMPLES_UNKNOWN',
]);

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  const ctx: CliContext = { io, exitCode: EXIT.ok };
  const program = buildProgram(ctx);
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      io.stdout(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      // Commander has printed its message and the help already.
      return EXIT.usage;
    }
    const cliError = toCliError(error);
    printError(io, cliError, json);
    // A wrong flag or argument value gets the command's help, as commander's own errors do.
    if (cliError.exitCode === EXIT.usage && ARGUMENT_ERROR_CODES.has(cliError.code) && ctx.activeCommand !== undefined) io.stderr(`\n${ctx.activeCommand.helpInformation()}`);
    return cliError.exitCode;
  }
}
