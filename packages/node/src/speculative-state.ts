// The state a leader builds its next block on: the committed store plus the effects of its own
// proposals still in flight, in order. Reads see the newest pending write of a key first; scans
// merge through the ledger's StateOverlay; transaction ids of pending blocks count as present,
// so a transaction can never be put into two pipelined blocks.

import { StateOverlay, toHex, type BlockCommit, type StateReader, type StateScanOptions, type TxLocation } from '@tradeledger/ledger';

export class SpeculativeState implements StateReader {
  private readonly overlay: StateOverlay;
  private readonly locations = new Map<string, TxLocation>();

  constructor(
    private readonly base: StateReader,
    pending: readonly BlockCommit[],
  ) {
    this.overlay = new StateOverlay(base);
    for (const commit of pending) {
      for (const write of commit.stateWrites) {
        if (write.value === null) this.overlay.delete(write.key);
        else this.overlay.set(write.key, write.value);
      }
      for (const entry of commit.txIndex) this.locations.set(toHex(entry.txId), { height: commit.height, position: entry.position, result: entry.result });
    }
  }

  getState(key: string): Promise<Uint8Array | undefined> {
    return this.overlay.getState(key);
  }

  scanState(prefix: string, options?: StateScanOptions): Promise<Array<readonly [string, Uint8Array]>> {
    return this.overlay.scanState(prefix, options);
  }

  async getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    return this.locations.get(toHex(txId)) ?? this.base.getTxLocation(txId);
  }
}
