// A small, real StateMachine for tests and benchmarks of the block pipeline, stores and audit,
// independent of the trade documents: members are node keys listed in the genesis config, each
// transaction needs a strictly increasing per-signer nonce and a fresh id, and an accepted one
// records its kind under `rec/<txId>`. It follows every rule the trade state machine must follow
// (deterministic, never throws on input, overlay within a block).

import { concatBytes, toHex, utf8 } from '../bytes.js';
import type { StateMachine } from '../block-verify.js';
import { LedgerError } from '../errors.js';
import { DOMAIN, domainHash, sha256 } from '../hash.js';
import type { StateReader, StateWrite, TxResult } from '../store.js';
import type { DecodedTx } from '../tx.js';

export interface RecordingGenesisConfig {
  readonly nodeKeys: readonly string[];
}

function nonceBytes(nonce: number): Uint8Array {
  return utf8(nonce.toString(10));
}

export const recordingStateMachine: StateMachine = {
  genesisWrites(config: unknown): StateWrite[] {
    const keys = (config as RecordingGenesisConfig | null)?.nodeKeys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k))) {
      throw new LedgerError('GENESIS_INVALID', 'config.nodeKeys: expected a non-empty list of 32-byte hex keys', { field: 'config.nodeKeys' });
    }
    return [...keys].sort().map((key) => ({ key: `member/${key}`, value: Uint8Array.of(1) }));
  },

  async isMemberNodeKey(reader: StateReader, publicKey: Uint8Array): Promise<boolean> {
    return (await reader.getState(`member/${toHex(publicKey)}`)) !== undefined;
  },

  async apply(reader: StateReader, _context, txs: readonly DecodedTx[]): Promise<{ writes: StateWrite[]; results: TxResult[] }> {
    const overlay = new Map<string, Uint8Array | null>();
    const read = async (key: string) => (overlay.has(key) ? (overlay.get(key) ?? undefined) : reader.getState(key));
    const seen = new Set<string>();
    const results: TxResult[] = [];
    for (const tx of txs) {
      if (seen.has(tx.idHex) || (await reader.getTxLocation(tx.id)) !== undefined) {
        results.push({ ok: false, code: 'TX_DUPLICATE' });
        continue;
      }
      seen.add(tx.idHex);
      const nonceKey = `nonce/${toHex(tx.tx.signer)}`;
      const last = await read(nonceKey);
      if (last !== undefined && Number(new TextDecoder().decode(last)) >= tx.tx.nonce) {
        results.push({ ok: false, code: 'NONCE_REPLAY' });
        continue;
      }
      overlay.set(nonceKey, nonceBytes(tx.tx.nonce));
      overlay.set(`rec/${tx.idHex}`, utf8(tx.tx.kind));
      results.push({ ok: true });
    }
    const writes = [...overlay.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
    return { writes, results };
  },

  nextStateRoot(previousRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
    const parts: Uint8Array[] = [previousRoot];
    for (const write of writes) {
      const key = utf8(write.key);
      parts.push(Uint8Array.of(key.length >> 8, key.length & 0xff), key, write.value === null ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), sha256(write.value)));
    }
    return domainHash(DOMAIN.stateRoot, concatBytes(...parts));
  },
};
