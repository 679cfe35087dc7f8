import { describe, expect, it } from 'vitest';
import type { StateReader } from '@tradeledger/ledger';
import { YieldingReader } from '../src/yielding-reader.js';

const instant: StateReader = {
  getState: async (key) => new TextEncoder().encode(key),
  scanState: async (prefix) => [[prefix, new Uint8Array([1])]],
  getTxLocation: async () => ({ height: 1, position: 0, result: { ok: true } }),
};

describe('YieldingReader', () => {
  it('gives the event loop a turn once a slice of reading has passed, and answers what the base answers', async () => {
    let clock = 0;
    const reader = new YieldingReader(instant, 10, () => clock);
    let ranBetween = false;
    setImmediate(() => {
      ranBetween = true;
    });
    for (let i = 0; i < 9; i++) {
      clock += 1;
      expect(await reader.getState(`k${i}`)).toEqual(new TextEncoder().encode(`k${i}`));
    }
    // Nine reads within the 10 ms slice: cached reads are microtasks, nothing else has run.
    expect(ranBetween).toBe(false);
    expect(reader.yields).toBe(0);
    clock += 1;
    expect(await reader.getTxLocation(new Uint8Array(32))).toEqual({ height: 1, position: 0, result: { ok: true } });
    expect(ranBetween).toBe(true);
    expect(reader.yields).toBe(1);
    expect(await reader.scanState('p/')).toEqual([['p/', new Uint8Array([1])]]);
    expect(reader.yields).toBe(1);
  });

  it('lets a timer run during a long apply over cached reads', async () => {
    const reader = new YieldingReader(instant, 5);
    let timerAt = -1;
    let reads = 0;
    setTimeout(() => {
      timerAt = reads;
    }, 1);
    const until = performance.now() + 40;
    while (performance.now() < until) {
      await reader.getState('busy');
      reads++;
    }
    expect(timerAt).toBeGreaterThanOrEqual(0);
    expect(timerAt).toBeLessThan(reads);
  });
});
