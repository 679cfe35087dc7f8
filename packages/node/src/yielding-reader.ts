// A state reader that lets the event loop run while a long apply reads through it.
//
// With the store's cache, most reads resolve as microtasks, so applying a block of a thousand
// transactions can run for hundreds of milliseconds without giving timers and sockets a turn. On
// the leader that delays heartbeats past the followers' election timeout and a healthy leader is
// voted out. Every `sliceMs` of reading, this reader waits for one turn of the event loop
// (setImmediate: after pending I/O callbacks, so Raft messages, ticks and clients get through).

import type { StateReader, StateScanOptions, TxLocation } from '@tradeledger/ledger';

/** How long an apply may hold the event loop between turns, by default. */
export const APPLY_SLICE_MS_DEFAULT = 10;

export class YieldingReader implements StateReader {
  private sliceStart: number;
  /** Turns given to the event loop so far. */
  yields = 0;

  constructor(
    private readonly base: StateReader,
    private readonly sliceMs: number = APPLY_SLICE_MS_DEFAULT,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sliceStart = now();
  }

  private async turn(): Promise<void> {
    if (this.now() - this.sliceStart < this.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.yields += 1;
    this.sliceStart = this.now();
  }

  async getState(key: string): Promise<Uint8Array | undefined> {
    await this.turn();
    return this.base.getState(key);
  }

  async scanState(prefix: string, options?: StateScanOptions): Promise<Array<readonly [string, Uint8Array]>> {
    await this.turn();
    return this.base.scanState(prefix, options);
  }

  async getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    await this.turn();
    return this.base.getTxLocation(txId);
  }
}
