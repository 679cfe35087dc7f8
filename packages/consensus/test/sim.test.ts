// The cluster simulator over many seeds. CI runs TL_SIM_SEEDS (default 1,000) seeds of 300
// chaos steps plus the healing phase; TL_SIM_SEEDS=100000 is the long mode. A failing seed is
// printed with the command that replays exactly that run (TL_SIM_SEED=<seed>).
import { describe, expect, test } from 'vitest';
import { CATCH_UP_STEPS_PER_WINDOW, LIVENESS_BOUND_STEPS, runSimulation } from './sim/simulation.js';
import type { SimResult } from './sim/simulation.js';

const CHAOS_STEPS = 300;
const onlySeed = process.env.TL_SIM_SEED === undefined ? undefined : Number(process.env.TL_SIM_SEED);
const seedCount = Number(process.env.TL_SIM_SEEDS ?? 1000);
const firstSeed = Number(process.env.TL_SIM_FIRST_SEED ?? 1);

function replay(seed: number): string {
  return `TL_SIM_SEED=${seed} pnpm exec vitest run packages/consensus/test/sim.test.ts`;
}

describe('cluster simulation', () => {
  if (onlySeed !== undefined) {
    test(`seed ${onlySeed}`, () => {
      const result = runSimulation({ seed: onlySeed, chaosSteps: CHAOS_STEPS });
      console.log(JSON.stringify({ seed: onlySeed, steps: result.steps, stats: result.stats }));
      expect(result.violation?.message ?? null).toBeNull();
    });
    return;
  }

  test(`${seedCount} seeds x ${CHAOS_STEPS} chaos steps keep every safety property and recover within ${LIVENESS_BOUND_STEPS} steps (+${CATCH_UP_STEPS_PER_WINDOW} per append window a needed voter lags)`, () => {
    const failures: string[] = [];
    const totals = { steps: 0, committed: 0, acked: 0, crashes: 0, confChanges: 0, snapshotsFetched: 0, reads: 0, transfers: 0, leadersElected: 0, maxLiveAfter: 0, beyondBaseBound: 0 };
    const sizes = new Set<number>();
    for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
      const result: SimResult = runSimulation({ seed, chaosSteps: CHAOS_STEPS });
      if (result.violation !== null) {
        failures.push(`seed ${seed}: ${result.violation.message}\n  replay: ${replay(seed)}`);
        if (failures.length >= 5) break;
        continue;
      }
      totals.steps += result.steps;
      totals.committed += result.stats.committed;
      totals.acked += result.stats.acked;
      totals.crashes += result.stats.crashes;
      totals.confChanges += result.stats.confChanges;
      totals.snapshotsFetched += result.stats.snapshotsFetched;
      totals.reads += result.stats.reads;
      totals.transfers += result.stats.transfers;
      totals.leadersElected += result.stats.leadersElected;
      totals.maxLiveAfter = Math.max(totals.maxLiveAfter, result.stats.liveAfterTicks);
      if (result.stats.liveAfterTicks > LIVENESS_BOUND_STEPS) totals.beyondBaseBound++;
      sizes.add(result.stats.nodes);
    }
    if (failures.length > 0) console.error(failures.join('\n'));
    expect(failures).toEqual([]);
    console.log(`simulated ${seedCount} seeds: ${JSON.stringify(totals)}`);
    // The faults and features really happened, in every run mix.
    expect(totals.steps).toBeGreaterThanOrEqual(seedCount * CHAOS_STEPS);
    expect(totals.acked).toBeGreaterThan(seedCount * 10);
    expect(totals.crashes).toBeGreaterThan(seedCount);
    expect(totals.confChanges).toBeGreaterThan(seedCount / 2);
    expect(totals.snapshotsFetched).toBeGreaterThan(seedCount / 5);
    expect(totals.reads).toBeGreaterThan(seedCount);
    expect(totals.transfers).toBeGreaterThan(seedCount / 5);
    // Needing the catch-up allowance is the rare case (a far-behind voter the quorum needs).
    expect(totals.beyondBaseBound).toBeLessThanOrEqual(Math.ceil(seedCount / 100));
    if (seedCount >= 100) for (const size of [3, 5, 7]) expect(sizes.has(size)).toBe(true);
  }, Math.max(60_000, seedCount * 100));
});
