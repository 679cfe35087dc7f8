// The genesis file every operator receives with the network: { chainId, timestamp, config, hash }.
// The node rebuilds the genesis block from it and, when `hash` is given, checks it is that block.

import { readFileSync } from 'node:fs';
import { NodeError } from './errors.js';

function bad(key: string, message: string): never {
  throw new NodeError('GENESIS_INVALID', `${key}: ${message}`, { status: 400 });
}

export interface GenesisFile {
  readonly chainId: string;
  readonly timestamp: number;
  readonly config: unknown;
  readonly hash?: string;
}

export function loadGenesisFile(file: string): GenesisFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new NodeError('GENESIS_UNREADABLE', `cannot read the genesis file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('genesis', 'expected a JSON object');
  const g = raw as Record<string, unknown>;
  for (const key of Object.keys(g)) if (!['chainId', 'timestamp', 'config', 'hash'].includes(key)) bad(`genesis.${key}`, 'unknown key');
  const chainId = g['chainId'];
  if (typeof chainId !== 'string' || chainId.length === 0) bad('genesis.chainId', 'expected a non-empty string');
  const timestamp = g['timestamp'];
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) bad('genesis.timestamp', 'expected milliseconds since the epoch');
  const hash = g['hash'];
  if (hash !== undefined && (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))) bad('genesis.hash', 'expected 64 lower-case hex characters');
  return {
    chainId,
    timestamp,
    config: g['config'] ?? bad('genesis.config', 'is required'),
    ...(hash === undefined ? {} : { hash: hash as string }),
  };
}
