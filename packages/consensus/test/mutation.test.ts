// The simulator has teeth: each deliberately broken rule (UnsafeTestingFlags) is caught by the
// simulator's own checks (not by an assertion inside Raft) within the seeds CI runs.
import { describe, expect, test } from 'vitest';
import type { UnsafeTestingFlags } from '../src/index.js';
import { runSimulation } from './sim/simulation.js';

const CI_SEEDS = 1000;

const mutants: { flag: keyof UnsafeTestingFlags; caughtBy: string[] }[] = [
  { flag: 'commitPriorTermByCount', caughtBy: ['leader-completeness', 'committed-changed', 'state-machine-safety', 'log-matching', 'acked-lost'] },
  { flag: 'doubleVote', caughtBy: ['election-safety'] },
  { flag: 'ignoreLogUpToDate', caughtBy: ['leader-completeness', 'committed-changed', 'state-machine-safety', 'acked-lost'] },
];

describe('mutation check', () => {
  for (const { flag, caughtBy } of mutants) {
    test(`${flag} is caught within ${CI_SEEDS} CI seeds`, () => {
      let caught: { seed: number; kind: string; message: string } | null = null;
      for (let seed = 1; seed <= CI_SEEDS && caught === null; seed++) {
        const result = runSimulation({ seed, unsafe: { [flag]: true } });
        if (result.violation !== null) caught = { seed, kind: result.violation.kind, message: result.violation.message };
      }
      expect(caught, `${flag} survived ${CI_SEEDS} seeds`).not.toBeNull();
      console.log(`${flag}: caught at seed ${caught?.seed}: ${caught?.message}`);
      expect(caughtBy).toContain(caught?.kind);
    });
  }

  test('the same seeds pass without the mutation', () => {
    for (let seed = 1; seed <= 20; seed++) expect(runSimulation({ seed }).violation).toBeNull();
  });
});
