// The options every command that talks to a node shares: --node (default $TRADELEDGER_NODE, else
// the local API at http://127.0.0.1:8080, the node config's default) and --token (default
// $TRADELEDGER_TOKEN) for the members-only reads.

import type { Command } from 'commander';
import { ENV_NODE, ENV_TOKEN } from './constants.js';
import { NodeClient } from './http-client.js';
import type { CliIo } from './output.js';

/** The node API's default address (packages/node node-config.ts: api 127.0.0.1:8080). */
export const DEFAULT_NODE_URL = 'http://127.0.0.1:8080';

export interface ApiOptions {
  readonly node?: string;
  readonly token?: string;
  readonly json: boolean;
}

export function addApiOptions(command: Command, needsToken: boolean): Command {
  command.option('--node <url>', `the node's API URL (default $${ENV_NODE} or ${DEFAULT_NODE_URL})`);
  if (needsToken) command.option('--token <token>', `access token issued by the node's operator (default $${ENV_TOKEN})`);
  return command.option('--json', 'print machine-readable JSON', false);
}

export function clientFor(options: ApiOptions, io: CliIo): NodeClient {
  const node = options.node ?? io.env[ENV_NODE] ?? DEFAULT_NODE_URL;
  const token = options.token ?? io.env[ENV_TOKEN];
  return new NodeClient(node, token === undefined || token === '' ? undefined : token);
}
