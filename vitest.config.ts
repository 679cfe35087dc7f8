import { defineConfig } from 'vitest/config';

// One config for the whole workspace. Package tests import their own sources (../src/*.js);
// cross-package and multi-process tests under test/ import the built packages, so `pnpm test`
// builds first (scripts/test.mjs).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Seeds for property tests and the cluster simulator come from TL_SEED when set, so a
    // failing run can be replayed exactly.
    env: { TL_TEST: '1' },
    setupFiles: ['test/support/test-env.ts'],
  },
});
