#!/usr/bin/env node
// The `tradeledger` executable: runs the CLI and exits with its code once output is flushed.
import { runCli } from './program.js';

// `tradeledger … | head` closes the pipe early: that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
