// A write overlay over a StateReader: reads see the overlay's writes first, scans merge them in
// key order. The state machine keeps one per block (later transactions see earlier writes) and
// one per transaction on top of it (a rejected transaction's writes are dropped whole).

import { assert } from '../errors.js';
import { STATE_KEY_PATTERN, STATE_SCAN_MAX_ENTRIES, type StateReader, type StateScanOptions, type StateWrite, type TxLocation } from '../store.js';

export class StateOverlay implements StateReader {
  private readonly pending = new Map<string, Uint8Array | null>();

  constructor(private readonly base: StateReader) {}

  async getState(key: string): Promise<Uint8Array | undefined> {
    if (this.pending.has(key)) return this.pending.get(key) ?? undefined;
    return this.base.getState(key);
  }

  getTxLocation(txId: Uint8Array): Promise<TxLocation | undefined> {
    return this.base.getTxLocation(txId);
  }

  async scanState(prefix: string, options: StateScanOptions = {}): Promise<Array<readonly [string, Uint8Array]>> {
    const limit = Math.min(options.limit ?? STATE_SCAN_MAX_ENTRIES, STATE_SCAN_MAX_ENTRIES);
    const after = options.after;
    const mine = [...this.pending.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort();
    const out: Array<readonly [string, Uint8Array]> = [];
    let mineIndex = 0;
    let baseCursor = after;
    let basePage: Array<readonly [string, Uint8Array]> = [];
    let baseIndex = 0;
    let baseDone = false;
    while (out.length < limit) {
      if (baseIndex >= basePage.length && !baseDone) {
        const pageSize = STATE_SCAN_MAX_ENTRIES;
        basePage = await this.base.scanState(prefix, baseCursor === undefined ? { limit: pageSize } : { after: baseCursor, limit: pageSize });
        baseIndex = 0;
        if (basePage.length < pageSize) baseDone = true;
        if (basePage.length > 0) baseCursor = (basePage[basePage.length - 1] as readonly [string, Uint8Array])[0];
      }
      const fromBase = basePage[baseIndex];
      const fromMine = mine[mineIndex];
      if (fromBase === undefined && fromMine === undefined) break;
      if (fromMine !== undefined && (fromBase === undefined || fromMine <= fromBase[0])) {
        if (fromBase !== undefined && fromMine === fromBase[0]) baseIndex++; // the overlay shadows the base
        mineIndex++;
        const value = this.pending.get(fromMine);
        if (value !== null && value !== undefined) out.push([fromMine, value]);
      } else if (fromBase !== undefined) {
        baseIndex++;
        out.push(fromBase);
      }
    }
    return out;
  }

  set(key: string, value: Uint8Array): void {
    if (!STATE_KEY_PATTERN.test(key)) assert(false, `state key is printable ASCII: ${JSON.stringify(key.slice(0, 80))}`);
    this.pending.set(key, value);
  }

  delete(key: string): void {
    if (!STATE_KEY_PATTERN.test(key)) assert(false, `state key is printable ASCII: ${JSON.stringify(key.slice(0, 80))}`);
    this.pending.set(key, null);
  }

  /** Moves this overlay's writes into `target` (the block overlay when a transaction is accepted). */
  commitInto(target: StateOverlay): void {
    for (const [key, value] of this.pending) {
      if (value === null) target.delete(key);
      else target.set(key, value);
    }
    this.pending.clear();
  }

  /** The writes, one per key, sorted by key. */
  writes(): StateWrite[] {
    return [...this.pending.keys()].sort().map((key) => ({ key, value: this.pending.get(key) ?? null }));
  }
}
