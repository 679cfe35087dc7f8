#!/usr/bin/env node
// The node process: `node packages/node/dist/main.js --config <file>`. Prints one line
// `tradeledger-node ready <apiUrl> <peerId>` on stdout once serving (harnesses wait for it), and
// shuts down cleanly on SIGINT / SIGTERM. `tradeledger node start` does the same through the CLI.
import './p2p/polyfill.js';
import { loadConfig } from './config.js';
import { runNode } from './run.js';

const index = process.argv.indexOf('--config');
const file = index >= 0 ? process.argv[index + 1] : undefined;
if (file === undefined) {
  process.stderr.write('usage: main.js --config <node config file>\n');
  process.exit(2);
}
try {
  const running = await runNode(await loadConfig(file));
  process.stdout.write(`tradeledger-node ready ${running.apiUrl} ${running.peerId}\n`);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    running.logger.info({ signal }, 'shutting down');
    void running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  const code = (error as { code?: string }).code ?? 'NODE_START_FAILED';
  process.stderr.write(`error ${code}: ${(error as Error).message}\n`);
  process.exit(1);
}
