// `tradeledger keygen --out <file>`: a new Ed25519 key (a signing key for an organization's users
// or a node key) written as a 0600 key file, and its public forms: hex public key, the libp2p peer
// id a node with this key has, and its did:key.

import type { Command } from 'commander';
import { didKeyFromPublicKey, generateSeed, toHex, writeKeyFile } from '@tradeledger/ledger';
import { printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';

export interface KeyDescription {
  readonly file: string;
  readonly publicKey: string;
  readonly peerId: string;
  readonly didKey: string;
}

/** The public forms of a key (peer id needs the node package, loaded on demand: it pulls libp2p). */
export async function describePublicKey(file: string, publicKey: Uint8Array): Promise<KeyDescription> {
  const { peerIdFromEd25519PublicKey } = await import('@tradeledger/node');
  return { file, publicKey: toHex(publicKey), peerId: peerIdFromEd25519PublicKey(publicKey), didKey: didKeyFromPublicKey(publicKey) };
}

/** Writes a fresh key file (never replacing one unless `overwrite`) and describes it. */
export async function generateKeyFile(path: string, overwrite: boolean): Promise<KeyDescription> {
  const seed = generateSeed();
  writeKeyFile(path, seed, { overwrite });
  const { publicKeyFromSeed } = await import('@tradeledger/ledger');
  return describePublicKey(path, publicKeyFromSeed(seed));
}

export function registerKeygen(program: Command, ctx: CliContext): void {
  const command = program
    .command('keygen')
    .description('create an Ed25519 key file (mode 0600) and print its public key, peer id and did:key')
    .requiredOption('--out <file>', 'where to write the key file (refuses to replace an existing file)')
    .option('--force', 'replace an existing file (atomically)', false)
    .option('--json', 'print { file, publicKey, peerId, didKey } as JSON', false)
    .action(async (options: { out: string; force: boolean; json: boolean }) => {
      const description = await generateKeyFile(options.out, options.force);
      if (options.json) printJson(ctx.io, description);
      else printSummary(ctx.io, [['key file', description.file], ['public key', description.publicKey], ['peer id', description.peerId], ['did:key', description.didKey]]);
    });
  withExample(command, 'tradeledger keygen --out ./acme-signing.key');
}
