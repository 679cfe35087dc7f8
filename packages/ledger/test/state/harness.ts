// A small chain for state tests: a MemoryStore, genesis from examples/genesis.json, signed
// transactions from the example organizations' seeds, and blocks committed with their state root.
import { createHash } from 'node:crypto';
import { timestampMs } from '../../src/documents/identifiers.js';
import { exampleRefNames, resolveExampleRefs } from '../../src/documents/example-refs.js';
import { publicKeyFromSeed } from '../../src/ed25519.js';
import { MemoryStore } from '../../src/memory-store.js';
import { applyBlock, type ApplyOptions } from '../../src/state/apply.js';
import { genesisStateWrites } from '../../src/state/membership.js';
import { GENESIS_PREVIOUS_STATE_ROOT, nextStateRoot } from '../../src/state/state-root.js';
import type { TxResult } from '../../src/store.js';
import { signTx, type DecodedTx } from '../../src/tx.js';
import { readExample, readManifest } from '../documents/example-files.js';

export const CHAIN_ID = 'tradeledger-example';
export const EXAMPLE_TIME_MS = timestampMs('2025-03-12T15:00:00Z');
export const DAY_MS = 86_400_000;

export function exampleSeed(signer: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`tradeledger example signing key ${signer}`).digest());
}

export class TestChain {
  readonly store = new MemoryStore();
  height = -1;
  stateRoot: Uint8Array = GENESIS_PREVIOUS_STATE_ROOT;
  private readonly nonces = new Map<string, number>();
  private lastTimestampMs = 0;
  readonly ids: Record<string, string> = {};

  constructor(readonly options: ApplyOptions = {}) {}

  static async fromExampleGenesis(options: ApplyOptions = {}, genesis: unknown = readExample('genesis.json')): Promise<TestChain> {
    const chain = new TestChain(options);
    await chain.commit(genesisStateWrites(genesis), [], []);
    return chain;
  }

  private async commit(stateWrites: Parameters<typeof nextStateRoot>[1], txs: readonly DecodedTx[], results: readonly TxResult[]): Promise<void> {
    this.height += 1;
    this.stateRoot = nextStateRoot(this.stateRoot, stateWrites);
    await this.store.commitBlock({
      height: this.height,
      blockHash: new Uint8Array(32).fill(this.height & 0xff),
      blockBytes: new Uint8Array(0),
      txIndex: txs.flatMap((tx, position) => (results[position]?.ok === false && (results[position] as { code: string }).code === 'TX_DUPLICATE' ? [] : [{ txId: tx.id, position, result: results[position] as TxResult }])),
      merkleWrites: [],
      stateWrites,
      head: { height: this.height, timestamp: this.lastTimestampMs, blockHash: new Uint8Array(32), logSize: 0, logRoot: new Uint8Array(32), stateRoot: this.stateRoot, frontier: [] },
    });
  }

  /** Signs a transaction with the next nonce of `signer` (an example signer name or a seed). */
  sign(signer: string | Uint8Array, kind: string, payload: unknown, overrides: { nonce?: number; chainId?: string; timestamp?: number } = {}): DecodedTx {
    const seed = typeof signer === 'string' ? exampleSeed(signer) : signer;
    const label = typeof signer === 'string' ? signer : Buffer.from(seed).toString('hex');
    const nonce = overrides.nonce ?? (this.nonces.get(label) ?? 0) + 1;
    this.nonces.set(label, Math.max(nonce, this.nonces.get(label) ?? 0));
    return signTx({ version: 1, chainId: overrides.chainId ?? CHAIN_ID, kind, payload, signer: publicKeyFromSeed(seed), nonce, timestamp: overrides.timestamp ?? EXAMPLE_TIME_MS }, seed);
  }

  /** Applies one block at `timestampMs` and commits it; returns the results. */
  async block(txs: readonly DecodedTx[], timestampMs: number = EXAMPLE_TIME_MS): Promise<TxResult[]> {
    this.lastTimestampMs = timestampMs;
    const { writes, results } = await applyBlock(this.store, { chainId: CHAIN_ID, height: this.height + 1, timestampMs }, txs, this.options);
    await this.commit(writes, txs, results);
    return results;
  }

  /** Signs and applies one transaction alone in a block; records its id under `name` when given. */
  async submit(signer: string, kind: string, payload: unknown, options: { name?: string; timestampMs?: number } = {}): Promise<TxResult & { id: string }> {
    const tx = this.sign(signer, kind, payload);
    const [result] = await this.block([tx], options.timestampMs);
    if (options.name !== undefined && result?.ok === true) this.ids[options.name] = tx.idHex;
    return { ...(result as TxResult), id: tx.idHex };
  }

  resolve(payload: unknown): unknown {
    for (const name of exampleRefNames(payload)) if (this.ids[name] === undefined) throw new Error(`no id yet for ${name}`);
    return resolveExampleRefs(payload, this.ids);
  }

  /** Submits the manifest's examples in order, one block each; stops before `stopBefore` when given. */
  async submitExamples(stopBefore?: string): Promise<Record<string, TxResult>> {
    const results: Record<string, TxResult> = {};
    for (const submission of readManifest().submissions) {
      if (submission.name === stopBefore) break;
      const result = await this.submit(submission.signer, submission.kind, this.resolve(readExample(submission.file)), { name: submission.name });
      results[submission.name] = result.ok ? { ok: true } : { ok: false, code: (result as { code: string }).code };
    }
    return results;
  }
}
