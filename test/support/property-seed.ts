// Every property test draws from one seed per run: TL_SEED when set (to replay or to explore),
// else a fixed default, so a CI run is reproducible and a failure names the seed that found it.
// Tests that pass their own `seed` to fc.assert keep it.
import fc from 'fast-check';

const seed = Number(process.env['TL_SEED'] ?? 20_261_129);
if (!Number.isSafeInteger(seed)) throw new Error(`TL_SEED must be an integer, got ${JSON.stringify(process.env['TL_SEED'])}`);
fc.configureGlobal({ seed });
