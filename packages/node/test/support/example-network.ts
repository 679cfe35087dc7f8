// Test helpers: an example network (the examples' organizations, with nodes for a chosen few),
// free loopback ports, and polling with a deadline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import pino from 'pino';
import { publicKeyFromSeed, toHex } from '@tradeledger/ledger';
import { exampleNodeSeed, readExampleGenesis, readExampleManifest } from '../../src/examples.js';
import { LedgerNode, type LedgerNodeOptions } from '../../src/ledger-node.js';
import { freePorts } from '../../../cli/src/ports.js';
import { peerIdFromEd25519PublicKey } from '../../src/p2p/index.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../../examples/', import.meta.url));

/**
 * A free loopback port below the kernel's ephemeral range (32768 and up here), so that outgoing
 * connections of other processes cannot take it between this check and the node's bind; drawn
 * from TL_PORT_RANGE when set (each test worker gets its own range, test/support/test-env.ts).
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

export interface ExampleNodeIdentity {
  readonly signer: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly peerId: string;
}

export function exampleNodeIdentity(signer: string): ExampleNodeIdentity {
  const seed = exampleNodeSeed(signer);
  const publicKey = publicKeyFromSeed(seed);
  return { signer, seed, publicKey, peerId: peerIdFromEd25519PublicKey(publicKey) };
}

/** The examples' genesis where only the organizations of `nodeSigners` run nodes (one each). */
export function exampleGenesisWithNodes(nodeSigners: readonly string[], chainId = 'tradeledger-test'): { chainId: string; timestamp: number; config: unknown } {
  const { config } = readExampleGenesis(EXAMPLES_DIR);
  const manifest = readExampleManifest(EXAMPLES_DIR);
  const leiToSigner = new Map(Object.entries(manifest.signers).map(([signer, lei]) => [lei, signer]));
  const typed = config as { organizations: Array<Record<string, unknown> & { lei: string }> };
  const organizations = typed.organizations.map((org) => {
    const signer = leiToSigner.get(org.lei);
    if (signer === undefined || !nodeSigners.includes(signer)) return { ...org, nodes: [] };
    const id = exampleNodeIdentity(signer);
    return { ...org, nodes: [{ peerId: id.peerId, publicKey: toHex(id.publicKey) }] };
  });
  return { chainId, timestamp: 1_735_689_600_000, config: { ...(config as object), chainId, organizations } };
}

/**
 * Starts one LedgerNode per signer in this process on free loopback ports, each knowing the others
 * as peers, with fast Raft timing (20 ms ticks) and inline signature checks unless `verifyWorkers`
 * says otherwise. Stop them when done.
 */
export async function startInProcessNetwork(
  signers: readonly string[],
  options: { readonly root: string; readonly chainId: string; readonly blockCutting: LedgerNodeOptions['blockCutting']; readonly verifyWorkers?: number },
): Promise<{ nodes: LedgerNode[]; ids: ExampleNodeIdentity[]; genesis: ReturnType<typeof exampleGenesisWithNodes> }> {
  const genesis = exampleGenesisWithNodes(signers, options.chainId);
  const ports = await Promise.all(signers.map(() => freePort()));
  const ids = signers.map((s) => exampleNodeIdentity(s));
  const logger = pino({ level: process.env['TL_LOG'] ?? 'silent' });
  const nodes: LedgerNode[] = [];
  for (const [i, signer] of signers.entries()) {
    nodes.push(
      await LedgerNode.start({
        dataDir: join(options.root, signer),
        seed: ids[i]!.seed,
        genesis,
        listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
        peers: ids.flatMap((id, j) => (j === i ? [] : [{ peerId: id.peerId, addrs: [`/ip4/127.0.0.1/tcp/${ports[j]}`] }])),
        blockCutting: options.blockCutting,
        mempool: { maxTxs: 1000, maxBytes: 16 << 20, maxTxBytes: 1 << 20 },
        tickMs: 20,
        electionTicks: 10,
        heartbeatTicks: 2,
        logger: logger.child({ node: signer }),
        verifyWorkers: options.verifyWorkers ?? 0,
      }),
    );
  }
  return { nodes, ids, genesis };
}

/**
 * A temporary folder for a test file's nodes, and the list to put them in: after the file, every
 * node in the list is stopped and the folder removed.
 */
export function nodeFixture(prefix: string): { root: string; nodes: LedgerNode[] } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const nodes: LedgerNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  return { root, nodes };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
