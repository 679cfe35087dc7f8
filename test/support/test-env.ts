// Set up in every test worker before its files run (vitest.config.ts setupFiles):
// - Every property test draws from one seed per run: TL_SEED when set (to replay or to explore),
//   else a fixed default, so a CI run is reproducible and a failure names the seed that found it.
//   Tests that pass their own `seed` to fc.assert keep it.
// - Each worker draws loopback ports from its own range (TL_PORT_RANGE, inherited by the nodes
//   and `tradeledger dev` processes its tests start), so two test files running side by side
//   cannot pick the same free port between one's check and the other's bind.
import fc from 'fast-check';

const seed = Number(process.env['TL_SEED'] ?? 20_261_129);
if (!Number.isSafeInteger(seed)) throw new Error(`TL_SEED must be an integer, got ${JSON.stringify(process.env['TL_SEED'])}`);
fc.configureGlobal({ seed });

const pool = Number(process.env['VITEST_POOL_ID'] ?? 0);
const WORKER_RANGE = 3_000;
if (process.env['TL_PORT_RANGE'] === undefined && Number.isInteger(pool) && pool >= 1 && pool <= 4) {
  const low = 20_000 + (pool - 1) * WORKER_RANGE;
  process.env['TL_PORT_RANGE'] = `${low}-${low + WORKER_RANGE}`;
}
